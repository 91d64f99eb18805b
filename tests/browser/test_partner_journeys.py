"""Issue #15's journeys of accounts and partners: a forgotten password reset by an e-mailed
one-time link, and a school booking an excursion for one of its real classes — on phones."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.database import utcnow
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.localtime import local_date
from partnercrm.offers.models import Booking
from tests.activity_factories import StudentFactory
from tests.browser.pages import log_in
from tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.offer_factories import OfferFactory, SlotFactory
from tests.test_accounts import NEW_PASSWORD


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def mailed_reset_path(outbox) -> str:
    (letter,) = outbox
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+)", letter.body)
    assert match, letter.body
    return match.group(1)


def test_a_forgotten_password_is_reset_by_a_one_time_link(
    app, browser, live_server, phone, outbox, screenshot
):
    user = UserFactory(email="teacher@school.example", full_name="Иванова Мария Петровна")
    db.session.commit()
    # Still logged in on the school's desktop, remembered.
    desktop = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    other = desktop.new_page()
    other.goto(live_server + "/login")
    other.fill("#email", user.email)
    other.fill("#password", PASSWORD)
    other.check("#remember")
    other.click("#submit")
    other.wait_for_url(live_server + "/dashboard")

    phone.goto(live_server + "/login")
    phone.get_by_role("link", name="Забыли пароль?").click()
    phone.fill("#email", "Teacher@School.example")
    assert page_width(phone) <= 390
    screenshot(phone, "forgot-password")
    phone.get_by_role("button", name="Отправить ссылку").click()
    phone.wait_for_url(live_server + "/login")
    phone.get_by_text("Если учётная запись с этим адресом существует").wait_for()

    path = mailed_reset_path(outbox)
    phone.goto(live_server + path)
    phone.get_by_text("Иванова Мария Петровна").wait_for()
    phone.fill("#password", NEW_PASSWORD)
    phone.fill("#confirm", NEW_PASSWORD)
    phone.get_by_role("button", name="Сохранить").click()
    phone.wait_for_url(live_server + "/dashboard")
    phone.get_by_text("Пароль изменён. Другие сеансы завершены.").wait_for()

    # The desktop's session (and its remember-me cookie) has ended.
    other.goto(live_server + "/dashboard")
    other.wait_for_url(re.compile(r".*/login.*"))
    desktop.close()
    # The link worked once.
    phone.goto(live_server + path)
    phone.get_by_role("heading", name="Ссылка недействительна").wait_for()
    phone.get_by_role("link", name="Запросить новую ссылку").wait_for()
    # The new password opens the account.
    phone.context.clear_cookies()
    log_in(phone, live_server, user.email, NEW_PASSWORD)


def test_a_school_books_an_excursion_for_a_class_of_its_roster(live_server, phone, screenshot):
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL, phone="+7 4012 33-44-55")
    for grade, letter in ((8, "А"), (8, "Б"), (9, "А"), (5, "А")):
        StudentFactory(school=school, grade=grade, class_letter=letter)
    user = UserFactory(
        role=Role.SCHOOL,
        organization=school,
        full_name="Петрова Анна Сергеевна",
        email="petrova@school.example",
    )
    starts_at = utcnow() + timedelta(days=7)
    offer = OfferFactory(topic="Как работает судоверфь", grade_min=7, grade_max=9)
    slot = SlotFactory(
        offer=offer,
        starts_at=starts_at,
        starts_on=local_date(starts_at),
        capacity=25,
        booked_seats=18,
    )
    db.session.commit()

    log_in(phone, live_server, user.email)
    phone.goto(f"{live_server}/offers/{offer.id}")
    phone.get_by_role("link", name="Записаться").first.click()
    # The school's own classes within the offer's grades, and the contact already filled.
    options = phone.locator("#school_class option").all_inner_texts()
    assert options == ["8А", "8Б", "9А"]
    assert phone.input_value("#contact") == (
        "Петрова Анна Сергеевна, +7 4012 33-44-55, petrova@school.example"
    )
    phone.select_option("#school_class", label="8Б")
    phone.fill("#seats", "12")
    phone.get_by_role("button", name="Записаться").click()
    # More seats than are free: it says how many are.
    phone.get_by_text("Свободных мест на эту дату: 7. Запишите не больше.").wait_for()
    assert page_width(phone) <= 390
    screenshot(phone, "offer-booking-seats")
    phone.fill("#seats", "7")
    phone.get_by_role("button", name="Записаться").click()
    phone.get_by_text("Ожидает подтверждения").first.wait_for()

    db.session.expire_all()
    booking = db.session.scalars(sa.select(Booking).where(Booking.slot_id == slot.id)).one()
    assert (booking.grade, booking.class_letter, booking.seats) == (8, "Б", 7)
