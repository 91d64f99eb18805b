"""Interface labels of offer values (English msgids; Russian in the catalogue) and the badge
colours of their statuses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.offers.rules import BookingStatus, OfferKind, OfferStatus, SpeakerRequestStatus

KIND_LABELS = {
    OfferKind.EXCURSION: _l("Excursion"),
    OfferKind.SPEAKER: _l("Speaker for parent meetings"),
}
STATUS_LABELS = {
    OfferStatus.DRAFT: _l("Draft"),
    OfferStatus.PUBLISHED: _l("Published"),
    OfferStatus.CLOSED: _l("Closed"),
}
STATUS_BADGES = {
    OfferStatus.DRAFT: "text-bg-secondary",
    OfferStatus.PUBLISHED: "text-bg-success",
    OfferStatus.CLOSED: "text-bg-dark",
}
BOOKING_STATUS_LABELS = {
    BookingStatus.REQUESTED: _l("Waiting for confirmation"),
    BookingStatus.CONFIRMED: _l("Confirmed"),
    BookingStatus.DECLINED: _l("Declined"),
    BookingStatus.CANCELLED: _l("Cancelled"),
}
REQUEST_STATUS_LABELS = {
    SpeakerRequestStatus.REQUESTED: _l("Waiting for an answer"),
    SpeakerRequestStatus.ACCEPTED: _l("Accepted"),
    SpeakerRequestStatus.DECLINED: _l("Declined"),
    SpeakerRequestStatus.CANCELLED: _l("Withdrawn"),
}
# Bookings and speaker requests share their status values' colours.
RECORD_BADGES = {
    "requested": "text-bg-warning",
    "confirmed": "text-bg-success",
    "accepted": "text-bg-success",
    "declined": "text-bg-secondary",
    "cancelled": "text-bg-secondary",
}
