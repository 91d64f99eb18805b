"""Pure rules of activities (no Flask): kinds, statuses and their moves, grade bands.

What depends on a kind's spec (hosts, participants) is in ``kinds.py``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from partnercrm.errors import N_
from partnercrm.plausible import DateBounds

# The dates of activities (and of the offers' dates, which become activities): 2015 to three
# years ahead.
ACTIVITY_DATES = DateBounds(date(2015, 1, 1), years_ahead=3)

# Headcount rows without a grade store 0, so (activity, school, grade) stays unique everywhere.
NO_GRADE = 0


class ActivityKind(StrEnum):
    EXCURSION = "excursion"
    PARENT_MEETING = "parent_meeting"
    CAMP_SHIFT = "camp_shift"
    OPEN_DAY = "open_day"
    PROFPROBA = "profproba"
    CAREER_EVENT = "career_event"


class ActivityStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class CampType(StrEnum):
    COUNTRY = "country"  # загородный лагерь
    SCHOOL = "school"  # пришкольный лагерь


# Status moves a user may make; the reverse moves undo a mistaken mark.
TRANSITIONS: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.PLANNED: frozenset({ActivityStatus.HELD, ActivityStatus.CANCELLED}),
    ActivityStatus.HELD: frozenset({ActivityStatus.PLANNED, ActivityStatus.CANCELLED}),
    ActivityStatus.CANCELLED: frozenset({ActivityStatus.PLANNED}),
}

GRADE_BANDS: tuple[tuple[int, int], ...] = ((1, 5), (6, 7), (8, 9), (10, 11))


def can_move(current: ActivityStatus, new: ActivityStatus) -> bool:
    return new == current or new in TRANSITIONS[current]


HELD_BEFORE_START = N_("An activity cannot be held before it starts: mark it planned.")


def held_too_early(status: ActivityStatus, starts_at: datetime, now: datetime) -> bool:
    """Is ``status`` "held" for an activity starting after ``now``? (An all-day activity starts
    at local midnight of its first day.) Such a record would count as done before it was."""
    return status is ActivityStatus.HELD and starts_at > now


# Профминимум hours an activity gives each named participant (DESIGN §8): 0 < hours ≤ 100.
MAX_HOURS = Decimal(100)
HOURS_PER_DAY = 6
HOURS_OUT_OF_RANGE = N_("Hours must be more than 0 and at most 100.")


HOURS_FORMAT = N_("Write the hours as a number, such as 2 or 1,5 (at most two decimals).")
_HOURS = re.compile(r"^[+-]?\d{1,6}(?:[.,]\d{1,2})?$")


def hours_in_range(hours: Decimal) -> bool:
    return Decimal(0) < hours <= MAX_HOURS


def parse_hours(text: str) -> Decimal | None:
    """Hours as people write them: «2», «1,5» or «1.5» (the column keeps two decimals); None
    when ``text`` is no such number. The range is checked apart (:func:`hours_in_range`)."""
    value = text.strip()
    if not _HOURS.match(value):
        return None
    return Decimal(value.replace(",", "."))


def default_hours(
    starts_at: datetime | None,
    ends_at: datetime | None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> Decimal:
    """The hours of an activity nobody gave hours to (DESIGN §8): an all-day one (first and
    last day) 6 per day; a timed one its duration rounded half up to a whole hour; at least 1
    (a start without an end is 1), at most 100."""
    if first_day is not None and last_day is not None:
        hours = Decimal(HOURS_PER_DAY * ((last_day - first_day).days + 1))
    elif starts_at is not None and ends_at is not None:
        seconds = Decimal(int((ends_at - starts_at).total_seconds()))
        hours = (seconds / 3600).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    else:
        hours = Decimal(1)
    return min(max(hours, Decimal(1)), MAX_HOURS)


def grade_band(grade: int) -> str:
    """'1–5', '6–7', '8–9' or '10–11' for a grade; '' when the grade is unknown."""
    for low, high in GRADE_BANDS:
        if low <= grade <= high:
            return f"{low}–{high}"
    return ""
