"""Reading offers, bookings and speaker requests in SQL (no Flask import): the public list and
its filters, the staff lists, slot figures per offer, and the offering organization's
dashboard. Callers pass the session, the base query (the user's scope) and the current time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from partnercrm.activities.models import Activity
from partnercrm.activities.queries import Counts, counts_by_activity
from partnercrm.activities.rules import ActivityStatus
from partnercrm.database import SessionLike
from partnercrm.directory.models import Organization
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.offers.rules import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    OfferKind,
    OfferStatus,
    SpeakerRequestStatus,
)


def open_slot(now: datetime) -> sa.ColumnElement[bool]:
    """A slot still ahead with a free seat."""
    return sa.and_(OfferSlot.starts_at > now, OfferSlot.booked_seats < OfferSlot.capacity)


def fits_grade(grade: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        sa.or_(Offer.grade_min.is_(None), Offer.grade_min <= grade),
        sa.or_(Offer.grade_max.is_(None), Offer.grade_max >= grade),
    )


# --- the public list ---


@dataclass
class PublicFilters:
    municipality_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    grade: int | None = None
    industry: str = ""
    kind: OfferKind | None = None

    def active(self) -> bool:
        return any(
            value not in (None, "")
            for value in (
                self.municipality_id,
                self.date_from,
                self.date_to,
                self.grade,
                self.industry,
                self.kind,
            )
        )

    def slot_condition(self, now: datetime) -> sa.ColumnElement[bool]:
        condition = open_slot(now)
        if self.date_from is not None:
            condition = sa.and_(condition, OfferSlot.starts_on >= self.date_from)
        if self.date_to is not None:
            condition = sa.and_(condition, OfferSlot.starts_on <= self.date_to)
        return condition


def public_offers(filters: PublicFilters, now: datetime) -> sa.Select:
    """Published offers anyone may see: excursions with a free seat on a date ahead (within the
    dates asked for) and speakers (who have no dates: a date filter leaves them out)."""
    has_open_slot = Offer.id.in_(sa.select(OfferSlot.offer_id).where(filters.slot_condition(now)))
    kinds = [
        sa.and_(Offer.kind == OfferKind.EXCURSION, has_open_slot),
    ]
    if filters.date_from is None and filters.date_to is None:
        kinds.append(Offer.kind == OfferKind.SPEAKER)
    query = sa.select(Offer).where(Offer.status == OfferStatus.PUBLISHED, sa.or_(*kinds))
    if filters.kind is not None:
        query = query.where(Offer.kind == filters.kind)
    if filters.municipality_id is not None:
        query = query.where(Offer.municipality_id == filters.municipality_id)
    if filters.grade is not None:
        query = query.where(fits_grade(filters.grade))
    if filters.industry:
        query = query.where(
            Offer.organization_id.in_(
                sa.select(Organization.id).where(Organization.industry == filters.industry)
            )
        )
    return query.options(joinedload(Offer.organization), joinedload(Offer.municipality)).order_by(
        Offer.updated_at.desc(), Offer.id.desc()
    )


def open_slots(
    session: SessionLike, offer_ids: list[int], condition: sa.ColumnElement[bool]
) -> dict[int, list[OfferSlot]]:
    """The slots matching ``condition`` of each offer, by time (one query for a page)."""
    result: dict[int, list[OfferSlot]] = {offer_id: [] for offer_id in offer_ids}
    if not offer_ids:
        return result
    for slot in session.scalars(
        sa.select(OfferSlot)
        .where(OfferSlot.offer_id.in_(offer_ids), condition)
        .order_by(OfferSlot.starts_at, OfferSlot.id)
    ):
        result[slot.offer_id].append(slot)
    return result


def industries(session: SessionLike) -> list[str]:
    """The industries of organizations with published offers: the public filter's choices."""
    return list(
        session.scalars(
            sa.select(Organization.industry)
            .where(
                Organization.industry.is_not(None),
                Organization.id.in_(
                    sa.select(Offer.organization_id).where(Offer.status == OfferStatus.PUBLISHED)
                ),
            )
            .distinct()
            .order_by(Organization.industry)
        )
    )


# --- the staff lists ---


@dataclass
class OfferFilters:
    q: str = ""
    status: OfferStatus | None = None
    kind: OfferKind | None = None
    municipality_id: int | None = None

    def active(self) -> bool:
        return any(
            value not in (None, "")
            for value in (self.q, self.status, self.kind, self.municipality_id)
        )


def filter_offers(query: sa.Select, filters: OfferFilters) -> sa.Select:
    if filters.q:
        needle = filters.q.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(Offer.topic).contains(needle, autoescape=True),
                sa.func.lower(Offer.profession).contains(needle, autoescape=True),
            )
        )
    if filters.status is not None:
        query = query.where(Offer.status == filters.status)
    if filters.kind is not None:
        query = query.where(Offer.kind == filters.kind)
    if filters.municipality_id is not None:
        query = query.where(Offer.municipality_id == filters.municipality_id)
    return query


@dataclass(frozen=True)
class SlotFigures:
    """An offer's dates ahead, their seats and the seats booked."""

    dates: int = 0
    capacity: int = 0
    booked: int = 0
    next_at: datetime | None = None


