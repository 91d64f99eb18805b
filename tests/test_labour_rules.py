"""The Labour Code rules of DESIGN §3.3, table by table (partnercrm/jobs/labour.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnercrm.jobs.labour import (
    age_on,
    applicant_violations,
    daily_limit,
    hiring_violations,
    posting_violations,
    public_days_off,
    shift_hours,
    weekly_limit,
    within_holidays,
)

SUMMER = (date(2026, 6, 1), date(2026, 8, 31))
AUTUMN = (date(2026, 10, 26), date(2026, 11, 3))
HOLIDAYS = [AUTUMN, SUMMER]
IN_SUMMER = (date(2026, 7, 1), date(2026, 7, 14))
IN_SCHOOL_YEAR = (date(2026, 9, 14), date(2026, 9, 25))

# (age, during holidays, hours per day, hours per week): the limits of art. 94 and art. 92.
LIMITS = [
    (14, True, "4", "24"),
    (15, True, "5", "24"),
    (16, True, "7", "35"),
    (17, True, "7", "35"),
    (14, False, "2.5", "12"),
    (15, False, "2.5", "12"),
    (16, False, "4", "17.5"),
    (17, False, "4", "17.5"),
]


def shift_of(hours) -> time:
    """The end of a shift from 09:00 as long as ``hours`` (at most until 22:00)."""
    end = datetime(2026, 7, 1, 9) + timedelta(hours=float(hours))
    return min(end.time(), time(22, 0)) if end.day == 1 else time(22, 0)


def posting(**changes):
    """A posting for 16-year-olds in the summer holidays that breaks no rule (the shift from
    09:00 as long as the hours per day, unless given)."""
    values = {
        "min_age": 16,
        "hours_per_day": Decimal(4),
        "hours_per_week": Decimal(20),
        "shift_starts": time(9, 0),
        "first_day": IN_SUMMER[0],
        "last_day": IN_SUMMER[1],
        "holidays": HOLIDAYS,
        "attested": True,
    }
    values.update(changes)
    values.setdefault("shift_ends", shift_of(values["hours_per_day"]))
    return posting_violations(**values)


def codes(violations) -> list[str]:
    return [v.code for v in violations]


def period(during_holidays: bool) -> dict:
    first_day, last_day = IN_SUMMER if during_holidays else IN_SCHOOL_YEAR
    return {"first_day": first_day, "last_day": last_day}


@pytest.mark.parametrize(("age", "during_holidays", "per_day", "per_week"), LIMITS)
def test_limits(age, during_holidays, per_day, per_week):
    assert daily_limit(age, during_holidays) == Decimal(per_day)
    assert weekly_limit(age, during_holidays) == Decimal(per_week)


@pytest.mark.parametrize("age", [13, 18])
def test_limits_only_for_minors_of_working_age(age):
    with pytest.raises(ValueError):
        daily_limit(age, True)
    with pytest.raises(ValueError):
        weekly_limit(age, False)


@pytest.mark.parametrize(("age", "during_holidays", "per_day", "per_week"), LIMITS)
def test_day_limit(age, during_holidays, per_day, per_week):
    at_limit = Decimal(per_day)
    common = {"min_age": age, "hours_per_week": Decimal(per_week), **period(during_holidays)}
    assert posting(hours_per_day=at_limit, **common) == []
    [violation] = posting(hours_per_day=at_limit + Decimal("0.5"), **common)
    assert violation.code == "hours_per_day"
    assert violation.article == "ст. 94 ТК РФ"
    assert violation.params == {"age": age, "limit": at_limit, "hours": at_limit + Decimal("0.5")}
    assert ("school holidays" in violation.message) is during_holidays


@pytest.mark.parametrize(("age", "during_holidays", "per_day", "per_week"), LIMITS)
def test_week_limit(age, during_holidays, per_day, per_week):
    at_limit = Decimal(per_week)
    common = {"min_age": age, "hours_per_day": Decimal(per_day), **period(during_holidays)}
    assert posting(hours_per_week=at_limit, **common) == []
    [violation] = posting(hours_per_week=at_limit + Decimal("0.5"), **common)
    assert violation.code == "hours_per_week"
    assert violation.article == "ст. 92 ТК РФ"
    assert violation.params["limit"] == at_limit
    assert violation.params["hours"] == at_limit + Decimal("0.5")


def test_limit_shown_as_people_write_it():
    [day, week] = posting(
        min_age=16, hours_per_day=Decimal("7.0"), hours_per_week=Decimal("20.0"), **period(False)
    )
    assert (str(day.params["limit"]), str(day.params["hours"])) == ("4", "7")
    assert (str(week.params["limit"]), str(week.params["hours"])) == ("17.5", "20")


@pytest.mark.parametrize(
    ("starts", "ends", "allowed"),
    [
        (time(21, 0), time(22, 0), True),
        (time(6, 0), time(10, 0), True),
        (time(21, 30), time(22, 30), False),
        (time(5, 30), time(9, 30), False),
        (time(20, 0), time(2, 0), False),  # overnight
        (time(10, 0), time(10, 0), False),
    ],
)
def test_night_work(starts, ends, allowed):
    violations = posting(shift_starts=starts, shift_ends=ends)
    assert codes(violations) == ([] if allowed else ["night_work"])
    assert all(v.article == "ст. 96 ТК РФ" for v in violations)


def test_a_shift_longer_than_the_working_day_is_refused():
    # The case: 09:00–15:00 with «4 h a day».
    [violation] = posting(shift_starts=time(9, 0), shift_ends=time(15, 0))
    assert (violation.code, violation.article) == ("shift_length", "ст. 94 ТК РФ")
    assert violation.params == {
        "starts": "09:00",
        "ends": "15:00",
        "breaks": 0,
        "shift": Decimal(6),
        "hours": Decimal(4),
    }


@pytest.mark.parametrize(
    ("ends", "break_minutes", "allowed"),
    [
        (time(13, 0), 0, True),  # exactly the hours per day
        (time(13, 1), 0, False),
        (time(15, 0), 120, True),  # the breaks are not working time
        (time(15, 0), 119, False),
    ],
)
def test_breaks_are_subtracted_from_the_shift(ends, break_minutes, allowed):
    violations = posting(shift_starts=time(9, 0), shift_ends=ends, break_minutes=break_minutes)
    assert codes(violations) == ([] if allowed else ["shift_length"])


def test_shift_hours():
    assert shift_hours(time(9, 0), time(15, 30), 30) == Decimal(6)
    assert shift_hours(time(9, 0), time(9, 45), 0) == Decimal("0.75")


@pytest.mark.parametrize("days", [{1, 2, 3, 4, 5, 6}, {7}, {1, 2, 3, 4, 5, 6, 7}])
def test_no_work_on_days_off(days):
    [violation] = posting(working_days=days)
    assert (violation.code, violation.article) == ("days_off", "ст. 268 ТК РФ")


def test_fewer_working_days_are_fine():
    assert posting(working_days={1, 3, 5}) == []


def test_public_days_off_of_art_112():
    assert public_days_off(date(2026, 1, 1), date(2026, 12, 31)) == [
        *(date(2026, 1, day) for day in range(1, 9)),
        date(2026, 2, 23),
        date(2026, 3, 8),
        date(2026, 3, 9),  # 8 March is a Sunday: the Monday after is off
        date(2026, 5, 1),
        date(2026, 5, 9),
        date(2026, 5, 11),  # 9 May is a Saturday: the Monday after is off
        date(2026, 6, 12),
        date(2026, 11, 4),
    ]
    # Two holidays on one weekend move to two working days.
    assert public_days_off(date(2027, 5, 1), date(2027, 5, 31)) == [
        date(2027, 5, 1),
        date(2027, 5, 3),
        date(2027, 5, 9),
        date(2027, 5, 10),
    ]


def test_no_work_on_public_holidays():
    # 12 June 2026 is a Friday, in the summer holidays.
    [violation] = posting(first_day=date(2026, 6, 8), last_day=date(2026, 6, 19))
    assert (violation.code, violation.article) == ("public_holidays", "ст. 268 ТК РФ")
    assert violation.params == {"days": "12.06.2026"}
    # Without Friday among the working days it is no working day of the posting.
    assert (
        posting(first_day=date(2026, 6, 8), last_day=date(2026, 6, 19), working_days={1, 2, 3, 4})
        == []
    )
    # 4 November 2026 is a Wednesday, in the school year.
    [violation] = posting(
        first_day=date(2026, 11, 2), last_day=date(2026, 11, 13), hours_per_week=Decimal(15)
    )
    assert violation.params == {"days": "04.11.2026"}


def test_attestation_of_work_not_prohibited_for_minors():
    [violation] = posting(attested=False)
    assert (violation.code, violation.article) == ("not_prohibited", "ст. 265 ТК РФ")


@pytest.mark.parametrize("min_age", [0, 13, 18])
def test_minimum_age_of_a_posting(min_age):
    [violation] = posting(min_age=min_age, hours_per_day=Decimal(20), hours_per_week=Decimal(99))
    assert (violation.code, violation.article) == ("min_age", "ст. 63 ТК РФ")


def test_every_violation_at_once():
    assert codes(
        posting(
            min_age=14,
            hours_per_day=Decimal(5),
            hours_per_week=Decimal(30),
            shift_starts=time(5, 0),
            attested=False,
        )
    ) == ["hours_per_day", "hours_per_week", "night_work", "not_prohibited"]


@pytest.mark.parametrize(
    ("first_day", "last_day", "inside"),
    [
        (date(2026, 6, 1), date(2026, 8, 31), True),  # the whole summer
        (date(2026, 8, 20), date(2026, 8, 31), True),  # ends on the last holiday
        (date(2026, 8, 20), date(2026, 9, 1), False),  # crosses the end of the holidays
        (date(2026, 5, 31), date(2026, 6, 10), False),  # starts before the holidays
        (date(2026, 10, 30), date(2026, 11, 4), False),
        (date(2026, 9, 10), date(2026, 9, 20), False),
        # Two holidays do not make one: the period must lie inside ONE of them.
        (date(2026, 8, 1), date(2026, 10, 30), False),
    ],
)
def test_within_holidays(first_day, last_day, inside):
    assert within_holidays(first_day, last_day, HOLIDAYS) is inside


def test_within_no_holidays():
    assert within_holidays(date(2026, 7, 1), date(2026, 7, 2), []) is False


def test_a_period_crossing_the_end_of_the_holidays_gets_the_school_year_limits():
    [violation] = posting(
        min_age=16,
        hours_per_day=Decimal(7),
        hours_per_week=Decimal("17.5"),
        first_day=date(2026, 8, 20),
        last_day=date(2026, 9, 5),
    )
    assert violation.code == "hours_per_day"
    assert violation.params["limit"] == Decimal(4)
    assert "combined with study" in violation.message


# Age on the first day of the job: 14 <= age < 18.
FIRST_DAY = date(2026, 7, 1)


@pytest.mark.parametrize(
    ("birth_date", "codes_"),
    [
        (FIRST_DAY.replace(year=2012) + timedelta(days=1), ["too_young"]),  # 13 y 364 d
        (FIRST_DAY.replace(year=2012), []),  # 14 on the first day
        (FIRST_DAY.replace(year=2008) + timedelta(days=1), []),  # 17 y 364 d
        (FIRST_DAY.replace(year=2008), ["too_old"]),  # 18 on the first day
    ],
)
def test_applicant_age_bounds(birth_date, codes_):
    assert codes(applicant_violations(birth_date=birth_date, first_day=FIRST_DAY)) == codes_


def test_age_bounds_name_the_article():
    [young] = applicant_violations(birth_date=date(2013, 1, 1), first_day=FIRST_DAY)
    assert (young.article, young.params) == ("ст. 63 ТК РФ", {"age": 13})
    [old] = applicant_violations(birth_date=date(2008, 1, 1), first_day=FIRST_DAY)
    assert old.params == {"age": 18}


def birth_date_for(age: int) -> date:
    return date(FIRST_DAY.year - age, 3, 15)


def hiring(age: int, **changes) -> list[str]:
    values = {
        "birth_date": birth_date_for(age),
        "first_day": FIRST_DAY,
        "is_school_student": True,
        "consent_received": True,
        "medical_exam_done": True,
    }
    values.update(changes)
    return codes(hiring_violations(**values))


@pytest.mark.parametrize(
    ("age", "is_school_student", "needs_consent"),
    [
        (14, True, True),
        (15, True, True),
        (16, True, False),
        (17, True, False),
        (14, False, False),
        (15, False, False),
    ],
)
def test_parental_consent(age, is_school_student, needs_consent):
    assert hiring(age, is_school_student=is_school_student) == []
    without = hiring(age, is_school_student=is_school_student, consent_received=False)
    assert without == (["consent"] if needs_consent else [])


@pytest.mark.parametrize("age", [14, 15, 16, 17])
def test_medical_examination_for_every_age(age):
    assert hiring(age, medical_exam_done=False) == ["medical_exam"]
    [violation] = hiring_violations(
        birth_date=birth_date_for(age),
        first_day=FIRST_DAY,
        is_school_student=False,
        consent_received=False,
        medical_exam_done=False,
    )
    assert violation.article == "ст. 266 ТК РФ"


def test_hiring_repeats_the_age_check():
    assert hiring(13) == ["too_young"]
    assert hiring(18) == ["too_old"]


@pytest.mark.parametrize(
    ("birth_date", "day", "age"),
    [
        (date(2010, 7, 1), date(2026, 6, 30), 15),
        (date(2010, 7, 1), date(2026, 7, 1), 16),
        (date(2012, 2, 29), date(2026, 2, 27), 13),
        (date(2012, 2, 29), date(2026, 2, 28), 14),  # ст. 192 ГК РФ
        (date(2012, 2, 29), date(2028, 2, 28), 15),
        (date(2012, 2, 29), date(2028, 2, 29), 16),
    ],
)
def test_age_on(birth_date, day, age):
    assert age_on(birth_date, day) == age


@given(st.dates(max_value=date(2100, 1, 1)), st.integers(min_value=0, max_value=5000))
def test_age_grows_by_at_most_a_year_and_never_falls(birth_date, days):
    day = birth_date + timedelta(days=days)
    age = age_on(birth_date, day)
    assert 0 <= age <= days // 365
    assert age <= age_on(birth_date, day + timedelta(days=1)) <= age + 1


@given(
    st.integers(min_value=14, max_value=17),
    st.booleans(),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal(12), places=1),
)
def test_a_posting_passes_exactly_when_within_both_limits(age, during_holidays, per_day):
    per_week = per_day * 5
    violations = posting(
        min_age=age, hours_per_day=per_day, hours_per_week=per_week, **period(during_holidays)
    )
    allowed = per_day <= daily_limit(age, during_holidays) and per_week <= weekly_limit(
        age, during_holidays
    )
    assert (violations == []) is allowed
    # The limits of younger applicants are never looser.
    if age > 14:
        assert daily_limit(age - 1, during_holidays) <= daily_limit(age, during_holidays)
