"""Read-only queries of holiday jobs (no Flask)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from partnercrm.database import SessionLike
from partnercrm.jobs.models import SchoolHoliday


def holiday_periods(
    session: SessionLike, first_day: date, last_day: date
) -> list[tuple[date, date]]:
    """The school holidays overlapping [first_day, last_day], as (first_day, last_day) pairs for
    `labour.within_holidays`; holidays outside the period cannot contain it."""
    rows = session.execute(
        sa.select(SchoolHoliday.first_day, SchoolHoliday.last_day)
        .where(SchoolHoliday.first_day <= last_day, SchoolHoliday.last_day >= first_day)
        .order_by(SchoolHoliday.first_day)
    )
    return [(start, end) for start, end in rows]
