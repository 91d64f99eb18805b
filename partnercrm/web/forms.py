"""WTForms filters every domain's forms share."""

from __future__ import annotations


def blank_to_none(value):
    """Strip text; an empty field is stored as NULL (or means "not chosen"), not as ''."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def with_scheme(value):
    # People type "school5.ru"; store a link that opens.
    if value and "://" not in value:
        return "https://" + value
    return value
