"""An employer signs up, is approved, publishes an excursion, and a school books it — on phones."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState
from partnercrm.extensions import db
from partnercrm.localtime import local_today
from partnercrm.offers.models import Booking, Offer
from partnercrm.offers.rules import BookingStatus, OfferStatus
from tests.browser.pages import log_in, log_out, open_menu_link
from tests.factories import UserFactory
from tests.portal_factories import valid_inn

EMPLOYER_EMAIL = "hr@yantar-port.example"
EMPLOYER_PASSWORD = "Янтарный-порт-2026"  # noqa: S105
TOPIC = "Как работает морской порт"


def confirmation_path(outbox) -> str:
    """The path of the link in the confirmation letter (the test app's host is not ours)."""
    (letter,) = outbox
    assert letter.to == [EMPLOYER_EMAIL]
    match = re.search(r"https?://[^/\s]+(/sign-up/confirm/\S+)", letter.body)
    assert match, letter.body
    return match.group(1)


def sign_up(page, base: str, outbox, screenshot) -> None:
    page.goto(base + "/")
    page.get_by_role("link", name="Регистрация работодателя").click()
    page.fill("#name", "ООО «Янтарный порт»")
    page.fill("#inn", valid_inn(42))
    page.select_option("#municipality", label="Калининград")
    page.fill("#industry", "Морской транспорт")
    page.fill("#address", "г. Калининград, ул. Портовая, 24")
    page.fill("#website", "yantar-port.example")
    page.fill("#full_name", "Смирнова Ольга Викторовна")
    page.fill("#position", "Специалист по персоналу")
    page.fill("#phone", "+7 4012 55-66-77")
    page.fill("#email", EMPLOYER_EMAIL)
    page.fill("#password", EMPLOYER_PASSWORD)
    page.fill("#confirm", EMPLOYER_PASSWORD)
    page.check("#consent")
    screenshot(page, "employer-sign-up")
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.get_by_role("heading", name="Подтвердите адрес эл. почты").wait_for()

    page.goto(base + confirmation_path(outbox))
    page.get_by_role("button", name="Подтвердить").click()
    page.wait_for_url(base + "/dashboard")
    page.get_by_text("Организация ожидает подтверждения").first.wait_for()
    log_out(page)


def approve(page, base: str, coordinator, screenshot) -> None:
    log_in(page, base, coordinator.email)
    open_menu_link(page, "Заявки на регистрацию")
    screenshot(page, "approvals")
    page.get_by_role("link", name="ООО «Янтарный порт»").click()
    page.get_by_role("button", name="Одобрить").click()
    page.get_by_text("Заявка одобрена.").wait_for()
    log_out(page)


def publish_offer(page, base: str, day, screenshot) -> None:
    log_in(page, base, EMPLOYER_EMAIL, EMPLOYER_PASSWORD)
    open_menu_link(page, "Предложения")
    page.get_by_role("link", name="Новое предложение экскурсии").click()
    page.fill("#topic", TOPIC)
    page.fill("#profession", "Докер-механизатор")
    page.select_option("#grade_min", "7")
    page.select_option("#grade_max", "9")
    page.fill("#description", "Причалы, краны и диспетчерская порта.")
    page.fill("#safety_notes", "Закрытая обувь; каски выдаём на месте.")
    page.fill("#slots-0-day", day.isoformat())
    page.fill("#slots-0-start", "11:00")
    page.fill("#slots-0-end", "12:30")
    page.fill("#slots-0-capacity", "25")
    screenshot(page, "offer-form")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Предложение сохранено.").wait_for()
    page.get_by_role("button", name="Опубликовать").click()
    page.get_by_text("Статус предложения: Опубликовано.").wait_for()
    log_out(page)


def book(page, base: str, school_user, screenshot) -> None:
    log_in(page, base, school_user.email)
    open_menu_link(page, "Предложения")
    page.get_by_role("link", name="Общий список").click()
    card = page.locator(".card", has_text=TOPIC)
    card.get_by_role("link", name="Записаться").click()
    page.fill("#seats", "22")
    page.select_option("#grade", "8")
    page.fill("#class_letter", "Б")
    page.fill("#contact", "Иванова Н. П., +7 900 123-45-67")
    screenshot(page, "offer-booking")
    page.get_by_role("button", name="Записаться").click()
    page.get_by_text("Ожидает подтверждения").wait_for()
    log_out(page)


def confirm_booking(page, base: str) -> None:
    log_in(page, base, EMPLOYER_EMAIL, EMPLOYER_PASSWORD)
    open_menu_link(page, "Предложения")
    page.get_by_role("link", name="Записи", exact=True).click()
    page.get_by_role("row", name="Ожидает подтверждения").get_by_role("link").click()
    page.get_by_role("button", name="Подтвердить").click()
    page.get_by_text("Запись подтверждена; экскурсия запланирована.").wait_for()
    page.get_by_role("link", name="Запланированная экскурсия").wait_for()


def test_employer_signs_up_publishes_an_excursion_and_a_school_books_it(
    seeded, live_server, phone, outbox, screenshot
):
    kaliningrad = db.session.scalar(sa.select(Municipality).filter_by(name="Калининград"))
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=kaliningrad)
    school_user = UserFactory(role=Role.SCHOOL)
    db.session.commit()
    day = local_today() + timedelta(days=14)

    sign_up(phone, live_server, outbox, screenshot)
    approve(phone, live_server, coordinator, screenshot)
    publish_offer(phone, live_server, day, screenshot)
    book(phone, live_server, school_user, screenshot)
    confirm_booking(phone, live_server)

    db.session.expire_all()
    employer = db.session.scalar(sa.select(Organization).filter_by(inn=valid_inn(42)))
    assert employer.approval_state is ApprovalState.APPROVED
    offer = db.session.scalar(sa.select(Offer))
    assert (offer.organization_id, offer.status) == (employer.id, OfferStatus.PUBLISHED)
    booking = db.session.scalar(sa.select(Booking))
    assert (booking.school_id, booking.seats, booking.grade, booking.class_letter) == (
        school_user.organization_id,
        22,
        8,
        "Б",
    )
    assert booking.status is BookingStatus.CONFIRMED
    excursion = booking.activity
    assert (excursion.host_id, excursion.organizer_id, excursion.starts_on) == (
        employer.id,
        employer.id,
        day,
    )
    assert [school.id for school in excursion.schools] == [school_user.organization_id]
    assert [item.number for item in excursion.plan_items] == [5, 23]
