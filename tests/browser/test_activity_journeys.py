"""Activities as a school logs them in its first week (issue #15): Save → Back → Save makes one
record, the one-screen excursion with a class and two absentees, ё-search of students."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Activity, Participation
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from tests.activity_factories import StudentFactory
from tests.browser.pages import log_in
from tests.factories import OrganizationFactory, UserFactory


def school_with_classes():
    user = UserFactory(role=Role.SCHOOL)
    school = user.organization
    names_8a = ["Воробьёв Семён", "Ёлкина Дарья", "Иванов Иван", "Петрова Анна", "Сидоров Пётр"]
    class_8a = [
        StudentFactory(school=school, grade=8, class_letter="А", full_name=name)
        for name in names_8a
    ]
    class_8b = [
        StudentFactory(school=school, grade=8, class_letter="Б", full_name=name)
        for name in ("Смирнова Ольга", "Кузнецов Илья")
    ]
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, name="АО «Балтийский завод»")
    db.session.commit()
    return user, school, class_8a, class_8b, employer


def activities() -> list[Activity]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Activity)))


def test_save_back_save_makes_one_activity(seeded, live_server, phone):
    user, _school, _a, _b, employer = school_with_classes()
    log_in(phone, live_server, user.email)
    phone.goto(live_server + "/activities/new/excursion")
    phone.fill("#host", employer.code)
    phone.fill("#day", "2026-11-20")
    phone.fill("#start", "10:00")
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Мероприятие сохранено.").wait_for()
    assert len(activities()) == 1

    phone.go_back()  # the form again, as the user filled it
    phone.get_by_text("Эта форма уже сохранена").wait_for()
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Эта форма уже была сохранена — вот созданная ею запись.").wait_for()
    assert len(activities()) == 1
    assert f"/activities/{activities()[0].id}" in phone.url

    # A fresh form with the same excursion is taken for a duplicate until confirmed.
    phone.goto(live_server + "/activities/new/excursion")
    phone.fill("#host", employer.code)
    phone.fill("#day", "2026-11-20")
    phone.fill("#start", "10:00")
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Похоже на повтор уже внесённого мероприятия:").wait_for()
    assert len(activities()) == 1

    # The one made by mistake is deleted after a confirmation.
    phone.goto(f"{live_server}/activities/{activities()[0].id}")
    phone.get_by_role("link", name="Удалить").click()
    phone.get_by_role("button", name="Удалить окончательно").click()
    phone.get_by_text("удалено").wait_for()
    assert activities() == []


def test_one_screen_excursion_with_a_class_and_two_absentees(seeded, live_server, phone):
    user, _school, class_8a, class_8b, employer = school_with_classes()
    log_in(phone, live_server, user.email)
    phone.goto(live_server + "/activities/new/excursion")
    phone.fill("#host", employer.code)
    phone.fill("#day", "2026-11-20")
    phone.fill("#start", "10:00")
    absentees = phone.locator("[data-absent-for='8А']")
    assert not absentees.is_visible()  # asked for once the class is ticked
    phone.get_by_label("Класс 8А").check()
    absentees.locator("summary").click()
    phone.get_by_label(class_8a[1].full_name).check()
    phone.get_by_label(class_8a[3].full_name).check()
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Участников от вашей школы: 3.").wait_for()
    phone.wait_for_load_state("load")  # the tabs' script has run

    db.session.expire_all()
    named = set(db.session.scalars(sa.select(Participation.student_id)))
    assert named == {class_8a[0].id, class_8a[2].id, class_8a[4].id}
    # The participants page opens on that class, the others a tab away, ticks kept.
    assert phone.get_by_role("link", name="8А 3").get_attribute("class").count("active")
    assert not phone.get_by_text(class_8b[0].full_name).is_visible()
    phone.get_by_role("link", name="8Б 0").click()
    phone.get_by_label(class_8b[0].full_name).check()
    phone.get_by_role("link", name="8А 3").click()
    assert phone.get_by_label(class_8a[0].full_name).is_checked()

    # ё = е, any case, by name or number: «воробьев» finds «Воробьёв Семён» in any class.
    phone.fill("[data-roster-search]", "ВОРОБЬЕВ")
    assert phone.get_by_label(class_8a[0].full_name).is_visible()
    assert not phone.get_by_label(class_8a[2].full_name).is_visible()
    phone.fill("[data-roster-search]", "смирн")
    assert phone.get_by_label(class_8b[0].full_name).is_visible()
    phone.get_by_role("button", name="Сохранить участников").click()
    phone.get_by_text("Участников от вашей школы: 4.").wait_for()
    assert "class=8" in phone.url  # still on the tab, not «Все классы»
    db.session.expire_all()
    named = set(db.session.scalars(sa.select(Participation.student_id)))
    assert named == {class_8a[0].id, class_8a[2].id, class_8a[4].id, class_8b[0].id}


def test_student_roster_search_ignores_yo(seeded, live_server, phone):
    user, _school, class_8a, _b, _employer = school_with_classes()
    log_in(phone, live_server, user.email)
    phone.goto(live_server + "/students/")
    phone.locator("input[name=q]").fill("воробьев")
    phone.keyboard.press("Enter")
    phone.get_by_text(class_8a[0].full_name).wait_for()
    assert not phone.get_by_text(class_8a[2].full_name).is_visible()
