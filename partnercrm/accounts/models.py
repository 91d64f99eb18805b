from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from partnercrm.accounts.rules import Role
from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.models import Municipality, Organization


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_feed_secret() -> str:
    return secrets.token_urlsafe(32)


class User(Model):
    __tablename__ = "user"
    __audited__ = True
    # Logins and logouts have their own audit entries; the login timestamp and the session
    # token (rotated at logout and with every recorded change of password, scope or state) are
    # not changes of the user.
    __audit_ignore__ = frozenset({"last_login_at", "session_token"})

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id"), index=True
    )
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    # None until an invited user sets a password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # What Flask-Login keeps in the cookie; rotating it ends every session of the user.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    # Signs the private calendar feed URL; a new secret revokes the old URL.
    feed_secret: Mapped[str] = mapped_column(sa.String(64), default=new_feed_secret)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        return normalise_email(value)

    # What Flask-Login asks of a user, as its ``UserMixin`` answers it (not subclassed, so that
    # the models import no Flask: docs/performance.md «Start-up»). A row is one object in a
    # session, so users compare by identity.
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_token

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()
