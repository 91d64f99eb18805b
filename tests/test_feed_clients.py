"""A served feed read by independent parsers and a real calendar client: vobject,
recurring-ical-events (which local day each event lands on) and khal (``khal printics``).

The feed holds the cases calendar clients get wrong: an event just after local midnight (the
previous day in UTC), one late in the evening, a multi-day camp shift, a cancelled activity,
an agreement expiry, and Cyrillic text with ``,``, ``;``, ``\\`` and a line break.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import recurring_ical_events
import time_machine
import vobject
from icalendar import Calendar

from partnercrm.accounts.rules import Role
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.feeds.events import private_feed_url
from partnercrm.localtime import to_utc
from tests.activity_factories import ActivityFactory
from tests.factories import OrganizationFactory, UserFactory
from tests.feed_factories import agreement_between

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TRICKY = "Цех №1, склад; «А\\Б»\nвторая строка"


@pytest.fixture
def served_feed(client) -> bytes:
    """The private feed of a school user, as served."""
    with time_machine.travel(NOW, tick=False):
        user = UserFactory(role=Role.SCHOOL)
        school = user.organization
        employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, name="АО «Янтарь»")
        camp = OrganizationFactory(kind=OrganizationKind.CAMP)

        def planned(title, start, hours=2, status=ActivityStatus.PLANNED, **values):
            return ActivityFactory(
                title=title,
                host=employer,
                organizer=school,
                status=status,
                starts_at=to_utc(start),
                ends_at=to_utc(start + timedelta(hours=hours)),
                starts_on=start.date(),
                **values,
            )

        planned("После полуночи", datetime(2026, 3, 10, 0, 30))
        planned("Поздний вечер", datetime(2026, 3, 12, 23, 0), hours=1, location=TRICKY)
        planned(TRICKY, datetime(2026, 3, 13, 9, 15))
        planned("Отменённая", datetime(2026, 3, 20, 10, 0), status=ActivityStatus.CANCELLED)
        shift = ActivityFactory(
            title="Тематическая смена", kind=ActivityKind.CAMP_SHIFT, host=camp, organizer=school
        )
        shift.set_days(date(2026, 6, 15), date(2026, 6, 28))
        agreement_between(school, employer, number="7/2026", valid_to=date(2026, 6, 30))
        db.session.commit()
        response = client.get(private_feed_url(user))
    assert response.status_code == 200
    return response.data


def test_icalendar_reads_the_served_feed(served_feed):
    calendar = Calendar.from_ical(served_feed)
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert TRICKY in summaries
    assert "ОТМЕНЕНО: Отменённая" in summaries
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_vobject_reads_and_validates_the_feed(served_feed):
    calendar = vobject.readOne(served_feed.decode("utf-8"))
    calendar.validate()
    by_summary = {event.summary.value: event for event in calendar.vevent_list}
    after_midnight = by_summary["После полуночи"].dtstart.value
    assert after_midnight.replace(tzinfo=None) == datetime(2026, 3, 10, 0, 30)
    assert after_midnight.utcoffset() == timedelta(hours=2)
    assert by_summary["Поздний вечер"].location.value == TRICKY
    assert TRICKY in by_summary
    shift = by_summary["Тематическая смена"]
    assert (shift.dtstart.value, shift.dtend.value) == (date(2026, 6, 15), date(2026, 6, 29))
    assert by_summary["ОТМЕНЕНО: Отменённая"].status.value == "CANCELLED"


def test_events_land_on_their_local_dates(served_feed):
    calendar = Calendar.from_ical(served_feed)

    def on(day: date) -> set[str]:
        return {str(event["SUMMARY"]) for event in recurring_ical_events.of(calendar).at(day)}

    # 00:30 in Kaliningrad is still 9 March in UTC: the event belongs to 10 March.
    assert "После полуночи" not in on(date(2026, 3, 9))
    assert "После полуночи" in on(date(2026, 3, 10))
    # 23:00–24:00 on 12 March stays on 12 March.
    assert "Поздний вечер" in on(date(2026, 3, 12))
    assert "Поздний вечер" not in on(date(2026, 3, 13))
    # The camp shift covers its first and last days, and not the day after.
    for day, inside in (
        (date(2026, 6, 15), True),
        (date(2026, 6, 28), True),
        (date(2026, 6, 29), False),
    ):
        assert ("Тематическая смена" in on(day)) is inside
    # The agreement expiry is on its last valid day only.
    expiry = {summary for summary in on(date(2026, 6, 30)) if "7/2026" in summary}
    assert len(expiry) == 1
    assert not {summary for summary in on(date(2026, 7, 1)) if "7/2026" in summary}


def khal(tmp_path: Path, ics: Path, timezone: str) -> list[str]:
    """``khal printics`` with a throw-away configuration whose local time zone is ``timezone``."""
    executable = shutil.which("khal", path=str(Path(sys.executable).parent))
    assert executable, "khal is a test dependency (pyproject.toml [test])"
    config_home = tmp_path / f"config-{timezone.replace('/', '-')}"
    (config_home / "khal").mkdir(parents=True)
    calendar_dir = tmp_path / "calendar"
    calendar_dir.mkdir(exist_ok=True)
    (config_home / "khal" / "config").write_text(
        "[calendars]\n"
        "[[feed]]\n"
        f"path = {calendar_dir}\n"
        "[locale]\n"
        f"local_timezone = {timezone}\n"
        f"default_timezone = {timezone}\n"
        "timeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\n"
        "longdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n",
        encoding="utf-8",
    )
    result = subprocess.run(  # noqa: S603 (a fixed command on a file the test wrote)
        [executable, "printics", "--format", "{start}|{end}|{title}|{status}", str(ics)],
        env={
            "XDG_CONFIG_HOME": str(config_home),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [line.rstrip() for line in result.stdout.splitlines()]


def test_khal_shows_the_events_at_local_times(served_feed, tmp_path):
    ics = tmp_path / "feed.ics"
    ics.write_bytes(served_feed)

    lines = khal(tmp_path, ics, "Europe/Kaliningrad")

    assert lines[0] == f"6 events found in {ics}"
    assert "2026-03-10 00:30|2026-03-10 02:30|После полуночи|CONFIRMED" in lines
    assert "2026-03-12 23:00|2026-03-13 00:00|Поздний вечер|CONFIRMED" in lines
    # All-day events: khal prints the last day, inclusive.
    assert "2026-06-15|2026-06-28|Тематическая смена|CONFIRMED" in lines
    assert "2026-03-20 10:00|2026-03-20 12:00|ОТМЕНЕНО: Отменённая|CANCELLED" in lines
    assert any(line.startswith("2026-06-30|2026-06-30|") and "7/2026" in line for line in lines)
    # The title keeps its separators and its line break (khal prints it as is).
    assert "2026-03-13 09:15|2026-03-13 11:15|Цех №1, склад; «А\\Б»" in lines
    assert "вторая строка|CONFIRMED" in lines


def test_khal_elsewhere_converts_from_kaliningrad_time(served_feed, tmp_path):
    ics = tmp_path / "feed.ics"
    ics.write_bytes(served_feed)

    lines = khal(tmp_path, ics, "Europe/Moscow")  # UTC+3: one hour ahead

    assert "2026-03-10 01:30|2026-03-10 03:30|После полуночи|CONFIRMED" in lines
    assert "2026-03-13 00:00|2026-03-13 01:00|Поздний вечер|CONFIRMED" in lines
    # All-day events stay on their dates wherever the reader is.
    assert "2026-06-15|2026-06-28|Тематическая смена|CONFIRMED" in lines
