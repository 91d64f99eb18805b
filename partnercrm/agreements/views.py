"""Agreement pages: the list with filters, the page of one agreement with its documents and
what it produced, the form, document upload and download, linking activities, and the plan
item 4 figures (agreements signed per year and municipality).

Every view loads its agreement by id and checks it with :mod:`partnercrm.access.agreements`: an
agreement the user may not see is "not found" (404), for its documents too. Writes go through
:mod:`partnercrm.agreements.services` inside the request's unit of work; a refusal rolls back and
is shown (:func:`~partnercrm.web.unit_of_work.refusal_shown`).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BuildError

from partnercrm import uploads
from partnercrm.access.agreements import (
    agreements_scope,
    can_create_agreement,
    can_download_agreement_document,
    can_edit_agreement,
    can_link_activity,
    can_make_agreement_between,
    can_see_agreement,
    default_party,
    linkable_activity_condition,
)
from partnercrm.access.base import require
from partnercrm.activities.models import Activity
from partnercrm.activities.queries import counts_by_activity
from partnercrm.agreements import queries, services
from partnercrm.agreements.forms import (
    AgreementForm,
    DocumentForm,
    LinkActivityForm,
)
from partnercrm.agreements.labels import KIND_LABELS, STATUS_BADGES, STATUS_LABELS
from partnercrm.agreements.models import Agreement, AgreementDocument, AgreementParty
from partnercrm.agreements.rules import (
    EXPIRING_WITHIN_DAYS,
    AgreementStatus,
    CooperationKind,
)
from partnercrm.directory.models import Organization
from partnercrm.directory.queries import all_municipalities
from partnercrm.extensions import db
from partnercrm.localtime import local_date, local_today
from partnercrm.web import form_tokens
from partnercrm.web.errors import render_error
from partnercrm.web.integers import record_id
from partnercrm.web.pagination import paginate
from partnercrm.web.unit_of_work import refusal_shown

bp = Blueprint("agreements", __name__, url_prefix="/agreements")

UPLOAD_AREA = "agreements"
LINK_CHOICES_LIMIT = 200
ACTIVITIES_PER_PAGE = 20


@bp.context_processor
def _labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "status_badges": STATUS_BADGES,
        "cooperation_labels": KIND_LABELS,
        "activity_url": activity_url,
    }


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    return render_error(413, _(uploads.TOO_LARGE))


def activity_url(activity_id: int) -> str | None:
    """The activity's page, if the activities blueprint has one."""
    try:
        return url_for("activities.detail", activity_id=activity_id)
    except BuildError:
        return None


def _load(agreement_id: int) -> Agreement:
    """The agreement with its parties, or 404 when the user may not see it."""
    agreement = db.session.scalars(
        sa.select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(
            selectinload(Agreement.parties)
            .selectinload(AgreementParty.organization)
            .selectinload(Organization.municipality),
            selectinload(Agreement.kinds),
        )
    ).first()
    if agreement is None or not can_see_agreement(current_user, agreement):
        abort(404)
    return agreement


# --- list ---


def _list_filters() -> queries.Filters:
    args = request.args
    status = args.get("status", "")
    kind = args.get("kind", "")
    expires = args.get("expires", type=int)
    if expires is not None and not 0 <= expires <= queries.MAX_EXPIRES_WITHIN:
        expires = None
    return queries.Filters(
        q=args.get("q", "").strip()[:200],
        status=AgreementStatus(status) if status in set(AgreementStatus) else None,
        party=args.get("party", "").strip()[:200],
        municipality_id=args.get("municipality", type=record_id),
        kind=CooperationKind(kind) if kind in set(CooperationKind) else None,
        expires_within=expires,
        organization_id=args.get("organization", type=record_id),
    )


