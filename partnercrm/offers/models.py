from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnercrm.accounts.models import User
from partnercrm.activities.models import Activity
from partnercrm.database import Model, UTCDateTime, str_enum, utcnow
from partnercrm.directory.models import Municipality, Organization
from partnercrm.offers.rules import BookingStatus, OfferKind, OfferStatus, SpeakerRequestStatus


class Offer(Model):
    """What an employer, college or university offers schools: excursion slots or a speaker."""

    __tablename__ = "offer"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint(
            "grade_min IS NULL OR grade_min BETWEEN 1 AND 11", name="grade_min_range"
        ),
        sa.CheckConstraint(
            "grade_max IS NULL OR grade_max BETWEEN 1 AND 11", name="grade_max_range"
        ),
        sa.CheckConstraint(
            "grade_min IS NULL OR grade_max IS NULL OR grade_min <= grade_max",
            name="grade_order",
        ),
        sa.Index("ix_offer_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind, "offer_kind"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    # Where it takes place (excursions) or whom it serves (speakers); the organization's own by
    # default. Public filters use it.
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    status: Mapped[OfferStatus] = mapped_column(
        str_enum(OfferStatus, "offer_status"), default=OfferStatus.DRAFT
    )
    # The topic or profession of the excursion; the speaker's topics.
    topic: Mapped[str] = mapped_column(sa.String(300))
    profession: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    address: Mapped[str | None] = mapped_column(sa.String(500))
    grade_min: Mapped[int | None]
    grade_max: Mapped[int | None]
    # Protective equipment, age limits and the like.
    safety_notes: Mapped[str | None] = mapped_column(sa.Text)
    # Speakers: when they are available, in the employer's words.
    availability: Mapped[str | None] = mapped_column(sa.Text)
    # Excursions: bookings wait for the host's confirmation; otherwise they are confirmed at once.
    requires_confirmation: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    organization: Mapped[Organization] = relationship()
    municipality: Mapped[Municipality] = relationship()
    created_by: Mapped[User | None] = relationship()
    slots: Mapped[list[OfferSlot]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="OfferSlot.starts_at"
    )

    def __str__(self) -> str:
        return self.topic


class OfferSlot(Model):
    """One date and time of an excursion offer, with its capacity in students.

    ``booked_seats`` is the sum of the seats of the slot's active bookings. It changes only by
    a conditional UPDATE (offers/services.py), and the CHECK is the backstop that keeps it within
    capacity whatever the concurrency.
    """

    __tablename__ = "offer_slot"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint(
            "booked_seats >= 0 AND booked_seats <= capacity", name="within_capacity"
        ),
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    # Bookings and slots are listed and filtered by time.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The local date of the start (filters).
    starts_on: Mapped[date] = mapped_column(index=True)
    capacity: Mapped[int]
    booked_seats: Mapped[int] = mapped_column(default=0)
    # Raised when time, place or status change (calendar feeds).
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    offer: Mapped[Offer] = relationship(back_populates="slots")
    bookings: Mapped[list[Booking]] = relationship(back_populates="slot")

    @property
    def free_seats(self) -> int:
        return self.capacity - self.booked_seats

    def __str__(self) -> str:
        return f"slot {self.id}"


class Booking(Model):
    """A school's booking of seats of an offer slot for one class."""

    __tablename__ = "booking"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("seats > 0", name="seats_positive"),
        sa.CheckConstraint("grade IS NULL OR grade BETWEEN 1 AND 11", name="grade_range"),
        sa.Index("ix_booking_slot_status", "slot_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("offer_slot.id"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    seats: Mapped[int]
    grade: Mapped[int | None]
    class_letter: Mapped[str | None] = mapped_column(sa.String(5))
    contact: Mapped[str | None] = mapped_column(sa.String(300))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[BookingStatus] = mapped_column(
        str_enum(BookingStatus, "booking_status"), default=BookingStatus.REQUESTED
    )
    # The form's one-time key: a double submit finds the booking it already made.
    request_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The planned excursion a confirmed booking created.
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="SET NULL"), index=True
    )
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    slot: Mapped[OfferSlot] = relationship(back_populates="bookings")
    school: Mapped[Organization] = relationship()
    activity: Mapped[Activity | None] = relationship()
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    def __str__(self) -> str:
        return f"booking {self.id}"


class SpeakerRequest(Model):
    """A school asks an offered speaker to present at a parent meeting on a date."""

    __tablename__ = "speaker_request"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(sa.String(500))
    topic: Mapped[str | None] = mapped_column(sa.String(300))
    message: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[SpeakerRequestStatus] = mapped_column(
        str_enum(SpeakerRequestStatus, "speaker_request_status"),
        default=SpeakerRequestStatus.REQUESTED,
    )
    request_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The parent meeting made when the speaker accepted.
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="SET NULL"), index=True
    )
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    offer: Mapped[Offer] = relationship()
    school: Mapped[Organization] = relationship()
    activity: Mapped[Activity | None] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __str__(self) -> str:
        return f"speaker request {self.id}"
