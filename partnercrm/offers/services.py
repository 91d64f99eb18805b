"""Writes about offers and their dates, and what the writes of the offers package share.

The writes are split by what they change: offers and their dates here, bookings in
:mod:`~partnercrm.offers.bookings`, speaker requests in :mod:`~partnercrm.offers.speaker_requests`;
the letters to the other side are :mod:`~partnercrm.offers.notifications`. They flush and never
commit: the caller's unit of work commits once.

Refusals raise :class:`OfferError` with an English msgid (translated where it is shown); the unit
of work rolls back what the call did. Status moves of bookings and requests are conditional
UPDATEs (:func:`move_status`), so two people (or a double click) confirming or cancelling at
once change a record once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from partnercrm.accounts.models import User
from partnercrm.activities import services as activities
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ACTIVITY_DATES, ActivityStatus
from partnercrm.database import rowcount
from partnercrm.directory.models import Municipality, Organization
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.localtime import local_date
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.offers.rules import ACTIVE_BOOKING_STATUSES, OfferKind, OfferStatus
from partnercrm.plausible import check_date
from partnercrm.students.rules import MAX_GRADE, MIN_GRADE

NO_SEATS_LEFT = N_("No seats left: there are fewer free seats than you asked for.")
CHANGED_MEANWHILE = N_("Someone has changed this in the meantime. Look at it again.")


class OfferError(UserError):
    """A refused change of an offer, a booking or a speaker request."""


class DuplicateSubmission(Exception):
    """The form's one-time key was used before — a double submit, even a concurrent one.
    ``record`` is the booking or speaker request that submission made; nothing of this one is
    kept, and the caller shows ``record``."""

    def __init__(self, record: Booking | SpeakerRequest) -> None:
        super().__init__(record.request_key)
        self.record = record


def move_status(record: Booking | SpeakerRequest, allowed: frozenset, status) -> None:
    """Move ``record`` to ``status`` if the database still has it in ``allowed``, or refuse
    with :data:`CHANGED_MEANWHILE`; the ORM object follows, so the flush writes the audit
    entry."""
    model = type(record)
    moved = rowcount(
        db.session.execute(
            sa.update(model)
            .where(model.id == record.id, model.status.in_(allowed))
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
    )
    if moved != 1:
        raise OfferError(CHANGED_MEANWHILE)
    record.status = status


def cancel_planned_activity(activity: Activity | None) -> None:
    """The excursion or parent meeting a booking or request planned is called off with it."""
    if activity is not None and activity.status is ActivityStatus.PLANNED:
        activities.set_status(activity, ActivityStatus.CANCELLED)


def grade_range(offer: Offer) -> str:
    low = offer.grade_min or MIN_GRADE
    high = offer.grade_max or MAX_GRADE
    return f"{low}–{high}"


# --- offers and their dates ---


@dataclass
class SlotData:
    """One row of the offer form's dates: a slot to keep, change, remove or (no id) add."""

    starts_at: datetime | None
    ends_at: datetime | None = None
    capacity: int | None = None
    id: int | None = None
    remove: bool = False


@dataclass
class OfferData:
    topic: str
    municipality: Municipality
    profession: str | None = None
    description: str | None = None
    address: str | None = None
    grade_min: int | None = None
    grade_max: int | None = None
    safety_notes: str | None = None
    availability: str | None = None
    requires_confirmation: bool = True
    slots: list[SlotData] = field(default_factory=list)


def _check_offer(data: OfferData) -> None:
    if not data.topic.strip():
        raise OfferError(N_("The topic is required."), "topic")
    for grade, name in ((data.grade_min, "grade_min"), (data.grade_max, "grade_max")):
        if grade is not None and not MIN_GRADE <= grade <= MAX_GRADE:
            raise OfferError(N_("The grade must be from 1 to 11."), name)
    low, high = data.grade_min, data.grade_max
    if low is not None and high is not None and low > high:
        raise OfferError(N_("The lowest grade must not be above the highest grade."), "grade_max")


def create_offer(
    organization: Organization,
    kind: OfferKind,
    data: OfferData,
    created_by: User | None,
    now: datetime,
) -> Offer:
    if not organization.admitted:  # an employer awaiting approval offers nothing (docs/portal.md)
        raise OfferError(
            N_("%(name)s is not an approved employer yet."),
            "organization",
            name=organization.name,
        )
    offer = Offer(organization=organization, kind=kind, created_by=created_by)
    db.session.add(offer)
    _apply_offer(offer, data, now)
    return offer


def update_offer(offer: Offer, data: OfferData, now: datetime) -> None:
    _apply_offer(offer, data, now)