@bp.route("/")
@login_required
def index():
    today = local_today()
    filters = _list_filters()
    scope = agreements_scope(current_user)
    query = queries.filter_agreements(scope, filters, today).options(
        selectinload(Agreement.parties).selectinload(AgreementParty.organization),
        selectinload(Agreement.kinds),
    )
    page = paginate(query.order_by(Agreement.signed_on.desc().nulls_first(), Agreement.id.desc()))
    counts = queries.status_counts(db.session, scope, today)
    municipalities = all_municipalities()
    organization = (
        db.session.get(Organization, filters.organization_id)
        if filters.organization_id is not None
        else None
    )
    return render_template(
        "agreements/index.html",
        page=page,
        filters=filters,
        today=today,
        counts=counts,
        municipalities=municipalities,
        organization=organization,
        statuses=list(AgreementStatus),
        expiring_days=EXPIRING_WITHIN_DAYS,
        can_create=can_create_agreement(current_user),
    )


# --- create and edit ---


def _save(form: AgreementForm, agreement: Agreement | None):
    """Create or update from a valid form: a redirect, or None to show the errors."""
    data = form.data_for_service()
    if not can_make_agreement_between(current_user, [o for o, _r in data.parties]):
        form.parties.errors.append(
            _("Name your own organization (or one you coordinate) among the parties.")
        )
        return None
    with refusal_shown(form):
        if agreement is None:
            agreement = services.create_agreement(data, current_user)
            form_tokens.spend(form, url_for("agreements.detail", agreement_id=agreement.id))
        else:
            services.update_agreement(agreement, data)
        flash(_("The agreement has been saved."), "success")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return None


def _own_party() -> list:
    """A new agreement starts with the user's own organization as a party."""
    organization = default_party(current_user)
    return [(organization, None)] if organization is not None else []


def _render_form(form: AgreementForm, agreement: Agreement | None):
    if request.method == "POST":
        form.add_blank_party_rows()
    return render_template("agreements/form.html", form=form, agreement=agreement)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(can_create_agreement(current_user))
    form = AgreementForm()
    if repeated := form_tokens.repeated_answer(form):
        return repeated
    if request.method == "GET":
        form.fill_parties(_own_party())
    elif form.validate_on_submit() and (response := _save(form, None)):
        return response
    return _render_form(form, None)


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(agreement_id: int):
    agreement = _load(agreement_id)
    require(can_edit_agreement(current_user, agreement))
    if request.method == "GET":
        form = AgreementForm(obj=agreement, formdata=None)
        form.kinds.data = [row.kind.value for row in agreement.kinds]
        form.fill_parties([(party.organization, party.role) for party in agreement.parties])
        return _render_form(form, agreement)
    form = AgreementForm()
    if form.validate_on_submit() and (response := _save(form, agreement)):
        return response
    return _render_form(form, agreement)


# --- one agreement ---


def _link_choices(agreement: Agreement) -> list[tuple[int, str]]:
    """Activities the user may link: of a party they act for, not yet under an agreement."""
    rows = db.session.execute(
        sa.select(Activity.id, Activity.title, Activity.starts_at)
        .where(
            Activity.agreement_id.is_(None),
            linkable_activity_condition(current_user, agreement),
        )
        .order_by(Activity.starts_at.desc(), Activity.id.desc())
        .limit(LINK_CHOICES_LIMIT)
    ).all()
    return [
        (activity_id, f"{local_date(starts_at):%d.%m.%Y} — {title}")
        for activity_id, title, starts_at in rows
    ]


def _render_detail(agreement: Agreement, document_form=None, link_form=None, status=200):
    today = local_today()
    can_edit = can_edit_agreement(current_user, agreement)
    activities = paginate(
        sa.select(Activity)
        .where(Activity.agreement_id == agreement.id)
        .options(selectinload(Activity.host), selectinload(Activity.organizer))
        .order_by(Activity.starts_at.desc(), Activity.id.desc()),
        per_page=ACTIVITIES_PER_PAGE,
    )
    counts = counts_by_activity(db.session, [activity.id for activity in activities.items])
    linkable_ids: set[int] = set()
    if can_edit and activities.items:
        linkable_ids = set(
            db.session.scalars(
                sa.select(Activity.id).where(
                    Activity.id.in_([activity.id for activity in activities.items]),
                    linkable_activity_condition(current_user, agreement),
                )
            )
        )
    if can_edit and link_form is None:
        link_form = LinkActivityForm()
    if link_form is not None:
        link_form.activity.choices = _link_choices(agreement)
    documents = db.session.scalars(
        sa.select(AgreementDocument)
        .where(AgreementDocument.agreement_id == agreement.id)
        .options(selectinload(AgreementDocument.uploaded_by))
        .order_by(AgreementDocument.uploaded_at.desc(), AgreementDocument.id.desc())
    ).all()
    return render_template(
        "agreements/detail.html",
        agreement=agreement,
        status=agreement.status_on(today),
        today=today,
        can_edit=can_edit,
        documents=documents,
        document_form=document_form or (DocumentForm() if can_edit else None),
        link_form=link_form,
        activities=activities,
        counts=counts,
        linkable_ids=linkable_ids,
        outcomes=queries.outcomes(db.session, agreement.id),
    ), status


