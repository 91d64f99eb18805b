"""A school creates its weekly «Россия — мои горизонты» for two classes on a phone, sees the
week skipped for the autumn holidays, and marks two absentees of a session in a few taps."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Activity, Participation
from partnercrm.extensions import db
from partnercrm.jobs.holidays import seed_school_holidays
from tests.activity_factories import StudentFactory
from tests.browser.pages import log_in, open_menu_link
from tests.factories import UserFactory


def fits(page) -> bool:
    """Nothing on the page is wider than the phone's screen."""
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_school_creates_a_series_and_marks_absentees_on_a_phone(seeded, live_server, phone):
    user = UserFactory(role=Role.SCHOOL)
    school = user.organization
    class_6a = StudentFactory.create_batch(3, school=school, grade=6, class_letter="А")
    class_7a = StudentFactory.create_batch(3, school=school, grade=7, class_letter="А")
    StudentFactory(school=school, grade=9, class_letter="Б")  # a class not in the series
    seed_school_holidays("2025/2026")
    db.session.commit()

    log_in(phone, live_server, user.email)
    open_menu_link(phone, "Еженедельные серии")
    phone.get_by_role("link", name="Новая серия").click()
    phone.fill("#title", "Россия — мои горизонты")
    phone.fill("#first_date", "2025-10-13")
    phone.select_option("#weekday", "4")  # Thursday
    phone.fill("#last_date", "2025-11-13")
    phone.fill("#start", "13:30")
    phone.locator("#classes-field label", has_text="6А").click()
    phone.locator("#classes-field label", has_text="7А").click()
    phone.get_by_role("button", name="Показать даты").click()
    phone.get_by_text("30.10.2025 — Осенние каникулы").wait_for()
    assert phone.get_by_text("Занятий: 4").is_visible()
    assert fits(phone)

    phone.get_by_role("button", name="Создать серию").click()
    phone.get_by_text("Серия создана. Занятий: 4, пропущено из-за каникул: 1.").wait_for()
    assert phone.get_by_text("30.10.2025 — Осенние каникулы").is_visible()
    row = phone.locator("tr[data-session='2025-10-16']")
    assert row.locator("[data-present]").inner_text() == "6"
    assert fits(phone)

    row.get_by_role("link", name="Отсутствующие").click()
    for student in (class_6a[0], class_7a[2]):
        phone.locator(f"label[for=absent-{student.id}]").click()
    phone.get_by_role("button", name="Сохранить").click()
    phone.get_by_text("Посещаемость сохранена. Отсутствовали: 2.").wait_for()
    assert phone.locator(f"#absent-{class_6a[0].id}").is_checked()
    assert fits(phone)

    phone.get_by_role("link", name="Вернуться к серии").click()
    row = phone.locator("tr[data-session='2025-10-16']")
    assert row.locator("[data-present]").inner_text() == "4"
    assert row.locator("[data-absent]").inner_text() == "2"

    db.session.expire_all()
    session = db.session.scalar(sa.select(Activity).where(Activity.starts_on == date(2025, 10, 16)))
    named = set(
        db.session.scalars(
            sa.select(Participation.student_id).where(Participation.activity_id == session.id)
        )
    )
    assert named == {s.id for s in class_6a[1:] + class_7a[:2]}
