"""Participant counts of activities, in SQL, with the named-wins rule (no Flask import).

For one (activity, school) pair, named participants win: if any exist, that school's headcount
rows for the activity are ignored (DESIGN §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from partnercrm.activities.models import Activity, Headcount, Participation, activity_school
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.database import SessionLike
from partnercrm.directory.models import Organization
from partnercrm.students.models import Student


@dataclass(frozen=True)
class Counts:
    named: int = 0
    headcount: int = 0

    @property
    def total(self) -> int:
        return self.named + self.headcount


# A date column of a model, or of a subquery.
DateColumn = sa.orm.QueryableAttribute[date] | sa.ColumnElement[date]


def year_key(day: DateColumn) -> sa.ColumnElement[int]:
    """The calendar year of a date column."""
    return sa.cast(sa.extract("year", day), sa.Integer)


def school_year_key(day: DateColumn) -> sa.ColumnElement[int]:
    """The school year of a date column: the year it starts in (September on)."""
    year = year_key(day)
    return sa.case((sa.extract("month", day) >= 9, year), else_=year - 1)


def named_pairs() -> sa.Select:
    """(activity_id, school_id) pairs that have named participants."""
    return (
        sa.select(Participation.activity_id, Student.school_id)
        .join(Student, Student.id == Participation.student_id)
        .distinct()
    )


def school_named_someone() -> sa.Exists:
    """For the enclosing query's headcount row: its school has named participants at its
    activity, so the row is ignored (named wins). Correlated, so it is one index probe per
    row rather than a pass over all participations."""
    return sa.exists().where(
        Participation.activity_id == Headcount.activity_id,
        Student.id == Participation.student_id,
        Student.school_id == Headcount.school_id,
    )


def effective_headcounts() -> sa.Select:
    """Headcount rows that count: those of schools without named participants there."""
    return sa.select(Headcount).where(~school_named_someone())


def counts_by_activity(session: SessionLike, activity_ids: list[int]) -> dict[int, Counts]:
    """Named and counted-headcount totals for each of ``activity_ids`` (two queries)."""
    if not activity_ids:
        return {}
    named = dict(
        session.execute(
            sa.select(Participation.activity_id, sa.func.count())
            .where(Participation.activity_id.in_(activity_ids))
            .group_by(Participation.activity_id)
        ).all()
    )
    rows = effective_headcounts().where(Headcount.activity_id.in_(activity_ids)).subquery()
    heads = dict(
        session.execute(
            sa.select(rows.c.activity_id, sa.func.sum(rows.c.count)).group_by(rows.c.activity_id)
        ).all()
    )
    return {
        activity_id: Counts(named.get(activity_id, 0), int(heads.get(activity_id) or 0))
        for activity_id in activity_ids
    }


def counts_by_school(session: SessionLike, activity_id: int) -> dict[int, Counts]:
    """Per visiting school of one activity: named participants, or else its headcounts."""
    named = dict(
        session.execute(
            sa.select(Student.school_id, sa.func.count())
            .join(Participation, Participation.student_id == Student.id)
            .where(Participation.activity_id == activity_id)
            .group_by(Student.school_id)
        ).all()
    )
    rows = effective_headcounts().where(Headcount.activity_id == activity_id).subquery()
    heads = dict(
        session.execute(
            sa.select(rows.c.school_id, sa.func.sum(rows.c.count)).group_by(rows.c.school_id)
        ).all()
    )
    return {
        school_id: Counts(named.get(school_id, 0), int(heads.get(school_id) or 0))
        for school_id in named.keys() | heads.keys()
    }


@dataclass
class SchoolRow:
    """One school at an activity: its counts (None: none recorded) and its headcount rows."""

    school: Organization
    counts: Counts | None
    headcounts: list[Headcount]


def school_rows(session: SessionLike, activity: Activity) -> list[SchoolRow]:
    """Per visiting school, by name: named participants, counted headcount, the headcount rows."""
    counts = counts_by_school(session, activity.id)
    rows_by_school: dict[int, list[Headcount]] = {}
    for row in session.scalars(
        sa.select(Headcount)
        .where(Headcount.activity_id == activity.id)
        .order_by(Headcount.school_id, Headcount.grade)
    ):
        rows_by_school.setdefault(row.school_id, []).append(row)
    school_ids = counts.keys() | rows_by_school.keys() | {s.id for s in activity.schools}
    schools = session.scalars(
        sa.select(Organization)
        .where(Organization.id.in_(school_ids))
        .options(sa.orm.joinedload(Organization.municipality))
        .order_by(Organization.name)
    ).all()
    return [
        SchoolRow(school, counts.get(school.id), rows_by_school.get(school.id, []))
        for school in schools
    ]


def schools_with_participants(session: SessionLike, activity: Activity) -> list[Organization]:
    """The schools with named participants or headcounts at ``activity``: they stay visiting
    schools while they have them."""
    named = (
        sa.select(Student.school_id)
        .join(Participation, Participation.student_id == Student.id)
        .where(Participation.activity_id == activity.id)
    )
    counted = sa.select(Headcount.school_id).where(Headcount.activity_id == activity.id)
    return list(
        session.scalars(
            sa.select(Organization).where(
                sa.or_(Organization.id.in_(named), Organization.id.in_(counted))
            )
        )
    )


def look_alikes(
    session: SessionLike,
    *,
    kind: ActivityKind,
    host_id: int,
    starts_at: datetime,
    school_ids: set[int],
    visibility: sa.ColumnElement[bool],
) -> list[Activity]:
    """Activities a new one may duplicate (issue #15): of ``kind``, at ``host_id``, starting
    at ``starts_at``, organized or visited by one of ``school_ids``, not cancelled; only those
    ``visibility`` lets the user see."""
    visited = sa.select(activity_school.c.activity_id).where(
        activity_school.c.school_id.in_(school_ids)
    )
    return list(
        session.scalars(
            sa.select(Activity)
            .where(
                Activity.kind == kind,
                Activity.host_id == host_id,
                Activity.starts_at == starts_at,
                Activity.status != ActivityStatus.CANCELLED,
                sa.or_(Activity.organizer_id.in_(school_ids), Activity.id.in_(visited)),
                visibility,
            )
            .order_by(Activity.id)
            .limit(5)
        )
    )
