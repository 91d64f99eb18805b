"""Events in, iCalendar bytes out (RFC 5545, DESIGN §4.5). Pure: no Flask, no database.

The same events always give the same bytes: the events are sorted, every value comes from the
records (DTSTAMP too), and the time zone is written out here instead of being expanded from the
tz database, whose version would otherwise change the feed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from partnercrm.localtime import REGION_TZ, start_of_local_day

if TYPE_CHECKING:
    from icalendar import Timezone

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
        starts = self.starts
        moment = starts if isinstance(starts, datetime) else start_of_local_day(starts)
        return moment.astimezone(UTC), self.uid


def render(name: str, events: Iterable[FeedEvent]) -> bytes:
    """The whole calendar: header, the Kaliningrad VTIMEZONE (even with no events), events in
    order of start."""
    frame = _frame(name)
    body = b"".join(_event(event) for event in sorted(events, key=FeedEvent.sort_key))
    return frame[: -len(END_CALENDAR)] + body + END_CALENDAR


END_CALENDAR = b"END:VCALENDAR\r\n"


def _frame(name: str) -> bytes:
    """The calendar without events, by icalendar (imported by the feeds that use it, not by every
    start of the app)."""
    from icalendar import Calendar, vDuration

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
    return calendar.to_ical()


def _timezone() -> Timezone:
    from icalendar import Timezone, TimezoneStandard

    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", UTC_OFFSET)
    standard.add("tzoffsetto", UTC_OFFSET)
    standard.add("tzname", "EET")
    timezone = Timezone()
    timezone.add("tzid", TZID)
    timezone.add_component(standard)
    return timezone


# The events, the bulk of a feed, are written here rather than by icalendar's components,
# which take about a millisecond an event: five seconds for the 5,000-event feed DESIGN §5
# wants "well under a second". tests/test_ical.py checks that icalendar reads back exactly
# what its own components would hold, and tests/test_feed_clients.py that other readers do too.


def _event(event: FeedEvent) -> bytes:
    changed_at = _utc(event.changed_at)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text(event.uid)}",
        f"DTSTAMP:{changed_at}",
        f"LAST-MODIFIED:{changed_at}",
        f"SEQUENCE:{event.sequence:d}",
    ]
    if event.all_day:
        # DTEND of an all-day event is the day after the last one (exclusive).
        last = event.ends or event.starts
        lines.append(f"DTSTART;VALUE=DATE:{event.starts:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}")
    else:
        # Timed: aware datetimes (``all_day`` is false for a datetime start).
        assert isinstance(event.starts, datetime) and isinstance(event.ends, datetime | None)
        lines.append(f"DTSTART;TZID={TZID}:{_local(event.starts)}")
        if event.ends is not None:
            lines.append(f"DTEND;TZID={TZID}:{_local(event.ends)}")
    summary = event.summary
    if event.status is EventStatus.CANCELLED:
        summary = CANCELLED_PREFIX + summary
    lines.append(f"SUMMARY:{_text(summary)}")
    lines.append(f"STATUS:{event.status.value}")
    if event.location:
        lines.append(f"LOCATION:{_text(event.location)}")
    lines.append(f"DESCRIPTION:{_text(event.description)}")
    if event.url:
        lines.append(f"URL:{_uri(event.url)}")
    if event.organizer is not None:
        cn = _parameter(event.organizer.name)
        lines.append(f"ORGANIZER;CN={cn}:mailto:{_uri(event.organizer.email)}")
    lines.append(f"TRANSP:{'TRANSPARENT' if event.transparent else 'OPAQUE'}")
    lines.append("END:VEVENT")
    return b"".join(_fold(line) for line in lines)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime in a feed event")
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _local(moment: datetime) -> str:
    """Kaliningrad wall time, for TZID=Europe/Kaliningrad (never floating, never UTC)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime in a feed event")
    return f"{moment.astimezone(REGION_TZ):%Y%m%dT%H%M%S}"


# Control characters are not allowed in iCalendar values (RFC 5545 §3.1); line breaks are
# escaped, tabs are kept, everything else is dropped.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (
        _CONTROL.sub("", value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def _parameter(value: str) -> str:
    """A quoted parameter value with RFC 6868 escapes (^^, ^n, ^')."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    escaped = value.replace("^", "^^").replace("\n", "^n").replace('"', "^'")
    return f'"{escaped}"'


def _uri(value: str) -> str:
    return _CONTROL.sub("", value).replace("\n", "").replace("\r", "")


FOLD_AT = 75  # octets per line, without the line break (RFC 5545 §3.1)
_ESCAPES = frozenset(b"\\^")


def _fold(line: str) -> bytes:
    """One content line, folded into lines of at most 75 octets, never inside a UTF-8
    character and, like icalendar, never between an escape character and what it escapes
    (some clients unescape before they unfold)."""
    data = line.encode()
    if len(data) <= FOLD_AT:
        return data + b"\r\n"
    parts, start, width = [], 0, FOLD_AT
    while len(data) - start > width:
        cut = start + width
        while data[cut] & 0xC0 == 0x80:  # a continuation byte of a UTF-8 character
            cut -= 1
        escape, run = data[cut - 1], 0
        while escape in _ESCAPES and cut - run - 1 > start and data[cut - run - 1] == escape:
            run += 1
        if run % 2:  # an odd run ends with an escape character that escapes what follows
            cut -= 1
        parts.append(data[start:cut])
        start, width = cut, FOLD_AT - 1  # continuation lines begin with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"
