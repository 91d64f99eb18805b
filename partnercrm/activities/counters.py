"""Counters of this year's participants for the admin's and the coordinator's dashboards (issue
#18; docs/counting-rules.md «Counters»), kept in the transaction of every change.

"Students who took part this year" is a distinct count over the year's held participations of
the user's scope (the region, or the activities a municipality hosts, organizes or visits): at
region scale a pass over some 300,000 participations. Two tables (``models.py``) answer it from
an index instead:

- ``participant_year``: per student, scope and calendar or school year, the first day they took
  part in a held activity of the scope; those who took part up to today are the rows up to
  today;
- ``headcount_day``: per school, scope and day, the headcounts that count (named wins) at the
  held activities of the scope; the year up to today is a sum of a range of days.

Keeping them is recomputing: :func:`settle_participants` (the settler registered with
``activities.changes``) recomputes the marked students' rows (whole, or in the calendar and
school year of a marked month) and the marked schools' (whole, or in the month). An activity
changing its host, organizer or visiting schools, or an organization its municipality, marks
every student and school counted there. :func:`rebuild` recomputes everything.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from partnercrm.activities.changes import (
    KeptCounters,
    Marks,
    Progress,
    chunks,
    counter_differences,
    register_counters,
    register_settler,
    settle,
)
from partnercrm.activities.models import (
    Activity,
    Headcount,
    HeadcountDay,
    ParticipantYear,
    Participation,
    activity_school,
)
from partnercrm.activities.queries import school_named_someone, school_year_key, year_key
from partnercrm.activities.rules import ActivityStatus
from partnercrm.database import SessionLike
from partnercrm.directory.models import Organization
from partnercrm.localtime import Period, school_year_of

TABLES = (ParticipantYear, HeadcountDay)
# The scope of the whole region (``municipality_id`` 0).
REGION = 0


def register() -> None:
    register_settler(settle_participants)
    register_counters(KeptCounters("participants", rebuild, differences))


def _by_scope(rows: sa.Select) -> sa.CompoundSelect:
    """``rows`` (of held activities) once for the region and once for each municipality the
    activity's host, organizer or a visiting school is in, with its ``municipality_id``."""
    host, organizer, school = (aliased(Organization) for _ in range(3))
    held = rows.where(Activity.status == ActivityStatus.HELD)
    return sa.union(
        held.add_columns(sa.literal(REGION, sa.Integer).label("municipality_id")),
        held.join(host, host.id == Activity.host_id).add_columns(host.municipality_id),
        held.join(organizer, organizer.id == Activity.organizer_id).add_columns(
            organizer.municipality_id
        ),
        held.join(activity_school, activity_school.c.activity_id == Activity.id)
        .join(school, school.id == activity_school.c.school_id)
        .add_columns(school.municipality_id),
    )


def _participant_rows(school_year: bool, *where: sa.ColumnElement[bool]) -> sa.Select:
    """``participant_year`` rows of the participations ``where`` selects."""
    key = school_year_key if school_year else year_key
    rows = _by_scope(
        sa.select(
            Participation.student_id, Activity.starts_on, key(Activity.starts_on).label("year")
        )
        .join(Activity, Activity.id == Participation.activity_id)
        .where(*where)
    ).subquery()
    return sa.select(
        rows.c.student_id,
        sa.literal(school_year),
        rows.c.year,
        rows.c.municipality_id,
        sa.func.min(rows.c.starts_on),
    ).group_by(rows.c.student_id, rows.c.year, rows.c.municipality_id)


def _headcount_rows(*where: sa.ColumnElement[bool]) -> sa.Select:
    """``headcount_day`` rows of the headcounts ``where`` selects (each row once per scope,
    whichever of the activity's organizations puts it there)."""
    rows = _by_scope(
        sa.select(Headcount.id, Headcount.school_id, Headcount.count, Activity.starts_on)
        .join(Activity, Activity.id == Headcount.activity_id)
        .where(~school_named_someone(), *where)
    ).subquery()
    return sa.select(
        rows.c.school_id, rows.c.municipality_id, rows.c.starts_on, sa.func.sum(rows.c.count)
    ).group_by(rows.c.school_id, rows.c.municipality_id, rows.c.starts_on)


