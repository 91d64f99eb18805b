"""Local time of the region (Europe/Kaliningrad, UTC+2, no DST) and UTC, without Flask.

The database stores UTC; people type and read local time; "the date of an activity" is the
local date of its start (DESIGN §3.1).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from partnercrm.errors import UserError

REGION_TZ = ZoneInfo("Europe/Kaliningrad")


def to_utc(local: datetime) -> datetime:
    """A naive local datetime (as typed) or an aware one, as aware UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=REGION_TZ)
    return local.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(REGION_TZ)


def local_date(moment: datetime) -> date:
    return to_local(moment).date()


def start_of_local_day(day: date) -> datetime:
    """Local midnight of ``day``, in UTC."""
    return to_utc(datetime.combine(day, time.min))


def local_today() -> date:
    """Today's date in the region."""
    return datetime.now(REGION_TZ).date()


def school_year_of(day: date) -> int:
    """The year the school year of ``day`` started in (1 September – 31 August)."""
    return day.year if day.month >= 9 else day.year - 1


def month_number(day: date) -> int:
    """The month of ``day`` as the integer YYYYMM the counters are kept by (issue #18)."""
    return day.year * 100 + day.month


class PeriodError(UserError):
    """A period that cannot be: its end before its start."""


@dataclass(frozen=True)
class Period:
    """Inclusive local dates (a report's period)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("The end of the period is before its start.")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def school_year(cls, first_year: int) -> Period:
        """The school year starting in ``first_year``: 1 September to 31 August."""
        return cls(date(first_year, 9, 1), date(first_year + 1, 8, 31))

    @classmethod
    def containing(cls, day: date, school_year: bool) -> Period:
        """The calendar year, or the school year, that ``day`` falls in."""
        return cls.school_year(school_year_of(day)) if school_year else cls.year(day.year)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @property
    def report_year(self) -> int:
        """The year whose plans and ministry values apply: the year the period ends in."""
        return self.end.year
