"""Query helpers of the report pages (no Flask): the monthly trend, the activities behind a
school's figure, and the live roadmap matrix.

Each helper runs a fixed number of ``GROUP BY`` queries, whatever the amount of data; nothing is
counted in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from partnercrm.activities.models import Activity, activity_plan_item, activity_school
from partnercrm.activities.rules import ActivityStatus
from partnercrm.database import SessionLike
from partnercrm.directory.models import Organization
from partnercrm.indicators import counters
from partnercrm.indicators.queries import (
    Part,
    Scope,
    headcount_rows,
    named_rows,
    student_indicator,
)
from partnercrm.indicators.rules import Rule
from partnercrm.localtime import Period
from partnercrm.roadmap.models import Programme

# --- monthly trend ---


def months_of(period: Period) -> list[tuple[int, int]]:
    """The (year, month) pairs a period touches, in order."""
    year, month = period.start.year, period.start.month
    months = []
    while (year, month) <= (period.end.year, period.end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly(
    session: SessionLike,
    number: int,
    period: Period,
    scope: Scope,
    programme: Programme | None = None,
    counted: bool = True,
) -> list[Part]:
    """The ``students`` indicator ``number`` of ``programme`` (by default the period's) per
    calendar month of ``period`` (clipped to the period), each month by distinct student on
    its own; two queries. ``Part.key`` is ``date(year, month, 1)``. Read from the counters
    for whole months unless ``counted`` is False.

    The months add up to more than the period's value when a student took part in several
    months, as they should.
    """
    indicator_id, rule = student_indicator(session, number, period, programme)
    if counted and counters.whole_months(period):
        named_counts, head_counts = counters.monthly_counts(session, indicator_id, period, scope)
        return _months(period, named_counts, head_counts)
    named = named_rows(rule, period, scope).subquery()
    heads = headcount_rows(rule, period, scope).subquery()
    year = sa.extract("year", Activity.starts_on).label("y")
    month = sa.extract("month", Activity.starts_on).label("m")
    named_counts = {
        (int(y), int(m)): int(n)
        for y, m, n in session.execute(
            sa.select(year, month, sa.func.count(sa.distinct(named.c.student_id)))
            .join(Activity, Activity.id == named.c.activity_id)
            .group_by(year, month)
        ).all()
    }
    head_counts = {
        (int(y), int(m)): int(n or 0)
        for y, m, n in session.execute(
            sa.select(year, month, sa.func.sum(heads.c.n))
            .join(Activity, Activity.id == heads.c.activity_id)
            .group_by(year, month)
        ).all()
    }
    return _months(period, named_counts, head_counts)


def _months(period: Period, named: dict, heads: dict) -> list[Part]:
    return [
        Part(date(y, m, 1), f"{m:02d}.{y}", named.get((y, m), 0), heads.get((y, m), 0))
        for y, m in months_of(period)
    ]


# --- the activities behind a school's figure ---


def school_activities(rule: Rule, period: Period, school_id: int) -> sa.Select:
    """The activities that a ``students`` rule counts for ``school_id``'s students: those with
    a counted named participant or a counted headcount of that school. Newest first."""
    scope = Scope(school_id=school_id)
    named = named_rows(rule, period, scope).subquery()
    heads = headcount_rows(rule, period, scope).subquery()
    ids = sa.union(sa.select(named.c.activity_id), sa.select(heads.c.activity_id)).subquery()
    return (
        sa.select(Activity)
        .where(Activity.id.in_(sa.select(ids.c.activity_id)))
        .order_by(Activity.starts_on.desc(), Activity.id.desc())
    )


def school_activity_counts(
    session: SessionLike, rule: Rule, period: Period, school_id: int, activity_ids: list[int]
) -> dict[int, Part]:
    """For each of ``activity_ids``: the school's students counted there by a ``students``
    rule (named, or else the headcount); two queries."""
    if not activity_ids:
        return {}
    scope = Scope(school_id=school_id)
    named = named_rows(rule, period, scope).subquery()
    heads = headcount_rows(rule, period, scope).subquery()
    named_counts: dict[int, int] = dict(
        session.execute(
            sa.select(named.c.activity_id, sa.func.count(sa.distinct(named.c.student_id)))
            .where(named.c.activity_id.in_(activity_ids))
            .group_by(named.c.activity_id)
        ).all()
    )
    head_counts = dict(
        session.execute(
            sa.select(heads.c.activity_id, sa.func.sum(heads.c.n))
            .where(heads.c.activity_id.in_(activity_ids))
            .group_by(heads.c.activity_id)
        ).all()
    )
    return {
        activity_id: Part(
            activity_id,
            str(activity_id),
            int(named_counts.get(activity_id, 0)),
            int(head_counts.get(activity_id) or 0),
        )
        for activity_id in activity_ids
    }


# --- the live roadmap ---

ROADMAP_STATUSES = (ActivityStatus.HELD, ActivityStatus.PLANNED)


@dataclass(frozen=True)
class ItemCount:
    """Activities linked to a plan item: held and (still) planned, in the period."""

    held: int = 0
    planned: int = 0

    @property
    def done(self) -> bool:
        return self.held > 0


@dataclass
class RoadmapCounts:
    """Keys: plan item ids; ``by_municipality`` by (plan item id, municipality id)."""

    region: dict[int, ItemCount] = field(default_factory=dict)
    by_municipality: dict[tuple[int, int], ItemCount] = field(default_factory=dict)
    school: dict[int, ItemCount] = field(default_factory=dict)


def _in_period(query: sa.Select, period: Period) -> sa.Select:
    return query.where(
        Activity.status.in_(ROADMAP_STATUSES),
        Activity.starts_on.between(period.start, period.end),
    )


def activity_organizations(period: Period) -> sa.CompoundSelect:
    """(activity_id, organization_id) for the activities held or planned in ``period``: the
    host, the organizer and every visiting school, each pair once."""
    host = sa.select(Activity.id.label("activity_id"), Activity.host_id.label("organization_id"))
    organizer = sa.select(
        Activity.id.label("activity_id"), Activity.organizer_id.label("organization_id")
    )
    visiting = sa.select(
        activity_school.c.activity_id.label("activity_id"),
        activity_school.c.school_id.label("organization_id"),
    ).join(Activity, Activity.id == activity_school.c.activity_id)
    return sa.union(
        _in_period(host, period), _in_period(organizer, period), _in_period(visiting, period)
    )


def _counts(rows) -> dict:
    """{key: ItemCount} from (key…, status, count) rows."""
    held: dict = {}
    planned: dict = {}
    for *key, status, count in rows:
        key = tuple(key) if len(key) > 1 else key[0]
        target = held if ActivityStatus(status) is ActivityStatus.HELD else planned
        target[key] = int(count)
    return {
        key: ItemCount(held.get(key, 0), planned.get(key, 0))
        for key in held.keys() | planned.keys()
    }


def continued_links(pairs: list[tuple[int, int]]) -> sa.Subquery:
    """Links ``(plan_item_id, activity_id)`` that file the activities of earlier items under
    the items that continue them: ``pairs`` are (item id, id of an item it continues)."""
    continued = sa.union_all(
        *[
            sa.select(
                sa.literal(item_id, sa.Integer).label("item_id"),
                sa.literal(old_id, sa.Integer).label("old_id"),
            )
            for item_id, old_id in pairs
        ]
    ).subquery("continued")
    return (
        sa.select(continued.c.item_id.label("plan_item_id"), activity_plan_item.c.activity_id)
        .join(activity_plan_item, activity_plan_item.c.plan_item_id == continued.c.old_id)
        .subquery("continued_links")
    )


def roadmap_counts(
    session: SessionLike,
    period: Period,
    municipality_ids: list[int] | None = None,
    school_id: int | None = None,
    links: sa.FromClause = activity_plan_item,
) -> RoadmapCounts:
    """Activities linked to each plan item in ``period``, held and planned (cancelled ones never
    count): for the region (each activity once), per municipality (an activity is in every
    municipality of its host, its organizer and its visiting schools, so the columns may add up
    to more than the region) — for ``municipality_ids`` only if given, none if ``[]`` — and,
    with ``school_id``, for activities that school hosted, organized or visited.

    ``links`` (``plan_item_id``, ``activity_id``) are the links counted, by default the
    activities' own (:func:`continued_links`: those of the items an item continues, each
    activity once under it). At most three ``GROUP BY`` queries.
    """
    result = RoadmapCounts()
    link = links
    region = _in_period(
        sa.select(link.c.plan_item_id, Activity.status, sa.func.count(sa.distinct(Activity.id)))
        .select_from(link)
        .join(Activity, Activity.id == link.c.activity_id),
        period,
    ).group_by(link.c.plan_item_id, Activity.status)
    result.region = _counts(session.execute(region).all())

    if municipality_ids is None or municipality_ids:
        pairs = activity_organizations(period).subquery()
        municipality = Organization.municipality_id
        query = (
            sa.select(
                link.c.plan_item_id,
                municipality,
                Activity.status,
                sa.func.count(sa.distinct(Activity.id)),
            )
            .select_from(link)
            .join(Activity, Activity.id == link.c.activity_id)
            .join(pairs, pairs.c.activity_id == Activity.id)
            .join(Organization, Organization.id == pairs.c.organization_id)
            .group_by(link.c.plan_item_id, municipality, Activity.status)
        )
        if municipality_ids is not None:
            query = query.where(municipality.in_(municipality_ids))
        result.by_municipality = _counts(session.execute(query).all())

    if school_id is not None:
        pairs = activity_organizations(period).subquery()
        query = (
            sa.select(link.c.plan_item_id, Activity.status, sa.func.count(sa.distinct(Activity.id)))
            .select_from(link)
            .join(Activity, Activity.id == link.c.activity_id)
            .join(pairs, pairs.c.activity_id == Activity.id)
            .where(pairs.c.organization_id == school_id)
            .group_by(link.c.plan_item_id, Activity.status)
        )
        result.school = _counts(session.execute(query).all())
    return result
