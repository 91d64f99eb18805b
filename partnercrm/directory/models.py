from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.rules import ApprovalState, OrganizationKind


class Municipality(Model):
    __tablename__ = "municipality"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    # The short name used by imports and reports (municipalities.json "name").
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(100))

    organizations: Mapped[list[Organization]] = relationship(back_populates="municipality")

    def __str__(self) -> str:
        return self.name


class Organization(Model):
    __tablename__ = "organization"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'employer') = (approval_state IS NOT NULL)", name="employer_approval"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganizationKind] = mapped_column(
        str_enum(OrganizationKind, "organization_kind"), index=True
    )
    # External key used by imports: a registry code or the INN.
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(500), index=True)
    short_name: Mapped[str | None] = mapped_column(sa.String(200))
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    inn: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(500))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    industry: Mapped[str | None] = mapped_column(sa.String(200))
    # Filtered on: the directory's approval filter, the employers awaiting approval.
    approval_state: Mapped[ApprovalState | None] = mapped_column(
        str_enum(ApprovalState, "approval_state"), index=True
    )
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    municipality: Mapped[Municipality] = relationship(back_populates="organizations")

    @hybrid_property
    def admitted(self) -> bool:
        """Takes part in the network: every organization but an employer awaiting approval or
        declined (docs/portal.md). Only an admitted organization is offered in pickers and may
        host, organize, present, offer, be a party or employ; one definition for Python and
        SQL."""
        return self.approval_state is None or self.approval_state is ApprovalState.APPROVED

    @admitted.inplace.expression
    @classmethod
    def _admitted_expression(cls) -> sa.ColumnElement[bool]:
        return sa.or_(cls.approval_state.is_(None), cls.approval_state == ApprovalState.APPROVED)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def __str__(self) -> str:
        return self.display_name
