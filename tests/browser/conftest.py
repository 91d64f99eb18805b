"""Browser tests: Playwright drives Debian's Chromium against the app served on localhost.

Skipped, with the reason, where Chromium or the playwright package is missing; `.ci/run`
installs both.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

# Set PARTNERCRM_SCREENSHOTS=1 to refresh the screenshots of key pages in docs/screenshots.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    if not CHROMIUM:
        pytest.skip("no Chromium found (apt-get install chromium, or set CHROMIUM=/path)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            # Russian date and time inputs, as a user in the region sees them.
            env={**os.environ, "LANGUAGE": "ru"},
            # As root in a container, without the network Chromium would call home on.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app on a free localhost port, in a thread, for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone(browser):
    """A phone-sized page in Russian, as a school's staff member would see it."""
    context = browser.new_context(**PHONE, locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Saves a page to docs/screenshots/NAME.png when PARTNERCRM_SCREENSHOTS is set."""

    def take(page, name: str) -> None:
        if os.environ.get("PARTNERCRM_SCREENSHOTS"):
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
