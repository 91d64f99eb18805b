"""Participations added are settled by adding what they count (``Marks.added``;
indicators/counters.py ``_add_participations``, profminimum/counters.py ``_add_hours``), not by
recounting their students: the school summaries must still count a student once per month and
once per year, the hours must add up, and a school named at an activity must lose its headcount
there."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from partnercrm.activities import changes
from partnercrm.activities import counters as participants
from partnercrm.activities.changes import settle
from partnercrm.activities.models import Headcount, Participation
from partnercrm.database import savepoint
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.imports.readers import read_table
from partnercrm.imports.services import run_import
from partnercrm.indicators import counters
from partnercrm.indicators.models import HeadcountMonthCount, SchoolMonthCount, SchoolYearCount
from partnercrm.localtime import to_utc
from partnercrm.profminimum import counters as hours_counters
from partnercrm.profminimum.models import HeadcountHoursCount, StudentHoursCount
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import OrganizationFactory


def _excursion(month: int, hours: str, schools, ref: str | None = None):
    """A held excursion to an employer (indicator 2 counts its participants) on the 10th."""
    return ActivityFactory(
        starts_at=to_utc(datetime(2021, month, 10, 10, 0)),
        starts_on=date(2021, month, 10),
        hours=Decimal(hours),
        schools=list(schools),
        ref=ref,
    )


def _summaries(school) -> tuple[dict[int, int], dict[int, int]]:
    """The school's students per month and per year (indicator 2 alone counts here)."""
    return tuple(
        dict(
            db.session.execute(
                sa.select(period, table.students).where(table.school_id == school.id)
            ).all()
        )
        for table, period in (
            (SchoolMonthCount, SchoolMonthCount.month),
            (SchoolYearCount, SchoolYearCount.year),
        )
    )


def _hours(student) -> dict[int, Decimal]:
    return dict(
        db.session.execute(
            sa.select(StudentHoursCount.school_year, StudentHoursCount.hours).where(
                StudentHoursCount.student_id == student.id
            )
        ).all()
    )


def _import(rows: list[tuple[str, object]]) -> None:
    lines = ["activity_ref,school_code,local_id"]
    lines += [f"{ref},{student.school.code},{student.local_id}" for ref, student in rows]
    result = run_import("participants", read_table(("\n".join(lines) + "\n").encode()))
    assert not result.errors and result.created == len(rows), result.summary()
    db.session.commit()


def _exact() -> None:
    """Every counter the additions moved agrees with a recount, the dashboards' too (``in_may``
    imported in March: the first day of their calendar and school year moves forward)."""
    assert counters.differences(db.session()) == []
    assert hours_counters.differences(db.session()) == []
    assert participants.differences(db.session()) == []


def test_an_import_adds_each_student_once_per_month_and_year(seeded):
    school, other = (OrganizationFactory(kind=OrganizationKind.SCHOOL) for _ in range(2))
    in_march, in_may, in_year, twice = (StudentFactory(school=school) for _ in range(4))
    newcomer = StudentFactory(school=other)
    march = _excursion(3, "2", [school])
    may = _excursion(5, "1.5", [school])
    db.session.add_all(
        [
            Participation(activity=march, student=in_march),
            Participation(activity=may, student=in_may),
        ]
    )
    imported = _excursion(3, "3", [school, other], ref="MARCH")
    _excursion(10, "4", [school], ref="OCTOBER")
    # The other school counted at the imported March excursion without names, until it names
    # someone.
    db.session.add(Headcount(activity=imported, school=other, count=5))
    db.session.commit()
    assert _summaries(school) == ({202103: 1, 202105: 1}, {2021: 2})
    assert (
        db.session.scalar(
            sa.select(sa.func.sum(HeadcountMonthCount.amount)).where(
                HeadcountMonthCount.school_id == other.id
            )
        )
        == 5
    )
    assert dict(
        db.session.execute(
            sa.select(HeadcountHoursCount.school_year, HeadcountHoursCount.hours).where(
                HeadcountHoursCount.school_id == other.id
            )
        ).all()
    ) == {2020: Decimal("15.00")}

    _import(
        [
            ("MARCH", in_march),  # counted in March already: nothing new
            ("MARCH", in_may),  # counted in May: new in March, not in the year
            ("MARCH", twice),  # new in the year, in two months of it
            ("OCTOBER", twice),
            ("MARCH", newcomer),  # the other school named at last
        ]
    )

    assert _summaries(school) == ({202103: 3, 202105: 1, 202110: 1}, {2021: 3})
    assert _summaries(other) == ({202103: 1}, {2021: 1})
    # Named wins: the other school's headcount counts no more, in students or in hours.
    assert not db.session.scalars(
        sa.select(HeadcountMonthCount.amount).where(HeadcountMonthCount.school_id == other.id)
    ).all()
    assert not db.session.scalars(
        sa.select(HeadcountHoursCount.hours).where(HeadcountHoursCount.school_id == other.id)
    ).all()
    # School years from September: March and May 2021 are 2020's, October 2021's.
    assert _hours(in_march) == {2020: Decimal("5.00")}
    assert _hours(in_may) == {2020: Decimal("4.50")}
    assert _hours(twice) == {2020: Decimal("3.00"), 2021: Decimal("4.00")}
    _exact()


def test_an_addition_settled_inside_a_savepoint_is_not_added_again(seeded):
    """Marks settled in a savepoint are settled again by the outer transaction: what was added
    there must not be added twice."""
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    student = StudentFactory(school=school)
    march, may = _excursion(3, "2", [school]), _excursion(5, "1", [school])
    db.session.add(Participation(activity=march, student=student))
    db.session.commit()
    with savepoint(db.session):
        db.session.add(Participation(activity=may, student=student))
        settle(db.session)
        assert _hours(student) == {2020: Decimal("3.00")}
    db.session.commit()
    assert _hours(student) == {2020: Decimal("3.00")}
    assert _summaries(school) == ({202103: 1, 202105: 1}, {2021: 1})
    _exact()


def test_additions_written_a_run_at_a_time_count_a_student_once(seeded, monkeypatch):
    """Ids far apart are added a run per statement (``among``), and each run's rows are written
    (through the staging table, emptied after each run) before the next run is read: a student
    added at two activities of a month in two runs is one month row and one student of the
    year. A second addition in the same transaction finds the staging table empty again."""
    monkeypatch.setattr(changes, "CHUNK", 2)  # one run per statement
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    student, other = StudentFactory(school=school), StudentFactory(school=school)
    first, second = _excursion(3, "2", [school]), _excursion(3, "1", [school])
    db.session.commit()
    db.session.add_all(
        [
            Participation(id=10_000, activity=first, student=student),
            Participation(id=10_002, activity=second, student=student),
        ]
    )
    db.session.commit()
    assert _summaries(school) == ({202103: 1}, {2021: 1})

    db.session.add(Participation(activity=_excursion(5, "1", [school]), student=student))
    settle(db.session)
    db.session.add(Participation(activity=first, student=other))
    db.session.commit()
    assert _summaries(school) == ({202103: 2, 202105: 1}, {2021: 2})
    _exact()
