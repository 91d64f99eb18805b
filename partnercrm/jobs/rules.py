"""Pure rules of holiday jobs (no Flask): statuses, the bounds of their dates. The Labour Code
rules live in labour.py."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from partnercrm.plausible import DateBounds

# A job's first and last day, and school holidays: 2015 to three years ahead.
JOB_DATES = DateBounds(date(2015, 1, 1), years_ahead=3)
HOLIDAY_DATES = DateBounds(date(2015, 1, 1), years_ahead=3)
# When the parent's consent came and the medical examination took place: 2015 to today.
CHECK_DATES = DateBounds(date(2015, 1, 1))


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
