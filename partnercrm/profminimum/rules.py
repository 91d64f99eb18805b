"""Pure rules of the профминимум (DESIGN §8), without Flask: levels and their targets, the
grades counted, the bands of hours, school years as «2025/26»."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

from partnercrm.errors import N_
from partnercrm.localtime import Period


class Level(StrEnum):
    BASIC = "basic"  # базовый
    MAIN = "main"  # основной
    ADVANCED = "advanced"  # продвинутый


# The hours a year each student of a school at that level must get.
TARGET_HOURS: dict[Level, int] = {Level.BASIC: 40, Level.MAIN: 60, Level.ADVANCED: 80}
DEFAULT_LEVEL = Level.BASIC
# Roster grades the профминимум counts.
GRADES = (6, 11)

# Bands of a student's hours in a year, as the JSON of `partnercrm hours` names them: the lowest
# hours of each band, in order.
BANDS: tuple[tuple[str, int], ...] = (
    ("0", 0),
    ("1-39", 1),
    ("40-59", 40),
    ("60-79", 60),
    ("80+", 80),
)


def band(hours: Decimal | int) -> str:
    """The band of ``hours``: "0", "1-39" (more than 0, under 40), "40-59", "60-79", "80+"."""
    if hours <= 0:
        return "0"
    name = BANDS[1][0]
    for candidate, lowest in BANDS[1:]:
        if hours >= lowest:
            name = candidate
    return name


def school_year_label(first_year: int) -> str:
    """«2025/26» for the school year that starts on 1 September 2025."""
    return f"{first_year}/{(first_year + 1) % 100:02d}"


SCHOOL_YEAR_FORMAT = N_("A school year is written as 2025 or 2025/26.")
_SCHOOL_YEAR = re.compile(r"^\s*(\d{4})\s*(?:[/–-]\s*(\d{2}|\d{4}))?\s*$")


def parse_school_year(text: str) -> int | None:
    """The first year of a school year written as «2025», «2025/26» or «2025/2026»; None when
    it is none of these (or the second year does not follow the first)."""
    match = _SCHOOL_YEAR.match(text)
    if match is None:
        return None
    first, second = int(match.group(1)), match.group(2)
    if second is not None and int(second) not in (first + 1, (first + 1) % 100):
        return None
    return first


def school_year_period(first_year: int) -> Period:
    """1 September ``first_year`` – 31 August of the next year (local dates)."""
    return Period.school_year(first_year)
