"""Interface labels of holiday job values (English msgids; Russian in the catalogue): statuses,
their badges, the buttons that move an application, and a Labour Code violation as text."""

from __future__ import annotations

from decimal import Decimal

from babel.dates import get_day_names
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from partnercrm.jobs.labour import Violation
from partnercrm.jobs.rules import ApplicationStatus, JobStatus

AS = ApplicationStatus

JOB_STATUS_LABELS = {
    JobStatus.PROPOSED: _l("proposed by the employer"),
    JobStatus.DRAFT: _l("draft"),
    JobStatus.PUBLISHED: _l("published"),
    JobStatus.CLOSED: _l("closed to applications"),
}
JOB_STATUS_BADGES = {
    JobStatus.PROPOSED: "text-bg-warning",
    JobStatus.DRAFT: "text-bg-secondary",
    JobStatus.PUBLISHED: "text-bg-success",
    JobStatus.CLOSED: "text-bg-dark",
}
APPLICATION_STATUS_LABELS = {
    AS.APPLIED: _l("applied"),
    AS.REFERRED: _l("referred to the employer"),
    AS.HIRED: _l("hired"),
    AS.COMPLETED: _l("completed the job"),
    AS.REJECTED: _l("rejected"),
    AS.WITHDRAWN: _l("withdrawn"),
}
APPLICATION_STATUS_BADGES = {
    AS.APPLIED: "text-bg-info",
    AS.REFERRED: "text-bg-primary",
    AS.HIRED: "text-bg-success",
    AS.COMPLETED: "text-bg-dark",
    AS.REJECTED: "text-bg-danger",
    AS.WITHDRAWN: "text-bg-secondary",
}
# The buttons that move an application to each status.
MOVE_LABELS = {
    AS.REFERRED: _l("Refer to the employer"),
    AS.HIRED: _l("Hire"),
    AS.COMPLETED: _l("Mark as completed"),
    AS.REJECTED: _l("Reject"),
    AS.WITHDRAWN: _l("Withdraw"),
}


def violation_text(violation: Violation) -> str:
    """A Labour Code violation in the user's language, with its article (hours as the
    language writes them: 2,5 in Russian)."""
    params = {
        name: format_decimal(value) if isinstance(value, Decimal) else value
        for name, value in violation.params.items()
    }
    return f"{_(violation.message) % params} ({violation.article})"


def violation_lines(error: Exception) -> list[str]:
    """Every violation a Labour Code refusal carries, as text (``refusal_shown``'s ``extra``);
    none for another refusal."""
    return [violation_text(violation) for violation in getattr(error, "violations", ())]


def weekday_names() -> dict[int, str]:
    """ISO weekday → its short name in the user's language (Babel's: «пн», "Mon")."""
    names = get_day_names("abbreviated", locale=get_locale())
    return {day: names[day - 1] for day in range(1, 8)}


def working_days_label(days: frozenset[int]) -> str:
    """A posting's working days as people write them: «пн–пт», «пн, ср, пт»."""
    names = weekday_names()
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{names[ordered[0]]}–{names[ordered[-1]]}"
    return ", ".join(names[day] for day in ordered)
