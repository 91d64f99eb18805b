"""The records of a feed, as SQLAlchemy selects (no Flask).

Who may see what is not decided here: each source takes the WHERE clause that
``partnercrm.access`` gives for the feed's reader, and adds what every feed shares — the kind
filter, the municipality filter, and the time window: a record stays for ``history_days`` after
its last day; a cancelled one only until its last day has passed.

A feed's *fingerprint* is computed from aggregates of the same selects (count, sums of ids and
sequences, latest change), so the ETag and Last-Modified cost one aggregate query and no
rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.agreements.models import Agreement
from partnercrm.database import UTCDateTime
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
    """The records of one kind in a feed.

    ``rows`` selects them; ``sequence`` and ``changes`` are the columns whose sum and maxima
    change whenever an event of the feed does; ``shown`` turns ``rows`` into the select of
    what the events show (built only when the feed is rendered, not for a 304). Events are
    made from plain rows: loading thousands of ORM objects would cost more than the rest of
    the feed.
    """

    name: str
    rows: sa.Select
    sequence: sa.ColumnElement
    changes: tuple[sa.ColumnElement, ...]
    shown: Callable[[sa.Select], sa.Select]

    def load(self, session: Session) -> list[sa.Row]:
        return list(session.execute(self.shown(self.rows)))


def _showing(rows: sa.Select, *columns: sa.ColumnElement) -> sa.Select:
    return rows.with_only_columns(*columns, maintain_column_froms=True)


def _columns(model, *names: str) -> tuple[sa.ColumnElement, ...]:
    return tuple(getattr(model, name) for name in names)


def _labelled(model, prefix: str, *names: str) -> tuple[sa.ColumnElement, ...]:
    """Columns of a joined record, labelled ``<prefix>_<column>``."""
    return tuple(getattr(model, name).label(f"{prefix}_{name}") for name in names)


def _organization(alias, prefix: str, *columns: str) -> tuple[sa.ColumnElement, ...]:
    """Columns of an aliased organization, labelled ``<prefix>_<column>``; ``display`` is its
    short name or else its name."""
    labelled = []
    for column in columns:
        if column == "display":
            value = sa.func.coalesce(alias.short_name, alias.name)
        else:
            value = getattr(alias, column)
        labelled.append(value.label(f"{prefix}_{column}"))
    return tuple(labelled)


def _never(condition: sa.ColumnElement) -> bool:
    return isinstance(condition, sa.sql.elements.False_)


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
    if not kinds or _never(visible.activities):
        return None
    last_day = sa.func.coalesce(Activity.ends_on, Activity.starts_on)
    rows = sa.select(Activity).where(
        visible.activities,
        Activity.kind.in_(kinds),
        _within(last_day, Activity.status == ActivityStatus.CANCELLED, feed),
    )
    if feed.municipality_id is not None:
        # Where the activity takes place: its host's municipality.
        rows = rows.where(
            Activity.host_id.in_(
                sa.select(Organization.id).where(
                    Organization.municipality_id == feed.municipality_id
                )
            )
        )
    return Source("activity", rows, Activity.sequence, (Activity.updated_at,), _activity_shown)


def _activity_shown(rows: sa.Select) -> sa.Select:
    host, organizer = aliased(Organization), aliased(Organization)
    return (
        _showing(
            rows,
            *_columns(Activity, "id", "kind", "title", "description", "location", "status"),
            *_columns(Activity, "all_day", "starts_at", "ends_at", "starts_on", "ends_on"),
            *_columns(Activity, "sequence", "updated_at"),
            *_organization(host, "host", "name", "address"),
            *_organization(organizer, "organizer", "name", "email"),
        )
        .join(host, host.id == Activity.host_id)
        .join(organizer, organizer.id == Activity.organizer_id)
    )


def bookings(visible: Visibility, feed: FeedFilter) -> Source | None:
    """Bookings not confirmed yet (tentative), and those declined or cancelled before
    confirmation (until their date has passed)."""
    if FeedKind.BOOKING not in feed.kinds or _never(visible.bookings):
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
        OfferSlot.sequence,
        (Booking.updated_at, OfferSlot.updated_at, Offer.updated_at),
        _booking_shown,
    )


def _booking_shown(rows: sa.Select) -> sa.Select:
    school, host = aliased(Organization), aliased(Organization)
    return (
        _showing(
            rows,
            *_columns(Booking, "id", "status", "seats", "grade", "class_letter", "updated_at"),
            *_labelled(OfferSlot, "slot", "starts_at", "ends_at", "sequence", "updated_at"),
            *_labelled(Offer, "offer", "topic", "address", "updated_at"),
            *_organization(school, "school", "name", "display"),
            *_organization(host, "host", "name", "address", "email"),
        )
        .join(school, school.id == Booking.school_id)
        .join(host, host.id == Offer.organization_id)
    )


def agreements(visible: Visibility, feed: FeedFilter) -> Source | None:
    """Expiries of signed agreements with an end date; a terminated one shows as cancelled."""
    if FeedKind.AGREEMENT not in feed.kinds or _never(visible.agreements):
        return None
    rows = sa.select(Agreement).where(
        visible.agreements,
        Agreement.signed_on.is_not(None),
        Agreement.valid_to.is_not(None),
        _within(Agreement.valid_to, Agreement.terminated_on.is_not(None), feed),
    )
    return Source("agreement", rows, Agreement.sequence, (Agreement.updated_at,), _agreement_shown)


def _agreement_shown(rows: sa.Select) -> sa.Select:
    return _showing(
        rows,
        *_columns(Agreement, "id", "number", "subject", "valid_to", "terminated_on"),
        *_columns(Agreement, "sequence", "updated_at"),
    )


def holiday_jobs(visible: Visibility, feed: FeedFilter) -> Source | None:
    if FeedKind.HOLIDAY_JOB not in feed.kinds or _never(visible.holiday_jobs):
        return None
    rows = sa.select(HolidayJob).where(
        visible.holiday_jobs,
        _within(HolidayJob.last_day, sa.false(), feed),
        _municipality(HolidayJob.municipality_id, feed),
    )
    return Source(
        "holiday_job", rows, HolidayJob.sequence, (HolidayJob.updated_at,), _holiday_job_shown
    )


def _holiday_job_shown(rows: sa.Select) -> sa.Select:
    employer, center = aliased(Organization), aliased(Organization)
    return (
        _showing(
            rows,
            *_columns(HolidayJob, "id", "title", "status", "address", "places", "sequence"),
            *_columns(HolidayJob, "first_day", "last_day", "shift_starts", "shift_ends"),
            *_columns(HolidayJob, "updated_at"),
            *_organization(employer, "employer", "name", "email"),
            *_organization(center, "center", "name", "email"),
        )
        .join(employer, employer.id == HolidayJob.employer_id)
        .outerjoin(center, center.id == HolidayJob.center_id)
    )


def offer_slots(visible: Visibility, feed: FeedFilter) -> Source | None:
    """Future slots of excursion offers."""
    if FeedKind.OFFER not in feed.kinds or _never(visible.offer_slots):
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
        OfferSlot.sequence,
        (OfferSlot.updated_at, Offer.updated_at),
        _offer_slot_shown,
    )


def _offer_slot_shown(rows: sa.Select) -> sa.Select:
    host = aliased(Organization)
    return _showing(
        rows,
        *_columns(OfferSlot, "id", "starts_at", "ends_at", "sequence", "updated_at"),
        *_labelled(Offer, "offer", "id", "topic", "description", "address", "updated_at"),
        *_labelled(Offer, "offer", "grade_min", "grade_max"),
        *_organization(host, "host", "name", "display", "address", "email"),
    ).join(host, host.id == Offer.organization_id)


def sources(visible: Visibility, feed: FeedFilter) -> list[Source]:
    """The sources the feed's kinds ask for, less those the reader may see nothing of (no
    query is spent on them)."""
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


# Sources show the changes of up to three records (a booking, its slot and its offer).
MAX_CHANGES = 3


def fingerprint(session: Session, feed_sources: list[Source]) -> Fingerprint:
    """Aggregates of every source, and of the organizations whose names and addresses the
    events show — any change to what a feed shows changes one of them — in one statement: a
    304 answer costs one round trip for them."""
    parts = [_aggregates(source) for source in feed_sources]
    parts.append(
        sa.select(
            sa.literal("organization"),
            sa.func.count(),
            sa.literal(0),
            sa.literal(0),
            *_padded([sa.func.max(Organization.updated_at)]),
        )
    )
    rows = [tuple(row) for row in session.execute(sa.union_all(*parts))]
    changes = [value for row in rows for value in row[4:] if value is not None]
    return Fingerprint(tuple(sorted(rows, key=lambda row: row[0])), max(changes, default=None))


def _aggregates(source: Source) -> sa.Select:
    entity = source.rows.column_descriptions[0]["entity"]
    return source.rows.with_only_columns(
        sa.literal(source.name),
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.inspect(entity).primary_key[0]), 0),
        sa.func.coalesce(sa.func.sum(source.sequence), 0),
        *_padded([sa.func.max(column) for column in source.changes]),
        maintain_column_froms=True,
    )


def _padded(latest: list) -> list:
    """The latest-change columns of one part of the union, NULL where a source has fewer."""
    return latest + [sa.cast(sa.null(), UTCDateTime) for _ in range(MAX_CHANGES - len(latest))]
