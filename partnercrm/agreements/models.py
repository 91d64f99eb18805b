from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.accounts.models import User
from partnercrm.agreements.rules import CooperationKind, agreement_status
from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.models import Organization

# The unique key of (party, number): its name is how a refused insert is recognised.
PARTY_NUMBER_UNIQUE = "uq_agreement_party_number"


def number_key(number: str) -> str:
    """An agreement number as numbers are compared: runs of spaces (tabs, line breaks) are one
    space, none at the ends. Letters keep their case, as they always have (``5-К`` is not
    ``5-к``)."""
    return " ".join((number or "").split())


class Agreement(Model):
    """A cooperation agreement between two or more organizations (plan item 4)."""

    __tablename__ = "agreement"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name="valid_to_after_valid_from",
        ),
        sa.Index("ix_agreement_valid_to", "valid_to"),
        # The list's order (newest signed first) and the signed-per-year figures.
        sa.Index("ix_agreement_signed_on", "signed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(100))
    subject: Mapped[str] = mapped_column(sa.Text)
    signed_on: Mapped[date | None]
    valid_from: Mapped[date | None]
    # The last valid day; empty: indefinite.
    valid_to: Mapped[date | None]
    terminated_on: Mapped[date | None]
    termination_reason: Mapped[str | None] = mapped_column(sa.Text)
    contact_persons: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Raised when the expiry date changes or the agreement ends (calendar feeds).
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan"
    )
    kinds: Mapped[list[AgreementKind]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan"
    )
    documents: Mapped[list[AgreementDocument]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="AgreementDocument.uploaded_at.desc()",
    )
    created_by: Mapped[User | None] = relationship()

    def status_on(self, today: date):
        return agreement_status(today, self.signed_on, self.valid_to, self.terminated_on)

    def __str__(self) -> str:
        return f"№ {self.number}"


class AgreementParty(Model):
    """An organization that is a party, with its role in the agreement (free text).

    ``number_key`` is the agreement's number as compared (:func:`number_key`), kept on every
    party by the agreements services: unique per organization, so no two agreements with the
    same number share a party even when two saves (or an import beside a form) run at once.
    Empty on rows written outside the services (bulk loads) and on the later of two clashing
    agreements made before the key existed (migration 0013).
    """

    __tablename__ = "agreement_party"
    __audited__ = True
    # A copy of the agreement's number: its changes are the agreement's, audited there.
    __audit_ignore__ = frozenset({"number_key"})
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "number_key", name=PARTY_NUMBER_UNIQUE),
    )

    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id"), primary_key=True, index=True
    )
    role: Mapped[str | None] = mapped_column(sa.String(200))
    number_key: Mapped[str | None] = mapped_column(sa.String(100))

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organization: Mapped[Organization] = relationship()

    def __str__(self) -> str:
        return f"party {self.agreement_id}/{self.organization_id}"


class AgreementKind(Model):
    """A kind of cooperation the agreement covers."""

    __tablename__ = "agreement_kind"
    __audited__ = True

    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own for the list's kind filter (the primary key starts with the agreement).
    kind: Mapped[CooperationKind] = mapped_column(
        str_enum(CooperationKind, "cooperation_kind"), primary_key=True, index=True
    )

    agreement: Mapped[Agreement] = relationship(back_populates="kinds")


class AgreementDocument(Model):
    """A scanned PDF of the agreement; replacing it keeps the earlier ones."""

    __tablename__ = "agreement_document"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreement.id", ondelete="CASCADE"), index=True
    )
    # Server-made name under instance/uploads/agreements/; the client's name is only shown.
    stored_name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="documents")
    uploaded_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"document {self.id}"


class AgreementReminder(Model):
    """A party's reminder before expiry: claimed once per agreement, lead time, end date and
    party, however often ``partnercrm remind`` runs (the row is committed before the message is
    sent, and deleted again if the mail server refuses it). A new end date gets new reminders."""

    __tablename__ = "agreement_reminder"
    __table_args__ = (
        # Named: the convention's name would be longer than PostgreSQL's 63 characters.
        sa.UniqueConstraint(
            "agreement_id",
            "days_before",
            "valid_to",
            "organization_id",
            name="uq_agreement_reminder_party",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement.id", ondelete="CASCADE"))
    days_before: Mapped[int]
    valid_to: Mapped[date]
    # The party reminded (its users and its own e-mail get one message).
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
