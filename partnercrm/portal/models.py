from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.accounts.models import User
from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import ApprovalState
from partnercrm.portal.rules import RegistrationStatus


class Registration(Model):
    """A public employer sign-up: a new organization, or a request to join an existing one.

    The person's account is made from it: at e-mail confirmation for a new organization (which
    stays pending until approved), at approval for a join request.
    """

    __tablename__ = "registration"
    __audited__ = True
    __audit_hidden__ = frozenset({"full_name", "phone"})

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased, like User.email.
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    # True: the INN already belonged to an organization and this person asks to join it.
    joins_existing: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, "registration_status"),
        default=RegistrationStatus.PENDING,
        index=True,
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The account made from this registration.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @hybrid_property
    def awaits_decision(self) -> bool:
        """In the approval queue: confirmed, and a join request not yet decided, or an
        application whose organization is pending (again, if an admin re-opened it)."""
        if self.confirmed_at is None:
            return False
        if self.joins_existing:
            return self.status is RegistrationStatus.PENDING
        return self.organization.approval_state is ApprovalState.PENDING

    @awaits_decision.inplace.expression
    @classmethod
    def _awaits_decision_expression(cls) -> sa.ColumnElement[bool]:
        pending_organizations = sa.select(Organization.id).where(
            Organization.approval_state == ApprovalState.PENDING
        )
        return sa.and_(
            cls.confirmed_at.is_not(None),
            sa.or_(
                sa.and_(cls.joins_existing, cls.status == RegistrationStatus.PENDING),
                sa.and_(
                    sa.not_(cls.joins_existing), cls.organization_id.in_(pending_organizations)
                ),
            ),
        )

    def __str__(self) -> str:
        return f"registration {self.id}"
