"""Employer self-registration (public sign-up and e-mail confirmation) and the approval queue
of coordinators, admins and — for join requests — the organization's own users.

Every registration is loaded by id and checked with :mod:`partnercrm.access.portal`; one the
user may not decide is "not found". Writes go through :mod:`partnercrm.portal.services` inside
the request's unit of work; a refusal is shown with
:func:`~partnercrm.web.unit_of_work.refusal_shown`, and the letters are queued with
:func:`~partnercrm.web.unit_of_work.after_commit`. The organization's page shows what other
packages add to it through the ``registration-organization`` template hook.
"""

from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy.orm import contains_eager

from partnercrm.access.base import employer_may_act, permission_required, require
from partnercrm.access.portal import (
    can_decide_registration,
    can_edit_sign_up_data,
    can_filter_approvals_by_municipality,
    can_open_page,
    can_see_approvals,
    registrations_scope,
)
from partnercrm.accounts.models import User
from partnercrm.database import fold, folded
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.queries import all_municipalities
from partnercrm.directory.rules import is_valid_inn
from partnercrm.extensions import db
from partnercrm.portal import services
from partnercrm.portal.forms import DeclineForm, OrganizationDetailsForm, SignUpForm
from partnercrm.portal.labels import KIND_LABELS
from partnercrm.portal.models import Registration
from partnercrm.portal.rules import SignUpPath
from partnercrm.web.extensions import limiter
from partnercrm.web.forms import Form
from partnercrm.web.integers import record_id
from partnercrm.web.pagination import paginate
from partnercrm.web.unit_of_work import after_commit, refusal_shown

bp = Blueprint("portal", __name__)

# Every sign-up sends a letter; a few an hour from one address is plenty for people.
SIGN_UP_LIMIT_PER_IP = "10 per hour"


@bp.app_context_processor
def _employer_state() -> dict:
    # The dashboard's "awaiting approval" banner, and any page that hides employer actions.
    return {"employer_may_act": employer_may_act, "can_edit_sign_up_data": can_edit_sign_up_data}


@bp.before_app_request
def _awaiting_approval():
    """An employer awaiting approval opens its own pages only (:func:`can_open_page`); every
    other page tells it why not, with a 403."""
    if request.endpoint is not None and not can_open_page(current_user, request.endpoint):
        return render_template("portal/awaiting_approval.html"), 403
    return None


