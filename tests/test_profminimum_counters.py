"""The профминимум hours counters (issue #18, partnercrm/profminimum/counters.py) stay equal to a
recount of the rows after every change that can move hours, committed through the app's
services and session; data written behind the app's back need :func:`rebuild`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from partnercrm.activities import services as activities
from partnercrm.activities.models import Activity, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.database import utcnow
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from partnercrm.profminimum.counters import differences, rebuild
from partnercrm.profminimum.models import HeadcountHoursCount, StudentHoursCount
from partnercrm.profminimum.queries import REGION, By, summaries
from partnercrm.series import services as series
from partnercrm.students import services as students
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import MunicipalityFactory, OrganizationFactory

YEAR = 2024  # 1 Sep 2024 – 31 Aug 2025


def held(local: datetime, hours: str, named=(), **fields) -> Activity:
    activity = ActivityFactory(hours=Decimal(hours), **fields)
    activity.set_time(to_utc(local))
    db.session.flush()
    db.session.add_all(Participation(activity=activity, student=s) for s in named)
    db.session.flush()
    return activity


def hours_of(student) -> dict[int, Decimal]:
    """The student's counted hours by school year."""
    return dict(
        db.session.execute(
            sa.select(StudentHoursCount.school_year, StudentHoursCount.hours).where(
                StudentHoursCount.student_id == student.id
            )
        ).all()
    )


def unnamed_of(school) -> dict[int, Decimal]:
    """The school's counted student-hours without names by school year."""
    return dict(
        db.session.execute(
            sa.select(HeadcountHoursCount.school_year, HeadcountHoursCount.hours).where(
                HeadcountHoursCount.school_id == school.id
            )
        ).all()
    )


def commit_and_check() -> None:
    db.session.commit()
    assert differences(db.session) == []


def data_of(activity: Activity, **changes) -> activities.ActivityData:
    """What the activity form would send for ``activity``, with ``changes``."""
    data = activities.ActivityData(
        kind=activity.kind,
        title=activity.title,
        host=activity.host,
        organizer=activity.organizer,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        status=activity.status,
        hours=activity.hours,
        schools=list(activity.schools),
    )
    return replace(data, **changes)


@pytest.fixture
def world(seeded):
    municipality = MunicipalityFactory()
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=municipality)
    other = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=municipality)
    ivanov, petrova = (StudentFactory(school=school, grade=8) for _ in range(2))
    volkova = StudentFactory(school=other, grade=9)
    activity = held(datetime(2024, 10, 2, 10), "3", [ivanov])
    held(datetime(2025, 9, 2, 10), "2", [ivanov])  # the next school year
    db.session.commit()
    assert hours_of(ivanov) == {2024: Decimal(3), 2025: Decimal(2)}
    assert differences(db.session) == []
    return school, other, ivanov, petrova, volkova, activity


def test_named_participants_added_and_removed(world):
    school, _other, ivanov, petrova, _volkova, activity = world
    activities.set_named_participants(activity, school, [ivanov, petrova])
    commit_and_check()
    assert hours_of(petrova) == {YEAR: Decimal(3)}
    activities.set_named_participants(activity, school, [petrova])
    commit_and_check()
    assert hours_of(ivanov) == {2025: Decimal(2)}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"hours": Decimal("4.5")}, {YEAR: Decimal("4.5"), 2025: Decimal(2)}),
        # Into the next school year: both years move.
        ({"starts_at": to_utc(datetime(2025, 9, 1, 0, 30)), "ends_at": None}, {2025: Decimal(5)}),
        ({"status": ActivityStatus.CANCELLED}, {2025: Decimal(2)}),
    ],
)
def test_an_activity_s_hours_date_or_status_changed(world, change, expected):
    _school, _other, ivanov, _petrova, _volkova, activity = world
    activities.update_activity(activity, data_of(activity, **change))
    commit_and_check()
    assert hours_of(ivanov) == expected


