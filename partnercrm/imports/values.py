"""Cell values of import files → Python values (DESIGN §4.3), without Flask.

Every parser takes a cell (text, or a date from an XLSX date cell) and returns the value or
raises :class:`ValueProblem` with a Russian message for the row report. Empty cells are handled
by the caller (required or optional column); parsers see non-empty cells only, except the
boolean parser, for which an empty cell means false.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from partnercrm.activities.rules import MAX_HOURS, hours_in_range, parse_hours
from partnercrm.directory.rules import is_valid_inn
from partnercrm.localtime import local_date
from partnercrm.plausible import DateBounds, code_point, control_character
from partnercrm.students.rules import BIRTH_DATES, normalise_class_letter

Cell = str | date | datetime

TRUE_WORDS = frozenset({"1", "true", "да"})
FALSE_WORDS = frozenset({"0", "false", "нет", ""})
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S")
EARLIEST_YEAR = 1900
_PLAN_ITEMS = re.compile(r"^\s*\d+\s*([;,]\s*\d+\s*)*[;,]?\s*$")


class ValueProblem(ValueError):
    """A bad cell; the message is Russian and goes into the row report."""


def text(cell: Cell) -> str:
    """A cell as trimmed text with runs of white space made single spaces."""
    if isinstance(cell, str):
        return " ".join(cell.split())
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, date):
        return cell.isoformat()
    return " ".join(str(cell).split())


def check_text(cell: Cell) -> None:
    """Refuse a cell holding a control character (:mod:`partnercrm.plausible`), whatever its
    column; tab and line breaks are white space, which :func:`text` makes single spaces."""
    if isinstance(cell, str):
        char = control_character(cell, multiline=True)
        if char is not None:
            raise ValueProblem(
                f"недопустимый управляющий символ ({code_point(char)}) в тексте — удалите его"
            )


def within(bounds: DateBounds, day: date, cell: Cell, what: str = "дата") -> date:
    """``day`` if it lies within ``bounds`` (the domain's rule for the column's dates)."""
    if not bounds.contains(day):
        shown_bounds = bounds.shown()
        raise ValueProblem(
            f"{what} {shown(cell)} вне допустимых пределов: с {shown_bounds['earliest']} "
            f"по {shown_bounds['latest']}"
        )
    return day


def is_empty(cell: Cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


def shown(cell: Cell) -> str:
    """A cell quoted for a message, shortened so one bad cell cannot flood the report."""
    value = text(cell)
    if len(value) > 40:
        value = value[:37] + "…"
    return f"«{value}»"


def limited(max_length: int):
    """A text parser that refuses values longer than the column allows."""

    def parse(cell: Cell) -> str:
        value = text(cell)
        if len(value) > max_length:
            raise ValueProblem(f"не длиннее {max_length} символов (сейчас {len(value)})")
        return value

    return parse


def boolean(cell: Cell) -> bool:
    """``1/0``, ``true/false``, ``да/нет`` in any case; empty is false."""
    value = text(cell).lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueProblem(f"{shown(cell)} — ожидается 1/0, true/false или да/нет")


def parse_date(cell: Cell) -> date:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` (or an XLSX date cell)."""
    if isinstance(cell, datetime):
        if cell.hour or cell.minute or cell.second:
            raise ValueProblem(f"{shown(cell)} — ожидается дата без времени")
        return _check_year(cell.date(), cell)
    if isinstance(cell, date):
        return _check_year(cell, cell)
    value = text(cell)
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return _check_year(day, cell)
    raise ValueProblem(f"неверная дата {shown(cell)}: ожидается ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")


def class_letter(cell: Cell) -> str:
    """A class letter as the roster stores it (``normalise_class_letter``): «a» → «А»."""
    value = normalise_class_letter(text(cell)) or ""
    if len(value) > 5:
        raise ValueProblem(f"не длиннее 5 символов (сейчас {len(value)})")
    return value


