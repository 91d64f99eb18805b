"""The counters' recount of marked students (indicators/counters.py): only the month rows that
differ from a recount are written and only their (school, month) summaries counted again, so
every change must still leave the counters equal to a recount from the rows."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from partnercrm.activities.models import Participation
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators import counters
from partnercrm.indicators.models import SchoolMonthCount, SchoolYearCount
from partnercrm.localtime import to_utc
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import OrganizationFactory


def _held(month: int, schools):
    return ActivityFactory(
        starts_at=to_utc(datetime(2021, month, 10, 10, 0)),
        starts_on=date(2021, month, 10),
        schools=list(schools),
    )


def test_recounts_only_what_changed_yet_matches_a_recount(seeded):
    school, other = (OrganizationFactory(kind=OrganizationKind.SCHOOL) for _ in range(2))
    students = [StudentFactory(school=school) for _ in range(4)]
    march, may = _held(3, [school]), _held(5, [school])
    for student in students:
        db.session.add(Participation(activity=march, student=student))
    db.session.commit()
    assert counters.differences(db.session) == []

    # An import into one month: the students' March rows are untouched.
    for student in students[:3]:
        db.session.add(Participation(activity=may, student=student))
    db.session.commit()
    assert counters.differences(db.session) == []
    months = set(db.session.scalars(sa.select(SchoolMonthCount.month).distinct()))
    assert months == {202103, 202105}

    # Gone from May (the school's May count falls to zero), moved to another school and grade
    # (March's rows change school): the old school's summaries must fall too.
    for gone in db.session.scalars(
        sa.select(Participation).where(
            Participation.activity_id == may.id,
            Participation.student_id.in_([s.id for s in students[:2]]),
        )
    ):
        db.session.delete(gone)
    students[2].school = other
    students[2].grade = 9
    db.session.commit()
    assert counters.differences(db.session) == []
    yearly = db.session.execute(
        sa.select(SchoolYearCount.school_id, sa.func.max(SchoolYearCount.students)).group_by(
            SchoolYearCount.school_id
        )
    ).all()
    assert dict(yearly) == {school.id: 3, other.id: 1}