# --- sign-up ---


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(SIGN_UP_LIMIT_PER_IP, methods=["POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignUpForm()
    form.municipality.choices = [(0, "—")] + [(m.id, m.name) for m in all_municipalities()]
    if form.validate_on_submit():
        municipality = db.session.get(Municipality, form.municipality.data)
        with refusal_shown(form):
            # The same page whether the e-mail is known or not (docs/portal.md): only the
            # letter differs, and the page does not say which one went.
            answer = services.sign_up(form.data_for_service(municipality))
            after_commit(answer.letter)
            return render_template("portal/sign_up_sent.html", answer=answer)
    return render_template("portal/sign_up.html", form=form)


@bp.route("/sign-up/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The link of the confirmation letter. Confirming takes a button press (a POST), so
    mail scanners that open links do not confirm anything."""
    registration = services.registration_from_token(token)
    if registration is None:
        return render_template("portal/confirm_invalid.html"), 404
    if registration.confirmed_at is not None:
        return render_template("portal/confirm_done.html", registration=registration)
    form = Form()
    if form.validate_on_submit():
        with refusal_shown():
            path = services.confirm(registration)
            if path is SignUpPath.JOIN:
                after_commit(partial(services.notify_join_request, registration))
                return render_template("portal/confirm_done.html", registration=registration)
            login_user(registration.user)
            flash(_("Your e-mail is confirmed. The organization awaits approval."), "success")
            return redirect(url_for("dashboard.index"))
        # The refusal is shown as a message above the page.
        return render_template("portal/confirm_invalid.html", refused=True), 409
    return render_template("portal/confirm.html", form=form, registration=registration)


@bp.route("/sign-up/organization", methods=["GET", "POST"])
@permission_required(can_edit_sign_up_data)
def organization_details():
    """An employer awaiting approval corrects its organization's sign-up data."""
    organization = current_user.organization
    form = OrganizationDetailsForm(obj=organization)
    if form.validate_on_submit():
        with refusal_shown(form):
            services.correct_organization_details(organization, form.details())
            flash(_("The organization has been saved."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("portal/organization_details.html", form=form, organization=organization)


# --- the approval queue ---


@bp.route("/approvals")
@login_required
def approvals():
    require(can_see_approvals(current_user))
    kind = request.args.get("kind", "")
    search = request.args.get("q", "").strip()[:200]
    municipality_id = request.args.get("municipality", type=record_id)
    by_municipality = can_filter_approvals_by_municipality(current_user)
    query = (
        registrations_scope(current_user)
        .where(Registration.awaits_decision)
        .join(Registration.organization)
        .options(contains_eager(Registration.organization).joinedload(Organization.municipality))
    )
    if kind in KIND_LABELS:
        query = query.where(Registration.joins_existing.is_(kind == SignUpPath.JOIN))
    if search:
        needle = fold(search)
        query = query.where(
            sa.or_(
                folded(Organization.name).contains(needle, autoescape=True),
                Organization.inn.contains(search, autoescape=True),
                Registration.email.contains(search.lower(), autoescape=True),
                folded(Registration.full_name).contains(needle, autoescape=True),
            )
        )
    if municipality_id and by_municipality:
        query = query.where(Organization.municipality_id == municipality_id)
    page = paginate(query.order_by(Registration.confirmed_at, Registration.id))
    return render_template(
        "portal/approvals.html",
        page=page,
        kind=kind,
        search=search,
        municipality_id=municipality_id,
        municipalities=all_municipalities() if by_municipality else None,
        kind_labels=KIND_LABELS,
    )


def _load(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not can_decide_registration(current_user, registration):
        abort(404)
    return registration


def _render_detail(registration: Registration, decline_form: DeclineForm, status: int = 200):
    organization = registration.organization
    # An application is decided with its organization (an admin may change that directly).
    decision = registration.status if registration.joins_existing else organization.approval_state
    assert decision is not None, "an employer has an approval state"
    users_count = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.organization_id == organization.id)
    )
    return render_template(
        "portal/detail.html",
        registration=registration,
        organization=organization,
        inn_valid=bool(organization.inn and is_valid_inn(organization.inn)),
        users_count=users_count,
        decline_form=decline_form,
        kind_labels=KIND_LABELS,
        decision=decision.value,
    ), status


@bp.route("/approvals/<int:registration_id>")
@login_required
def detail(registration_id: int):
    return _render_detail(_load(registration_id), DeclineForm())


def _tell_the_applicant(registration: Registration) -> None:
    """After the commit: the letter with the decision. If the mail server fails, the decider
    is told so on the page the decision redirects to (the session, which carries the
    message, is saved after this runs)."""
    if not services.send_decision(registration):
        flash(_("The applicant could not be told by e-mail; tell them yourself."), "warning")


def _decided(registration: Registration, message: str):
    flash(message, "success")
    after_commit(partial(_tell_the_applicant, registration))
    return redirect(url_for("portal.approvals"))


@bp.route("/approvals/<int:registration_id>/approve", methods=["POST"])
@login_required
def approve(registration_id: int):
    registration = _load(registration_id)
    with refusal_shown():
        services.approve(registration, current_user)
        return _decided(registration, _("The registration has been approved."))
    return redirect(url_for("portal.detail", registration_id=registration_id))


@bp.route("/approvals/<int:registration_id>/decline", methods=["POST"])
@login_required
def decline(registration_id: int):
    registration = _load(registration_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _render_detail(registration, form, 400)
    with refusal_shown():
        services.decline(registration, current_user, form.reason.data)
        return _decided(registration, _("The registration has been declined."))
    return redirect(url_for("portal.detail", registration_id=registration_id))
