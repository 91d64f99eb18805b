"""Writes about employer registration (docs/portal.md), and its letters.

Services flush and never commit: the request's unit of work commits once. The letters
(``send_confirmation``, ``notify_join_request``, ``send_decision``) are queued by the views with
:func:`~partnercrm.web.unit_of_work.after_commit`, so they go out only for a kept change and a
mail failure never loses a sign-up or a decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import partial

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from partnercrm.accounts.models import User, normalise_email
from partnercrm.accounts.passwords import hash_password
from partnercrm.accounts.rules import Role, password_problem
from partnercrm.accounts.services import AccountError, create_user, find_by_email
from partnercrm.database import utcnow
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind, is_valid_inn
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.mail import send_mail
from partnercrm.portal.models import Registration
from partnercrm.portal.rules import (
    CONFIRMATION_MAX_AGE,
    RegistrationStatus,
    SignUpPath,
    sign_up_path,
)

_CONFIRMATION_SALT = "partnercrm.registration"


class RegistrationError(UserError):
    """A refused sign-up, confirmation or decision; ``field`` names the form field it concerns."""


REFUSALS = {
    SignUpPath.DECLINED: N_(
        "The registration of the organization with this INN has been declined. To apply again, "
        "contact the Ministry of Education of the Kaliningrad region."
    ),
    SignUpPath.NOT_EMPLOYER: N_(
        "This INN belongs to %(name)s, which is not an employer. Contact the coordinator of "
        "your municipality."
    ),
}


@dataclass
class SignUpData:
    """The sign-up form's values, text stripped and empty text as None."""

    name: str
    inn: str
    municipality: Municipality
    industry: str
    address: str
    website: str | None
    full_name: str
    position: str | None
    phone: str
    email: str
    password: str


@dataclass
class OrganizationDetails:
    """What an employer awaiting approval corrects of its sign-up: not the INN (the key its
    registration was decided on) nor the municipality (whose coordinator decides)."""

    name: str
    short_name: str | None
    industry: str
    address: str
    email: str | None
    phone: str | None
    website: str | None


def correct_organization_details(organization: Organization, details: OrganizationDetails):
    """Save the corrected sign-up data of an organization awaiting approval (or declined):
    the coordinator decides on what it says now. An approved one is the directory's to keep."""
    if organization.admitted:
        raise RegistrationError(
            "Your organization is approved: ask the coordinator of your municipality to change "
            "its details."
        )
    if not (details.name or "").strip():
        raise RegistrationError("This field is required.", "name")
    for field in fields(OrganizationDetails):
        setattr(organization, field.name, getattr(details, field.name))
    db.session.flush()


def organization_with_inn(inn: str) -> Organization | None:
    """The organization this INN belongs to (as its INN or its code, which imports use)."""
    return db.session.scalars(
        sa.select(Organization)
        .where(sa.or_(Organization.inn == inn, Organization.code == inn))
        .order_by(Organization.id)
        .limit(1)
    ).first()


def has_applicant(organization: Organization, besides: Registration | None = None) -> bool:
    """Does someone already speak for the organization: a user, or a confirmed application?"""
    users = sa.select(User.id).where(User.organization_id == organization.id)
    applications = sa.select(Registration.id).where(
        Registration.organization_id == organization.id,
        Registration.confirmed_at.is_not(None),
        sa.not_(Registration.joins_existing),
    )
    if besides is not None:
        applications = applications.where(Registration.id != besides.id)
    return bool(db.session.scalar(sa.select(sa.or_(users.exists(), applications.exists()))))


def _path_for(organization: Organization | None, besides: Registration | None = None):
    if organization is None:
        return sign_up_path(None, None, False)
    path = sign_up_path(
        organization.kind, organization.approval_state, has_applicant(organization, besides)
    )
    if path in REFUSALS:
        raise RegistrationError(REFUSALS[path], "inn", name=organization.name)
    return path


class AddressOwner(StrEnum):
    """Who already has the e-mail a sign-up gives."""

    ACCOUNT = "account"
    # A registration confirmed (awaiting a decision) or still confirmable.
    REGISTRATION = "registration"


def address_owner(email: str) -> AddressOwner | None:
    """Has the e-mail an account, or a registration in progress? (Both queries always run.)"""
    email = normalise_email(email)
    account = find_by_email(email)
    open_registration = sa.select(Registration.id).where(
        Registration.email == email,
        Registration.status == RegistrationStatus.PENDING,
        sa.or_(
            Registration.confirmed_at.is_not(None),
            Registration.created_at > utcnow() - CONFIRMATION_MAX_AGE,
        ),
    )
    registration = db.session.scalar(sa.select(open_registration.exists()))
    if account is not None:
        return AddressOwner.ACCOUNT
    return AddressOwner.REGISTRATION if registration else None


