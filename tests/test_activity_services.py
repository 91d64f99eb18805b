"""Activities, students and participation through the services and the count queries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from partnercrm.activities import services
from partnercrm.activities.models import Participation
from partnercrm.activities.queries import counts_by_activity, counts_by_school
from partnercrm.activities.rules import ActivityKind, ActivityStatus, CampType, can_move, grade_band
from partnercrm.audit.models import AuditEntry
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import to_utc
from partnercrm.students import services as students
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import OrganizationFactory


def excursion_data(host, organizer, **changes) -> services.ActivityData:
    data = services.ActivityData(
        kind=ActivityKind.EXCURSION,
        title="Экскурсия на судозавод",
        host=host,
        organizer=organizer,
        starts_at=to_utc(datetime(2021, 12, 31, 23, 30)),
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


@pytest.fixture
def school():
    return OrganizationFactory(kind=OrganizationKind.SCHOOL)


@pytest.fixture
def employer():
    return OrganizationFactory(kind=OrganizationKind.EMPLOYER)


def test_late_evening_activity_stays_on_its_local_date(seeded, school, employer):
    late = services.create_activity(excursion_data(employer, school))
    assert late.starts_on == date(2021, 12, 31)
    assert late.starts_at.year == 2021 and late.starts_at.hour == 21  # 23:30 local is 21:30 UTC
    early = services.create_activity(
        excursion_data(employer, school, starts_at=to_utc(datetime(2022, 1, 1, 0, 30)))
    )
    assert early.starts_on == date(2022, 1, 1)
    assert early.starts_at.date() == date(2021, 12, 31)  # still the old year in UTC


def test_new_activity_gets_the_kinds_default_plan_items(seeded, school, employer):
    activity = services.create_activity(excursion_data(employer, school))
    assert [item.number for item in activity.plan_items] == [5, 23]
    meeting = services.create_activity(
        excursion_data(school, school, kind=ActivityKind.PARENT_MEETING, plan_items=[17])
    )
    assert [item.number for item in meeting.plan_items] == [17]
    assert meeting.parent_meeting is not None


def test_unknown_plan_item_and_bad_times_are_refused(seeded, school, employer):
    with pytest.raises(services.ActivityError):
        services.create_activity(excursion_data(employer, school, plan_items=[99]))
    with pytest.raises(services.ActivityError):
        services.create_activity(
            excursion_data(employer, school, ends_at=to_utc(datetime(2021, 12, 31, 20, 0)))
        )
    with pytest.raises(services.ActivityError):
        services.create_activity(
            excursion_data(
                employer,
                school,
                starts_at=None,
                first_day=date(2021, 7, 10),
                last_day=date(2021, 7, 1),
            )
        )


def test_all_day_camp_shift_spans_its_days(seeded, school):
    camp = OrganizationFactory(kind=OrganizationKind.CAMP)
    shift = services.create_activity(
        excursion_data(
            camp,
            school,
            kind=ActivityKind.CAMP_SHIFT,
            starts_at=None,
            first_day=date(2021, 7, 1),
            last_day=date(2021, 7, 21),
        )
    )
    assert shift.all_day and shift.starts_on == date(2021, 7, 1)
    assert shift.ends_on == date(2021, 7, 21)
    assert [item.number for item in shift.plan_items] == [10]


def test_the_service_enforces_the_kinds_hosts_and_the_camp_rule(seeded, school, employer):
    """Whatever the caller, a parent meeting is a school's (at the school or off site), a camp
    shift at a camp or a school, a school day camp at a school and a country camp at a camp; the
    refusal names the host."""
    camp = OrganizationFactory(kind=OrganizationKind.CAMP)
    days = {"starts_at": None, "first_day": date(2021, 7, 1), "last_day": date(2021, 7, 21)}
    shift = {"kind": ActivityKind.CAMP_SHIFT, **days}
    refused = [
        (employer, shift, "A camp shift takes place at a camp"),
        (camp, {**shift, "camp_type": CampType.SCHOOL}, "A school day camp takes place"),
        (school, {**shift, "camp_type": CampType.COUNTRY}, "Pick a camp"),
    ]
    for host, changes, message in refused:
        with pytest.raises(services.ActivityError) as refusal:
            services.create_activity(excursion_data(host, school, **changes))
        assert refusal.value.message.startswith(message) and refusal.value.field == "host"
    meeting = {"kind": ActivityKind.PARENT_MEETING}
    with pytest.raises(services.ActivityError) as refusal:
        services.create_activity(excursion_data(employer, employer, **meeting))
    assert refusal.value.message.startswith("A parent meeting is a school's")
    # Off site («выездное родительское собрание»): the school holds it at an enterprise.
    off_site = services.create_activity(excursion_data(employer, school, **meeting))
    assert off_site.host == employer and off_site.parent_meeting is not None
    at_school = services.create_activity(
        excursion_data(school, school, **shift, camp_type=CampType.SCHOOL)
    )
    services.set_camp_shift_details(at_school, camp_type=CampType.SCHOOL, theme=None, capacity=None)
    # Its type stays a school day camp: it cannot move to a camp, nor become a country camp.
    with pytest.raises(services.ActivityError):
        services.update_activity(at_school, excursion_data(camp, school, **shift))
    with pytest.raises(services.ActivityError):
        services.set_camp_shift_details(
            at_school, camp_type=CampType.COUNTRY, theme=None, capacity=None
        )


def test_named_participation_is_unique_per_activity_and_student(seeded):
    student = StudentFactory()
    activity = ActivityFactory()
    db.session.add(Participation(activity=activity, student=student))
    db.session.flush()
    db.session.add(Participation(activity=activity, student=student))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_named_participants_win_over_the_same_schools_headcount(seeded):
    school_a, school_b = (OrganizationFactory(kind=OrganizationKind.SCHOOL) for _ in range(2))
    activity = ActivityFactory()
    students = StudentFactory.create_batch(3, school=school_a)
    services.set_headcount(activity, school_a, grade=8, count=25, ovz_count=1)
    services.set_headcount(activity, school_b, grade=None, count=12)
    # Headcounts only so far.
    assert counts_by_activity(db.session, [activity.id])[activity.id].total == 37
    services.set_named_participants(activity, school_a, students)
    counts = counts_by_activity(db.session, [activity.id])[activity.id]
    assert (counts.named, counts.headcount) == (3, 12)
    by_school = counts_by_school(db.session, activity.id)
    assert (by_school[school_a.id].named, by_school[school_a.id].headcount) == (3, 0)
    assert by_school[school_b.id].headcount == 12
    assert set(activity.schools) == {school_a, school_b}


def test_setting_named_participants_replaces_only_that_schools_set(seeded):
    school_a, school_b = (OrganizationFactory(kind=OrganizationKind.SCHOOL) for _ in range(2))
    activity = ActivityFactory()
    a1, a2 = StudentFactory.create_batch(2, school=school_a)
    b1 = StudentFactory(school=school_b)
    services.set_named_participants(activity, school_a, [a1, a2])
    services.set_named_participants(activity, school_b, [b1])
    services.set_named_participants(activity, school_a, [a2])
    ids = set(db.session.scalars(sa.select(Participation.student_id)))
    assert ids == {a2.id, b1.id}
    with pytest.raises(services.ActivityError):
        services.set_named_participants(activity, school_a, [b1])


def test_headcount_rules(seeded, school):
    activity = ActivityFactory()
    with pytest.raises(services.ActivityError):
        services.set_headcount(activity, school, grade=8, count=5, ovz_count=6)
    with pytest.raises(services.ActivityError):
        services.set_headcount(activity, school, grade=12, count=5)
    services.set_headcount(activity, school, grade=8, count=5)
    services.set_headcount(activity, school, grade=8, count=7)
    assert counts_by_activity(db.session, [activity.id])[activity.id].headcount == 7
    services.set_headcount(activity, school, grade=8, count=0)
    assert counts_by_activity(db.session, [activity.id])[activity.id].headcount == 0


def test_students_are_unique_per_school_and_keep_leading_zeros(seeded, school):
    data = students.StudentData(local_id="007", full_name="  Иванов   Иван ", grade=9)
    student = students.create_student(school, data)
    assert (student.local_id, student.full_name) == ("007", "Иванов Иван")
    with pytest.raises(students.StudentError):
        students.create_student(school, data)
    other_school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    assert students.create_student(other_school, data).local_id == "007"
    with pytest.raises(students.StudentError):
        students.create_student(OrganizationFactory(kind=OrganizationKind.EMPLOYER), data)


def test_student_audit_hides_personal_data(seeded, school):
    student = students.create_student(
        school,
        students.StudentData(
            local_id="1", full_name="Петрова Анна", grade=5, birth_date=date(2010, 5, 1)
        ),
    )
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "student"))
    assert entry.object_id == student.id
    assert entry.details["full_name"] == "***" and entry.details["birth_date"] == "***"
    assert "Петрова" not in str(entry.details)


def test_plan_item_changes_are_audited(seeded, school, employer):
    activity = services.create_activity(excursion_data(employer, school))
    db.session.commit()
    services.update_activity(activity, excursion_data(employer, school, plan_items=[5, 15]))
    db.session.commit()
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "activity").order_by(AuditEntry.id)
    ).all()[-1]
    assert entry.action.value == "update"
    assert len(entry.details["plan_items"]["added"]) == 1
    assert len(entry.details["plan_items"]["removed"]) == 1


def test_status_moves():
    assert can_move(ActivityStatus.PLANNED, ActivityStatus.HELD)
    assert can_move(ActivityStatus.HELD, ActivityStatus.PLANNED)
    assert not can_move(ActivityStatus.CANCELLED, ActivityStatus.HELD)
    assert [grade_band(g) for g in (1, 5, 6, 9, 11, 0)] == ["1–5", "1–5", "6–7", "8–9", "10–11", ""]


def test_no_participants_at_parent_meetings_or_cancelled_activities(seeded, school):
    student = StudentFactory(school=school)
    meeting = ActivityFactory(kind=ActivityKind.PARENT_MEETING, host=school, organizer=school)
    cancelled = ActivityFactory(status=ActivityStatus.CANCELLED)
    for activity in (meeting, cancelled):
        with pytest.raises(services.ActivityError):
            services.set_named_participants(activity, school, [student])
        with pytest.raises(services.ActivityError):
            services.set_headcount(activity, school, grade=None, count=5)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0


def test_an_activity_gets_the_default_hours_of_its_length_unless_given(seeded, school, employer):
    two_and_a_half = to_utc(datetime(2021, 12, 1, 12, 30))
    activity = services.create_activity(
        excursion_data(employer, school, starts_at=to_utc(datetime(2021, 12, 1, 10)))
    )
    assert activity.hours == Decimal(1)
    data = excursion_data(employer, school, starts_at=activity.starts_at, ends_at=two_and_a_half)
    services.update_activity(activity, data)
    assert activity.hours == Decimal(3)
    data.hours = Decimal("1.5")
    services.update_activity(activity, data)
    assert activity.hours == Decimal("1.5")


@pytest.mark.parametrize("hours", ["0", "-2", "100.5"])
def test_hours_out_of_range_are_refused(seeded, school, employer, hours):
    with pytest.raises(services.ActivityError, match="more than 0 and at most 100"):
        services.create_activity(excursion_data(employer, school, hours=Decimal(hours)))


def test_parent_meetings_give_no_hours(seeded, school, employer):
    meeting = services.ActivityData(
        kind=ActivityKind.PARENT_MEETING,
        title="Собрание",
        host=school,
        organizer=school,
        starts_at=to_utc(datetime(2021, 12, 1, 18)),
    )
    assert services.create_activity(meeting).hours is None
    meeting.hours = Decimal(2)
    with pytest.raises(services.ActivityError, match="no hours"):
        services.create_activity(meeting)
