"""Changes the counters' state machine (tests/test_counters_state_machine.py) reaches rarely or
not at all: an activity deleted with its participants as Flask-Admin or a script deletes it,
an organization's kind changed in the admin, a savepoint rolled back after a settle inside it;
and the commands that rebuild and verify the counters."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from partnercrm.activities import counters as participants
from partnercrm.activities.models import Activity, ParticipantYear, Participation
from partnercrm.activities.rules import ActivityStatus
from partnercrm.database import savepoint
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators import counters
from partnercrm.indicators.models import StudentMonthCount
from partnercrm.indicators.queries import compute
from partnercrm.localtime import Period
from partnercrm.roadmap.models import Indicator
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import OrganizationFactory
from tests.test_admin import admin, organization_data, post_form  # noqa: F401

YEAR = Period.year(2021)


def counted(number: int) -> set[int]:
    """The students indicator ``number`` counts, by its counters."""
    return set(
        db.session.scalars(
            sa.select(StudentMonthCount.student_id)
            .join(Indicator, Indicator.id == StudentMonthCount.indicator_id)
            .where(Indicator.number == number)
        )
    )


def figure(number: int, counted: bool = True) -> int | None:
    return next(r.value for r in compute(db.session, YEAR, counted=counted) if r.number == number)


def world():
    """A held excursion to a college in March 2021 with two students of a school."""
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    college = OrganizationFactory(kind=OrganizationKind.COLLEGE)
    students = [StudentFactory(school=school) for _ in range(2)]
    activity = ActivityFactory(host=college, organizer=school)
    db.session.add_all(Participation(activity=activity, student=s) for s in students)
    db.session.commit()
    assert counted(2) == {s.id for s in students}
    return activity, college, students


def test_an_activity_deleted_with_its_participants_takes_its_counts(seeded):
    """As Flask-Admin's delete does it: ``session.delete`` of the row alone, its participants
    left to ON DELETE CASCADE (which the flush never sees)."""
    activity, _college, _students = world()
    db.session.delete(db.session.get(Activity, activity.id))
    db.session.commit()
    assert counted(2) == set() and figure(2) == 0
    assert counters.differences(db.session()) == []


def test_a_student_deleted_with_their_participations_takes_their_counts(seeded):
    """The per-student counters have no foreign key to the student (an import writes too many
    rows for PostgreSQL to check each): the student's rows go because deleting their
    participations, and the student, marks them for a recount, not by a cascade (the test fails
    with both marks broken; either alone suffices)."""
    _activity, _college, (gone, kept) = world()
    for participation in db.session.scalars(
        sa.select(Participation).where(Participation.student_id == gone.id)
    ):
        db.session.delete(participation)
    db.session.delete(gone)
    db.session.commit()
    assert counted(2) == {kept.id}
    for table in (StudentMonthCount, ParticipantYear):
        assert not db.session.scalar(
            sa.select(sa.func.count()).select_from(table).where(table.student_id == gone.id)
        )
    assert counters.differences(db.session()) == []
    assert participants.differences(db.session()) == []


def test_an_activity_moved_to_a_school_host_or_to_another_year_moves_its_counts(seeded):
    """Indicator 2 counts visits to enterprises and institutions: hosted by a school the
    excursion counts no more; moved into 2022 it leaves 2021 (the host and the date are marked
    through the relationship and the column alike)."""
    activity, college, students = world()
    activity.host = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    db.session.commit()
    assert counted(2) == set() and figure(2) == 0
    assert counters.differences(db.session()) == []

    activity.host_id = college.id
    db.session.commit()
    assert counted(2) == {s.id for s in students} and figure(2) == 2

    activity.set_days(date(2022, 1, 10), date(2022, 1, 10))
    db.session.commit()
    assert figure(2) == 0 == figure(2, counted=False)
    assert counters.differences(db.session()) == []


def test_an_organization_kind_changed_in_the_admin_moves_the_counts(seeded, client, admin):  # noqa: F811
    activity, college, _students = world()
    data = organization_data(
        kind="authority",
        code=college.code,
        name=college.name,
        municipality=str(college.municipality_id),
    )
    response = post_form(client, f"/admin/organizations/edit/?id={college.id}", data)
    assert response.status_code == 302
    # Indicator 2 counts visits to colleges, employers and the like; an authority is none.
    assert counted(2) == set() and figure(2) == figure(2, counted=False) == 0
    assert counters.differences(db.session()) == []


def test_a_savepoint_rolled_back_after_a_settle_leaves_the_counters_exact(seeded):
    activity, _college, students = world()
    newcomer = StudentFactory(school=students[0].school)
    db.session.commit()
    # Outside the savepoint: one student leaves (flushed, not yet settled).
    db.session.delete(
        db.session.scalar(sa.select(Participation).filter_by(student_id=students[0].id))
    )
    db.session.flush()
    with savepoint(db.session) as transaction:
        db.session.add(Participation(activity_id=activity.id, student_id=newcomer.id))
        db.session.get(Activity, activity.id).status = ActivityStatus.CANCELLED
        assert figure(2) == 0  # settled inside the savepoint
        transaction.rollback()
    db.session.commit()
    assert counted(2) == {students[1].id} and figure(2) == figure(2, counted=False) == 1
    assert counters.differences(db.session()) == []


def test_counters_rebuild_and_verify(seeded, runner):
    world()
    result = runner.invoke(args=["counters", "verify"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.stdout
    # Rows deleted behind the session's back: the counters cannot know (indicators 2 and 6).
    db.session.execute(sa.delete(Participation))
    db.session.commit()
    result = runner.invoke(args=["counters", "verify"])
    assert result.exit_code == 1
    assert "indicators: indicator_student_month: 0 rows missing, 4 rows extra" in result.stderr
    result = runner.invoke(args=["indicators", "--year", "2021", "--verify"])
    assert result.exit_code == 1
    assert "verify: indicator 2: value 2 from the counters, 0 from the rows" in result.stderr
    result = runner.invoke(args=["counters", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "indicators: indicator" in result.stderr
    assert "counters rebuilt:" in result.stdout and "indicators" in result.stdout
    result = runner.invoke(args=["indicators", "--year", "2021", "--verify"])
    assert result.exit_code == 0, result.output
    assert "verify: counters agree with a recount" in result.stderr
    assert runner.invoke(args=["counters", "verify"]).exit_code == 0