def _write_participants(session: Session, school_year: bool, *where: sa.ColumnElement[bool]):
    columns = ["student_id", "school_year", "year", "municipality_id", "first_on"]
    session.execute(
        sa.insert(ParticipantYear).from_select(columns, _participant_rows(school_year, *where))
    )


def _write_headcounts(session: Session, *where: sa.ColumnElement[bool]) -> None:
    columns = ["school_id", "municipality_id", "starts_on", "count"]
    session.execute(sa.insert(HeadcountDay).from_select(columns, _headcount_rows(*where)))


# --- keeping them ---


def settle_participants(session: Session, marks: Marks) -> None:
    """Recompute the rows of the marked students and schools: whole, or in their marked
    months' years (students) and months (schools)."""
    for ids in chunks(marks.students):
        session.execute(sa.delete(ParticipantYear).where(ParticipantYear.student_id.in_(ids)))
        for school_year in (False, True):
            _write_participants(session, school_year, Participation.student_id.in_(ids))
    years: dict[tuple[bool, int], set[int]] = {}
    for month, marked in marks.months(marks.student_months, marks.students).items():
        first_day = date(month // 100, month % 100, 1)
        years.setdefault((False, first_day.year), set()).update(marked)
        years.setdefault((True, school_year_of(first_day)), set()).update(marked)
    for (school_year, year), students in years.items():
        period = Period.school_year(year) if school_year else Period.year(year)
        for ids in chunks(students):
            session.execute(
                sa.delete(ParticipantYear).where(
                    ParticipantYear.student_id.in_(ids),
                    ParticipantYear.school_year == school_year,
                    ParticipantYear.year == year,
                )
            )
            _write_participants(
                session, school_year, Participation.student_id.in_(ids), _started_in(period)
            )
    for ids in chunks(marks.schools):
        session.execute(sa.delete(HeadcountDay).where(HeadcountDay.school_id.in_(ids)))
        _write_headcounts(session, Headcount.school_id.in_(ids))
    for month, schools in marks.months(marks.school_months, marks.schools).items():
        period = Period.month(month // 100, month % 100)
        for ids in chunks(schools):
            session.execute(
                sa.delete(HeadcountDay).where(
                    HeadcountDay.school_id.in_(ids),
                    HeadcountDay.starts_on.between(period.start, period.end),
                )
            )
            _write_headcounts(session, Headcount.school_id.in_(ids), _started_in(period))


def _started_in(period: Period) -> sa.ColumnElement[bool]:
    return Activity.starts_on.between(period.start, period.end)


def rebuild(session: Session, progress: Progress | None = None) -> None:
    """Recompute every counter from the rows (flushes first; the caller commits)."""
    settle(session)
    session.execute(sa.delete(ParticipantYear))
    for school_year in (False, True):
        if progress:
            progress(f"participant_year ({'school' if school_year else 'calendar'} years)")
        _write_participants(session, school_year)
    if progress:
        progress("headcount_day")
    session.execute(sa.delete(HeadcountDay))
    _write_headcounts(session)


def differences(session: Session) -> list[str]:
    """How the counters differ from a recount of the rows: one line per table that differs
    (empty: they agree)."""
    return counter_differences(session, TABLES, rebuild)


# --- reading them ---


def took_part(session: SessionLike, municipality_id: int, school_year: bool, day: date) -> int:
    """Named students who took part in the held activities of the scope (a municipality, or
    :data:`REGION`) from the start of ``day``'s calendar (or school) year to ``day``, plus the
    headcounts that count there."""
    settle(session)
    year = school_year_of(day) if school_year else day.year
    start = Period.school_year(year).start if school_year else date(year, 1, 1)
    named = session.scalar(
        sa.select(sa.func.count()).where(
            ParticipantYear.school_year == school_year,
            ParticipantYear.year == year,
            ParticipantYear.municipality_id == municipality_id,
            ParticipantYear.first_on <= day,
        )
    )
    heads = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(HeadcountDay.count), 0)).where(
            HeadcountDay.municipality_id == municipality_id,
            HeadcountDay.starts_on.between(start, day),
        )
    )
    return int(named or 0) + int(heads or 0)
