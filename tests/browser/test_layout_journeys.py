"""Every role's pages fit the window, on desktops and on a phone, with the demo's real data."""

from __future__ import annotations

import pytest

from partnercrm.accounts.passwords import hash_password
from partnercrm.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from partnercrm.extensions import db
from tests.browser.conftest import PHONE
from tests.browser.pages import log_in

DESKTOPS = (1024, 1366, 1920)
ROLES = {role.value: email for email, _name, role, _org, _municipality in DEMO_ACCOUNTS}
_hashes: dict[str, str] = {}


def _hash_once(password: str) -> str:
    """argon2 takes a while by design; the demo accounts share one real hash per run."""
    if password not in _hashes:
        _hashes[password] = hash_password(password)
    return _hashes[password]


@pytest.fixture
def demo(runner, monkeypatch):
    """``partnercrm seed`` and ``partnercrm demo``, as a newcomer finds the product."""
    monkeypatch.setattr("partnercrm.accounts.services.hash_password", _hash_once)
    for command in ("seed", "demo"):
        result = runner.invoke(args=[command])
        assert result.exit_code == 0, result.output
    db.session.expire_all()


def menu_pages(page) -> list[str]:
    """The paths the main menu leads to, its dropdowns' links included."""
    paths = page.eval_on_selector_all(
        "#mainnav a[href^='/']", "links => links.map(link => link.getAttribute('href'))"
    )
    return list(dict.fromkeys(paths))


def overflow(page) -> int:
    """How many pixels the page is wider than its window (0 when it fits)."""
    return page.evaluate(
        "Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)"
    )


# Lists the menu reaches only through a page's own tabs.
MORE_LISTS = ("/offers/bookings", "/offers/speaker-requests")
# The lists that must become cards on a phone.
CARD_LISTS = ("/activities/", "/offers/", "/offers/bookings", "/jobs/")
# Per list of cards on the page: whether it fits the window and whether every card starts with
# its status ("card-head"), wherever the status column is in the table.
CARDS = """() => [...document.querySelectorAll('table.table-cards')].map(table => ({
    fits: table.getBoundingClientRect().right <= document.documentElement.clientWidth,
    statusFirst: [...table.querySelectorAll('tbody tr')].every(row => {
        const head = row.querySelector('.card-head');
        return !head || [...row.cells].filter(cell => cell.offsetHeight).every(
            cell => cell.getBoundingClientRect().top >= head.getBoundingClientRect().top);
    }),
}))"""


def account_controls_outside(page, width: int) -> list[str]:
    """The account controls (name, language, logout) not fully in the window."""
    controls = {
        "name": page.locator("#mainnav a[href='/account/password']"),
        "language": page.locator("#mainnav button[name='lang']"),
        "logout": page.get_by_role("button", name="Выйти"),
    }
    outside = []
    for name, control in controls.items():
        box = control.bounding_box()
        if (
            not control.is_visible()
            or box is None
            or box["x"] < 0
            or box["x"] + box["width"] > width
        ):
            outside.append(name)
    return outside


def test_every_menu_page_fits_desktops_and_a_phone(browser, live_server, demo):
    """For every role: the menu's every page is no wider than a 1024, 1366 or 1920 px window
    and a 390 px phone, and the account controls stay in a desktop window; on the phone, lists
    are cards with the status first."""
    problems: list[str] = []
    for email in ROLES.values():
        context = browser.new_context(
            viewport={"width": DESKTOPS[0], "height": 800}, locale="ru-RU"
        )
        page = context.new_page()
        log_in(page, live_server, email, DEMO_PASSWORD)
        pages = menu_pages(page)
        assert len(pages) >= 5, (email, pages)
        for width in DESKTOPS:
            page.set_viewport_size({"width": width, "height": 800})
            if outside := account_controls_outside(page, width):
                problems.append(f"{email} at {width} px: {', '.join(outside)} off-screen")
        for path in pages:
            page.goto(live_server + path)
            for width in DESKTOPS:  # CSS alone adapts a page: resizing needs no reload
                page.set_viewport_size({"width": width, "height": 800})
                if excess := overflow(page):
                    problems.append(f"{email} {path} at {width} px: {excess} px too wide")
        context.close()

        context = browser.new_context(**PHONE, locale="ru-RU")
        phone = context.new_page()
        log_in(phone, live_server, email, DEMO_PASSWORD)
        for path in [*pages, *MORE_LISTS]:
            if phone.goto(live_server + path).status != 200:
                continue
            if excess := overflow(phone):
                problems.append(f"{email} {path} on a phone: {excess} px too wide")
            cards = phone.evaluate(CARDS)
            if path in CARD_LISTS and not cards:
                problems.append(f"{email} {path} on a phone: no cards")
            if not all(list_["fits"] and list_["statusFirst"] for list_ in cards):
                problems.append(f"{email} {path} on a phone: cards {cards}")
        context.close()
    assert not problems, problems
