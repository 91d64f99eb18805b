"""Steps the browser journeys share."""

from __future__ import annotations

from tests.factories import PASSWORD


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(base + "/dashboard")


def open_menu_link(page, name: str) -> None:
    """Follow a link of the main menu, folded behind «Меню» on a phone."""
    page.get_by_role("button", name="Меню").click()
    page.locator("#mainnav").get_by_role("link", name=name, exact=True).click()


def log_out(page) -> None:
    page.get_by_role("button", name="Меню").click()
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
