"""Writes about users. Services flush; the view (or CLI command) commits once."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from partnercrm.accounts.models import User, normalise_email
from partnercrm.accounts.passwords import hash_password, needs_rehash, verify_password
from partnercrm.accounts.rules import Role, password_problem, role_attachment_error
from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.database import utcnow
from partnercrm.directory.models import Municipality, Organization
from partnercrm.errors import UserError
from partnercrm.extensions import db
from partnercrm.mail import send_mail

_INVITATION_SALT = "partnercrm.invitation"
_RESET_SALT = "partnercrm.password-reset"


class AccountError(UserError):
    """A refusal about users and passwords."""


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_attachment(
    role: Role, organization: Organization | None, municipality: Municipality | None
) -> None:
    error = role_attachment_error(
        role, organization.kind if organization else None, municipality is not None
    )
    if error:
        raise AccountError(error)


def create_user(
    *,
    email: str,
    full_name: str,
    role: Role,
    organization: Organization | None = None,
    municipality: Municipality | None = None,
    password: str | None = None,
) -> User:
    """A new active user; without a password the user must accept an invitation first."""
    if find_by_email(email) is not None:
        raise AccountError("A user with this e-mail already exists.")
    check_attachment(role, organization, municipality)
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=role,
        organization=organization,
        municipality=municipality,
    )
    if password is not None:
        _set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User,
    *,
    email: str,
    full_name: str,
    role: Role,
    organization: Organization | None,
    municipality: Municipality | None,
) -> None:
    other = find_by_email(email)
    if other is not None and other.id != user.id:
        raise AccountError("A user with this e-mail already exists.")
    check_attachment(role, organization, municipality)
    user.email = email
    user.full_name = full_name.strip()
    if (user.role, user.organization, user.municipality) != (role, organization, municipality):
        # A change of scope ends the sessions that were opened with the old one.
        user.rotate_session_token()
    user.role, user.organization, user.municipality = role, organization, municipality
    db.session.flush()


def set_active(user: User, active: bool) -> None:
    user.active = active
    if not active:
        user.rotate_session_token()
    db.session.flush()


def reset_password(user: User) -> None:
    """Forget the password and end every session: the user sets a new one through an
    invitation link, as a new user does."""
    user.password_hash = None
    user.rotate_session_token()
    db.session.flush()


def _set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.rotate_session_token()


def change_password(user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    _set_password(user, password)
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None — the same None for every reason.

    Records a login or a failed login in the audit trail and upgrades old hashes.
    """
    user = find_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        record(
            AuditAction.LOGIN_FAILED,
            "user",
            user.id if user else None,
            {"email": normalise_email(email)[:254]},
            user_id=user.id if user else None,
        )
        db.session.flush()
        return None
    assert user.password_hash is not None, "a password verified against it"
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record(AuditAction.LOGIN, "user", user.id, user_id=user.id)
    db.session.flush()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_INVITATION_SALT)


def invitation_token(user: User) -> str:
    # Bound to the session token: once a password is set the token rotates and the link dies.
    return _serializer().dumps({"user": user.id, "session": user.session_token})


def user_from_invitation(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if (
        user is None
        or not user.active
        or user.password_hash is not None
        or user.session_token != data.get("session")
    ):
        return None
    return user


def send_invitation(user: User) -> bool:
    """E-mail the invitation link, in Russian: the recipient has not chosen a language yet.

    False when the mail server refused it; the link is on the user's page all the same.
    """
    link = url_for("accounts.accept_invitation", token=invitation_token(user), _external=True)
    with force_locale("ru"):
        subject = _("Invitation to PartnerCRM")
        body = _(
            "Hello, %(name)s!\n\nAn account has been created for you in PartnerCRM. "
            "Open this link to set your password:\n%(link)s\n\n"
            "The link is valid for %(days)d days.",
            name=user.full_name,
            link=link,
            days=current_app.config["INVITATION_MAX_AGE"] // 86400,
        )
    return send_mail([user.email], subject, body)


# --- forgotten passwords: a one-time link by e-mail ---


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _reset_state(user: User) -> str:
    """What a reset link is bound to: the password (hash) and the last login. Setting the
    password through the link changes it, so the link works once; a login with the old password
    meanwhile retires it too. Only a digest: the link's payload is signed, not secret."""
    last_login = user.last_login_at.isoformat() if user.last_login_at else ""
    state = f"{user.password_hash or ''}|{last_login}"
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"user": user.id, "state": _reset_state(user)})


def user_from_reset_token(token: str) -> User | None:
    """The active user a valid, unused and unexpired reset link is for; else None."""
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.active or _reset_state(user) != data.get("state"):
        return None
    return user


def request_password_reset(email: str) -> User | None:
    """Someone asked for a reset link for ``email``: the active user to mail it to, or None.
    Audited either way (the address asked for, and the user when there is one); the caller
    answers the same whatever this returns."""
    user = find_by_email(email)
    if user is not None and not user.active:
        user = None
    record(
        AuditAction.PASSWORD_RESET_REQUEST,
        "user",
        user.id if user else None,
        {"email": normalise_email(email)[:254]},
        user_id=user.id if user else None,
    )
    db.session.flush()
    return user


def reset_password_by_link(user: User, password: str) -> None:
    """Set the password from a reset link: the link dies, every session of the user ends (the
    session token rotates, remember-me cookies included), and the reset is audited."""
    _set_password(user, password)
    record(AuditAction.PASSWORD_RESET, "user", user.id, user_id=user.id)
    db.session.flush()


def send_password_reset(user: User) -> bool:
    """E-mail the reset link, in Russian (the user is not logged in to have chosen a language)."""
    link = url_for(
        "accounts.reset_password_by_link", token=password_reset_token(user), _external=True
    )
    minutes = max(current_app.config["PASSWORD_RESET_MAX_AGE"] // 60, 1)
    with force_locale("ru"):
        subject = _("Setting a new password in PartnerCRM")
        body = _(
            "Hello, %(name)s!\n\nSomeone (we hope you) asked to set a new password for your "
            "PartnerCRM account. Open this link to set it:\n%(link)s\n\n",
            name=user.full_name,
            link=link,
        ) + ngettext(
            "The link works once and for %(num)d minute. If you did not ask for it, ignore this "
            "message: your password stays as it is.",
            "The link works once and for %(num)d minutes. If you did not ask for it, ignore this "
            "message: your password stays as it is.",
            minutes,
        )
    return send_mail([user.email], subject, body)
