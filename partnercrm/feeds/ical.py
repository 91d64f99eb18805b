"""Events in, iCalendar bytes out (RFC 5545, DESIGN §4.5). Pure: no Flask, no database.

The same events always give the same bytes: the events are sorted, every value comes from the
records (DTSTAMP too), and the time zone is written out here instead of being expanded from the
tz database, whose version would otherwise change the feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from icalendar import Calendar, Event, Timezone, TimezoneStandard, vCalAddress, vDuration

from partnercrm.localtime import REGION_TZ, start_of_local_day

PRODID = "-//PartnerCRM//Calendar feeds//RU"
TZID = "Europe/Kaliningrad"
# Kaliningrad has kept UTC+2 without daylight saving time since 2014: one STANDARD block says
# all a client needs, and stays the same whatever tz database the server has.
UTC_OFFSET = timedelta(hours=2)
REFRESH_INTERVAL = timedelta(hours=1)
# Shown before the summary of a cancelled event, for clients that ignore STATUS:CANCELLED.
CANCELLED_PREFIX = "ОТМЕНЕНО: "


class EventStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class Organizer:
    name: str
    email: str


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT.

    Timed events: ``starts`` (and ``ends``, if known) are aware datetimes. All-day events:
    ``starts`` is the first local day and ``ends`` the last one, inclusive (None: one day).
    ``changed_at`` is the record's last change (aware): DTSTAMP and LAST-MODIFIED.
    """

    uid: str
    summary: str
    starts: datetime | date
    changed_at: datetime
    sequence: int
    description: str
    ends: datetime | date | None = None
    location: str | None = None
    url: str | None = None
    organizer: Organizer | None = None
    status: EventStatus = EventStatus.CONFIRMED
    # Shown as free time: reminders (agreement expiries) and long periods (holiday jobs).
    transparent: bool = False

    @property
    def all_day(self) -> bool:
        return not isinstance(self.starts, datetime)

    def sort_key(self) -> tuple[datetime, str]:
        moment = self.starts if not self.all_day else start_of_local_day(self.starts)
        return moment.astimezone(UTC), self.uid


def render(name: str, events: Iterable[FeedEvent]) -> bytes:
    """The whole calendar: header, the Kaliningrad VTIMEZONE (even with no events), events in
    order of start."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # Outlook and older clients read the refresh interval from here.
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    calendar.add_component(_timezone())
    for event in sorted(events, key=FeedEvent.sort_key):
        calendar.add_component(_event(event))
    return calendar.to_ical()


def _timezone() -> Timezone:
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", UTC_OFFSET)
    standard.add("tzoffsetto", UTC_OFFSET)
    standard.add("tzname", "EET")
    timezone = Timezone()
    timezone.add("tzid", TZID)
    timezone.add_component(standard)
    return timezone


def _event(event: FeedEvent) -> Event:
    component = Event()
    component.add("uid", event.uid)
    changed_at = event.changed_at.astimezone(UTC).replace(microsecond=0)
    component.add("dtstamp", changed_at)
    component.add("last-modified", changed_at)
    component.add("sequence", event.sequence)
    if event.all_day:
        # DTEND of an all-day event is the day after the last one (exclusive).
        last = event.ends or event.starts
        component.add("dtstart", event.starts)
        component.add("dtend", last + timedelta(days=1))
    else:
        component.add("dtstart", _local(event.starts))
        if event.ends is not None:
            component.add("dtend", _local(event.ends))
    summary = event.summary
    if event.status is EventStatus.CANCELLED:
        summary = CANCELLED_PREFIX + summary
    component.add("summary", summary)
    component.add("status", event.status.value)
    if event.location:
        component.add("location", event.location)
    component.add("description", event.description)
    if event.url:
        component.add("url", event.url)
    if event.organizer is not None:
        organizer = vCalAddress(f"mailto:{event.organizer.email}")
        organizer.params["CN"] = event.organizer.name
        component.add("organizer", organizer)
    component.add("transp", "TRANSPARENT" if event.transparent else "OPAQUE")
    return component


def _local(moment: datetime) -> datetime:
    """Kaliningrad wall time with TZID=Europe/Kaliningrad (never floating, never UTC), whole
    seconds."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime in a feed event")
    return moment.astimezone(REGION_TZ).replace(microsecond=0)
