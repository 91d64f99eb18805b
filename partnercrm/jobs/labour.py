"""The Labour Code (ТК РФ) rules for the work of minors (DESIGN §3.3); pure, no Flask.

Every check returns a list of `Violation`s instead of raising, so a form can show all of them at
once. Messages are English msgids (translated where shown: ``gettext(v.message) % v.params``);
the article is Russian and shown as is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from partnercrm.errors import N_

MIN_AGE = 14
ADULT_AGE = 18
# Art. 96: 22:00–06:00 is night; a minor's shift must lie between these times of one day.
DAY_STARTS = time(6, 0)
DAY_ENDS = time(22, 0)

ART_63 = "ст. 63 ТК РФ"
ART_92 = "ст. 92 ТК РФ"
ART_94 = "ст. 94 ТК РФ"
ART_96 = "ст. 96 ТК РФ"
ART_265 = "ст. 265 ТК РФ"
ART_266 = "ст. 266 ТК РФ"
ART_268 = "ст. 268 ТК РФ"
# Chapter 42 holds the special rules for workers under 18, the people plan item 7 is for.
CHAPTER_42 = "гл. 42 ТК РФ"


# ISO weekdays (Monday 1 … Sunday 7). A posting works on some of them; Saturday and Sunday are
# the days off of the five-day week (art. 111), on which minors may not work (art. 268).
WEEKDAYS = range(1, 8)
FIVE_DAY_WEEK = frozenset(range(1, 6))
DAYS_OFF = frozenset({6, 7})
# Art. 112: the non-working public holidays, as (month, day).
PUBLIC_HOLIDAYS = (
    *((1, day) for day in range(1, 9)),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)


@dataclass(frozen=True)
class Violation:
    code: str
    article: str
    message: str
    params: dict = field(default_factory=dict)


def age_on(birth_date: date, day: date) -> int:
    """Full years on ``day``. Someone born on 29 February turns a year older on 28 February
    of a common year (the term ends on the last day of the month, ст. 192 ГК РФ)."""
    try:
        birthday = birth_date.replace(year=day.year)
    except ValueError:
        birthday = date(day.year, 2, 28)
    return day.year - birth_date.year - (day < birthday)


def _check_minor(age: int) -> None:
    if not MIN_AGE <= age < ADULT_AGE:
        raise ValueError(f"the Labour Code limits for minors apply from 14 to 17, not {age}")


def daily_limit(age: int, during_holidays: bool) -> Decimal:
    """The longest working day (art. 94): during holidays 4 h at 14, 5 h at 15, 7 h at 16–17;
    combined with study in the school year 2.5 h at 14–15, 4 h at 16–17."""
    _check_minor(age)
    if during_holidays:
        return Decimal({14: 4, 15: 5}.get(age, 7))
    return Decimal("2.5") if age < 16 else Decimal(4)


def weekly_limit(age: int, during_holidays: bool) -> Decimal:
    """The longest working week (art. 92): 24 h under 16, 35 h at 16–17; half of that when the
    work is combined with study in the school year."""
    _check_minor(age)
    limit = Decimal(24) if age < 16 else Decimal(35)
    return limit if during_holidays else limit / 2


def within_holidays(first_day: date, last_day: date, holidays: Iterable[tuple[date, date]]) -> bool:
    """True when [first_day, last_day] lies wholly inside one holiday period (inclusive)."""
    return any(start <= first_day and last_day <= end for start, end in holidays)


def public_days_off(first_day: date, last_day: date) -> list[date]:
    """The non-working days of art. 112 in [first_day, last_day]: the public holidays, and the
    working day after a holiday that falls on a Saturday or Sunday (art. 112 part 2; the days
    off that coincide with 1–8 January are moved by the Government's yearly decree, which this
    does not know)."""
    found: set[date] = set()
    for year in range(first_day.year, last_day.year + 1):
        holidays = {date(year, month, day) for month, day in PUBLIC_HOLIDAYS}
        found |= holidays
        for holiday in sorted(holidays):
            if holiday.month == 1 or holiday.isoweekday() not in DAYS_OFF:
                continue
            moved = holiday + timedelta(days=1)
            while moved.isoweekday() in DAYS_OFF or moved in holidays or moved in found:
                moved += timedelta(days=1)
            found.add(moved)
    return sorted(day for day in found if first_day <= day <= last_day)


def shift_hours(starts: time, ends: time, break_minutes: int) -> Decimal:
    """The working time of one shift: its window less the breaks (art. 108: breaks are not
    working time)."""
    minutes = (datetime.combine(date.min, ends) - datetime.combine(date.min, starts)).seconds // 60
    return Decimal(minutes - break_minutes) / 60


def _hours(value: Decimal) -> Decimal:
    """Hours as people write them: 7 rather than 7.0, 2.5 as is."""
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def posting_violations(
    *,
    min_age: int,
    hours_per_day: Decimal,
    hours_per_week: Decimal,
    shift_starts: time,
    shift_ends: time,
    first_day: date,
    last_day: date,
    holidays: Iterable[tuple[date, date]],
    attested: bool,
    break_minutes: int = 0,
    working_days: Iterable[int] = FIVE_DAY_WEEK,
) -> list[Violation]:
    """What keeps a posting from being published. The hours are checked against the limits of
    its minimum age, the strictest its applicants can have; the holiday limits apply only when
    the whole period lies inside one school holiday. The shift (its window less the breaks)
    must fit in the hours per day, and no working day may be a day off or a public holiday."""
    violations = []
    if MIN_AGE <= min_age < ADULT_AGE:
        violations += _hours_violations(
            min_age,
            Decimal(hours_per_day),
            Decimal(hours_per_week),
            within_holidays(first_day, last_day, holidays),
        )
    else:
        violations.append(
            Violation(
                "min_age",
                ART_63,
                N_("The minimum age of a holiday job must be from 14 to 17 years."),
                {"age": min_age},
            )
        )
    # An overnight shift (ending at or before its start) always crosses the night.
    if not (DAY_STARTS <= shift_starts < shift_ends <= DAY_ENDS):
        violations.append(
            Violation(
                "night_work",
                ART_96,
                N_(
                    "Minors may not work at night: the shift must lie between 06:00 and 22:00 "
                    "of one day."
                ),
            )
        )
    else:
        work = shift_hours(shift_starts, shift_ends, break_minutes)
        if work > Decimal(hours_per_day):
            violations.append(
                Violation(
                    "shift_length",
                    ART_94,
                    N_(
                        "The shift %(starts)s–%(ends)s less %(breaks)s min of breaks is "
                        "%(shift)s h of work, more than the posting's %(hours)s h per day."
                    ),
                    {
                        "starts": shift_starts.strftime("%H:%M"),
                        "ends": shift_ends.strftime("%H:%M"),
                        "breaks": break_minutes,
                        "shift": _hours(work.quantize(Decimal("0.01"))),
                        "hours": _hours(Decimal(hours_per_day)),
                    },
                )
            )
    violations += _day_violations(frozenset(working_days), first_day, last_day)
    if not attested:
        violations.append(
            Violation(
                "not_prohibited",
                ART_265,
                N_(
                    "Confirm that the work is not on the list of work prohibited for workers "
                    "under 18."
                ),
            )
        )
    return violations


def _day_violations(working_days: frozenset[int], first_day: date, last_day: date) -> list:
    violations = []
    if working_days & DAYS_OFF:
        violations.append(
            Violation(
                "days_off",
                ART_268,
                N_(
                    "Minors may not work on days off: take Saturday and Sunday out of the "
                    "working days."
                ),
            )
        )
    holidays = [
        day
        for day in public_days_off(first_day, last_day)
        if day.isoweekday() in working_days - DAYS_OFF
    ]
    if holidays:
        violations.append(
            Violation(
                "public_holidays",
                ART_268,
                N_(
                    "Minors may not work on public holidays: %(days)s fall on the posting's "
                    "working days. Change the period or the working days."
                ),
                {"days": ", ".join(day.strftime("%d.%m.%Y") for day in holidays)},
            )
        )
    return violations


def _hours_violations(
    age: int, per_day: Decimal, per_week: Decimal, during_holidays: bool
) -> list[Violation]:
    violations = []
    day_limit = daily_limit(age, during_holidays)
    if per_day > day_limit:
        violations.append(
            Violation(
                "hours_per_day",
                ART_94,
                N_(
                    "At %(age)s the working day during the school holidays may last at most "
                    "%(limit)s h; the posting has %(hours)s h."
                )
                if during_holidays
                else N_(
                    "At %(age)s the working day combined with study may last at most %(limit)s h "
                    "(the period is not wholly inside a school holiday); the posting has "
                    "%(hours)s h."
                ),
                {"age": age, "limit": _hours(day_limit), "hours": _hours(per_day)},
            )
        )
    week_limit = weekly_limit(age, during_holidays)
    if per_week > week_limit:
        violations.append(
            Violation(
                "hours_per_week",
                ART_92,
                N_(
                    "At %(age)s the working week during the school holidays may last at most "
                    "%(limit)s h; the posting has %(hours)s h."
                )
                if during_holidays
                else N_(
                    "At %(age)s the working week combined with study may last at most %(limit)s h "
                    "(the period is not wholly inside a school holiday); the posting has "
                    "%(hours)s h."
                ),
                {"age": age, "limit": _hours(week_limit), "hours": _hours(per_week)},
            )
        )
    return violations


def applicant_violations(*, birth_date: date, first_day: date) -> list[Violation]:
    """The applicant's age on the job's first day must be 14 to 17 (DESIGN §3.3)."""
    age = age_on(birth_date, first_day)
    if age < MIN_AGE:
        return [
            Violation(
                "too_young",
                ART_63,
                N_(
                    "The applicant is %(age)s on the first day of the job; work is allowed from 14."
                ),
                {"age": age},
            )
        ]
    if age >= ADULT_AGE:
        return [
            Violation(
                "too_old",
                CHAPTER_42,
                N_(
                    "The applicant is %(age)s on the first day of the job; holiday jobs are for "
                    "young people under 18."
                ),
                {"age": age},
            )
        ]
    return []


def hiring_violations(
    *,
    birth_date: date,
    first_day: date,
    is_school_student: bool,
    consent_received: bool,
    medical_exam_done: bool,
) -> list[Violation]:
    """What keeps an application from ``hired``: the age, the written consent of a parent for
    a school student of 14–15 (art. 63), the medical examination for everyone (art. 266)."""
    violations = applicant_violations(birth_date=birth_date, first_day=first_day)
    age = age_on(birth_date, first_day)
    if is_school_student and MIN_AGE <= age < 16 and not consent_received:
        violations.append(
            Violation(
                "consent",
                ART_63,
                N_(
                    "A school student aged %(age)s is hired only with the written consent of a "
                    "parent (or of the guardianship body)."
                ),
                {"age": age},
            )
        )
    if not medical_exam_done:
        violations.append(
            Violation(
                "medical_exam",
                ART_266,
                N_("Workers under 18 are hired only after a medical examination."),
            )
        )
    return violations