def slot_figures(
    session: SessionLike, offer_ids: list[int], now: datetime
) -> dict[int, SlotFigures]:
    if not offer_ids:
        return {}
    rows = session.execute(
        sa.select(
            OfferSlot.offer_id,
            sa.func.count(),
            sa.func.sum(OfferSlot.capacity),
            sa.func.sum(OfferSlot.booked_seats),
            sa.func.min(OfferSlot.starts_at),
        )
        .where(OfferSlot.offer_id.in_(offer_ids), OfferSlot.starts_at > now)
        .group_by(OfferSlot.offer_id)
    ).all()
    figures = {
        offer_id: SlotFigures(dates, int(capacity or 0), int(booked or 0), next_at)
        for offer_id, dates, capacity, booked, next_at in rows
    }
    return {offer_id: figures.get(offer_id, SlotFigures()) for offer_id in offer_ids}


@dataclass
class RecordFilters:
    """Filters of the booking and speaker-request lists."""

    status: str = ""
    when: str = ""  # "" (all), "upcoming" or "past"

    def active(self) -> bool:
        return bool(self.status or self.when)


def bookings(
    visibility: sa.ColumnElement[bool], filters: RecordFilters, now: datetime
) -> sa.Select:
    """Bookings (with slot, offer, organizations) of the list: the visits ahead soonest first,
    otherwise the latest first."""
    query = (
        sa.select(Booking)
        .join(OfferSlot, OfferSlot.id == Booking.slot_id)
        .where(visibility)
        .options(
            joinedload(Booking.slot).joinedload(OfferSlot.offer).joinedload(Offer.organization),
            joinedload(Booking.school),
        )
    )
    if filters.status in set(BookingStatus):
        query = query.where(Booking.status == filters.status)
    if filters.when == "upcoming":
        return query.where(OfferSlot.starts_at > now).order_by(OfferSlot.starts_at, Booking.id)
    if filters.when == "past":
        query = query.where(OfferSlot.starts_at <= now)
    return query.order_by(OfferSlot.starts_at.desc(), Booking.id.desc())


def speaker_requests(
    visibility: sa.ColumnElement[bool], filters: RecordFilters, now: datetime
) -> sa.Select:
    query = (
        sa.select(SpeakerRequest)
        .where(visibility)
        .options(
            joinedload(SpeakerRequest.offer).joinedload(Offer.organization),
            joinedload(SpeakerRequest.school),
        )
    )
    if filters.status in set(SpeakerRequestStatus):
        query = query.where(SpeakerRequest.status == filters.status)
    if filters.when == "past":
        query = query.where(SpeakerRequest.starts_at <= now)
    elif filters.when == "upcoming":
        query = query.where(SpeakerRequest.starts_at > now)
    return query.order_by(SpeakerRequest.starts_at.desc(), SpeakerRequest.id.desc())


def offer_bookings(
    session: SessionLike, offer_id: int, visibility: sa.ColumnElement[bool]
) -> list[Booking]:
    """The bookings of an offer's slots the user sees, for its page (school names and seats,
    never students)."""
    return list(
        session.scalars(
            sa.select(Booking)
            .join(OfferSlot, OfferSlot.id == Booking.slot_id)
            .where(OfferSlot.offer_id == offer_id, visibility)
            .options(joinedload(Booking.school), selectinload(Booking.slot))
            .order_by(OfferSlot.starts_at, Booking.id)
        )
    )


# --- the offering organization's dashboard ---


def upcoming_bookings(
    session: SessionLike, organization_id: int, now: datetime, limit: int
) -> list[Booking]:
    """Active bookings of the organization's offers whose visit lies ahead, soonest first."""
    return list(
        session.scalars(
            sa.select(Booking)
            .join(OfferSlot, OfferSlot.id == Booking.slot_id)
            .join(Offer, Offer.id == OfferSlot.offer_id)
            .where(
                Offer.organization_id == organization_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                OfferSlot.starts_at > now,
            )
            .options(joinedload(Booking.school), joinedload(Booking.slot))
            .order_by(OfferSlot.starts_at, Booking.id)
            .limit(limit)
        )
    )


def past_visits(
    session: SessionLike, organization_id: int, limit: int
) -> list[tuple[Activity, Counts]]:
    """Held activities the organization hosted, latest first, with their participant counts
    (named plus headcounts, computed in SQL; never names)."""
    visits = list(
        session.scalars(
            sa.select(Activity)
            .where(Activity.host_id == organization_id, Activity.status == ActivityStatus.HELD)
            .options(selectinload(Activity.schools))
            .order_by(Activity.starts_at.desc(), Activity.id.desc())
            .limit(limit)
        )
    )
    counts = counts_by_activity(session, [visit.id for visit in visits])
    return [(visit, counts[visit.id]) for visit in visits]


def origin_url_args(session: SessionLike, activity_id: int) -> tuple[str, dict] | None:
    """The booking or speaker request an activity was made from, as (endpoint, view args).

    Such an activity is cancelled through its booking or request, which also frees the seats
    and tells the other side.
    """
    booking_id = session.scalar(sa.select(Booking.id).where(Booking.activity_id == activity_id))
    if booking_id is not None:
        return "offers.booking", {"booking_id": booking_id}
    request_id = session.scalar(
        sa.select(SpeakerRequest.id).where(SpeakerRequest.activity_id == activity_id)
    )
    if request_id is not None:
        return "offers.speaker_request", {"request_id": request_id}
    return None
