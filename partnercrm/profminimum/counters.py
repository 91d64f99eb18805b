"""Counters of профминимум hours (issue #18; docs/profminimum.md «Counters»), kept in the
transaction of every change and read by the reports instead of raw participations.

Two tables (``models.py``), derived from the rows ``queries.py`` sums, by the same selects
(:func:`~partnercrm.profminimum.queries.named_hours`,
:func:`~partnercrm.profminimum.queries.unnamed_rows`):

- ``profminimum_student_hours``: each student's hours per school year;
- ``profminimum_headcount_hours``: each school's student-hours without names per school year.

Who is counted (the school's kind and municipality, archived, grade) and the target are read
with the figures, so a student moving class or school changes only what their rows are joined
to; a move between schools still marks both schools, whose headcounts may count or not
(named wins).

Keeping them: :func:`settle_hours` (the settler registered with ``activities.changes``) adds
the hours of the participations added, then recomputes the marked students' rows and the marked
schools'.
:func:`rebuild` recomputes everything (the migration that made the tables; after data loaded
behind the app's back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnercrm.activities.changes import (
    KeptCounters,
    Marks,
    among,
    chunks,
    counter_differences,
    register_counters,
    register_settler,
    settle,
)
from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.localtime import school_year_of
from partnercrm.profminimum.models import HeadcountHoursCount, StudentHoursCount
from partnercrm.profminimum.queries import named_hours, school_year_key, started_in, unnamed_rows
from partnercrm.profminimum.rules import school_year_period

TABLES = (StudentHoursCount, HeadcountHoursCount)
Progress = Callable[[str], None]


def register() -> None:
    register_settler(settle_hours)
    register_counters(KeptCounters("hours", rebuild, differences))


def student_years(*where: sa.ColumnElement[bool]) -> sa.Select:
    """``profminimum_student_hours`` rows (of the participations ``where`` selects)."""
    year = school_year_key(Activity.starts_on).label("school_year")
    return (
        named_hours(*where)
        .add_columns(Participation.student_id, year, sa.func.sum(Activity.hours).label("hours"))
        .group_by(Participation.student_id, year)
    )


def school_years(*where: sa.ColumnElement[bool]) -> sa.Select:
    """``profminimum_headcount_hours`` rows (of the headcounts ``where`` selects)."""
    year = school_year_key(Activity.starts_on)
    return (
        unnamed_rows(*where)
        .add_columns(Headcount.school_id, year, sa.func.sum(Headcount.count * Activity.hours))
        .group_by(Headcount.school_id, year)
    )


_COLUMNS = {
    StudentHoursCount: (["student_id", "school_year", "hours"], student_years),
    HeadcountHoursCount: (["school_id", "school_year", "hours"], school_years),
}


def _write(session: Session, table, *where: sa.ColumnElement[bool]) -> None:
    columns, rows = _COLUMNS[table]
    session.execute(sa.insert(table).from_select(columns, rows(*where)))


# --- keeping them ---


def settle_hours(session: Session, marks: Marks) -> None:
    """Add the hours of the participations added; then recompute the hours of the marked
    students and the marked schools' headcounts (from rows that include those added): whole,
    or in the school years of their marked months."""
    _add_hours(session, marks.added)
    for kept, key, whole, months in (
        (
            StudentHoursCount.student_id,
            Participation.student_id,
            marks.students,
            marks.student_months,
        ),
        (HeadcountHoursCount.school_id, Headcount.school_id, marks.schools, marks.school_months),
    ):
        _recount(session, kept, key, whole)
        by_year: dict[int, set[int]] = {}
        for month, ids in marks.months(months, whole).items():
            first_day = date(month // 100, month % 100, 1)
            by_year.setdefault(school_year_of(first_day), set()).update(ids)
        for school_year, ids in by_year.items():
            _recount(session, kept, key, ids, school_year)


def _add_hours(session: Session, added: Iterable[int]) -> None:
    """Add the hours the participations ``added`` (ids) give to their students' school years:
    to the rows there, then the rows missing."""
    table = cast(sa.Table, StudentHoursCount.__table__)
    columns, _rows = _COLUMNS[StudentHoursCount]
    for ids in among(Participation.id, added):
        new = student_years(ids).subquery("new")
        same = [table.c.student_id == new.c.student_id, table.c.school_year == new.c.school_year]
        session.execute(sa.update(table).values(hours=table.c.hours + new.c.hours).where(*same))
        session.execute(
            sa.insert(table).from_select(columns, sa.select(new).where(~sa.exists().where(*same)))
        )


def _recount(
    session: Session,
    kept: sa.orm.InstrumentedAttribute[int],
    key: sa.orm.InstrumentedAttribute[int],
    ids: set[int],
    school_year: int | None = None,
) -> None:
    """Recount the counter rows whose ``kept`` column (the student's or the school's) is one
    of ``ids``, from the rows whose ``key`` is (of one school year, if given)."""
    table = kept.class_
    year = [] if school_year is None else [table.school_year == school_year]
    in_year = [] if school_year is None else [started_in(school_year_period(school_year))]
    for chunk in chunks(ids):
        session.execute(sa.delete(table).where(kept.in_(chunk), *year))
        _write(session, table, key.in_(chunk), *in_year)


def rebuild(session: Session, progress: Progress | None = None) -> None:
    """Recompute every counter from the rows (flushes first; the caller commits)."""
    settle(session)
    for table in TABLES:
        if progress:
            progress(table.__tablename__)
        session.execute(sa.delete(table))
        _write(session, table)


def differences(session: Session) -> list[str]:
    """How the counters differ from a recount of the rows: one line per table that differs
    (empty: they agree)."""
    return counter_differences(session, TABLES, rebuild)
