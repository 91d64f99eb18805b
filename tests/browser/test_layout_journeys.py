"""Every role's pages fit the window on desktops and a phone (the demo's real data); irreversible
steps ask first."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from partnercrm.accounts.rules import Role
from partnercrm.activities.rules import ActivityStatus
from partnercrm.database import utcnow
from partnercrm.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from partnercrm.extensions import db
from partnercrm.localtime import local_date, local_today
from partnercrm.monitoring import services as monitoring
from partnercrm.monitoring.models import MunicipalReport
from partnercrm.offers.rules import BookingStatus
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.browser.conftest import PHONE
from tests.browser.pages import log_in, log_out
from tests.factories import UserFactory
from tests.offer_factories import BookingFactory, OfferFactory, SlotFactory
from tests.test_demo import _fast_demo_passwords, demo  # noqa: F401  (fixtures)

DESKTOPS = (1024, 1366, 1920)
ROLES = {role.value: email for email, _name, role, _org, _municipality in DEMO_ACCOUNTS}


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


@pytest.mark.usefixtures("demo")
def test_every_menu_page_fits_desktops_and_a_phone(browser, live_server):
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


def answer_next_dialog(page, accept: bool) -> list[str]:
    """Accept or dismiss the next dialog the page opens; returns the list its question joins."""
    questions: list[str] = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    return questions


def test_irreversible_steps_ask_first_and_a_pending_booking_has_one_cancel_action(
    seeded, live_server, phone
):
    school_user = UserFactory(role=Role.SCHOOL)
    school = school_user.organization
    start = utcnow() + timedelta(days=10)
    activity = ActivityFactory(
        organizer=school,
        status=ActivityStatus.PLANNED,
        starts_at=start,
        starts_on=local_date(start),
        title="Экскурсия на хлебозавод",
    )
    student = StudentFactory(school=school, full_name="Воробьёв Илья Петрович")
    employer_user = UserFactory(role=Role.EMPLOYER)
    offer = OfferFactory(organization=employer_user.organization)
    slot = SlotFactory(offer=offer, starts_at=start, starts_on=local_date(start))
    booking = BookingFactory(slot=slot, school=school, status=BookingStatus.REQUESTED)
    admin = UserFactory(role=Role.ADMIN)
    coordinator = UserFactory(role=Role.COORDINATOR)
    campaign = monitoring.open_campaign(
        local_today().year, local_today() + timedelta(days=20), admin
    )
    db.session.commit()

    log_in(phone, live_server, school_user.email)
    phone.goto(f"{live_server}/activities/{activity.id}")
    asked = answer_next_dialog(phone, accept=False)
    phone.get_by_role("button", name="Отменить мероприятие").click()
    assert asked == ["Отменить мероприятие «Экскурсия на хлебозавод»?"]
    phone.reload()
    assert phone.locator(".badge", has_text="Запланировано").first.is_visible()
    asked = answer_next_dialog(phone, accept=True)
    phone.get_by_role("button", name="Отменить мероприятие").click()
    phone.locator(".badge", has_text="Отменено").first.wait_for()
    assert asked

    phone.goto(f"{live_server}/students/{student.id}")
    asked = answer_next_dialog(phone, accept=False)
    phone.get_by_role("button", name="Перевести в архив").click()
    assert asked == [
        "Перевести в архив: Воробьёв Илья Петрович? Обучающийся исчезнет из списка класса."
    ]
    log_out(phone)

    log_in(phone, live_server, employer_user.email)
    phone.goto(f"{live_server}/offers/bookings/{booking.id}")
    assert phone.locator("textarea[name=reason]").count() == 1
    assert phone.get_by_role("button", name="Отклонить").count() == 1
    assert phone.get_by_role("button", name="Отменить запись").count() == 0
    log_out(phone)

    log_in(phone, live_server, coordinator.email)
    phone.goto(
        f"{live_server}/monitoring/campaigns/{campaign.id}"
        f"/municipalities/{coordinator.municipality_id}"
    )
    asked = answer_next_dialog(phone, accept=False)
    phone.get_by_role("button", name="Отправить отчёт").click()
    assert asked == [
        "Отправить отчёт? После этого вернуть его на доработку сможет только министерство."
    ]
    db.session.expire_all()
    assert db.session.scalar(sa.select(MunicipalReport)) is None
