"""Employer self-registration (public sign-up and e-mail confirmation) and the approval queue
of coordinators, admins and — for join requests — the organization's own users.

Every registration is loaded by id and checked with :mod:`partnercrm.access`; one the user may
not decide is "not found". Writes go through :mod:`partnercrm.portal.services`; the view commits
once, then sends the mail.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import contains_eager

from partnercrm.access.agreements import agreements_scope
from partnercrm.access.base import employer_may_act, require
from partnercrm.access.portal import can_decide_registration, can_see_approvals, registrations_scope
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.queries import all_municipalities
from partnercrm.directory.rules import is_valid_inn
from partnercrm.extensions import db, limiter
from partnercrm.portal import services
from partnercrm.portal.forms import DeclineForm, SignUpForm
from partnercrm.portal.models import Registration
from partnercrm.portal.rules import SignUpPath
from partnercrm.web.pagination import paginate

bp = Blueprint("portal", __name__)

# Every sign-up sends a letter; a few an hour from one address is plenty for people.
SIGN_UP_LIMIT_PER_IP = "10 per hour"
AGREEMENTS_SHOWN = 10

KIND_LABELS = {
    "apply": _l("New organization"),
    "join": _l("Request to join"),
}


@bp.app_context_processor
def _employer_state() -> dict:
    # The dashboard's "awaiting approval" banner, and any page that hides employer actions.
    return {"employer_may_act": employer_may_act}


def _error_text(error: services.RegistrationError) -> str:
    return _(error.message, **error.params)


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
        try:
            registration = services.sign_up(form.data_for_service(municipality))
        except services.RegistrationError as error:
            db.session.rollback()
            field = form._fields.get(error.field, form.inn)
            field.errors = [*field.errors, _error_text(error)]
        else:
            db.session.commit()
            services.send_confirmation(registration)
            return render_template(
                "portal/sign_up_sent.html",
                registration=registration,
                joins=registration.joins_existing,
            )
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
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            path = services.confirm(registration)
        except services.RegistrationError as error:
            db.session.rollback()
            return render_template("portal/confirm_invalid.html", message=_error_text(error)), 409
        db.session.commit()
        if path is SignUpPath.JOIN:
            services.notify_join_request(registration)
            return render_template("portal/confirm_done.html", registration=registration)
        login_user(registration.user)
        flash(_("Your e-mail is confirmed. The organization awaits approval."), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("portal/confirm.html", form=form, registration=registration)


# --- the approval queue ---


@bp.route("/approvals")
@login_required
def approvals():
    require(can_see_approvals(current_user))
    kind = request.args.get("kind", "")
    search = request.args.get("q", "").strip()[:200]
    municipality_id = request.args.get("municipality", type=int)
    query = (
        registrations_scope(current_user)
        .where(Registration.awaits_decision)
        .join(Registration.organization)
        .options(contains_eager(Registration.organization).joinedload(Organization.municipality))
    )
    if kind in KIND_LABELS:
        query = query.where(Registration.joins_existing.is_(kind == "join"))
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Organization.name).like(pattern),
                Organization.inn.like(pattern),
                Registration.email.like(pattern),
                sa.func.lower(Registration.full_name).like(pattern),
            )
        )
    if municipality_id and current_user.role is Role.ADMIN:
        query = query.where(Organization.municipality_id == municipality_id)
    page = paginate(query.order_by(Registration.confirmed_at, Registration.id))
    return render_template(
        "portal/approvals.html",
        page=page,
        kind=kind,
        search=search,
        municipality_id=municipality_id,
        municipalities=all_municipalities() if current_user.role is Role.ADMIN else None,
        kind_labels=KIND_LABELS,
    )


def _load(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not can_decide_registration(current_user, registration):
        abort(404)
    return registration


def _agreements_of(organization: Organization) -> tuple[int, list[Agreement]]:
    """How many agreements the organization is a party to (of those the user sees), and the
    latest few."""
    query = agreements_scope(current_user).where(
        Agreement.id.in_(
            sa.select(AgreementParty.agreement_id).where(
                AgreementParty.organization_id == organization.id
            )
        )
    )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    latest = db.session.scalars(
        query.order_by(Agreement.signed_on.desc().nulls_last(), Agreement.id.desc()).limit(
            AGREEMENTS_SHOWN
        )
    ).all()
    return count or 0, latest


def _render_detail(registration: Registration, decline_form: DeclineForm, status: int = 200):
    organization = registration.organization
    agreements_count, agreements = _agreements_of(organization)
    users_count = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.organization_id == organization.id)
    )
    return render_template(
        "portal/detail.html",
        registration=registration,
        organization=organization,
        inn_valid=bool(organization.inn) and is_valid_inn(organization.inn),
        agreements_count=agreements_count,
        agreements=agreements,
        users_count=users_count,
        decline_form=decline_form,
        kind_labels=KIND_LABELS,
        # An application is decided with its organization (an admin may change that directly).
        decision=(
            registration.status if registration.joins_existing else organization.approval_state
        ).value,
    ), status


@bp.route("/approvals/<int:registration_id>")
@login_required
def detail(registration_id: int):
    return _render_detail(_load(registration_id), DeclineForm())


def _decided(registration: Registration, message: str):
    db.session.commit()
    flash(message, "success")
    if not services.send_decision(registration):
        flash(_("The applicant could not be told by e-mail; tell them yourself."), "warning")
    return redirect(url_for("portal.approvals"))


@bp.route("/approvals/<int:registration_id>/approve", methods=["POST"])
@login_required
def approve(registration_id: int):
    registration = _load(registration_id)
    try:
        services.approve(registration, current_user)
    except services.RegistrationError as error:
        db.session.rollback()
        flash(_error_text(error), "danger")
        return redirect(url_for("portal.detail", registration_id=registration_id))
    return _decided(registration, _("The registration has been approved."))


@bp.route("/approvals/<int:registration_id>/decline", methods=["POST"])
@login_required
def decline(registration_id: int):
    registration = _load(registration_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _render_detail(registration, form, 400)
    try:
        services.decline(registration, current_user, form.reason.data)
    except services.RegistrationError as error:
        db.session.rollback()
        flash(_error_text(error), "danger")
        return redirect(url_for("portal.detail", registration_id=registration_id))
    return _decided(registration, _("The registration has been declined."))
