"""Pure rules of offers and bookings (no Flask)."""

from __future__ import annotations

from enum import StrEnum


class OfferKind(StrEnum):
    EXCURSION = "excursion"  # excursion slots
    SPEAKER = "speaker"  # a speaker for parent meetings


class OfferStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class BookingStatus(StrEnum):
    REQUESTED = "requested"  # waits for the host's confirmation
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


# Bookings holding seats.
ACTIVE_BOOKING_STATUSES = frozenset({BookingStatus.REQUESTED, BookingStatus.CONFIRMED})


class SpeakerRequestStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
