"""Pure rules of agreements (no Flask): kinds of cooperation, the derived status (in Python and
as an SQL condition) and which reminder is due."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

import sqlalchemy as sa

from partnercrm.plausible import DateBounds

EXPIRING_WITHIN_DAYS = 60
# Every date of an agreement: 2000 to 25 years ahead (a long agreement's last day, a
# termination agreed in advance); the signing date also not in the future.
AGREEMENT_DATES = DateBounds(date(2000, 1, 1), years_ahead=25)
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


def status_condition(status: AgreementStatus, today: date, signed_on, valid_to, terminated_on):
    """The SQL form of :func:`agreement_status`: a WHERE condition true exactly for the rows whose
    derived status on ``today`` (a local date) is ``status``.

    The columns are passed in (``Agreement.signed_on`` …) so this module needs no models; each
    branch mirrors one line of the rule, and the tests check that both answer alike.
    """
    terminated = sa.and_(terminated_on.is_not(None), terminated_on <= today)
    if status is AgreementStatus.TERMINATED:
        return terminated
    in_force = sa.or_(terminated_on.is_(None), terminated_on > today)
    if status is AgreementStatus.DRAFT:
        return sa.and_(in_force, signed_on.is_(None))
    signed = sa.and_(in_force, signed_on.is_not(None))
    horizon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    if status is AgreementStatus.EXPIRED:
        return sa.and_(signed, valid_to.is_not(None), valid_to < today)
    if status is AgreementStatus.EXPIRING:
        return sa.and_(signed, valid_to.is_not(None), valid_to >= today, valid_to <= horizon)
    return sa.and_(signed, sa.or_(valid_to.is_(None), valid_to > horizon))


def due_reminder(today: date, valid_to: date | None) -> int | None:
    """The reminder (days before expiry) due on ``today``: the most urgent lead time the
    remaining days have reached, or None. A missed 60-day reminder is not sent once the 14-day
    one is due — the parties get the more urgent one only."""
    if valid_to is None or valid_to < today:
        return None
    days_left = (valid_to - today).days
    due = [days for days in REMINDER_DAYS if days_left <= days]
    return min(due) if due else None