@dataclass(frozen=True)
class SignUpAnswer:
    """What a sign-up answers — the same page whether its e-mail is known or not — and the
    one letter to send once the unit of work has committed (:func:`after_commit`): the
    confirmation link, or, to the owner of a known e-mail, :func:`send_address_in_use`."""

    email: str
    joins: bool
    # The organization a join request asks to join (the page names it; the INN is public).
    organization_name: str
    letter: Callable[[], bool]
    # The new registration; None when the e-mail was known and nothing was made.
    registration: Registration | None = None


def sign_up(data: SignUpData) -> SignUpAnswer:
    """A registration awaiting e-mail confirmation: for a new pending organization, or a
    request to join the organization that already has this INN.

    The answer must not tell who is registered (docs/portal.md): a known e-mail passes the
    same checks, costs the same work (the password is hashed either way) and gets the same
    answer; only the letter differs — its owner is told that someone tried to sign up with it
    — and nothing is made."""
    if not is_valid_inn(data.inn):
        raise RegistrationError("The INN must have 10 or 12 digits with valid check digits.", "inn")
    problem = password_problem(data.password)
    if problem:
        raise RegistrationError(problem, "password")
    organization = organization_with_inn(data.inn)
    path = _path_for(organization)
    email = normalise_email(data.email)
    password_hash = hash_password(data.password)
    owner = address_owner(email)
    name = organization.name if organization is not None else data.name
    if owner is not None:
        return SignUpAnswer(
            email=email,
            joins=path is SignUpPath.JOIN,
            organization_name=name,
            letter=partial(send_address_in_use, email, owner),
        )
    if organization is None:
        organization = Organization(
            kind=OrganizationKind.EMPLOYER,
            code=data.inn,
            inn=data.inn,
            name=data.name,
            municipality=data.municipality,
            address=data.address,
            industry=data.industry,
            website=data.website,
            approval_state=ApprovalState.PENDING,
        )
        db.session.add(organization)
    registration = Registration(
        email=email,
        full_name=data.full_name,
        position=data.position,
        phone=data.phone,
        password_hash=password_hash,
        organization=organization,
        joins_existing=path is SignUpPath.JOIN,
    )
    db.session.add(registration)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:  # the same new INN sent twice at the same moment
        raise RegistrationError(
            "This INN has just been registered by someone else. Send the form again.", "inn"
        ) from error
    return SignUpAnswer(
        email=email,
        joins=registration.joins_existing,
        organization_name=name,
        letter=partial(send_confirmation, registration),
        registration=registration,
    )


# --- e-mail confirmation ---


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONFIRMATION_SALT)


def confirmation_token(registration: Registration) -> str:
    return _serializer().dumps({"registration": registration.id})


