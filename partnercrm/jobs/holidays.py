"""School holiday periods: the school year of a date and the seed of the current year."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from partnercrm import data
from partnercrm.extensions import db
from partnercrm.jobs.models import SchoolHoliday


def school_year_of(day: date) -> str:
    """The school year (1 September – 31 August) containing ``day``, e.g. "2026/2027"."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{start + 1}"


def seed_school_holidays(school_year: str) -> int | None:
    """Add the holidays of ``school_year`` from school_holidays.json; None when the file lacks
    that year. A year that already has holidays is left alone, so the dates an admin moved or
    removed are never seeded again."""
    rows = data.school_holidays(school_year)
    if rows is None:
        return None
    seeded = db.session.scalar(
        sa.select(sa.func.count()).where(SchoolHoliday.school_year == school_year)
    )
    if seeded:
        return 0
    db.session.add_all(SchoolHoliday(**row) for row in rows)
    db.session.flush()
    return len(rows)
