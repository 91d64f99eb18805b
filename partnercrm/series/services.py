"""Writes about weekly series (docs/profminimum.md, "Weekly series"). Services flush; the unit
of work commits.

Each session is made, changed and cancelled through :mod:`partnercrm.activities.services`, so
it obeys its kind's rules like any activity, and the calendar feeds raise its sequence when its
time, place or status change (``feeds/sequence.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.activities import services as activities
from partnercrm.activities.kinds import KINDS
from partnercrm.activities.models import Activity, Participation
from partnercrm.activities.roster import school_classes
from partnercrm.activities.rules import (
    HOURS_OUT_OF_RANGE,
    ActivityKind,
    ActivityStatus,
    default_hours,
    hours_in_range,
)
from partnercrm.database import utcnow
from partnercrm.directory.models import Organization
from partnercrm.errors import N_, Refusals
from partnercrm.extensions import db
from partnercrm.jobs.models import SchoolHoliday
from partnercrm.localtime import to_utc
from partnercrm.series.models import ActivitySeries, SeriesClass
from partnercrm.series.queries import class_members
from partnercrm.series.rules import Holiday, Schedule, SeriesError, session_dates
from partnercrm.students.models import Student

MAX_LENGTH_MINUTES = 720
NO_SESSION = N_("Every date of this series falls in the school holidays.")


@dataclass
class Timing:
    """What a change of the series applies to its future sessions."""

    title: str
    host: Organization
    starts_at: time
    length_minutes: int
    # None: the default of the length (activities.rules.default_hours).
    hours: Decimal | None = None
    location: str | None = None


@dataclass(kw_only=True)
class SeriesData(Timing):
    kind: ActivityKind
    # ISO weekday: Monday 1 … Sunday 7.
    weekday: int
    first_date: date
    # One of the two: the last date, or the number of sessions.
    last_date: date | None = None
    count: int | None = None
    # (grade, letter or None) of the school's classes.
    classes: list[tuple[int, str | None]] = field(default_factory=list)


def _moments(day: date, timing: Timing) -> tuple[datetime, datetime]:
    starts_at = to_utc(datetime.combine(day, timing.starts_at))
    return starts_at, starts_at + timedelta(minutes=timing.length_minutes)


def session_hours(timing: Timing) -> Decimal:
    if timing.hours is not None:
        # As the column keeps it: two decimals.
        return timing.hours.quantize(Decimal("0.01"))
    return default_hours(*_moments(date(2000, 1, 3), timing))


def _session(school: Organization, timing: Timing, kind: ActivityKind, day: date):
    starts_at, ends_at = _moments(day, timing)
    return activities.ActivityData(
        kind=kind,
        title=timing.title,
        host=timing.host,
        organizer=school,
        starts_at=starts_at,
        ends_at=ends_at,
        location=timing.location,
        schools=[school],
        hours=session_hours(timing),
    )


def check_timing(timing: Timing, refusals: Refusals, current=()) -> None:
    """What a series and a change of it both check (the sessions' own checks follow, through
    the activities' services); ``current``: the series' host, which stays allowed."""
    if not timing.title.strip():
        refusals.add(SeriesError(N_("The title is required."), "title"))
    with refusals.check():
        activities.check_admitted(timing.host, "host", current)
    if not 0 < timing.length_minutes <= MAX_LENGTH_MINUTES:
        refusals.add(
            SeriesError(
                N_("A session lasts from 1 to %(max)d minutes."),
                "length",
                max=MAX_LENGTH_MINUTES,
            )
        )
    if timing.hours is not None and not hours_in_range(timing.hours):
        refusals.add(SeriesError(HOURS_OUT_OF_RANGE, "hours"))


def holidays_from(first: date) -> list[Holiday]:
    """The school holidays (seeded, as the admin corrected them) ending on or after ``first``."""
    return [
        Holiday(row.name, row.first_day, row.last_day)
        for row in db.session.scalars(
            sa.select(SchoolHoliday)
            .where(SchoolHoliday.last_day >= first)
            .order_by(SchoolHoliday.first_day)
        )
    ]


def schedule_of(first_date: date, weekday: int, last_date: date | None, count: int | None):
    return session_dates(
        first_date, weekday, holidays_from(first_date), last_date=last_date, count=count
    )


def plan_series(school: Organization, data: SeriesData) -> Schedule:
    """Refuse ``data`` unless a series of ``school`` can be made of it (every problem at once);
    its session dates and the weeks skipped for the holidays."""
    refusals = Refusals()
    if not KINDS[data.kind].students_take_part or KINDS[data.kind].day_based:
        refusals.add(SeriesError(N_("A series is of an activity kind with a start time."), "kind"))
    check_timing(data, refusals)
    known = set(school_classes(school.id))
    if not data.classes:
        refusals.add(SeriesError(N_("Pick at least one class."), "classes"))
    elif not set(data.classes) <= known:
        refusals.add(SeriesError(N_("There is no such class in your roster."), "classes"))
    schedule = None
    with refusals.check():
        schedule = schedule_of(data.first_date, data.weekday, data.last_date, data.count)
    if schedule is not None and not schedule.dates:
        refusals.add(SeriesError(NO_SESSION, "first_date"))
    if not refusals.errors:
        assert schedule is not None
        with refusals.check():
            activities.check_activity(_session(school, data, data.kind, schedule.dates[0]))
    refusals.raise_any()
    assert schedule is not None
    return schedule


def create_series(
    school: Organization, data: SeriesData, created_by: User | None = None
) -> tuple[ActivitySeries, Schedule]:
    """The series and its sessions, one planned activity per date, each with every current
    student of its classes as a named participant."""
    schedule = plan_series(school, data)
    series = ActivitySeries(
        title=data.title.strip(),
        kind=data.kind,
        school=school,
        host=data.host,
        location=(data.location or "").strip() or None,
        weekday=data.weekday,
        first_date=data.first_date,
        last_date=data.last_date,
        session_count=data.count,
        starts_at=data.starts_at,
        length_minutes=data.length_minutes,
        hours=session_hours(data),
        created_by=created_by,
        classes=[SeriesClass(grade=grade, letter=letter or "") for grade, letter in data.classes],
    )
    db.session.add(series)
    db.session.flush()
    students = list(db.session.scalars(class_members(school.id, data.classes)))
    sessions = []
    for day in schedule.dates:
        session = activities.create_activity(
            _session(school, data, data.kind, day), created_by=created_by
        )
        session.series_id = series.id
        sessions.append(session)
    # One flush for every participation of every session (~30 students × 35 weeks).
    db.session.add_all(
        Participation(activity_id=session.id, student_id=student_id)
        for session in sessions
        for student_id in students
    )
    db.session.flush()
    return series, schedule


def sessions_query(series: ActivitySeries) -> sa.Select:
    return (
        sa.select(Activity)
        .where(Activity.series_id == series.id)
        .order_by(Activity.starts_at, Activity.id)
    )


def future_sessions(series: ActivitySeries) -> list[Activity]:
    """The sessions not started yet and not cancelled: what a change of the series moves."""
    return list(
        db.session.scalars(
            sessions_query(series).where(
                Activity.starts_at > utcnow(), Activity.status != ActivityStatus.CANCELLED
            )
        )
    )


def update_series(series: ActivitySeries, timing: Timing) -> int:
    """Apply ``timing`` to the series and to its future not-cancelled sessions (the past ones
    keep what happened); how many sessions changed."""
    refusals = Refusals()
    check_timing(timing, refusals, (series.host,))
    refusals.raise_any()
    hours = session_hours(timing)
    sessions = future_sessions(series)
    for session in sessions:
        data = _session(series.school, timing, session.kind, session.starts_on)
        data.description, data.public, data.ref = session.description, session.public, session.ref
        data.status = session.status
        data.schools = list(session.schools)
        data.plan_items = [item.number for item in session.plan_items]
        activities.update_activity(session, data)
    series.title = timing.title.strip()
    series.host = timing.host
    series.location = (timing.location or "").strip() or None
    series.starts_at, series.length_minutes, series.hours = (
        timing.starts_at,
        timing.length_minutes,
        hours,
    )
    db.session.flush()
    return len(sessions)


def check_session(series: ActivitySeries, session: Activity) -> None:
    if session.series_id != series.id:
        raise SeriesError(N_("This activity is not a session of this series."))


def set_absent(series: ActivitySeries, session: Activity, listed: set[int], absent: set[int]):
    """Of the students ``listed`` on the attendance page, those of ``absent`` are no longer
    participants of the session and the others are; the school's other participants stay."""
    check_session(series, session)
    school = series.school
    current = set(
        db.session.scalars(
            sa.select(Participation.student_id)
            .join(Student, Student.id == Participation.student_id)
            .where(Participation.activity_id == session.id, Student.school_id == school.id)
        )
    )
    wanted = (current - listed) | (listed - absent)
    students = list(db.session.scalars(sa.select(Student).where(Student.id.in_(wanted or [0]))))
    activities.set_named_participants(session, school, students)


def set_session_status(series: ActivitySeries, session: Activity, status: ActivityStatus) -> None:
    check_session(series, session)
    activities.set_status(session, status)


def delete_series(series: ActivitySeries) -> None:
    """Delete a series made by mistake with its sessions and their participants; refused once
    a session was held (cancel the rest instead: what was held counts)."""
    held = db.session.scalar(
        sa.select(sa.func.count()).where(
            Activity.series_id == series.id, Activity.status == ActivityStatus.HELD
        )
    )
    if held:
        raise SeriesError(
            N_("Sessions of this series were held: cancel the remaining ones instead.")
        )
    sessions = list(db.session.scalars(sessions_query(series)))
    # Through the ORM, one by one, so the audit trail records what went.
    for participation in db.session.scalars(
        sa.select(Participation).where(
            Participation.activity_id.in_([session.id for session in sessions] or [0])
        )
    ):
        db.session.delete(participation)
    db.session.flush()
    for session in sessions:
        db.session.delete(session)
    db.session.delete(series)
    db.session.flush()
