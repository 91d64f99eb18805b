"""ical.render, the pure serialiser: every point of DESIGN §4.5 checked on the parsed output."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, vCalAddress

from partnercrm.feeds.ical import (
    CANCELLED_PREFIX,
    EventStatus,
    FeedEvent,
    Organizer,
    render,
)
from partnercrm.localtime import REGION_TZ

CHANGED = datetime(2026, 2, 20, 7, 30, 15, 123456, tzinfo=UTC)


def timed(**fields) -> FeedEvent:
    values = {
        "uid": "activity-1@partnercrm",
        "summary": "Экскурсия на завод",
        "starts": datetime(2026, 3, 10, 8, 0, tzinfo=UTC),  # 10:00 in Kaliningrad
        "ends": datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
        "changed_at": CHANGED,
        "sequence": 3,
        "description": "Экскурсия\nПодробнее: https://partnercrm.test/activities/1",
        "location": "Калининград, ул. Гагарина, 1",
        "url": "https://partnercrm.test/activities/1",
        "organizer": Organizer("ООО «Янтарь»", "info@yantar.example"),
    }
    values.update(fields)
    return FeedEvent(**values)


def all_day(**fields) -> FeedEvent:
    values = {
        "uid": "activity-2@partnercrm",
        "summary": "Тематическая смена",
        "starts": date(2026, 7, 1),
        "ends": date(2026, 7, 14),
        "changed_at": CHANGED,
        "sequence": 0,
        "description": "Смена",
    }
    values.update(fields)
    return FeedEvent(**values)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def only_event(data: bytes):
    (event,) = parse(data).walk("VEVENT")
    return event


def test_calendar_properties():
    calendar = parse(render("PartnerCRM: школа № 1", [timed()]))
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == calendar["NAME"] == "PartnerCRM: школа № 1"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Kaliningrad"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"] == "PT1H"


@pytest.mark.parametrize("events", [[], [timed(), all_day()]], ids=["empty", "events"])
def test_one_timezone_with_one_standard_block(events):
    data = render("Календарь", events)
    (timezone,) = parse(data).walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Kaliningrad"
    (standard,) = timezone.walk("STANDARD")
    assert not timezone.walk("DAYLIGHT")
    assert standard["TZOFFSETFROM"].td == standard["TZOFFSETTO"].td == timedelta(hours=2)


def test_empty_feed_is_a_valid_calendar():
    data = render("Календарь", [])
    calendar = parse(data)
    assert not calendar.walk("VEVENT")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")


def test_no_floating_times():
    data = render("Календарь", [timed(), all_day(), timed(uid="x@partnercrm", ends=None)])
    lines = data.decode().split("\r\n")
    for line in lines:
        if line.startswith(("DTSTART", "DTEND")) and not line.startswith("DTSTART:1970"):
            assert re.match(
                r"DT(START|END);(TZID=Europe/Kaliningrad:\d{8}T\d{6}$|VALUE=DATE:\d{8}$)", line
            ), line
    for line in lines:
        if line.startswith(("DTSTAMP", "LAST-MODIFIED")):
            assert line.endswith("Z"), line


def test_timed_event_in_kaliningrad_time():
    event = only_event(render("К", [timed()]))
    assert event["DTSTART"].params["TZID"] == "Europe/Kaliningrad"
    assert event["DTSTART"].dt == datetime(2026, 3, 10, 10, 0, tzinfo=REGION_TZ)
    assert event["DTSTART"].dt.utcoffset() == timedelta(hours=2)
    assert event["DTEND"].dt == datetime(2026, 3, 10, 12, 0, tzinfo=REGION_TZ)


def test_event_without_an_end_has_no_dtend():
    assert "DTEND" not in only_event(render("К", [timed(ends=None)]))


def test_identity_change_times_and_sequence():
    event = only_event(render("К", [timed()]))
    assert event["UID"] == "activity-1@partnercrm"
    stamp = datetime(2026, 2, 20, 7, 30, 15, tzinfo=UTC)
    assert event["DTSTAMP"].dt == stamp
    assert event["LAST-MODIFIED"].dt == stamp
    assert event["SEQUENCE"] == 3


def test_summary_location_description_url_organizer():
    event = only_event(render("К", [timed()]))
    assert event["SUMMARY"] == "Экскурсия на завод"
    assert event["LOCATION"] == "Калининград, ул. Гагарина, 1"
    assert event["DESCRIPTION"].endswith("https://partnercrm.test/activities/1")
    assert event["URL"] == "https://partnercrm.test/activities/1"
    assert event["ORGANIZER"] == "mailto:info@yantar.example"
    assert event["ORGANIZER"].params["CN"] == "ООО «Янтарь»"
    assert event["STATUS"] == "CONFIRMED"
    assert event["TRANSP"] == "OPAQUE"


def test_all_day_event_has_an_exclusive_end():
    event = only_event(render("К", [all_day()]))
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event["DTSTART"].dt == date(2026, 7, 1)
    # The last day is 14 July: DTEND is the day after.
    assert event["DTEND"].dt == date(2026, 7, 15)


def test_one_day_all_day_event():
    event = only_event(render("К", [all_day(ends=None)]))
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2026, 7, 1), date(2026, 7, 2))


def test_transparent_event():
    assert only_event(render("К", [all_day(transparent=True)]))["TRANSP"] == "TRANSPARENT"


def test_cancelled_event_is_marked_twice():
    event = only_event(render("К", [timed(status=EventStatus.CANCELLED)]))
    assert event["STATUS"] == "CANCELLED"
    assert event["SUMMARY"] == CANCELLED_PREFIX + "Экскурсия на завод"
    assert CANCELLED_PREFIX == "ОТМЕНЕНО: "


def test_tentative_event():
    event = only_event(render("К", [timed(status=EventStatus.TENTATIVE)]))
    assert event["STATUS"] == "TENTATIVE"
    assert event["SUMMARY"] == "Экскурсия на завод"


def test_organizer_name_with_quotes_and_separators_survives():
    name = 'ООО "Рыба; сети, снасти"'
    event = only_event(render("К", [timed(organizer=Organizer(name, "a@b.example"))]))
    assert event["ORGANIZER"].params["CN"] == name


def test_renders_are_byte_identical_and_ordered_by_start():
    later = timed(uid="activity-9@partnercrm", starts=datetime(2026, 3, 11, 8, tzinfo=UTC))
    events = [later, all_day(), timed()]
    first = render("К", events)
    assert render("К", list(reversed(events))) == first
    uids = [event["UID"] for event in parse(first).walk("VEVENT")]
    assert uids == ["activity-1@partnercrm", "activity-9@partnercrm", "activity-2@partnercrm"]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        render("К", [timed(starts=datetime(2026, 3, 10, 10, 0), ends=None)])


def test_lines_are_folded_at_75_octets():
    data = render("К", [timed(description="Очень длинное описание, " * 40)])
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


TRICKY = "Экскурсия, «завод»; цех №1\\склад\nвторая строка\r\nтретья"


def test_cyrillic_with_separators_and_line_breaks_survives():
    event = only_event(render("К", [timed(summary=TRICKY, description=TRICKY, location=TRICKY)]))
    # Line breaks come back as \n, whatever the record held.
    expected = TRICKY.replace("\r\n", "\n")
    assert event["SUMMARY"] == expected
    assert event["DESCRIPTION"] == expected
    assert event["LOCATION"] == expected


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАЯЁ ,;:\\\n\"'«»№.-ab1")),
        min_size=1,
        max_size=200,
    ).filter(lambda text: text.strip())
)
def test_any_cyrillic_text_round_trips(text):
    event = only_event(render("К", [timed(summary=text, description=text)]))
    assert event["SUMMARY"] == text
    assert event["DESCRIPTION"] == text


def test_control_characters_are_dropped():
    event = only_event(render("К", [timed(summary="Экскурсия\x0b\x00 на завод\tцех")]))
    assert event["SUMMARY"] == "Экскурсия на завод\tцех"


@settings(max_examples=80, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list('жЖ№«a\\,;^"\n ') + ["😀"]),
        min_size=60,
        max_size=400,
    )
)
def test_folding_keeps_characters_and_escapes_whole(text):
    # Parameter values have no backslash escapes (RFC 5545 §3.2), but icalendar's parser reads
    # "\;" in one as ";": the organizer's name is checked without backslashes.
    organizer = Organizer(text.replace("\\", "/"), "a@b.example")
    data = render("К", [timed(summary=text, description=text, organizer=organizer)])
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode()  # never cut inside a UTF-8 character
        # Never between an escape character and what it escapes.
        run = len(line) - len(line.rstrip(b"\\"))
        assert run % 2 == 0, line
    event = only_event(data)
    assert event["SUMMARY"] == text
    assert event["ORGANIZER"].params["CN"] == organizer.name


def icalendar_component(event: FeedEvent) -> Event:
    """The same event made with icalendar's own components: the reference."""
    component = Event()
    component.add("uid", event.uid)
    component.add("dtstamp", event.changed_at.replace(microsecond=0))
    component.add("last-modified", event.changed_at.replace(microsecond=0))
    component.add("sequence", event.sequence)
    if event.all_day:
        component.add("dtstart", event.starts)
        component.add("dtend", (event.ends or event.starts) + timedelta(days=1))
    else:
        component.add("dtstart", event.starts.astimezone(REGION_TZ))
        if event.ends:
            component.add("dtend", event.ends.astimezone(REGION_TZ))
    prefix = CANCELLED_PREFIX if event.status is EventStatus.CANCELLED else ""
    component.add("summary", prefix + event.summary)
    component.add("status", event.status.value)
    if event.location:
        component.add("location", event.location)
    component.add("description", event.description)
    if event.url:
        component.add("url", event.url)
    if event.organizer:
        organizer = vCalAddress(f"mailto:{event.organizer.email}")
        organizer.params["CN"] = event.organizer.name
        component.add("organizer", organizer)
    component.add("transp", "TRANSPARENT" if event.transparent else "OPAQUE")
    return component


@pytest.mark.parametrize(
    "event",
    [
        timed(),
        timed(ends=None, url=None, organizer=None, location=None, status=EventStatus.CANCELLED),
        timed(summary=TRICKY, description=TRICKY * 5, location=TRICKY),
        timed(organizer=Organizer('ГБУ "Центр; занятости", г. ^Калининград', "czn@example.ru")),
        all_day(),
        all_day(ends=None, transparent=True, status=EventStatus.TENTATIVE),
    ],
)
def test_events_read_back_as_icalendars_own_components(event):
    ours = only_event(render("К", [event]))
    calendar = Calendar.from_ical(render("К", []))
    calendar.add_component(icalendar_component(event))
    (reference,) = Calendar.from_ical(calendar.to_ical()).walk("VEVENT")

    assert sorted(ours.keys()) == sorted(reference.keys())
    for name in reference:
        assert ours[name].to_ical() == reference[name].to_ical(), name
        assert dict(ours[name].params) == dict(reference[name].params), name
