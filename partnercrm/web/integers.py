"""Integers from URLs, query strings and forms, within what the database holds.

Record ids are PostgreSQL ``integer`` columns (1 … 2^31 − 1); SQLite fails past 2^63 and
PostgreSQL past 2^31 − 1 with an error instead of "no such row". So every integer the app reads
from a request is checked here first:

- ``<int:…>`` in a route is :class:`RecordIdConverter` (installed as ``int`` by the app class):
  a larger number matches no route, a 404 like any unknown id;
- ``request.args.get("municipality", type=record_id)``: a filter out of range is ignored, as
  one that is no number;
- ``SelectField(coerce=record_id)`` (organization, municipality, student pickers;
  :func:`optional_record_id` where ``0`` means none) and :func:`id_range` on an
  ``IntegerField`` that carries an id: the field is refused;
- :func:`int_between` for other numbers in a query string (a grade, a year, a number of days).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from werkzeug.datastructures import ImmutableDict
from werkzeug.routing import IntegerConverter, Map

if TYPE_CHECKING:
    from wtforms.validators import NumberRange

MAX_ID = 2**31 - 1


def int_between(low: int, high: int) -> Callable[[object], int]:
    """A ``type=``/``coerce`` that accepts whole numbers from ``low`` to ``high`` and raises
    ``ValueError`` for anything else (werkzeug then ignores the argument, WTForms refuses the
    field)."""

    def convert(value: object) -> int:
        number = int(value)  # type: ignore[call-overload]
        if not low <= number <= high:
            raise ValueError(f"{number} is not between {low} and {high}")
        return number

    convert.__name__ = f"int_between_{low}_{high}"
    return convert


_RECORD_ID = int_between(1, MAX_ID)


def record_id(value: object) -> int:
    """The id of a record: a whole number from 1 to 2^31 − 1, else ``ValueError``."""
    return _RECORD_ID(value)


_OPTIONAL_RECORD_ID = int_between(0, MAX_ID)


def optional_record_id(value: object) -> int:
    """The ``coerce`` of a picker whose ``0`` means "none chosen" (``(0, "—")``)."""
    return _OPTIONAL_RECORD_ID(value)


def id_range(message=None) -> NumberRange:
    """The validator of an ``IntegerField`` that holds a record id. WTForms is imported here, by
    the forms that use it: the app class's URL map, from this module, is in every app, also in
    the app of a command without pages."""
    from wtforms.validators import NumberRange

    return NumberRange(min=1, max=MAX_ID, message=message)


class RecordIdConverter(IntegerConverter):
    """``<int:…>``, bounded by what an id column holds unless the rule says otherwise."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class RoutingMap(Map):
    """The app's URL map: ``int`` is :class:`RecordIdConverter`."""

    default_converters = ImmutableDict({**Map.default_converters, "int": RecordIdConverter})
