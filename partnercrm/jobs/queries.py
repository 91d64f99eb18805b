"""Read-only queries of holiday jobs (no Flask)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from partnercrm.database import SessionLike
from partnercrm.jobs import labour
from partnercrm.jobs.models import HolidayJob, SchoolHoliday
from partnercrm.jobs.rules import JobStatus, weekdays


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


def unlawful_published_job_ids(session: SessionLike, today: date) -> list[int]:
    """The published jobs not yet over that break the Labour Code — published before a rule
    was added, or before the school holidays were corrected — which the board must not show.
    Two queries, whatever the number of jobs."""
    rows = session.execute(
        sa.select(
            HolidayJob.id,
            HolidayJob.min_age,
            HolidayJob.hours_per_day,
            HolidayJob.hours_per_week,
            HolidayJob.shift_starts,
            HolidayJob.shift_ends,
            HolidayJob.break_minutes,
            HolidayJob.working_days,
            HolidayJob.first_day,
            HolidayJob.last_day,
            HolidayJob.not_prohibited_attested,
        ).where(HolidayJob.status == JobStatus.PUBLISHED, HolidayJob.last_day >= today)
    ).all()
    if not rows:
        return []
    holidays = holiday_periods(
        session, min(row.first_day for row in rows), max(row.last_day for row in rows)
    )
    return [
        row.id
        for row in rows
        if labour.posting_violations(
            min_age=row.min_age,
            hours_per_day=row.hours_per_day,
            hours_per_week=row.hours_per_week,
            shift_starts=row.shift_starts,
            shift_ends=row.shift_ends,
            first_day=row.first_day,
            last_day=row.last_day,
            holidays=holidays,
            attested=row.not_prohibited_attested,
            break_minutes=row.break_minutes,
            working_days=weekdays(row.working_days),
        )
    ]
