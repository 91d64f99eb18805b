"""Issue #15's journeys of accounts and partners: a forgotten password reset by an e-mailed
one-time link, and a school booking an excursion for one of its real classes — on phones."""

from __future__ import annotations

import re

from tests.browser.pages import log_in
from tests.factories import PASSWORD, UserFactory
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
    from partnercrm.extensions import db

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
