"""Pure rules of monitoring campaigns (no Flask)."""

from __future__ import annotations

from enum import StrEnum


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
