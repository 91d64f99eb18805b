"""Pure rules of holiday jobs (no Flask): statuses, the bounds of their dates. The Labour Code
rules live in labour.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from partnercrm.plausible import DateBounds

# A job's first and last day, and school holidays: 2015 to three years ahead.
JOB_DATES = DateBounds(date(2015, 1, 1), years_ahead=3)
HOLIDAY_DATES = DateBounds(date(2015, 1, 1), years_ahead=3)
# When the parent's consent came and the medical examination took place: 2015 to today.
CHECK_DATES = DateBounds(date(2015, 1, 1))
# A posting's working days as stored: a bit per ISO weekday (Monday 1, Tuesday 2, … Sunday 64);
# Monday to Friday by default.
WORKING_DAYS = 0b0011111
ALL_WEEKDAYS = 0b1111111
# The longest total of breaks a shift may have, in minutes.
MAX_BREAK_MINUTES = 600


def weekdays(working_days: int) -> frozenset[int]:
    """The ISO weekdays of a stored ``working_days``."""
    return frozenset(day for day in range(1, 8) if working_days & 1 << (day - 1))


def working_days_mask(days: Iterable[int]) -> int:
    """The stored form of a set of ISO weekdays."""
    return sum(1 << (day - 1) for day in set(days))


class JobStatus(StrEnum):
    PROPOSED = "proposed"  # proposed by an employer, waits for the employment center
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class ApplicationStatus(StrEnum):
    APPLIED = "applied"
    REFERRED = "referred"
    HIRED = "hired"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
