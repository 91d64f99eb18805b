"""Writes about offers, bookings and speaker requests. Services flush; the caller commits.

Seats: ``OfferSlot.booked_seats`` is the sum of the seats of the slot's active bookings. It is
changed only by conditional UPDATEs — ``booked_seats + n <= capacity`` decides a booking in the
database, whatever the concurrency, and the CHECK ``within_capacity`` is the backstop. Status
moves of bookings and requests are conditional UPDATEs too, so two people (or a double click)
confirming or cancelling at once change a booking once and return its seats once.

Refusals raise :class:`OfferError` with an English msgid (translated where it is shown); the
caller rolls back. Mail to the other side is sent by ``notify_*`` after the caller committed, so
a slow mail server never holds a database lock and nothing is announced that was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from partnercrm.accounts.models import User
from partnercrm.activities import services as activities
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import MAX_GRADE, MIN_GRADE, ActivityKind, ActivityStatus
from partnercrm.directory.models import Municipality, Organization
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.localtime import local_date
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.offers.rules import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    OfferKind,
    OfferStatus,
    SpeakerRequestStatus,
)

NO_SEATS_LEFT = N_("No seats left: there are fewer free seats than you asked for.")
CHANGED_MEANWHILE = N_("Someone has changed this in the meantime. Look at it again.")
BUSY = N_("Many bookings are being made at this moment. Please send the form again.")


class OfferError(UserError):
    """A refused change; ``field`` names the form field it concerns, ``params`` fill the msgid."""

    def __init__(self, message: str, field: str | None = None, **params):
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params


class DuplicateSubmission(Exception):
    """The form's one-time key was used by a concurrent submission, which won. The caller rolls
    back and shows what that submission made (:func:`booking_for_key`)."""


# --- offers ---


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
    if None not in (data.grade_min, data.grade_max) and data.grade_min > data.grade_max:
        raise OfferError(N_("The lowest grade must not be above the highest grade."), "grade_max")


def create_offer(
    organization: Organization,
    kind: OfferKind,
    data: OfferData,
    created_by: User | None,
    now: datetime,
) -> Offer:
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


# --- bookings ---


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
        taken = db.session.execute(
            sa.update(OfferSlot)
            .where(OfferSlot.id == slot.id, OfferSlot.booked_seats + seats <= OfferSlot.capacity)
            .values(booked_seats=OfferSlot.booked_seats + seats)
            .execution_options(synchronize_session=False)
        ).rowcount
    except IntegrityError as error:  # the CHECK within_capacity, the backstop
        raise OfferError(NO_SEATS_LEFT, "seats") from error
    db.session.expire(slot, ["booked_seats", "updated_at"])
    if taken != 1:
        raise OfferError(NO_SEATS_LEFT, "seats")


def database_busy(error: sa.exc.OperationalError) -> bool:
    """SQLite's "database is locked": another writer kept the lock longer than the busy
    timeout (pysqlite's 5 s; docs/offers.md). The booking is simply not made."""
    return "database is locked" in str(error.orig)


def _return_seats(slot: OfferSlot, seats: int) -> None:
    db.session.execute(
        sa.update(OfferSlot)
        .where(OfferSlot.id == slot.id)
        .values(booked_seats=OfferSlot.booked_seats - seats)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(slot, ["booked_seats", "updated_at"])


def _move(record, model, allowed: frozenset, status) -> None:
    """Move ``record`` to ``status`` if the database still has it in ``allowed``; the ORM object
    follows, so the flush writes the audit entry."""
    moved = db.session.execute(
        sa.update(model)
        .where(model.id == record.id, model.status.in_(allowed))
        .values(status=status)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise OfferError(CHANGED_MEANWHILE)
    record.status = status


def book(
    slot: OfferSlot,
    school: Organization,
    data: BookingData,
    request_key: str,
    booked_by: User | None,
    now: datetime,
) -> Booking:
    """Book seats of ``slot`` for a class of ``school``: confirmed (and planned) at once when
    the offer needs no confirmation. ``request_key`` is the form's one-time key: used before
    (a double submit, even a concurrent one), it raises :class:`DuplicateSubmission`."""
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
            BookingStatus.REQUESTED if offer.requires_confirmation else BookingStatus.CONFIRMED
        ),
    )
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError as error:  # uq_booking_request_key: the other submission won
        raise DuplicateSubmission(request_key) from error
    if booking.status is BookingStatus.CONFIRMED:
        _plan_excursion(booking, booked_by)
    return booking


def grade_range(offer: Offer) -> str:
    low = offer.grade_min or MIN_GRADE
    high = offer.grade_max or MAX_GRADE
    return f"{low}–{high}"


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
    _move(booking, Booking, frozenset({BookingStatus.REQUESTED}), BookingStatus.CONFIRMED)
    _plan_excursion(booking, by)


def _cancel_activity(activity: Activity | None) -> None:
    if activity is not None and activity.status is ActivityStatus.PLANNED:
        activities.set_status(activity, ActivityStatus.CANCELLED)


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
    _move(booking, Booking, allowed, status)
    booking.cancel_reason = reason
    booking.cancelled_by = by
    _return_seats(booking.slot, booking.seats)
    _cancel_activity(booking.activity)
    db.session.flush()


# --- speaker requests ---


@dataclass
class SpeakerRequestData:
    starts_at: datetime
    ends_at: datetime | None = None
    location: str | None = None
    topic: str | None = None
    message: str | None = None


def speaker_request_for_key(request_key: str) -> SpeakerRequest | None:
    return db.session.scalar(
        sa.select(SpeakerRequest).where(SpeakerRequest.request_key == request_key)
    )


def request_speaker(
    offer: Offer,
    school: Organization,
    data: SpeakerRequestData,
    request_key: str,
    requested_by: User | None,
    now: datetime,
) -> SpeakerRequest:
    """Ask for the speaker of ``offer``; ``request_key`` as in :func:`book`."""
    if offer.kind is not OfferKind.SPEAKER or offer.status is not OfferStatus.PUBLISHED:
        raise OfferError(N_("This offer takes no requests now."))
    if data.starts_at <= now:
        raise OfferError(N_("The meeting must lie in the future."), "day")
    if data.ends_at is not None and data.ends_at < data.starts_at:
        raise OfferError(N_("The end must not be before the start."), "end")
    request = SpeakerRequest(
        offer=offer,
        school=school,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        location=(data.location or "").strip() or None,
        topic=(data.topic or "").strip() or None,
        message=(data.message or "").strip() or None,
        request_key=request_key,
        requested_by=requested_by,
        status=SpeakerRequestStatus.REQUESTED,
    )
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DuplicateSubmission(request_key) from error
    return request


def accept_speaker_request(request: SpeakerRequest, by: User | None, now: datetime) -> None:
    """The speaker comes: the parent meeting exists at the school, with the offering
    organization as presenter."""
    if request.starts_at <= now:
        raise OfferError(N_("This date has passed."))
    _move(
        request,
        SpeakerRequest,
        frozenset({SpeakerRequestStatus.REQUESTED}),
        SpeakerRequestStatus.ACCEPTED,
    )
    request.decided_by = by
    offer, school = request.offer, request.school
    meeting = activities.create_activity(
        activities.ActivityData(
            kind=ActivityKind.PARENT_MEETING,
            title=request.topic or offer.topic,
            host=school,
            organizer=school,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            location=request.location,
            schools=[school],
        ),
        created_by=by,
    )
    activities.set_parent_meeting_details(
        meeting, parents_count=None, professions=offer.profession, presenters=[offer.organization]
    )
    request.activity = meeting
    db.session.flush()


def decline_speaker_request(request: SpeakerRequest, reason: str | None, by: User | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise OfferError(N_("Give the reason."), "reason")
    _move(
        request,
        SpeakerRequest,
        frozenset({SpeakerRequestStatus.REQUESTED}),
        SpeakerRequestStatus.DECLINED,
    )
    request.decline_reason = reason
    request.decided_by = by
    db.session.flush()


def cancel_speaker_request(request: SpeakerRequest, now: datetime) -> None:
    """The school withdraws its request, or calls off the meeting before it takes place."""
    if request.starts_at <= now:
        raise OfferError(N_("The meeting has begun: the request can no longer be changed."))
    _move(
        request,
        SpeakerRequest,
        frozenset({SpeakerRequestStatus.REQUESTED, SpeakerRequestStatus.ACCEPTED}),
        SpeakerRequestStatus.CANCELLED,
    )
    _cancel_activity(request.activity)
    db.session.flush()


# --- telling the other side ---


def _organization_emails(organization_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(User.email)
            .where(User.organization_id == organization_id, User.active.is_(True))
            .order_by(User.email)
        )
    )


def _person_or_organization(user: User | None, organization_id: int) -> list[str]:
    """The user who made the booking or request, or (gone) their organization's staff."""
    if user is not None and user.active:
        return [user.email]
    return _organization_emails(organization_id)


def _when(moment: datetime) -> str:
    return format_datetime(moment, "dd.MM.yyyy HH:mm")


def _link(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        return None


def _send(to: list[str], subject: str, lines: list[str], link: str | None) -> None:
    from partnercrm.mail import send_mail

    if not to:
        return
    if link:
        lines = [*lines, "", link]
    send_mail(to, subject, "\n".join(lines))


def notify_booking(booking: Booking, by_host: bool) -> None:
    """Tell the other side what just happened to ``booking`` (after the commit), in Russian."""
    slot, offer = booking.slot, booking.slot.offer
    if by_host:
        to = _person_or_organization(booking.booked_by, booking.school_id)
    else:
        to = _organization_emails(offer.organization_id)
    with force_locale("ru"):
        facts = _(
            "%(school)s, %(seats)d seats, %(when)s: %(topic)s (%(host)s).",
            school=booking.school.display_name,
            seats=booking.seats,
            when=_when(slot.starts_at),
            topic=offer.topic,
            host=offer.organization.display_name,
        )
        if booking.status is BookingStatus.REQUESTED:
            subject = _("New booking of your excursion: please confirm it")
            lines = [facts, _("Confirm or decline the booking in PartnerCRM.")]
        elif booking.status is BookingStatus.CONFIRMED and not by_host:
            subject = _("New booking of your excursion")
            lines = [facts, _("The booking is confirmed: the excursion is planned.")]
        elif booking.status is BookingStatus.CONFIRMED:
            subject = _("Your booking is confirmed")
            lines = [
                facts,
                _("The excursion is planned; after the visit, add its participants."),
            ]
        else:
            subject = (
                _("Your booking is declined")
                if booking.status is BookingStatus.DECLINED
                else _("A booking is cancelled")
            )
            lines = [facts, _("Reason: %(reason)s", reason=booking.cancel_reason)]
    _send(to, subject, lines, _link("offers.booking", booking_id=booking.id))


def notify_speaker_request(request: SpeakerRequest, by_host: bool) -> None:
    offer = request.offer
    if by_host:
        to = _person_or_organization(request.requested_by, request.school_id)
    else:
        to = _organization_emails(offer.organization_id)
    with force_locale("ru"):
        facts = _(
            "Parent meeting at %(school)s, %(when)s: %(topic)s (speaker: %(host)s).",
            school=request.school.display_name,
            when=_when(request.starts_at),
            topic=request.topic or offer.topic,
            host=offer.organization.display_name,
        )
        status = request.status
        if status is SpeakerRequestStatus.REQUESTED:
            subject = _("A school asks for your speaker")
            lines = [facts, _("Accept or decline the request in PartnerCRM.")]
        elif status is SpeakerRequestStatus.ACCEPTED:
            subject = _("Your speaker request is accepted")
            lines = [facts, _("The parent meeting is planned.")]
        elif status is SpeakerRequestStatus.DECLINED:
            subject = _("Your speaker request is declined")
            lines = [facts, _("Reason: %(reason)s", reason=request.decline_reason)]
        else:
            subject = _("A speaker request is withdrawn")
            lines = [facts]
    _send(to, subject, lines, _link("offers.speaker_request", request_id=request.id))
