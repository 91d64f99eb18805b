"""Steps the browser journeys share."""

from __future__ import annotations

from tests.factories import PASSWORD


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(base + "/dashboard")
