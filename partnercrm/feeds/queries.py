"""The records of a feed, as SQLAlchemy selects (no Flask).

Who may see what is not decided here: each source takes the WHERE clause that
``partnercrm.access`` gives for the feed's reader, and adds what every feed shares — the kind
filter, the municipality filter, and the time window: a record stays for ``history_days`` after
its last day; a cancelled one only until its last day has passed.

A feed's *fingerprint* is computed from aggregates of the same selects (count, sums of ids and
sequences, latest change), so the ETag and Last-Modified cost a few aggregate queries and no
rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.agreements.models import Agreement
from partnercrm.directory.models import Organization
from partnercrm.jobs.models import HolidayJob
from partnercrm.offers.models import Booking, Offer, OfferSlot
from partnercrm.offers.rules import BookingStatus, OfferKind


class FeedKind(StrEnum):
    """What ``?kind=`` selects: the activity kinds, and the other records a feed holds."""

    EXCURSION = ActivityKind.EXCURSION.value
    PARENT_MEETING = ActivityKind.PARENT_MEETING.value
    CAMP_SHIFT = ActivityKind.CAMP_SHIFT.value
    OPEN_DAY = ActivityKind.OPEN_DAY.value
    PROFPROBA = ActivityKind.PROFPROBA.value
    CAREER_EVENT = ActivityKind.CAREER_EVENT.value
    BOOKING = "booking"
    AGREEMENT = "agreement"
    HOLIDAY_JOB = "holiday_job"
    OFFER = "offer"


ACTIVITY_KINDS = frozenset(FeedKind(kind.value) for kind in ActivityKind)
PRIVATE_KINDS = ACTIVITY_KINDS | {FeedKind.BOOKING, FeedKind.AGREEMENT, FeedKind.HOLIDAY_JOB}
PUBLIC_KINDS = ACTIVITY_KINDS | {FeedKind.OFFER, FeedKind.HOLIDAY_JOB}

# Bookings that leave the feed with their status: a confirmed booking is shown by the
# excursion it created (never two events for one visit).
ENDED_BOOKING_STATUSES = (BookingStatus.DECLINED, BookingStatus.CANCELLED)


@dataclass(frozen=True)
class FeedFilter:
    kinds: frozenset[FeedKind]
    today: date
    history_days: int
    municipality_id: int | None = None

    @property
    def since(self) -> date:
        return self.today - timedelta(days=self.history_days)


@dataclass(frozen=True)
class Visibility:
    """The WHERE clause of each source for the feed's reader (``partnercrm.access``)."""

    activities: sa.ColumnElement
    bookings: sa.ColumnElement
    agreements: sa.ColumnElement
    holiday_jobs: sa.ColumnElement
    offer_slots: sa.ColumnElement


@dataclass(frozen=True)
class Source:
    """The records of one kind in a feed: ``rows`` selects them; ``sequences`` and ``changes``
    are the columns whose sums and maximum change whenever an event of the feed does;
    ``loads`` the loader options for what their events show."""

    name: str
    rows: sa.Select
    sequences: tuple[sa.ColumnElement, ...]
    changes: tuple[sa.ColumnElement, ...]
    loads: tuple = ()

    def load(self, session: Session) -> list:
        return list(session.scalars(self.rows.options(*self.loads)).unique())


def _within(last_day, cancelled, feed: FeedFilter) -> sa.ColumnElement:
    """The time window: ``since`` for every record, today for cancelled ones."""
    return sa.and_(
        last_day >= feed.since,
        sa.or_(sa.not_(cancelled), last_day >= feed.today),
    )


def _municipality(column, feed: FeedFilter) -> sa.ColumnElement:
    if feed.municipality_id is None:
        return sa.true()
    return column == feed.municipality_id


def activities(visible: Visibility, feed: FeedFilter) -> Source | None:
    kinds = [ActivityKind(kind.value) for kind in feed.kinds & ACTIVITY_KINDS]
    if not kinds:
        return None
    last_day = sa.func.coalesce(Activity.ends_on, Activity.starts_on)
    rows = (
        sa.select(Activity)
        .join(Organization, Organization.id == Activity.host_id)
        .where(
            visible.activities,
            Activity.kind.in_(kinds),
            _within(last_day, Activity.status == ActivityStatus.CANCELLED, feed),
            _municipality(Organization.municipality_id, feed),
        )
    )
    return Source(
        "activity",
        rows,
        (Activity.sequence,),
        (Activity.updated_at,),
        (joinedload(Activity.host), joinedload(Activity.organizer)),
    )


