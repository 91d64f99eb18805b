"""The model of the one-time form tokens (:mod:`partnercrm.web.form_tokens`), apart from the
forms and pages that use them, so that importing every model imports neither."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from partnercrm.database import Model, UTCDateTime, utcnow


class FormToken(Model):
    """A spent form token: which user spent it, and the address of what it made."""

    __tablename__ = "form_token"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __str__(self) -> str:
        return f"form token {self.token[:6]}…"
