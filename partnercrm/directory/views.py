"""Directory pages: municipalities and organizations, readable by every logged-in user (an
employer awaiting approval by those who decide on it, :mod:`partnercrm.access.directory`);
organizations are created and edited by admins anywhere and coordinators in their municipality."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.base import require
from partnercrm.access.directory import (
    can_create_organization_in,
    can_manage_organization,
    can_manage_organizations,
    can_see_organization,
    organization_visibility,
)
from partnercrm.directory import services
from partnercrm.directory.forms import OrganizationForm
from partnercrm.directory.labels import APPROVAL_LABELS, KIND_LABELS
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.queries import (
    all_municipalities,
    organization_label,
    search_organizations,
    text_matches,
)
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.web import form_tokens
from partnercrm.web.integers import record_id
from partnercrm.web.pagination import paginate
from partnercrm.web.unit_of_work import refusal_shown

bp = Blueprint("directory", __name__)


@bp.context_processor
def _labels() -> dict:
    return {"kind_labels": KIND_LABELS, "approval_labels": APPROVAL_LABELS}


@bp.route("/municipalities")
@login_required
def municipalities():
    counts = (
        sa.select(Organization.municipality_id, sa.func.count().label("organizations"))
        .group_by(Organization.municipality_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Municipality, sa.func.coalesce(counts.c.organizations, 0))
        .outerjoin(counts, counts.c.municipality_id == Municipality.id)
        .order_by(Municipality.name)
    ).all()
    return render_template("directory/municipalities.html", rows=rows)


@bp.route("/organizations")
@login_required
def organizations():
    filters = {
        "q": request.args.get("q", "").strip(),
        "kind": request.args.get("kind", ""),
        "municipality": request.args.get("municipality", type=record_id),
        "approval": request.args.get("approval", ""),
    }
    query = (
        sa.select(Organization)
        .where(organization_visibility(current_user))
        .options(sa.orm.joinedload(Organization.municipality))
    )
    if filters["q"]:
        query = query.where(text_matches(filters["q"]))
    if filters["kind"] in {k.value for k in OrganizationKind}:
        query = query.where(Organization.kind == OrganizationKind(filters["kind"]))
    if filters["municipality"] is not None:
        query = query.where(Organization.municipality_id == filters["municipality"])
    if filters["approval"] in {s.value for s in ApprovalState}:
        query = query.where(Organization.approval_state == ApprovalState(filters["approval"]))
    page = paginate(query.order_by(Organization.name, Organization.id))
    return render_template(
        "directory/organizations.html",
        page=page,
        filters=filters,
        municipalities=all_municipalities(),
        can_create=can_manage_organizations(current_user),
    )


@bp.route("/organizations/search")
@login_required
def organization_search():
    """Suggestions for the organization pickers (``organization-search.js``): ``?q=`` (two
    letters or more), ``?kind=a,b``. Only organizations a picker offers
    (:func:`~partnercrm.directory.queries.pickable_organizations`): never an employer awaiting
    approval or declined."""
    valid = {kind.value for kind in OrganizationKind}
    kinds = [OrganizationKind(k) for k in request.args.get("kind", "").split(",") if k in valid]
    found = search_organizations(request.args.get("q", "")[:200], kinds)
    return jsonify(
        [
            {
                "id": o.id,
                "value": organization_label(o),
                "code": o.code,
                "name": o.name,
                "short_name": o.short_name,
                "municipality": o.municipality.name,
            }
            for o in found
        ]
    )


@bp.route("/organizations/<int:organization_id>")
@login_required
def organization(organization_id: int):
    org = db.session.get(Organization, organization_id)
    if org is None or not can_see_organization(current_user, org):
        abort(404)
    return render_template(
        "directory/organization.html",
        org=org,
        can_edit=can_manage_organization(current_user, org),
    )


def _scoped_municipalities(form: OrganizationForm) -> None:
    """Offer only the municipalities the user may put an organization in."""
    choices = [
        (m.id, m.name)
        for m in all_municipalities()
        if can_create_organization_in(current_user, m.id)
    ]
    form.municipality_id.choices = ([(0, "—")] if len(choices) > 1 else []) + choices


def _save(form: OrganizationForm, org: Organization | None):
    """Create or update from a valid form; a redirect on success, None to show the errors."""
    # The choices already hold the scope; this guards the write itself.
    require(can_create_organization_in(current_user, form.municipality_id.data))
    with refusal_shown(form):
        if org is None:
            org = services.create_organization(**form.values())
            form_tokens.spend(form, url_for("directory.organization", organization_id=org.id))
        else:
            services.update_organization(org, **form.values())
        flash(_("The organization has been saved."), "success")
        return redirect(url_for("directory.organization", organization_id=org.id))
    return None


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def new_organization():
    require(can_manage_organizations(current_user))
    form = OrganizationForm()
    _scoped_municipalities(form)
    if repeated := form_tokens.repeated_answer(form):
        return repeated
    if form.validate_on_submit() and (response := _save(form, None)):
        return response
    return render_template("directory/organization_form.html", form=form, org=None)


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organization(organization_id: int):
    org = db.get_or_404(Organization, organization_id)
    require(can_manage_organization(current_user, org))
    form = OrganizationForm(obj=org)
    _scoped_municipalities(form)
    if form.validate_on_submit() and (response := _save(form, org)):
        return response
    return render_template("directory/organization_form.html", form=form, org=org)
