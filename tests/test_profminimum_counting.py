"""Профминимум counting in SQL (DESIGN §8, partnercrm/profminimum/queries.py): who is counted,
which activities give hours, the school year in local time, levels by year, headcounts apart."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from partnercrm.activities.models import Headcount, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.database import utcnow
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.profminimum.queries import (
    REGION,
    By,
    Scope,
    class_hours,
    classes_behind,
    student_year,
    summaries,
    total,
)
from partnercrm.profminimum.rules import Level
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import MunicipalityFactory, OrganizationFactory

YEAR = 2025  # 1 Sep 2025 – 31 Aug 2026


def held_at(local: datetime, hours: str, students, status=ActivityStatus.HELD, **fields):
    """An activity at local time ``local`` giving ``hours`` to each of ``students``."""
    activity = ActivityFactory(status=status, hours=Decimal(hours), **fields)
    activity.set_time(to_utc(local))
    db.session.flush()
    for student in students:
        db.session.add(Participation(activity=activity, student=student))
    db.session.flush()
    return activity


def hours_of(school, grade=8, letter="А", first_year=YEAR) -> dict[str, Decimal]:
    return {
        row.full_name: row.hours
        for row in class_hours(db.session, first_year, school.id, grade, letter)
    }


@pytest.fixture
def school(app):
    return OrganizationFactory(kind=OrganizationKind.SCHOOL)


def test_the_school_year_is_counted_by_local_date(school):
    student = StudentFactory(school=school, full_name="Иванов")
    # 23:30 local on 31 Aug 2025 is 21:30 UTC: the year before. 00:30 local on 1 Sep 2025 is
    # 22:30 UTC on 31 Aug (UTC date before the year): still this year.
    before = held_at(datetime(2025, 8, 31, 23, 30), "5", [student])
    first = held_at(datetime(2025, 9, 1, 0, 30), "2", [student])
    last = held_at(datetime(2026, 8, 31, 23, 30), "3", [student])
    after = held_at(datetime(2026, 9, 1, 0, 30), "7", [student])
    assert first.starts_at.date().isoformat() == "2025-08-31"  # the UTC date differs
    assert after.starts_at.date().isoformat() == "2026-08-31"
    assert hours_of(school) == {"Иванов": Decimal(5)}  # 2 + 3
    assert hours_of(school, first_year=2024) == {"Иванов": Decimal(5)}  # "before" only
    assert before.starts_on.isoformat() == "2025-08-31"
    assert last.starts_on.isoformat() == "2026-08-31"


def test_only_held_activities_give_hours(school):
    student = StudentFactory(school=school, full_name="Иванов")
    held_at(datetime(2025, 10, 2, 10), "1.5", [student])
    held_at(datetime(2025, 10, 3, 10), "4", [student], status=ActivityStatus.PLANNED)
    held_at(datetime(2025, 10, 4, 10), "8", [student], status=ActivityStatus.CANCELLED)
    assert hours_of(school) == {"Иванов": Decimal("1.5")}
    year = student_year(db.session, student, YEAR)
    assert year.hours == Decimal("1.5")
    assert [item.hours for item in year.activities] == [Decimal("1.5")]


def test_parent_meetings_give_nothing(school):
    student = StudentFactory(school=school, full_name="Иванов")
    meeting = held_at(datetime(2025, 10, 2, 18), "2", [student], kind=ActivityKind.PARENT_MEETING)
    meeting.hours = None
    db.session.flush()
    assert hours_of(school) == {"Иванов": Decimal(0)}


def test_grades_6_to_11_of_schools_and_active_students_only(school):
    counted = [StudentFactory(school=school, grade=grade) for grade in (6, 11)]
    fifth = StudentFactory(school=school, grade=5)
    archived = StudentFactory(school=school, grade=8, archived_at=utcnow())
    college = OrganizationFactory(kind=OrganizationKind.COLLEGE)
    outsider = StudentFactory(school=college, grade=8)
    held_at(datetime(2025, 10, 2, 10), "50", [*counted, fifth, archived, outsider])
    [whole] = summaries(db.session, YEAR, Scope(school_id=school.id), By.SCHOOL)
    assert (whole.students, whole.reached) == (2, 2)
    assert whole.bands == {"0": 0, "1-39": 0, "40-59": 2, "60-79": 0, "80+": 0}
    assert summaries(db.session, YEAR, Scope(school_id=college.id), By.SCHOOL) == []


def test_levels_by_year_change_who_reached(school):
    student = StudentFactory(school=school, full_name="Иванов")
    held_at(datetime(2025, 10, 2, 10), "45", [student])
    held_at(datetime(2024, 10, 2, 10), "45", [student])
    db.session.add(ProfminimumLevel(school=school, school_year=YEAR, level=Level.MAIN))
    db.session.flush()
    scope = Scope(school_id=school.id)
    [this_year] = summaries(db.session, YEAR, scope, By.SCHOOL)
    [last_year] = summaries(db.session, YEAR - 1, scope, By.SCHOOL)
    assert (this_year.reached, last_year.reached) == (0, 1)  # main: 60; basic: 40
    [row] = class_hours(db.session, YEAR, school.id, 8, "А")
    assert (row.target, row.missing, row.reached) == (60, Decimal(15), False)


def test_bands_and_reached_follow_the_hours(school):
    for name, hours in (("a", None), ("b", "0.5"), ("c", "39.5"), ("d", "40"), ("e", "80")):
        student = StudentFactory(school=school, full_name=name)
        if hours:
            held_at(datetime(2025, 10, 2, 10), hours, [student])
    [whole] = summaries(db.session, YEAR, Scope(school_id=school.id), By.SCHOOL)
    assert whole.bands == {"0": 1, "1-39": 2, "40-59": 1, "60-79": 0, "80+": 1}
    assert whole.reached == 2
    # Below the target first, the most missing first.
    assert [row.full_name for row in class_hours(db.session, YEAR, school.id, 8, "А")] == [
        "a",
        "b",
        "c",
        "d",
        "e",
    ]


def test_headcounts_are_student_hours_apart(school):
    student = StudentFactory(school=school, full_name="Иванов")
    other = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=school.municipality)
    trip = held_at(datetime(2025, 10, 2, 10), "3", [student])
    unnamed = held_at(datetime(2025, 10, 3, 10), "2", [])
    db.session.add_all(
        [
            Headcount(activity=unnamed, school=school, grade=8, count=10),
            Headcount(activity=unnamed, school=school, grade=0, count=5),  # no grade given
            Headcount(activity=unnamed, school=school, grade=4, count=100),  # not 6–11
            Headcount(activity=trip, school=school, grade=8, count=20),  # named wins
            Headcount(activity=unnamed, school=other, grade=9, count=1),
        ]
    )
    db.session.flush()
    by_school = {
        part.key: part
        for part in summaries(db.session, YEAR, Scope(school.municipality_id), By.SCHOOL)
    }
    assert by_school[school.id].unnamed_hours == Decimal(30)  # (10 + 5) × 2
    assert by_school[other.id].unnamed_hours == Decimal(2)
    assert hours_of(school) == {"Иванов": Decimal(3)}  # never in a student's hours
    [municipality] = summaries(db.session, YEAR, Scope(school.municipality_id), By.MUNICIPALITY)
    assert municipality.unnamed_hours == Decimal(32)


def test_breakdowns_add_up_and_list_every_municipality(seeded):
    m1, m2 = MunicipalityFactory(), MunicipalityFactory()
    s1 = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=m1)
    s2 = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=m2)
    a = [StudentFactory(school=s1, grade=7, class_letter=letter) for letter in "ААБ"]
    b = StudentFactory(school=s2, grade=9)
    held_at(datetime(2025, 10, 2, 10), "41", [a[0], b])
    parts = summaries(db.session, YEAR, REGION, By.MUNICIPALITY)
    assert len(parts) >= 22 + 2  # the seeded ones too, with zeros
    whole = total(parts)
    assert (whole.students, whole.reached) == (4, 2)
    by_key = {part.key: part for part in parts}
    assert (by_key[m1.id].students, by_key[m1.id].reached) == (3, 1)
    classes = summaries(db.session, YEAR, Scope(school_id=s1.id), By.CLASS)
    assert [(c.label, c.students, c.reached) for c in classes] == [("7А", 2, 1), ("7Б", 1, 0)]
    behind = classes_behind(db.session, YEAR, s1.id)
    assert [c.label for c in behind] == ["7Б", "7А"]
