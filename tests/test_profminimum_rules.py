"""The pure rules of профминимум hours (DESIGN §8): default hours, bands, school years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from partnercrm.activities.rules import default_hours, hours_in_range
from partnercrm.profminimum.rules import (
    TARGET_HOURS,
    Level,
    band,
    parse_school_year,
    school_year_label,
    school_year_period,
)

START = datetime(2025, 10, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (None, 1),  # no end: 1
        (0, 1),  # at least 1
        (20, 1),
        (45, 1),
        (89, 1),
        (90, 2),  # half an hour rounds up
        (150, 3),
        (151, 3),
        (209, 3),
        (210, 4),
        (60 * 200, 100),  # at most 100
    ],
)
def test_a_timed_activity_gives_its_length_rounded_half_up(minutes, expected):
    ends_at = None if minutes is None else START + timedelta(minutes=minutes)
    assert default_hours(START, ends_at) == Decimal(expected)


@pytest.mark.parametrize(
    ("days", "expected"), [(1, 6), (2, 12), (7, 42), (16, 96), (17, 100), (21, 100)]
)
def test_an_all_day_activity_gives_6_hours_a_day_at_most_100(days, expected):
    first = date(2026, 6, 1)
    last = first + timedelta(days=days - 1)
    assert default_hours(None, None, first, last) == Decimal(expected)


@pytest.mark.parametrize(
    ("hours", "fits"),
    [("0", False), ("-1", False), ("0.5", True), ("1", True), ("100", True), ("100.01", False)],
)
def test_hours_lie_above_0_and_at_most_100(hours, fits):
    assert hours_in_range(Decimal(hours)) is fits


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (0, "0"),
        (Decimal("0.5"), "1-39"),
        (1, "1-39"),
        (Decimal("39.5"), "1-39"),
        (40, "40-59"),
        (59, "40-59"),
        (60, "60-79"),
        (Decimal("79.99"), "60-79"),
        (80, "80+"),
        (400, "80+"),
    ],
)
def test_bands_of_hours(hours, expected):
    assert band(hours) == expected


def test_levels_have_their_targets():
    assert TARGET_HOURS == {Level.BASIC: 40, Level.MAIN: 60, Level.ADVANCED: 80}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", 2025),
        ("2025/26", 2025),
        ("2025/2026", 2025),
        (" 2025-26 ", 2025),
        ("2025/27", None),
        ("2025/2025", None),
        ("25/26", None),
        ("", None),
        ("двадцать пятый", None),
    ],
)
def test_school_years_are_read_as_written_in_schools(text, expected):
    assert parse_school_year(text) == expected


def test_a_school_year_runs_from_september_to_august():
    assert school_year_label(2025) == "2025/26"
    assert school_year_label(2099) == "2099/00"
    period = school_year_period(2025)
    assert (period.start, period.end) == (date(2025, 9, 1), date(2026, 8, 31))
