"""Pure rules of monitoring campaigns (no Flask)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from partnercrm.plausible import DateBounds

# A municipal plan's approval (2000, the first year of the monitoring, to today) and a
# campaign's deadline (up to three years ahead; not in the past, a rule of its own).
PLAN_APPROVAL_DATES = DateBounds(date(2000, 1, 1))
DEADLINE_DATES = DateBounds(date(2000, 1, 1), years_ahead=3)


class CampaignStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    REOPENED = "reopened"


def changed_numbers(frozen: dict, live: dict) -> list[int]:
    """Indicator numbers whose live value differs from the value frozen at submission.

    Both map str(number) → {"value": …, …}; JSON keys are strings.
    """
    return sorted(
        int(number)
        for number in frozen.keys() | live.keys()
        if (frozen.get(number) or {}).get("value") != (live.get(number) or {}).get("value")
    )


# --- where a municipality stands in a campaign (pure helpers for pages and exports) ---


class ReportState(StrEnum):
    """A municipality's place in a campaign, as the consolidated table shows it."""

    SUBMITTED = "submitted"
    REOPENED = "reopened"  # returned by the ministry for correction; not submitted
    MISSING = "missing"
    OVERDUE = "overdue"  # not submitted, the campaign open and its deadline passed


def report_state(
    report_status: ReportStatus | None, deadline: date, today: date, campaign_open: bool
) -> ReportState:
    """``report_status`` is None when the municipality has no report yet. The deadline day
    itself is still in time."""
    if report_status is ReportStatus.SUBMITTED:
        return ReportState.SUBMITTED
    if campaign_open and today > deadline:
        return ReportState.OVERDUE
    if report_status is ReportStatus.REOPENED:
        return ReportState.REOPENED
    return ReportState.MISSING


def submitted_late(deadline: date, submitted_on: date | None) -> bool:
    """Submitted (local date) after the deadline day."""
    return submitted_on is not None and submitted_on > deadline