def _apply_offer(offer: Offer, data: OfferData, now: datetime) -> None:
    _check_offer(data)
    offer.topic = data.topic.strip()
    offer.municipality = data.municipality
    offer.profession = (data.profession or "").strip() or None
    offer.description = (data.description or "").strip() or None
    offer.address = (data.address or "").strip() or None
    offer.grade_min, offer.grade_max = data.grade_min, data.grade_max
    offer.safety_notes = (data.safety_notes or "").strip() or None
    if offer.kind is OfferKind.SPEAKER:
        offer.availability = (data.availability or "").strip() or None
    else:
        offer.requires_confirmation = data.requires_confirmation
        _apply_slots(offer, data.slots, now)
    db.session.flush()


def _apply_slots(offer: Offer, rows: list[SlotData], now: datetime) -> None:
    existing = {slot.id: slot for slot in offer.slots if slot.id is not None}
    for row in rows:
        slot = existing.get(row.id) if row.id is not None else None
        if row.id is not None and slot is None:
            raise OfferError(N_("This date does not belong to the offer."), "slots")
        if row.remove:
            if slot is not None:
                _remove_slot(offer, slot)
            continue
        if row.starts_at is None:
            continue
        if row.capacity is None or row.capacity < 1:
            raise OfferError(N_("Give the number of seats (students) of every date."), "slots")
        if row.ends_at is not None and row.ends_at < row.starts_at:
            raise OfferError(N_("The end must not be before the start."), "slots")
        if slot is None or row.starts_at != slot.starts_at:
            # A booked date becomes an activity: the activities' bounds.
            check_date(row.starts_at, ACTIVITY_DATES, OfferError, "slots")
        if slot is None:
            if row.starts_at <= now:
                raise OfferError(N_("A new date must lie in the future."), "slots")
            offer.slots.append(
                OfferSlot(
                    starts_at=row.starts_at,
                    ends_at=row.ends_at,
                    starts_on=local_date(row.starts_at),
                    capacity=row.capacity,
                    booked_seats=0,
                )
            )
            continue
        _change_slot(slot, row)


def _has_bookings(slot: OfferSlot, statuses=None) -> bool:
    query = sa.select(Booking.id).where(Booking.slot_id == slot.id)
    if statuses is not None:
        query = query.where(Booking.status.in_(statuses))
    return db.session.scalar(query.limit(1)) is not None


def _remove_slot(offer: Offer, slot: OfferSlot) -> None:
    if _has_bookings(slot):
        raise OfferError(
            N_(
                "A date with bookings cannot be removed. Close the offer instead, or cancel "
                "the bookings and add another date."
            ),
            "slots",
        )
    offer.slots.remove(slot)


def _change_slot(slot: OfferSlot, row: SlotData) -> None:
    assert row.starts_at is not None and row.capacity is not None, "checked by _apply_slots"
    if (row.starts_at, row.ends_at) != (slot.starts_at, slot.ends_at):
        if _has_bookings(slot, ACTIVE_BOOKING_STATUSES):
            raise OfferError(
                N_(
                    "The time of a date with bookings cannot be changed: the schools planned "
                    "for it. Add another date instead."
                ),
                "slots",
            )
        slot.starts_at, slot.ends_at = row.starts_at, row.ends_at
        slot.starts_on = local_date(row.starts_at)
    if row.capacity != slot.capacity:
        if row.capacity < slot.booked_seats:
            raise OfferError(
                N_("The seats of a date cannot be fewer than the seats booked (%(booked)d)."),
                "slots",
                booked=slot.booked_seats,
            )
        slot.capacity = row.capacity
    try:
        db.session.flush()
    except IntegrityError as error:
        # A booking came in since the check: the CHECK within_capacity refused the capacity.
        raise OfferError(NO_SEATS_LEFT, "slots") from error


# Publish a draft; close a published offer (no new bookings, the existing stay); publish it again.
STATUS_MOVES = {
    OfferStatus.DRAFT: frozenset({OfferStatus.PUBLISHED}),
    OfferStatus.PUBLISHED: frozenset({OfferStatus.CLOSED}),
    OfferStatus.CLOSED: frozenset({OfferStatus.PUBLISHED}),
}


def set_offer_status(offer: Offer, status: OfferStatus, now: datetime) -> None:
    if status not in STATUS_MOVES[offer.status]:
        raise OfferError(CHANGED_MEANWHILE)
    if (
        status is OfferStatus.PUBLISHED
        and offer.kind is OfferKind.EXCURSION
        and not any(slot.starts_at > now for slot in offer.slots)
    ):
        raise OfferError(N_("To publish an excursion offer, add at least one future date."))
    offer.status = status
    db.session.flush()
