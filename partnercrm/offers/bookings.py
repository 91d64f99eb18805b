"""Writes about bookings of excursion dates: book, confirm, decline, cancel.

Seats: ``OfferSlot.booked_seats`` is the sum of the seats of the slot's active bookings. It is
changed only by conditional UPDATEs — ``booked_seats + n <= capacity`` decides a booking in the
database, whatever the concurrency, and the CHECK ``within_capacity`` is the backstop. Status
moves are conditional UPDATEs too (:func:`~partnercrm.offers.services.move_status`), so a
booking cancelled twice at once returns its seats once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from partnercrm.accounts.models import User
from partnercrm.activities import services as activities
from partnercrm.activities.rules import ActivityKind
from partnercrm.database import rowcount, savepoint
from partnercrm.directory.models import Organization
from partnercrm.errors import N_
from partnercrm.extensions import db
from partnercrm.offers.models import Booking, OfferSlot
from partnercrm.offers.rules import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    OfferKind,
    OfferStatus,
)
from partnercrm.offers.services import (
    NO_SEATS_LEFT,
    DuplicateSubmission,
    OfferError,
    cancel_planned_activity,
    grade_range,
    move_status,
)


@dataclass
class BookingData:
    seats: int
    grade: int | None = None
    class_letter: str | None = None
    contact: str | None = None
    comment: str | None = None


def booking_for_key(request_key: str) -> Booking | None:
    return db.session.scalar(sa.select(Booking).where(Booking.request_key == request_key))


def _take_seats(slot: OfferSlot, seats: int) -> None:
    """Book ``seats`` of ``slot`` in the database, or refuse: the condition decides, not what
    this process read before."""
    try:
        taken = rowcount(
            db.session.execute(
                sa.update(OfferSlot)
                .where(
                    OfferSlot.id == slot.id, OfferSlot.booked_seats + seats <= OfferSlot.capacity
                )
                .values(booked_seats=OfferSlot.booked_seats + seats)
                .execution_options(synchronize_session=False)
            )
        )
    except IntegrityError as error:  # the CHECK within_capacity, the backstop
        raise OfferError(NO_SEATS_LEFT, "seats") from error
    db.session.expire(slot, ["booked_seats", "updated_at"])
    if taken != 1:
        raise _too_few_seats(slot)


def _too_few_seats(slot: OfferSlot) -> OfferError:
    """The refusal of a booking for more seats than are free: how many are (read again, after
    the UPDATE that found too few), or that none are."""
    free = db.session.scalar(
        sa.select(OfferSlot.capacity - OfferSlot.booked_seats).where(OfferSlot.id == slot.id)
    )
    if not free or free < 1:
        return OfferError(NO_SEATS_LEFT, "seats")
    return OfferError(
        N_("Free seats on this date: %(count)s. Book at most that many."), "seats", count=free
    )


def _return_seats(slot: OfferSlot, seats: int) -> None:
    db.session.execute(
        sa.update(OfferSlot)
        .where(OfferSlot.id == slot.id)
        .values(booked_seats=OfferSlot.booked_seats - seats)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(slot, ["booked_seats", "updated_at"])


def book(
    slot: OfferSlot,
    school: Organization,
    data: BookingData,
    request_key: str,
    booked_by: User | None,
    now: datetime,
) -> Booking:
    """Book seats of ``slot`` for a class of ``school``: confirmed (and planned) at once when
    the offer needs no confirmation.

    ``request_key`` is the form's one-time key: used before — a double submit, even a
    concurrent one — it raises :class:`~partnercrm.offers.services.DuplicateSubmission` with
    the booking the first submission made. The seats and the booking are written in a
    SAVEPOINT, so a submission that loses the race on the key takes back its seats alone and
    leaves the caller's transaction usable."""
    existing = booking_for_key(request_key)
    if existing is not None:
        raise DuplicateSubmission(existing)
    offer = slot.offer
    if offer.kind is not OfferKind.EXCURSION or offer.status is not OfferStatus.PUBLISHED:
        raise OfferError(N_("This offer takes no bookings now."))
    if slot.starts_at <= now:
        raise OfferError(N_("This date has passed."))
    if data.seats < 1:
        raise OfferError(N_("Book at least one seat."), "seats")
    if data.grade is not None and not (
        (offer.grade_min is None or offer.grade_min <= data.grade)
        and (offer.grade_max is None or data.grade <= offer.grade_max)
    ):
        raise OfferError(
            N_("This offer is for grades %(grades)s."), "grade", grades=grade_range(offer)
        )
    try:
        with savepoint(db.session):
            _take_seats(slot, data.seats)
            booking = Booking(
                slot=slot,
                school=school,
                seats=data.seats,
                grade=data.grade,
                class_letter=(data.class_letter or "").strip() or None,
                contact=(data.contact or "").strip() or None,
                comment=(data.comment or "").strip() or None,
                request_key=request_key,
                booked_by=booked_by,
                status=(
                    BookingStatus.REQUESTED
                    if offer.requires_confirmation
                    else BookingStatus.CONFIRMED
                ),
            )
            db.session.add(booking)
            db.session.flush()
    except IntegrityError as error:
        # uq_booking_request_key: a concurrent submission with the key won (the CHECK of the
        # seats is _take_seats's). The savepoint is rolled back: our seats are free again.
        existing = booking_for_key(request_key)
        if existing is None:
            raise
        raise DuplicateSubmission(existing) from error
    if booking.status is BookingStatus.CONFIRMED:
        _plan_excursion(booking, booked_by)
    return booking


def _plan_excursion(booking: Booking, by: User | None) -> None:
    """A confirmed booking is the planned excursion of the school to the host."""
    slot, offer = booking.slot, booking.slot.offer
    booking.activity = activities.create_activity(
        activities.ActivityData(
            kind=ActivityKind.EXCURSION,
            title=offer.topic,
            host=offer.organization,
            organizer=offer.organization,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            location=offer.address,
            schools=[booking.school],
        ),
        created_by=by,
    )
    db.session.flush()


def confirm_booking(booking: Booking, by: User | None, now: datetime) -> None:
    if booking.slot.starts_at <= now:
        raise OfferError(N_("This date has passed."))
    move_status(booking, frozenset({BookingStatus.REQUESTED}), BookingStatus.CONFIRMED)
    _plan_excursion(booking, by)


def end_booking(
    booking: Booking, status: BookingStatus, reason: str | None, by: User | None, now: datetime
) -> None:
    """Decline (the host, while it waits) or cancel (either side, before the visit) with a
    reason: the seats come back and the planned excursion is cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise OfferError(N_("Give the reason."), "reason")
    if booking.slot.starts_at <= now:
        raise OfferError(N_("The visit has begun: the booking can no longer be changed."))
    allowed = (
        frozenset({BookingStatus.REQUESTED})
        if status is BookingStatus.DECLINED
        else ACTIVE_BOOKING_STATUSES
    )
    move_status(booking, allowed, status)
    booking.cancel_reason = reason
    booking.cancelled_by = by
    _return_seats(booking.slot, booking.seats)
    cancel_planned_activity(booking.activity)
    db.session.flush()