@bp.route("/<int:agreement_id>")
@login_required
def detail(agreement_id: int):
    return _render_detail(_load(agreement_id))


# --- documents ---


@bp.route("/<int:agreement_id>/documents", methods=["POST"])
@login_required
def upload_document(agreement_id: int):
    agreement = _load(agreement_id)
    require(can_edit_agreement(current_user, agreement))
    form = DocumentForm()
    if not form.validate_on_submit():
        return _render_detail(agreement, document_form=form, status=400)
    file = form.document.data
    try:
        stored_name = uploads.save_pdf(file, UPLOAD_AREA)
    except uploads.UploadError as error:
        if str(error) == uploads.TOO_LARGE:
            return render_error(413, _(uploads.TOO_LARGE))
        form.document.errors = [_(str(error))]
        return _render_detail(agreement, document_form=form, status=400)
    try:
        path = uploads.stored_path(UPLOAD_AREA, stored_name)
        assert path is not None, "save_pdf made the name"
        services.add_document(
            agreement, stored_name, file.filename, path.stat().st_size, current_user
        )
    except BaseException:
        # The request's unit of work rolls the document back: nothing refers to the file.
        uploads.discard(UPLOAD_AREA, stored_name)
        raise
    flash(_("The document has been uploaded."), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id))


@bp.route("/<int:agreement_id>/documents/<int:document_id>")
@login_required
def download_document(agreement_id: int, document_id: int):
    agreement = _load(agreement_id)
    require(can_download_agreement_document(current_user, agreement))
    document = db.session.get(AgreementDocument, document_id)
    if document is None or document.agreement_id != agreement.id:
        abort(404)
    uploaded = local_date(document.uploaded_at)
    name = _("Agreement %(number)s %(date)s", number=agreement.number, date=f"{uploaded:%Y-%m-%d}")
    return uploads.send_pdf(UPLOAD_AREA, document.stored_name, name)


# --- activities carried out under the agreement ---


@bp.route("/<int:agreement_id>/activities", methods=["POST"])
@login_required
def link_activity(agreement_id: int):
    agreement = _load(agreement_id)
    require(can_edit_agreement(current_user, agreement))
    form = LinkActivityForm()
    form.activity.choices = _link_choices(agreement)
    if not form.validate_on_submit():
        return _render_detail(agreement, link_form=form, status=400)
    activity = db.get_or_404(Activity, form.activity.data)
    require(can_link_activity(current_user, agreement, activity))
    # No form to show the refusal on: the page it leads back to is rendered anew.
    with refusal_shown():
        services.link_activity(agreement, activity)
        flash(_("The activity is linked to the agreement."), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement_id))


@bp.route("/<int:agreement_id>/activities/<int:activity_id>/unlink", methods=["POST"])
@login_required
def unlink_activity(agreement_id: int, activity_id: int):
    agreement = _load(agreement_id)
    require(can_edit_agreement(current_user, agreement))
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.agreement_id != agreement.id:
        abort(404)
    require(can_link_activity(current_user, agreement, activity))
    services.unlink_activity(agreement, activity)
    flash(_("The activity is no longer linked to the agreement."), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id))


# --- plan item 4 ---


@bp.route("/stats")
@login_required
def stats():
    """Agreements signed per year and municipality, region-wide (counts only)."""
    figures = queries.signed_per_year_and_municipality(db.session, sa.select(Agreement))
    return render_template("agreements/stats.html", stats=figures)
