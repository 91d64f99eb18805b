"""Steps the browser journeys share."""

from __future__ import annotations

from tests.factories import PASSWORD


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(base + "/dashboard")


def open_menu(page) -> None:
    """Unfold the main menu behind «Меню» on a phone, and wait until it has finished unfolding:
    a tap during Bootstrap's collapse animation can land on nothing."""
    page.wait_for_load_state("load")  # Bootstrap's script runs before it; a tap before is lost
    page.get_by_role("button", name="Меню").click()
    page.locator("#mainnav.collapse.show").wait_for()


def open_menu_link(page, name: str) -> None:
    """Follow a link of the main menu, folded behind «Меню» on a phone and, when its group has
    several links, in the group's dropdown."""
    open_menu(page)
    link = page.get_by_role("link", name=name, exact=True, include_hidden=True)
    group = page.locator("#mainnav .dropdown", has=link)
    if group.count():
        group.locator(".dropdown-toggle").click()
    page.locator("#mainnav").get_by_role("link", name=name, exact=True).click()


def log_out(page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
