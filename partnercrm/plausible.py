"""Plausible values, without Flask: text without control characters, dates within bounds.

One rule each, used by every way in (issue #14): the forms (``web/forms.py`` applies the text
rule to every text field, and offers a date validator), the imports (``imports/values.py``) and
the services (each domain states the bounds of its dates in its ``rules.py`` and checks them
with :func:`check_date`, so the admin, the imports and any future caller obey them too).

Control characters are Unicode's category Cc (U+0000–U+001F, U+007F–U+009F): a NUL or an
escape code is never meant, it comes from a damaged file or a probe. A single-line text holds
none of them; a multi-line text (a description, a comment) may hold tab, line feed and carriage
return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from partnercrm.errors import N_, UserError
from partnercrm.localtime import local_date, local_today

# Unicode's category Cc, all of it; and all but \t \n \r.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAKS = frozenset("\t\n\r")

DATE_OUT_OF_BOUNDS = N_("The date must be from %(earliest)s to %(latest)s.")
DATE_FORMAT = "%d.%m.%Y"


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control character ``text`` may not hold, or None."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
    return found[0] if found else None


def code_point(char: str) -> str:
    """``U+0000``: how a message names an invisible character."""
    return f"U+{ord(char):04X}"


@dataclass(frozen=True)
class DateBounds:
    """Local dates from ``earliest`` to today plus ``years_ahead`` years, inclusive."""

    earliest: date
    years_ahead: int = 0

    def latest(self, today: date | None = None) -> date:
        today = today or local_today()
        try:
            return today.replace(year=today.year + self.years_ahead)
        except ValueError:  # 29 February plus years is 28 February of a common year
            return today.replace(year=today.year + self.years_ahead, day=28)

    def contains(self, day: date, today: date | None = None) -> bool:
        return self.earliest <= day <= self.latest(today)

    def shown(self, today: date | None = None) -> dict[str, str]:
        """The bounds as :data:`DATE_OUT_OF_BOUNDS` fills them in."""
        return {
            "earliest": self.earliest.strftime(DATE_FORMAT),
            "latest": self.latest(today).strftime(DATE_FORMAT),
        }


def as_local_date(value: date | datetime) -> date:
    """A date as it is; an aware datetime as its local date (DESIGN §3.1); a naive one as typed."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.date()
        try:
            return local_date(value)
        except OverflowError:  # in year 9999 or 1, past the calendar's end: out of any bounds
            return value.date()
    return value


def check_date(
    value: date | datetime | None,
    bounds: DateBounds,
    error: type[UserError],
    field: str | None,
    today: date | None = None,
) -> None:
    """Raise ``error`` (the domain's :class:`~partnercrm.errors.UserError`) when ``value`` lies
    outside ``bounds``; None passes (whether a date is required is the caller's rule)."""
    if value is None:
        return
    if not bounds.contains(as_local_date(value), today):
        raise error(DATE_OUT_OF_BOUNDS, field, **bounds.shown(today))
