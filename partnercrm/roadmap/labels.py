"""The units of the ministry's indicators (``plan.json`` spells them in Russian) in the user's
language, and a figure with its unit in the plural form its number needs («4 человека»)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l

YES_NO = "да/нет"
PEOPLE = "человек"
UNITS = "единиц"
# Профминимум hours (DESIGN §8): «1 час», «1,5 часа», «40 часов».
HOURS = "часов"

UNIT_LABELS = {
    PEOPLE: _l("people"),
    UNITS: _l("units"),
    HOURS: _l("hours"),
    YES_NO: _l("yes/no"),
}


def unit_label(unit: str) -> str:
    return str(UNIT_LABELS.get(unit, unit))


def quantity(value: int | float | Decimal, unit: str) -> str:
    """``value`` with its unit: «1 человек», «4 человека», «191 человек»; yes or no."""
    if unit == YES_NO:
        return gettext("yes") if value else gettext("no")
    # A fraction takes the form of "2" in Russian («2,5 человека») and the plural in English.
    count = int(value) if value == int(value) else 2
    if unit == PEOPLE:
        return ngettext("%(value)s person", "%(value)s people", count, value=value)
    if unit == UNITS:
        return ngettext("%(value)s unit", "%(value)s units", count, value=value)
    if unit == HOURS:
        return ngettext(
            "%(value)s hour", "%(value)s hours", count, value=format_decimal(Decimal(value))
        )
    return f"{value} {unit}"
