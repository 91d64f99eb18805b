"""Pure rules of the indicators (DESIGN §3.2), no Flask."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import UserError

# Indicator 2: hosts that count as "enterprises and institutions" a student visited.
VISITED_HOST_KINDS = frozenset(
    {
        OrganizationKind.EMPLOYER,
        OrganizationKind.COLLEGE,
        OrganizationKind.UNIVERSITY,
        OrganizationKind.EMPLOYMENT_CENTER,
    }
)
# Indicator 6: events run (organized or hosted) by ПОО and ВО.
VOCATIONAL_KINDS = frozenset({OrganizationKind.COLLEGE, OrganizationKind.UNIVERSITY})

COMPUTED_FROM_ACTIVITIES = (2, 3, 4, 6)
MUNICIPAL_PLANS = 1
ENTERED_BY_MINISTRY = (5, 7)
ALL_NUMBERS = (1, 2, 3, 4, 5, 6, 7)


class PeriodError(UserError):
    """A period that cannot be: its end before its start."""


@dataclass(frozen=True)
class Period:
    """Inclusive local dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("The end of the period is before its start.")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @property
    def report_year(self) -> int:
        """The year whose plans and ministry values apply: the year the period ends in."""
        return self.end.year