def test_an_activity_held_and_made_a_parent_meeting(world):
    school, _other, ivanov, _petrova, _volkova, _activity = world
    planned = held(datetime(2024, 11, 5, 10), "2", [ivanov], status=ActivityStatus.PLANNED)
    commit_and_check()
    assert hours_of(ivanov)[YEAR] == Decimal(3)
    activities.set_status(planned, ActivityStatus.HELD)
    commit_and_check()
    assert hours_of(ivanov)[YEAR] == Decimal(5)
    # No form changes a kind; a correction in the database through the ORM still counts.
    planned.kind = ActivityKind.PARENT_MEETING
    commit_and_check()
    assert hours_of(ivanov)[YEAR] == Decimal(3)


def test_an_activity_deleted_with_its_participants(world):
    _school, _other, ivanov, _petrova, _volkova, activity = world
    db.session.delete(activity)
    commit_and_check()
    assert hours_of(ivanov) == {2025: Decimal(2)}


def test_headcounts_added_changed_and_outweighed_by_names(world):
    school, _other, ivanov, _petrova, _volkova, _activity = world
    unnamed = held(datetime(2024, 12, 3, 10), "2", [])
    activities.set_headcount(unnamed, school, grade=9, count=10)
    commit_and_check()
    assert unnamed_of(school) == {YEAR: Decimal(20)}
    activities.set_headcount(unnamed, school, grade=9, count=4)
    commit_and_check()
    assert unnamed_of(school) == {YEAR: Decimal(8)}
    # The school names someone there: names win, the headcount no longer counts.
    activities.set_named_participants(unnamed, school, [ivanov])
    commit_and_check()
    assert unnamed_of(school) == {}


def test_a_student_moved_to_another_school_or_grade(world):
    school, other, ivanov, _petrova, volkova, activity = world
    activities.set_headcount(activity, other, grade=None, count=6)
    commit_and_check()
    assert unnamed_of(other) == {YEAR: Decimal(18)}
    # Ivanov, named there, moves to the other school: now it named someone (names win).
    ivanov.school = other
    commit_and_check()
    assert unnamed_of(other) == {}
    students.update_student(
        volkova, students.StudentData(local_id=volkova.local_id, full_name="Волкова", grade=5)
    )
    commit_and_check()
    [part] = [p for p in summaries(db.session, YEAR, REGION, By.SCHOOL) if p.key == other.id]
    assert part.students == 1 and part.bands["1-39"] == 1  # Ivanov; Volkova is in grade 5


def test_a_weekly_series_created_held_and_absentees_marked(world):
    school, _other, ivanov, petrova, _volkova, _activity = world
    made, _schedule = series.create_series(
        school,
        series.SeriesData(
            title="Россия — мои горизонты",
            host=school,
            starts_at=time(8, 30),
            length_minutes=45,
            kind=ActivityKind.CAREER_EVENT,
            weekday=4,
            first_date=date(2024, 9, 2),
            count=3,
            classes=[(8, "А")],
        ),
    )
    commit_and_check()
    sessions = list(db.session.scalars(series.sessions_query(made)))
    for session in sessions:
        series.set_session_status(made, session, ActivityStatus.HELD)
    commit_and_check()
    assert hours_of(petrova) == {YEAR: Decimal(3)}
    series.set_absent(made, sessions[0], {ivanov.id, petrova.id}, {petrova.id})
    commit_and_check()
    assert hours_of(petrova) == {YEAR: Decimal(2)}
    assert hours_of(ivanov)[YEAR] == Decimal(6)


def test_rows_loaded_behind_the_app_s_back_need_a_rebuild(world):
    _school, _other, _ivanov, petrova, _volkova, activity = world
    db.session.execute(
        sa.insert(Participation.__table__).values(
            activity_id=activity.id, student_id=petrova.id, created_at=utcnow()
        )
    )
    db.session.commit()
    assert differences(db.session) == [
        "profminimum_student_hours: 1 rows missing, 0 rows extra"
        f" (e.g. ({petrova.id}, {YEAR}, Decimal('3.00')))"
    ]
    rebuild(db.session)
    db.session.commit()
    assert differences(db.session) == []
    assert hours_of(petrova) == {YEAR: Decimal(3)}
