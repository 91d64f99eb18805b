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
school year of a marked month; a participation added only adds its rows or moves a first
day forward) and the marked schools' (whole).
An activity changing its host, organizer or visiting schools, or an organization its
municipality, marks every student and school counted there. :func:`rebuild` recomputes
everything.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from partnercrm.activities.changes import (
    KeptCounters,
    Marks,
    Progress,
    among,
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
from partnercrm.activities.queries import (
    DateColumn,
    school_named_someone,
    school_year_key,
    year_key,
)
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


# What :func:`_by_scope` adds to the rows to find their scopes.
_SCOPE_KEYS = ("activity_id", "host_id", "organizer_id")


def _by_scope(rows: sa.Select, each_once: bool) -> sa.CompoundSelect:
    """``rows`` (of held activities) once for the region and once for each municipality the
    activity's host, organizer or a visiting school is in, with its ``municipality_id`` (or
    for a municipality two of them are in twice, unless ``each_once``).

    The rows are selected once (a CTE used four times, which both databases materialize), so
    each municipality is joined to the few rows found by ``where`` rather than leading the
    planner to go through every held activity of the year for a handful of students."""
    found = (
        rows.add_columns(
            Activity.id.label("activity_id"),
            Activity.host_id.label("host_id"),
            Activity.organizer_id.label("organizer_id"),
        )
        .where(Activity.status == ActivityStatus.HELD)
        .cte("found")
    )
    kept = [column for column in found.c if column.name not in _SCOPE_KEYS]
    host, organizer, school = (aliased(Organization) for _ in range(3))
    return (sa.union if each_once else sa.union_all)(
        sa.select(*kept, sa.literal(REGION, sa.Integer).label("municipality_id")),
        sa.select(*kept, host.municipality_id).join(host, host.id == found.c.host_id),
        sa.select(*kept, organizer.municipality_id).join(
            organizer, organizer.id == found.c.organizer_id
        ),
        sa.select(*kept, school.municipality_id)
        .join(activity_school, activity_school.c.activity_id == found.c.activity_id)
        .join(school, school.id == activity_school.c.school_id),
    )


def _participant_rows(
    school_year: bool, years: set[int] | None, *where: sa.ColumnElement[bool]
) -> sa.Select:
    """``participant_year`` rows of the participations ``where`` selects, of calendar or
    school years and of ``years`` if given (compared by the year's key, which no index serves,
    so the students' index leads)."""
    found = _in_years(
        sa.select(Participation.student_id, Activity.starts_on).join(
            Activity, Activity.id == Participation.activity_id
        ),
        Activity.starts_on,
        school_year,
        years,
    ).where(*where)
    return _first_days(_by_scope(found, each_once=False).subquery())


def _in_years(
    found: sa.Select,
    starts_on: DateColumn,
    school_year: bool | None,
    years: set[int] | None,
) -> sa.Select:
    """``found`` with the ``school_year`` flag and the ``year`` key of its ``starts_on``
    (``school_year`` None: each row twice, calendar and school year), of ``years`` only if
    given."""
    calendar, school = year_key(starts_on), school_year_key(starts_on)
    key: sa.ColumnElement[int]
    if school_year is None:
        kinds = sa.union_all(
            *(sa.select(sa.literal(kind).label("school_year")) for kind in (False, True))
        ).subquery("kinds")
        key = sa.case((kinds.c.school_year, school), else_=calendar)
        found = found.join(kinds, sa.true()).add_columns(kinds.c.school_year)
    else:
        key = school if school_year else calendar
        found = found.add_columns(sa.literal(school_year).label("school_year"))
    in_years = [] if years is None else [key.in_(sorted(years))]
    return found.add_columns(key.label("year")).where(*in_years)


def _first_days(rows: sa.Subquery) -> sa.Select:
    """Per student, kind of year, year and scope of ``rows``, the first day."""
    keys = (rows.c.student_id, rows.c.school_year, rows.c.year, rows.c.municipality_id)
    return sa.select(*keys, sa.func.min(rows.c.starts_on).label("first_on")).group_by(*keys)


def _headcount_rows(*where: sa.ColumnElement[bool]) -> sa.Select:
    """``headcount_day`` rows of the headcounts ``where`` selects (each row once per scope,
    whichever of the activity's organizations puts it there)."""
    rows = _by_scope(
        sa.select(
            Headcount.id.label("headcount_id"),
            Headcount.school_id,
            Headcount.count,
            Activity.starts_on,
        )
        .join(Activity, Activity.id == Headcount.activity_id)
        .where(~school_named_someone(), *where),
        each_once=True,
    ).subquery()
    return sa.select(
        rows.c.school_id, rows.c.municipality_id, rows.c.starts_on, sa.func.sum(rows.c.count)
    ).group_by(rows.c.school_id, rows.c.municipality_id, rows.c.starts_on)


def _write_participants(
    session: Session, school_year: bool, years: set[int] | None, *where: sa.ColumnElement[bool]
) -> None:
    columns = ["student_id", "school_year", "year", "municipality_id", "first_on"]
    rows = _participant_rows(school_year, years, *where)
    session.execute(sa.insert(ParticipantYear).from_select(columns, rows))


def _write_headcounts(session: Session, *where: sa.ColumnElement[bool]) -> None:
    columns = ["school_id", "municipality_id", "starts_on", "count"]
    session.execute(sa.insert(HeadcountDay).from_select(columns, _headcount_rows(*where)))


# --- keeping them ---


def settle_participants(session: Session, marks: Marks) -> None:
    """Add the participations added, then recompute the rows of the marked students (whole,
    or in the calendar and school years of the marked months) and of the marked schools
    (whole: a school's few headcounts)."""
    _add_participants(session, marks.added)
    _recount_students(session, marks.students, None)
    months = marks.months(marks.student_months, marks.students)
    days = [date(month // 100, month % 100, 1) for month in months]
    students = set().union(*months.values())
    if students:
        years = {
            False: {day.year for day in days},
            True: {school_year_of(day) for day in days},
        }
        _recount_students(session, students, years)
    schools = marks.schools | {school for school, _month in marks.school_months}
    for ids in chunks(schools):
        session.execute(sa.delete(HeadcountDay).where(HeadcountDay.school_id.in_(ids)))
        _write_headcounts(session, Headcount.school_id.in_(ids))


def _add_participants(session: Session, added: dict[int, tuple[int, int]]) -> None:
    """Participations added can only bring a student's first day of a scope's year forward
    (or give a first one): each of their rows is written, or moves the row there to the
    earlier day (an import's thousands of rows, without reading the students' others).

    The scopes of the few activities are found first and the participations joined to them,
    rather than each participation joined to its activity's organizations."""
    activities = {activity for _student, activity in added.values()}
    if not activities:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = ["student_id", "school_year", "year", "municipality_id", "first_on"]
    for chosen in chunks(activities):
        # The few activities' scopes and years, each computed once rather than per row.
        scopes = _by_scope(
            sa.select(Activity.id.label("held_id"), Activity.starts_on).where(
                Activity.id.in_(chosen)
            ),
            each_once=True,
        ).subquery("scopes")
        scope = _in_years(sa.select(scopes), scopes.c.starts_on, None, None).cte("scope")
        for condition in among(Participation.id, added):
            found = (
                sa.select(Participation.student_id, *(c for c in scope.c if c.name != "held_id"))
                .join(scope, scope.c.held_id == Participation.activity_id)
                .where(condition)
            )
            rows = _first_days(found.subquery()).subquery()
            # Most students of an import already have their scopes' rows, from an earlier day:
            # those are left unread by the write (on PostgreSQL a conflict's update locks the
            # row even when its condition then writes nothing).
            earlier_kept = sa.exists().where(
                ParticipantYear.student_id == rows.c.student_id,
                ParticipantYear.school_year == rows.c.school_year,
                ParticipantYear.year == rows.c.year,
                ParticipantYear.municipality_id == rows.c.municipality_id,
                ParticipantYear.first_on <= rows.c.first_on,
            )
            statement = insert(ParticipantYear).from_select(
                columns, sa.select(*rows.c).where(~earlier_kept)
            )
            statement = statement.on_conflict_do_update(
                index_elements=columns[:4], set_={"first_on": statement.excluded.first_on}
            )
            session.execute(statement)


def _recount_students(
    session: Session, students: set[int], years: dict[bool, set[int]] | None
) -> None:
    """The rows of ``students``, of ``years`` (calendar: False, school: True) or all."""
    for ids in chunks(students):
        for school_year in (False, True):
            chosen = None if years is None else years[school_year]
            in_years = [] if chosen is None else [ParticipantYear.year.in_(sorted(chosen))]
            session.execute(
                sa.delete(ParticipantYear).where(
                    ParticipantYear.student_id.in_(ids),
                    ParticipantYear.school_year == school_year,
                    *in_years,
                )
            )
            _write_participants(session, school_year, chosen, Participation.student_id.in_(ids))


def rebuild(session: Session, progress: Progress | None = None) -> None:
    """Recompute every counter from the rows (flushes first; the caller commits)."""
    settle(session)
    session.execute(sa.delete(ParticipantYear))
    for school_year in (False, True):
        if progress:
            progress(f"participant_year ({'school' if school_year else 'calendar'} years)")
        _write_participants(session, school_year, None)
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
    start = Period.containing(day, school_year).start
    year = start.year  # a school year's key is the year it starts in
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