def birth_date(cell: Cell) -> date:
    day = parse_date(cell)
    if day > local_date(datetime.now(UTC)):
        raise ValueProblem(f"дата рождения {shown(cell)} в будущем")
    return within(BIRTH_DATES, day, cell, "дата рождения")


def parse_datetime(cell: Cell) -> datetime:
    """``YYYY-MM-DD HH:MM`` or ``DD.MM.YYYY HH:MM``, local time, as a naive datetime.

    An XLSX date cell without a time of day is midnight (Excel cannot tell them apart).
    """
    if isinstance(cell, datetime):
        _check_year(cell.date(), cell)
        return cell.replace(second=0, microsecond=0)
    if isinstance(cell, date):
        _check_year(cell, cell)
        return datetime(cell.year, cell.month, cell.day)
    value = text(cell)
    for fmt in DATETIME_FORMATS:
        try:
            moment = datetime.strptime(value, fmt)
        except ValueError:
            continue
        _check_year(moment.date(), cell)
        return moment.replace(second=0)
    raise ValueProblem(
        f"неверные дата и время {shown(cell)}: ожидается ГГГГ-ММ-ДД ЧЧ:ММ или ДД.ММ.ГГГГ ЧЧ:ММ"
    )


def _check_year(day: date, cell: Cell) -> date:
    if day.year < EARLIEST_YEAR:
        raise ValueProblem(f"неверная дата {shown(cell)}: год раньше {EARLIEST_YEAR}")
    return day


def integer(low: int, high: int):
    """A parser of whole numbers from ``low`` to ``high``."""

    def parse(cell: Cell) -> int:
        value = text(cell)
        if not re.fullmatch(r"[+-]?\d{1,9}", value):
            raise ValueProblem(f"{shown(cell)} — ожидается целое число")
        number = int(value)
        if not low <= number <= high:
            raise ValueProblem(f"{number} — допустимо от {low} до {high}")
        return number

    return parse


def choice(values: Mapping[str, object], what: str):
    """A parser of one of ``values`` (keys compared case-insensitively)."""
    lowered = {key.lower(): value for key, value in values.items()}

    def parse(cell: Cell) -> object:
        value = text(cell).lower()
        if value in lowered:
            return lowered[value]
        raise ValueProblem(f"неизвестный {what} {shown(cell)}; допустимо: {', '.join(values)}")

    return parse


def plan_items(cell: Cell) -> list[int]:
    """Plan item numbers separated by ``;`` or ``,``: ``"5;23"``, ``"5, 23"``."""
    value = text(cell)
    if not _PLAN_ITEMS.match(value):
        raise ValueProblem(
            f"{shown(cell)} — ожидаются номера пунктов плана через «;» или «,», например 5;23"
        )
    numbers = [int(part) for part in re.split(r"[;,]", value) if part.strip()]
    return list(dict.fromkeys(numbers))


def hours(cell: Cell) -> Decimal:
    """Профминимум hours of an activity: «2», «1,5» or «1.5», more than 0 and at most 100."""
    value = parse_hours(text(cell))
    if value is None:
        raise ValueProblem(
            f"{shown(cell)} — ожидается число часов, например 2 или 1,5 (не больше двух знаков "
            "после запятой)"
        )
    if not hours_in_range(value):
        raise ValueProblem(f"{shown(cell)} — часов должно быть больше 0 и не больше {MAX_HOURS}")
    return value


def inn(cell: Cell) -> str:
    value = text(cell)
    if not is_valid_inn(value):
        raise ValueProblem(
            f"неверный ИНН {shown(cell)}: нужно 10 или 12 цифр с верными контрольными цифрами"
        )
    return value


def email(cell: Cell) -> str:
    value = text(cell)
    if len(value) > 254:
        raise ValueProblem("адрес электронной почты длиннее 254 символов")
    # Imported by the imports that have e-mail columns, not by every start of the app.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueProblem(f"неверный адрес электронной почты {shown(cell)}") from error
    return value
