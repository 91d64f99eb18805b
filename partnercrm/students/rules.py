"""Pure rules of the student roster (no Flask)."""

from __future__ import annotations

from datetime import date

from partnercrm.plausible import DateBounds

# Birth dates of students (and of young people applying for holiday jobs): 1990 to today.
BIRTH_DATES = DateBounds(date(1990, 1, 1))

# The grades of a school (1st to 11th).
MIN_GRADE, MAX_GRADE = 1, 11

# Latin letters typed for their Cyrillic look-alikes («5A» on an English keyboard means «5А»),
# so one class never splits in two, whether typed in the form, imported or given to a service.
_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")


def normalise_class_letter(value: str | None) -> str | None:
    """«а», « a » and «A» are all «А»; empty is None."""
    if not value:
        return None
    return value.strip().upper().translate(_LOOKALIKES) or None
