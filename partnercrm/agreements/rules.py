"""Pure rules of agreements (no Flask): kinds of cooperation and the derived status."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

EXPIRING_WITHIN_DAYS = 60
REMINDER_DAYS = (60, 14)


class CooperationKind(StrEnum):
    EXCURSIONS = "excursions"
    PARENT_MEETINGS = "parent_meetings"
    HOLIDAY_JOBS = "holiday_jobs"
    CAMP_SHIFTS = "camp_shifts"
    PROFPROBES = "profprobes"
    OTHER = "other"


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    TERMINATED = "terminated"


def agreement_status(
    today: date,
    signed_on: date | None,
    valid_to: date | None,
    terminated_on: date | None,
) -> AgreementStatus:
    """The status is derived, never typed (DESIGN §2). ``valid_to`` is the last valid day;
    empty means indefinite."""
    if terminated_on is not None and terminated_on <= today:
        return AgreementStatus.TERMINATED
    if signed_on is None:
        return AgreementStatus.DRAFT
    if valid_to is not None and valid_to < today:
        return AgreementStatus.EXPIRED
    if valid_to is not None and valid_to <= today + timedelta(days=EXPIRING_WITHIN_DAYS):
        return AgreementStatus.EXPIRING
    return AgreementStatus.ACTIVE
