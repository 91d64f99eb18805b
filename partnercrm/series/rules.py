"""The dates of a weekly series (DESIGN §8), without Flask or a database.

A series meets on one weekday: its first session is the first such weekday on or after the
first date, then every week up to the last date, or until it has ``count`` sessions. Weeks that
fall in a school holiday are skipped (and named); a holiday does not use up the count, so a
series of 30 sessions runs past the holidays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from partnercrm.errors import N_, Refusals, UserError

# At most one school year of weekly sessions in one series.
MAX_SESSIONS = 52
WEEK = timedelta(days=7)


class SeriesError(UserError):
    pass


@dataclass(frozen=True)
class Holiday:
    """A school holiday period: local dates, inclusive."""

    name: str
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Skipped:
    day: date
    holiday: str


@dataclass(frozen=True)
class Schedule:
    dates: list[date]
    skipped: list[Skipped]


def first_session(first_date: date, weekday: int) -> date:
    """The first ``weekday`` (ISO: Monday 1 … Sunday 7) on or after ``first_date``."""
    return first_date + timedelta(days=(weekday - first_date.isoweekday()) % 7)


def check_schedule(
    first_date: date, weekday: int, last_date: date | None, count: int | None
) -> None:
    """Refuse a weekday out of 1–7, neither or both of the last date and the count, a count
    out of 1–:data:`MAX_SESSIONS`, a last date before the first (every problem at once)."""
    refusals = Refusals()
    if not 1 <= weekday <= 7:
        refusals.add(SeriesError(N_("Pick the weekday."), "weekday"))
    if (last_date is None) == (count is None):
        refusals.add(
            SeriesError(N_("Give either the last date or the number of sessions."), "count")
        )
    if count is not None and not 1 <= count <= MAX_SESSIONS:
        refusals.add(
            SeriesError(N_("A series has from 1 to %(max)d sessions."), "count", max=MAX_SESSIONS)
        )
    if last_date is not None and last_date < first_date:
        refusals.add(
            SeriesError(N_("The last date must not be before the first date."), "last_date")
        )
    refusals.raise_any()


def session_dates(
    first_date: date,
    weekday: int,
    holidays: Iterable[Holiday],
    *,
    last_date: date | None = None,
    count: int | None = None,
) -> Schedule:
    """The session dates of a series and the weeks skipped for ``holidays``; refused
    (:class:`SeriesError`) as :func:`check_schedule` says, or when it would have more than
    :data:`MAX_SESSIONS` sessions."""
    check_schedule(first_date, weekday, last_date, count)
    periods = sorted(holidays, key=lambda holiday: holiday.first_day)
    dates: list[date] = []
    skipped: list[Skipped] = []
    day = first_session(first_date, weekday)
    while (last_date is None or day <= last_date) and (count is None or len(dates) < count):
        holiday = next((h for h in periods if h.first_day <= day <= h.last_day), None)
        if holiday is not None:
            skipped.append(Skipped(day, holiday.name))
        elif len(dates) == MAX_SESSIONS:
            raise SeriesError(
                N_("A series has from 1 to %(max)d sessions."), "last_date", max=MAX_SESSIONS
            )
        else:
            dates.append(day)
        if count is not None and len(skipped) > MAX_SESSIONS:
            # Only holidays ahead (no school year seeded that far): stop instead of looping.
            break
        day += WEEK
    return Schedule(dates, skipped)
