from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from partnercrm.database import Model, UTCDateTime, str_enum, utcnow


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    EXPORT = "export"
    PASSWORD_RESET_REQUEST = "password_reset_request"  # noqa: S105 (an action, no secret)
    PASSWORD_RESET = "password_reset"  # noqa: S105


class AuditEntry(Model):
    """Never updated or deleted by the application."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, "audit_action"))
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[int | None] = mapped_column(index=True)
    # Changed fields as {"field": [old, new]} or other context; never password hashes.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