def registration_from_token(token: str) -> Registration | None:
    """The registration of a genuine, unexpired confirmation link, or None."""
    try:
        data = _serializer().loads(token, max_age=int(CONFIRMATION_MAX_AGE.total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("registration"), int):
        return None
    return db.session.get(Registration, data["registration"])


def _account_for(registration: Registration) -> User:
    """The employer user made from a registration, with the password chosen at sign-up."""
    try:
        user = create_user(
            email=registration.email,
            full_name=registration.full_name,
            role=Role.EMPLOYER,
            organization=registration.organization,
        )
    except AccountError as error:
        raise RegistrationError(error.message, None, **error.params) from error
    user.password_hash = registration.password_hash
    # The account holds the hash now; a copy here would outlive the user's password changes.
    registration.password_hash = ""
    registration.user = user
    db.session.flush()
    return user


def confirm(registration: Registration) -> SignUpPath:
    """Confirm the e-mail. An application gets its (pending) account now; a join request goes
    to the organization's users and the coordinator. Whether it is one or the other is decided
    again here: someone else may have applied for the organization since the sign-up."""
    if registration.confirmed_at is not None:
        raise RegistrationError("This registration has already been confirmed.")
    path = _path_for(registration.organization, besides=registration)
    registration.confirmed_at = utcnow()
    registration.joins_existing = path is SignUpPath.JOIN
    if path is SignUpPath.APPLY:
        _account_for(registration)
    db.session.flush()
    return path


# --- decisions ---


def _check_awaits_decision(registration: Registration) -> None:
    if not registration.awaits_decision:
        raise RegistrationError("This registration has already been decided.")


def _decided(registration: Registration, actor: User, status: RegistrationStatus) -> None:
    registration.status = status
    registration.decided_by = actor
    registration.decided_at = utcnow()
    db.session.flush()


def approve(registration: Registration, actor: User) -> None:
    """Approve the organization (an application) or give the person an account (a join)."""
    _check_awaits_decision(registration)
    if registration.joins_existing:
        _account_for(registration)
    else:
        registration.organization.approval_state = ApprovalState.APPROVED
        registration.organization.decline_reason = None
    registration.decline_reason = None
    _decided(registration, actor, RegistrationStatus.APPROVED)


def decline(registration: Registration, actor: User, reason: str) -> None:
    """Decline with a reason the applicant is told. A declined organization's INN cannot sign
    up again until an admin re-opens it."""
    reason = (reason or "").strip()
    if not reason:
        raise RegistrationError("Give the reason for declining.", "reason")
    _check_awaits_decision(registration)
    if not registration.joins_existing:
        registration.organization.approval_state = ApprovalState.DECLINED
        registration.organization.decline_reason = reason
    registration.decline_reason = reason
    # No account will be made from it: the hash is of no more use.
    registration.password_hash = ""
    _decided(registration, actor, RegistrationStatus.DECLINED)


# --- mail (in Russian: the recipients have not chosen a language) ---


def send_confirmation(registration: Registration) -> bool:
    link = url_for("portal.confirm", token=confirmation_token(registration), _external=True)
    with force_locale("ru"):
        subject = _("Confirm your registration in PartnerCRM")
        body = _(
            "Hello, %(name)s!\n\nYou have signed up in PartnerCRM for %(organization)s. "
            "Open this link to confirm your e-mail:\n%(link)s\n\n"
            "The link is valid for %(days)d days. If you did not sign up, ignore this letter.",
            name=registration.full_name,
            organization=registration.organization.name,
            link=link,
            days=CONFIRMATION_MAX_AGE.days,
        )
    return send_mail([registration.email], subject, body)


def send_address_in_use(email: str, owner: AddressOwner) -> bool:
    """Tell the owner of a known e-mail that someone tried to sign up with it, and what to do
    if it was them (the sign-up page said only "we have sent a letter")."""
    with force_locale("ru"):
        subject = _("Someone tried to sign up in PartnerCRM with your e-mail")
        if owner is AddressOwner.ACCOUNT:
            advice = _(
                "This e-mail already has an account in PartnerCRM, so nothing new has been "
                "registered. If it was you, log in with your e-mail and password:\n%(link)s\n\n"
                "If you have forgotten your password, ask the coordinator of your municipality "
                "or the administrator to send you a link to set a new one.",
                link=url_for("accounts.login", _external=True),
            )
        else:
            advice = _(
                "A registration with this e-mail is already in progress, so nothing new has "
                "been registered. If it was you, continue that registration: if you have not "
                "confirmed your e-mail yet, open the link in the letter we sent you when you "
                "signed up (it is valid for %(days)d days; once it has expired, you may sign "
                "up again); if you have, you will be told the decision by e-mail.",
                days=CONFIRMATION_MAX_AGE.days,
            )
        body = _(
            "Hello!\n\nSomeone has just tried to sign up in PartnerCRM as an employer with "
            "this e-mail (%(email)s).\n\n%(advice)s\n\nIf it was not you, ignore this "
            "letter: nobody can use your e-mail or your account without you.",
            email=email,
            advice=advice,
        )
    return send_mail([email], subject, body)


_DECISIONS = {
    (RegistrationStatus.APPROVED, True): N_(
        "Your request to join %(organization)s has been approved."
    ),
    (RegistrationStatus.APPROVED, False): N_("%(organization)s has been approved in PartnerCRM."),
    (RegistrationStatus.DECLINED, True): N_(
        "Your request to join %(organization)s has been declined."
    ),
    (RegistrationStatus.DECLINED, False): N_(
        "The registration of %(organization)s has been declined. To apply again, contact the "
        "Ministry of Education of the Kaliningrad region."
    ),
}


def send_decision(registration: Registration) -> bool:
    """Tell the applicant the decision: a login link, or the reason."""
    with force_locale("ru"):
        decision = _(
            _DECISIONS[registration.status, registration.joins_existing],
            organization=registration.organization.name,
        )
        if registration.status is RegistrationStatus.APPROVED:
            subject = _("Your registration in PartnerCRM has been approved")
            body = _(
                "Hello, %(name)s!\n\n%(decision)s\n\nLog in with your e-mail and the password "
                "you chose at sign-up:\n%(link)s",
                name=registration.full_name,
                decision=decision,
                link=url_for("accounts.login", _external=True),
            )
        else:
            subject = _("Your registration in PartnerCRM has been declined")
            body = _(
                "Hello, %(name)s!\n\n%(decision)s\n\nReason: %(reason)s",
                name=registration.full_name,
                decision=decision,
                reason=registration.decline_reason,
            )
    return send_mail([registration.email], subject, body)


def notify_join_request(registration: Registration) -> bool:
    """Tell the organization's users that someone asks to join it (they may decide)."""
    recipients = list(
        db.session.scalars(
            sa.select(User.email)
            .where(
                User.organization_id == registration.organization_id,
                User.role == Role.EMPLOYER,
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )
    if not recipients or registration.organization.approval_state is not ApprovalState.APPROVED:
        return False
    with force_locale("ru"):
        subject = _("A request to join your organization in PartnerCRM")
        body = _(
            "%(name)s (%(email)s) asks to join %(organization)s in PartnerCRM. "
            "Approve or decline the request here:\n%(link)s",
            name=registration.full_name,
            email=registration.email,
            organization=registration.organization.name,
            link=url_for("portal.detail", registration_id=registration.id, _external=True),
        )
    return send_mail(recipients, subject, body)