def bookings(visible: Visibility, feed: FeedFilter) -> Source | None:
    """Bookings not confirmed yet (tentative), and those declined or cancelled before
    confirmation (until their date has passed)."""
    if FeedKind.BOOKING not in feed.kinds:
        return None
    rows = (
        sa.select(Booking)
        .join(OfferSlot, OfferSlot.id == Booking.slot_id)
        .join(Offer, Offer.id == OfferSlot.offer_id)
        .where(
            visible.bookings,
            sa.or_(
                Booking.status == BookingStatus.REQUESTED,
                sa.and_(Booking.status.in_(ENDED_BOOKING_STATUSES), Booking.activity_id.is_(None)),
            ),
            _within(OfferSlot.starts_on, Booking.status.in_(ENDED_BOOKING_STATUSES), feed),
            _municipality(Offer.municipality_id, feed),
        )
    )
    return Source(
        "booking",
        rows,
        (OfferSlot.sequence,),
        (Booking.updated_at, OfferSlot.updated_at, Offer.updated_at),
        (
            joinedload(Booking.school),
            joinedload(Booking.slot).joinedload(OfferSlot.offer).joinedload(Offer.organization),
        ),
    )


def agreements(visible: Visibility, feed: FeedFilter) -> Source | None:
    """Expiries of signed agreements with an end date; a terminated one shows as cancelled."""
    if FeedKind.AGREEMENT not in feed.kinds:
        return None
    rows = sa.select(Agreement).where(
        visible.agreements,
        Agreement.signed_on.is_not(None),
        Agreement.valid_to.is_not(None),
        _within(Agreement.valid_to, Agreement.terminated_on.is_not(None), feed),
    )
    return Source("agreement", rows, (Agreement.sequence,), (Agreement.updated_at,))


def holiday_jobs(visible: Visibility, feed: FeedFilter) -> Source | None:
    if FeedKind.HOLIDAY_JOB not in feed.kinds:
        return None
    rows = sa.select(HolidayJob).where(
        visible.holiday_jobs,
        _within(HolidayJob.last_day, sa.false(), feed),
        _municipality(HolidayJob.municipality_id, feed),
    )
    return Source(
        "holiday_job",
        rows,
        (HolidayJob.sequence,),
        (HolidayJob.updated_at,),
        (joinedload(HolidayJob.employer), joinedload(HolidayJob.center)),
    )


def offer_slots(visible: Visibility, feed: FeedFilter) -> Source | None:
    """Future slots of excursion offers."""
    if FeedKind.OFFER not in feed.kinds:
        return None
    rows = (
        sa.select(OfferSlot)
        .join(Offer, Offer.id == OfferSlot.offer_id)
        .where(
            visible.offer_slots,
            Offer.kind == OfferKind.EXCURSION,
            OfferSlot.starts_on >= feed.today,
            _municipality(Offer.municipality_id, feed),
        )
    )
    return Source(
        "offer_slot",
        rows,
        (OfferSlot.sequence,),
        (OfferSlot.updated_at, Offer.updated_at),
        (joinedload(OfferSlot.offer).joinedload(Offer.organization),),
    )


def sources(visible: Visibility, feed: FeedFilter) -> list[Source]:
    found = (
        make(visible, feed)
        for make in (activities, bookings, agreements, holiday_jobs, offer_slots)
    )
    return [source for source in found if source is not None]


@dataclass(frozen=True)
class Fingerprint:
    """What the ETag is made of, and the latest change of the records in the feed."""

    parts: tuple
    last_change: datetime | None


def fingerprint(session: Session, feed_sources: list[Source]) -> Fingerprint:
    """Aggregates of every source, and of the organizations whose names and addresses the
    events show: any change to what a feed shows changes one of them."""
    parts: list = []
    changes: list[datetime] = []
    for source in feed_sources:
        entity = source.rows.column_descriptions[0]["entity"]
        aggregates = source.rows.with_only_columns(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.inspect(entity).primary_key[0]), 0),
            *(sa.func.coalesce(sa.func.sum(column), 0) for column in source.sequences),
            *(sa.func.max(column) for column in source.changes),
            maintain_column_froms=True,
        )
        row = tuple(session.execute(aggregates).one())
        parts.append((source.name, *row))
        changes.extend(value for value in row[-len(source.changes) :] if value is not None)
    organizations = session.execute(
        sa.select(sa.func.count(), sa.func.max(Organization.updated_at))
    ).one()
    parts.append(("organization", *organizations))
    return Fingerprint(tuple(parts), max(changes, default=None))
