"""The records of a feed, as SQLAlchemy selects (no Flask).

Who may see what is not decided here: each source takes the WHERE clause that
``partnercrm.access`` gives for the feed's reader, and adds what every feed shares — the kind
filter, the municipality filter, and the time window: a record stays for ``history_days`` after
its last day; a cancelled one only until its last day has passed.

A feed's *fingerprint* (its ETag) is computed from aggregates of the same selects (count, sums
of ids and sequences, latest change), and its Last-Modified from index lookups over the tables
it reads (:func:`last_modified`): a 304 costs two statements and no rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, aliased

from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.agreements.models import Agreement
from partnercrm.database import SessionLike, UTCDateTime
from partnercrm.directory.models import Organization
from partnercrm.feeds.models import FeedChange
from partnercrm.jobs.models import HolidayJob
from partnercrm.localtime import local_date, start_of_local_day
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.offers.rules import BookingStatus, OfferKind, SpeakerRequestStatus


class FeedKind(StrEnum):
    """What ``?kind=`` selects: the activity kinds, and the other records a feed holds."""

    EXCURSION = ActivityKind.EXCURSION.value
    PARENT_MEETING = ActivityKind.PARENT_MEETING.value
    CAMP_SHIFT = ActivityKind.CAMP_SHIFT.value
    OPEN_DAY = ActivityKind.OPEN_DAY.value
    PROFPROBA = ActivityKind.PROFPROBA.value
    CAREER_EVENT = ActivityKind.CAREER_EVENT.value
    BOOKING = "booking"
    SPEAKER_REQUEST = "speaker_request"
    AGREEMENT = "agreement"
    HOLIDAY_JOB = "holiday_job"
    OFFER = "offer"


ACTIVITY_KINDS = frozenset(FeedKind(kind.value) for kind in ActivityKind)
PRIVATE_KINDS = ACTIVITY_KINDS | {
    FeedKind.BOOKING,
    FeedKind.SPEAKER_REQUEST,
    FeedKind.AGREEMENT,
    FeedKind.HOLIDAY_JOB,
}
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
    speaker_requests: sa.ColumnElement
    agreements: sa.ColumnElement
    holiday_jobs: sa.ColumnElement
    offer_slots: sa.ColumnElement


@dataclass(frozen=True)
class Window:
    """How records leave a feed as the days pass: ``history_days`` after their last day or,
    where ``ends_early`` holds (cancelled), once their last day has passed — at the start of
    the next local day either way.

    ``records`` selects every record of the source, whoever reads the feed. ``last_day`` comes
    in parts, (date column, the records it is the last day of), so that each part is read from
    an index of its own: an activity's last day is its last all-day day, else the day it
    starts. A timestamp column stands for its local date (a record with no date column).
    """

    records: sa.Select
    last_day: tuple[tuple[QueryableAttribute, sa.ColumnElement], ...]
    ends_early: sa.ColumnElement

    def keeps(self, feed: FeedFilter) -> sa.ColumnElement:
        """The WHERE clause of the records still in the feed today."""
        return sa.or_(
            *(
                sa.and_(
                    part,
                    column >= _from_day(column, feed.since),
                    sa.or_(sa.not_(self.ends_early), column >= _from_day(column, feed.today)),
                )
                for column, part in self.last_day
            )
        )

    def exits(self, feed: FeedFilter) -> list[tuple[sa.ScalarSelect, int]]:
        """Of the records gone by the passage of time, the latest last day, and the number of
        days after it at whose start they left, for each way of leaving."""
        found = []
        for column, part in self.last_day:
            if not _always(self.ends_early):
                gone = sa.and_(
                    part, sa.not_(self.ends_early), column < _from_day(column, feed.since)
                )
                found.append((self._latest(column, gone), feed.history_days + 1))
            if not _never(self.ends_early):
                gone = sa.and_(part, self.ends_early, column < _from_day(column, feed.today))
                found.append((self._latest(column, gone), 1))
        return found

    def _latest(self, column: QueryableAttribute, where: sa.ColumnElement) -> sa.ScalarSelect:
        return (
            self.records.with_only_columns(column, maintain_column_froms=True)
            .where(where)
            .order_by(column.desc())
            .limit(1)
            .scalar_subquery()
        )


def _from_day(column: QueryableAttribute, day: date) -> date | datetime:
    """The start of local ``day`` as ``column`` holds it: the date itself, or its first
    moment for a timestamp."""
    return start_of_local_day(day) if isinstance(column.type, UTCDateTime) else day


def _day(value: date | datetime) -> date:
    """The local date of a last day read from a date or a timestamp column."""
    return local_date(value) if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Source:
    """The records of one kind in a feed.

    ``rows`` selects them; ``sequence`` and ``changes`` are the columns whose sum and maxima
    change whenever an event of the feed does; ``window`` says how they leave as the days pass;
    ``shown`` turns ``rows`` into the select of what the events show (built only when the feed
    is rendered, not for a 304). Events are made from plain rows: loading thousands of ORM
    objects would cost more than the rest of the feed.
    """

    name: str
    rows: sa.Select
    sequence: sa.SQLColumnExpression[int]
    changes: tuple[QueryableAttribute[datetime], ...]
    window: Window
    shown: Callable[[sa.Select], sa.Select]

    def load(self, session: SessionLike) -> list[sa.Row]:
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


def _always(condition: sa.ColumnElement) -> bool:
    return isinstance(condition, sa.sql.elements.True_)


def _municipality(column, feed: FeedFilter) -> sa.ColumnElement:
    if feed.municipality_id is None:
        return sa.true()
    return column == feed.municipality_id


def activities(visible: Visibility, feed: FeedFilter) -> Source | None:
    kinds = [ActivityKind(kind.value) for kind in feed.kinds & ACTIVITY_KINDS]
    if not kinds or _never(visible.activities):
        return None
    window = Window(
        sa.select(Activity),
        (
            (Activity.ends_on, Activity.ends_on.is_not(None)),
            (Activity.starts_on, Activity.ends_on.is_(None)),
        ),
        ends_early=Activity.status == ActivityStatus.CANCELLED,
    )
    rows = window.records.where(visible.activities, Activity.kind.in_(kinds), window.keeps(feed))
    if feed.municipality_id is not None:
        # Where the activity takes place: its host's municipality.
        rows = rows.where(
            Activity.host_id.in_(
                sa.select(Organization.id).where(
                    Organization.municipality_id == feed.municipality_id
                )
            )
        )
    return Source(
        "activity", rows, Activity.sequence, (Activity.updated_at,), window, _activity_shown
    )


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
    window = Window(
        sa.select(Booking).join(OfferSlot, OfferSlot.id == Booking.slot_id),
        ((OfferSlot.starts_on, sa.true()),),
        ends_early=Booking.status.in_(ENDED_BOOKING_STATUSES),
    )
    rows = window.records.join(Offer, Offer.id == OfferSlot.offer_id).where(
        visible.bookings,
        sa.or_(
            Booking.status == BookingStatus.REQUESTED,
            sa.and_(Booking.status.in_(ENDED_BOOKING_STATUSES), Booking.activity_id.is_(None)),
        ),
        window.keeps(feed),
        _municipality(Offer.municipality_id, feed),
    )
    return Source(
        "booking",
        rows,
        OfferSlot.sequence,
        (Booking.updated_at, OfferSlot.updated_at, Offer.updated_at),
        window,
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


def speaker_requests(visible: Visibility, feed: FeedFilter) -> Source | None:
    """Speaker requests not answered yet (tentative). An accepted one is shown by the parent
    meeting it created, never as a second event; a declined or cancelled one leaves the feed at
    once (stamped by its ``updated_at``)."""
    if FeedKind.SPEAKER_REQUEST not in feed.kinds or _never(visible.speaker_requests):
        return None
    window = Window(
        sa.select(SpeakerRequest),
        ((SpeakerRequest.starts_at, sa.true()),),
        ends_early=sa.false(),
    )
    rows = window.records.join(Offer, Offer.id == SpeakerRequest.offer_id).where(
        visible.speaker_requests,
        SpeakerRequest.status == SpeakerRequestStatus.REQUESTED,
        window.keeps(feed),
        _municipality(Offer.municipality_id, feed),
    )
    # No sequence of its own: while requested, nothing changes its time or place, and any
    # answer takes it out of the feed.
    return Source(
        "speaker_request",
        rows,
        sa.literal_column("0"),
        (SpeakerRequest.updated_at, Offer.updated_at),
        window,
        _speaker_request_shown,
    )


def _speaker_request_shown(rows: sa.Select) -> sa.Select:
    school, speaker = aliased(Organization), aliased(Organization)
    return (
        _showing(
            rows,
            *_columns(SpeakerRequest, "id", "topic", "starts_at", "ends_at", "location"),
            *_columns(SpeakerRequest, "updated_at"),
            *_labelled(Offer, "offer", "topic", "updated_at"),
            *_organization(school, "school", "name", "display", "address", "email"),
            *_organization(speaker, "speaker", "name"),
        )
        .join(school, school.id == SpeakerRequest.school_id)
        .join(speaker, speaker.id == Offer.organization_id)
    )


def agreements(visible: Visibility, feed: FeedFilter) -> Source | None:
    """Expiries of signed agreements with an end date; a terminated one shows as cancelled."""
    if FeedKind.AGREEMENT not in feed.kinds or _never(visible.agreements):
        return None
    window = Window(
        sa.select(Agreement),
        ((Agreement.valid_to, sa.true()),),
        ends_early=Agreement.terminated_on.is_not(None),
    )
    rows = window.records.where(
        visible.agreements,
        Agreement.signed_on.is_not(None),
        Agreement.valid_to.is_not(None),
        window.keeps(feed),
    )
    return Source(
        "agreement", rows, Agreement.sequence, (Agreement.updated_at,), window, _agreement_shown
    )


def _agreement_shown(rows: sa.Select) -> sa.Select:
    return _showing(
        rows,
        *_columns(Agreement, "id", "number", "subject", "valid_to", "terminated_on"),
        *_columns(Agreement, "sequence", "updated_at"),
    )


def holiday_jobs(visible: Visibility, feed: FeedFilter) -> Source | None:
    if FeedKind.HOLIDAY_JOB not in feed.kinds or _never(visible.holiday_jobs):
        return None
    window = Window(
        sa.select(HolidayJob), ((HolidayJob.last_day, sa.true()),), ends_early=sa.false()
    )
    rows = window.records.where(
        visible.holiday_jobs,
        window.keeps(feed),
        _municipality(HolidayJob.municipality_id, feed),
    )
    return Source(
        "holiday_job",
        rows,
        HolidayJob.sequence,
        (HolidayJob.updated_at,),
        window,
        _holiday_job_shown,
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
    """Slots of excursion offers until their day has passed."""
    if FeedKind.OFFER not in feed.kinds or _never(visible.offer_slots):
        return None
    window = Window(sa.select(OfferSlot), ((OfferSlot.starts_on, sa.true()),), ends_early=sa.true())
    rows = window.records.join(Offer, Offer.id == OfferSlot.offer_id).where(
        visible.offer_slots,
        Offer.kind == OfferKind.EXCURSION,
        window.keeps(feed),
        _municipality(Offer.municipality_id, feed),
    )
    return Source(
        "offer_slot",
        rows,
        OfferSlot.sequence,
        (OfferSlot.updated_at, Offer.updated_at),
        window,
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
        for make in (activities, bookings, speaker_requests, agreements, holiday_jobs, offer_slots)
    )
    return [source for source in found if source is not None]


# Sources show the changes of up to three records (a booking, its slot and its offer).
MAX_CHANGES = 3


def fingerprint(session: SessionLike, feed_sources: list[Source]) -> tuple:
    """Aggregates of every source, and of the organizations whose names and addresses the
    events show — any change to what a feed shows changes one of them — in one statement."""
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
    return tuple(sorted(rows, key=lambda row: row[0]))


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


# Last-Modified of a feed whose tables hold nothing.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def last_modified(
    session: SessionLike, feed_sources: list[Source], feed: FeedFilter, scope_kinds: tuple[str, ...]
) -> datetime:
    """When the feed last changed, in whole seconds (HTTP dates), from what the database holds
    now: a feed request writes nothing. The latest of

    - the latest change of any record of the tables the feed reads — of all of them, not only
      those in the feed, since a record that left by a change of its own (unpublished, closed,
      cancelled, moved) was stamped as it left;
    - the latest ``FeedChange`` of those kinds and of ``scope_kinds`` (deletions, links,
      scopes: what no ``updated_at`` shows);
    - the latest exit by the passage of time up to now (``Window.exits``).

    It never goes backwards: whatever removes a moment from these maxima (an edit, a deletion)
    leaves a later one. Each is one index lookup, all in one statement.
    """
    stamps: dict[str, QueryableAttribute[datetime]] = {"organization": Organization.updated_at}
    for source in feed_sources:
        for column in source.changes:
            stamps.setdefault(column.table.name, column)
    latest = [sa.select(sa.func.max(column)).scalar_subquery() for column in stamps.values()]
    latest += [
        sa.select(sa.func.max(FeedChange.changed_at))
        .where(FeedChange.kind == kind)
        .scalar_subquery()
        for kind in (*stamps, *scope_kinds)
    ]
    exits = [found for source in feed_sources for found in source.window.exits(feed)]
    row = session.execute(sa.select(*latest, *(day for day, _ in exits))).one()
    moments = [moment for moment in row[: len(latest)] if moment is not None]
    moments += [
        start_of_local_day(_day(day) + timedelta(days=days_after))
        for day, (_, days_after) in zip(row[len(latest) :], exits, strict=True)
        if day is not None
    ]
    return max(moments, default=EPOCH).replace(microsecond=0)
