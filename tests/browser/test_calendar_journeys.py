"""A school's staff member opens the calendar page on a phone, copies the private feed link and
the feed holds the school's excursion at its Kaliningrad time."""

from __future__ import annotations

import urllib.request
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar

from partnercrm.accounts.rules import Role
from partnercrm.activities.rules import ActivityStatus
from partnercrm.extensions import db
from partnercrm.localtime import local_today, to_utc
from tests.activity_factories import ActivityFactory
from tests.browser.pages import log_in, open_menu_link
from tests.factories import UserFactory

KALININGRAD = ZoneInfo("Europe/Kaliningrad")


def fetch(url: str) -> icalendar.Calendar:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our live server)
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        return icalendar.Calendar.from_ical(response.read())


def test_user_subscribes_to_the_private_feed(seeded, live_server, phone, screenshot):
    user = UserFactory(role=Role.SCHOOL)
    day = local_today() + timedelta(days=7)
    starts, ends = datetime.combine(day, time(10, 30)), datetime.combine(day, time(12))
    excursion = ActivityFactory(
        title="Экскурсия в порт",
        organizer=user.organization,
        schools=[user.organization],
        status=ActivityStatus.PLANNED,
        starts_at=to_utc(starts),
        ends_at=to_utc(ends),
        starts_on=day,
    )
    db.session.commit()
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)

    log_in(phone, live_server, user.email)
    open_menu_link(phone, "Календарь")
    phone.get_by_role("heading", name="Мой календарь").wait_for()
    feed_url = phone.locator("#private-feed-url").input_value()
    screenshot(phone, "calendar")

    phone.locator("[data-copy=private-feed-url]").click()
    phone.get_by_role("button", name="Скопировано").wait_for()
    assert phone.evaluate("navigator.clipboard.readText()") == feed_url

    # The link names the configured host; the feed is fetched from this test's server.
    calendar = fetch(live_server + urlsplit(feed_url).path)
    (event,) = calendar.walk("VEVENT")
    assert event["UID"] == f"activity-{excursion.id}@partnercrm"
    assert event["SUMMARY"] == "Экскурсия в порт"
    assert (event.start, event.end) == (
        starts.replace(tzinfo=KALININGRAD),
        ends.replace(tzinfo=KALININGRAD),
    )
    assert event["DTSTART"].params["TZID"] == "Europe/Kaliningrad"
