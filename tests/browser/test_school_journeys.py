"""A school logs a held excursion with named participants and a parent meeting on a phone."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Activity, Participation
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from tests.activity_factories import StudentFactory
from tests.browser.pages import log_in
from tests.factories import OrganizationFactory, UserFactory


def school_with_class():
    user = UserFactory(role=Role.SCHOOL)
    school = user.organization
    students = StudentFactory.create_batch(4, school=school, grade=8, class_letter="А")
    StudentFactory(school=school, grade=9, class_letter="Б")
    return user, school, students


def test_school_logs_a_held_excursion_with_a_whole_class(seeded, live_server, phone, screenshot):
    user, school, students = school_with_class()
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, name="АО «Балтийский завод»")
    db.session.commit()

    log_in(phone, live_server, user.email)
    phone.goto(live_server + "/activities/new")
    phone.get_by_role("link", name="Экскурсия на предприятие (в организацию)").click()
    phone.fill("#host", employer.code)
    phone.fill("#day", "2026-11-20")
    phone.fill("#start", "10:00")
    phone.get_by_label("Класс 8А").check()
    phone.click("label[for=status-1]")  # «Проведено»
    screenshot(phone, "excursion-form")
    phone.get_by_role("button", name="Сохранить").click()

    phone.locator("[data-whole-class='8А']").check()  # every class is on the page
    phone.get_by_role("button", name="Сохранить участников").click()
    phone.get_by_text("Участников от вашей школы: 4.").wait_for()
    screenshot(phone, "excursion-participants")

    db.session.expire_all()
    activity = db.session.scalar(sa.select(Activity))
    assert (activity.kind, activity.status, activity.host_id) == (
        ActivityKind.EXCURSION,
        ActivityStatus.HELD,
        employer.id,
    )
    assert [item.number for item in activity.plan_items] == [5, 23]
    named = set(db.session.scalars(sa.select(Participation.student_id)))
    assert named == {student.id for student in students}


def test_school_logs_a_parent_meeting_with_presenters(seeded, live_server, phone):
    user, school, _students = school_with_class()
    college = OrganizationFactory(kind=OrganizationKind.COLLEGE, name="Колледж сервиса")
    db.session.commit()

    log_in(phone, live_server, user.email)
    phone.goto(live_server + "/activities/new")
    phone.get_by_role("link", name="Родительское собрание").click()
    phone.fill("#day", "2026-11-18")
    phone.fill("#start", "18:30")
    phone.fill("#presenters-0-organization", college.code)
    phone.fill("#parents_count", "27")
    phone.fill("#professions", "повар, кондитер")
    phone.click("label[for=status-1]")
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Мероприятие сохранено.").wait_for()

    db.session.expire_all()
    meeting = db.session.scalar(sa.select(Activity))
    assert meeting.kind is ActivityKind.PARENT_MEETING and meeting.host_id == school.id
    assert meeting.parent_meeting.parents_count == 27
    assert [p.id for p in meeting.parent_meeting.presenters] == [college.id]
    assert [item.number for item in meeting.plan_items] == [6, 17]
