"""The columns of the import kinds and the checks of one row (DESIGN §4.3), without Flask: the
column spec (:class:`Kind`) and the five built-in specs.

:func:`parse_rows` turns a :class:`~partnercrm.imports.readers.Table` into typed rows and a list
of :class:`RowError` for every bad cell, missing or unknown column and key repeated inside the
file. Whether codes and refs exist, and whether a row is in the user's scope, is checked later
against the database (``services.py``).

Only columns present in the file are in a row's ``values``: on an update an absent optional
column leaves the stored value as it is, while a present but empty cell clears it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from partnercrm.activities.rules import NO_GRADE, ActivityKind, ActivityStatus
from partnercrm.database import fold
from partnercrm.directory.rules import OrganizationKind
from partnercrm.imports import values as v
from partnercrm.imports.readers import Cell, Table
from partnercrm.students.rules import MAX_GRADE, MIN_GRADE

MAX_COUNT = 100_000


@dataclass(frozen=True)
class RowError:
    """One problem: ``row N: column: message``. The message is Russian."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.message}"


@dataclass(frozen=True)
class Column:
    name: str
    # Cell → value; None keeps the cell's text.
    parse: Callable[[Cell], Any] | None = None
    # Required: the file must have the column and every row a value in it.
    required: bool = False
    # The value of an empty cell in an optional column.
    empty: Any = None
    aliases: tuple[str, ...] = ()
    # The cell of the import template's example row (imports/templates.py): text in which
    # ``{school}``, ``{partner}``, ``{municipality}``, ``{student}``, ``{activity}`` and
    # ``{date}`` (a day two weeks ahead) are the user's own or the other templates' values;
    # ``{school_year}`` is the current school year's first year.
    example: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    # Checks across the columns of one row: (values, columns that failed) → [(column, message)];
    # may replace values.
    finish: Callable[[dict[str, Any], set[str]], list[tuple[str, str]]] | None = None

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    key: tuple = ()


@dataclass
class Parsed:
    kind: Kind
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Column name → the header as written in the file (for messages).
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, column: str) -> str:
        return self.labels.get(column, column)

    def has(self, column: str) -> bool:
        return column in self.labels


def _text(max_length: int) -> Callable[[Cell], str]:
    return v.limited(max_length)


CODE = _text(64)
ORGANIZATION_KINDS = {kind.value: kind for kind in OrganizationKind}
ACTIVITY_KINDS = {kind.value: kind for kind in ActivityKind}
STATUSES = {status.value: status for status in ActivityStatus}
GRADE = v.integer(MIN_GRADE, MAX_GRADE)
COUNT = v.integer(0, MAX_COUNT)


def _activity_timing(values: dict[str, Any], failed: set[str]) -> list[tuple[str, str]]:
    """starts_at/ends_at are dates of an all-day activity (ends_at the last day, inclusive;
    empty: one day), or local datetimes of a timed one (ends_at may be empty)."""
    if "all_day" in failed or "starts_at" in failed:
        return []
    all_day = values.get("all_day", False)
    parse = v.parse_date if all_day else v.parse_datetime
    hint = " (мероприятие на весь день, all_day)" if all_day else ""
    problems = []
    try:
        starts = parse(values["starts_at"])
    except v.ValueProblem as problem:
        problems.append(("starts_at", f"{problem}{hint}"))
        starts = None
    ends_cell = values.get("ends_at")
    ends = None
    if ends_cell is not None:
        try:
            ends = parse(ends_cell)
        except v.ValueProblem as problem:
            problems.append(("ends_at", f"{problem}{hint}"))
    if problems:
        return problems
    assert starts is not None, "a start that does not parse is a problem"
    if all_day and ends is None:
        ends = starts
    if ends is not None and ends < starts:
        what = "последний день раньше первого" if all_day else "окончание раньше начала"
        problems.append(("ends_at", what))
    values["starts_at"], values["ends_at"] = starts, ends
    return problems


def _headcount_ovz(values: dict[str, Any], failed: set[str]) -> list[tuple[str, str]]:
    ovz = values.get("ovz_count", 0) if "ovz_count" not in failed else 0
    if "count" in values and ovz > values["count"]:
        return [("ovz_count", "больше общего числа участников (count)")]
    return []


# The organization the organizations template adds, and the other templates' partner where
# the directory has none.
EXAMPLE_ORGANIZATION = "пример-организация"

# Columns of several kinds: a school by code, a student by the school's roster id.
SCHOOL_CODE = Column(
    "school_code", CODE, required=True, aliases=("код школы", "школа"), example="{school}"
)
LOCAL_ID = Column(
    "local_id",
    CODE,
    required=True,
    aliases=("номер", "номер в школе", "номер обучающегося", "id"),
    example="{student}",
)

ORGANIZATIONS = Kind(
    "organizations",
    (
        Column("code", CODE, required=True, aliases=("код",), example=EXAMPLE_ORGANIZATION),
        Column(
            "kind",
            v.choice(ORGANIZATION_KINDS, "вид организации"),
            required=True,
            aliases=("вид", "вид организации", "тип"),
            example="employer",
        ),
        Column(
            "name",
            _text(500),
            required=True,
            aliases=("наименование", "название"),
            example="ООО «Пример»",
        ),
        Column(
            "short_name",
            _text(200),
            aliases=("краткое наименование", "краткое название", "сокращённое наименование"),
        ),
        Column(
            "municipality",
            _text(100),
            required=True,
            aliases=("муниципалитет", "муниципальное образование"),
            example="{municipality}",
        ),
        Column("inn", v.inn, aliases=("инн",)),
        Column("address", _text(500), aliases=("адрес",), example="ул. Примерная, 1"),
        Column("email", v.email, aliases=("e-mail", "эл. почта", "электронная почта", "почта")),
        Column("phone", _text(50), aliases=("телефон",), example="+7 4012 00-00-00"),
    ),
    keys=("code",),
)

STUDENTS = Kind(
    "students",
    (
        SCHOOL_CODE,
        LOCAL_ID,
        Column(
            "full_name",
            _text(200),
            required=True,
            aliases=("фио", "ф.и.о."),
            example="Пример Ученик Иванович",
        ),
        Column("grade", GRADE, required=True, aliases=("класс", "параллель"), example="8"),
        Column(
            "class_letter",
            v.class_letter,
            aliases=("литера", "буква", "буква класса"),
            example="А",
        ),
        Column("birth_date", v.birth_date, aliases=("дата рождения",), example="14.05.2012"),
        Column("ovz", v.boolean, empty=False, aliases=("овз",), example="нет"),
    ),
    keys=("school_code", "local_id"),
)

ACTIVITIES = Kind(
    "activities",
    (
        Column(
            "ref", CODE, required=True, aliases=("код мероприятия", "код"), example="{activity}"
        ),
        Column(
            "kind",
            v.choice(ACTIVITY_KINDS, "вид мероприятия"),
            required=True,
            aliases=("вид", "вид мероприятия"),
            example="career_event",
        ),
        Column(
            "title",
            _text(300),
            required=True,
            aliases=("название", "наименование"),
            example="Классный час «Профессии региона»",
        ),
        # Parsed by _activity_timing, which needs all_day.
        Column(
            "starts_at",
            None,
            required=True,
            aliases=("начало", "дата начала"),
            example="{date} 10:00",
        ),
        Column("ends_at", None, aliases=("окончание", "дата окончания"), example="{date} 11:00"),
        Column("all_day", v.boolean, empty=False, aliases=("весь день",), example="нет"),
        Column("location", _text(500), aliases=("место", "адрес"), example="Актовый зал"),
        Column(
            "host_code",
            CODE,
            required=True,
            aliases=("код места проведения", "место проведения", "принимающая организация"),
            example="{school}",
        ),
        Column(
            "organizer_code",
            CODE,
            required=True,
            aliases=("код организатора", "организатор"),
            example="{school}",
        ),
        Column("school_code", CODE, aliases=("код школы", "школа"), example="{school}"),
        Column(
            "status",
            v.choice(STATUSES, "статус"),
            empty=ActivityStatus.PLANNED,
            aliases=("статус",),
            example="planned",
        ),
        Column(
            "plan_items",
            v.plan_items,
            aliases=("пункты плана", "мероприятия дорожной карты"),
        ),
        Column("public", v.boolean, empty=False, aliases=("публичное", "опубликовать")),
        # The programme whose numbers plan_items are; needed only where two are in force.
        Column("programme", CODE, aliases=("программа", "код программы")),
        # Empty: the default of the activity's times (DESIGN §8); none for parent meetings.
        Column("hours", v.hours, aliases=("часы", "часы профминимума"), example="1,5"),
    ),
    keys=("ref",),
    finish=_activity_timing,
)

PARTICIPANTS = Kind(
    "participants",
    (
        Column(
            "activity_ref",
            CODE,
            required=True,
            aliases=("код мероприятия", "мероприятие"),
            example="{activity}",
        ),
        SCHOOL_CODE,
        LOCAL_ID,
    ),
    keys=("activity_ref", "school_code", "local_id"),
)

HEADCOUNTS = Kind(
    "headcounts",
    (
        Column(
            "activity_ref",
            CODE,
            required=True,
            aliases=("код мероприятия", "мероприятие"),
            example="{activity}",
        ),
        SCHOOL_CODE,
        # Empty or absent: the count is not split by grade.
        Column("grade", GRADE, empty=NO_GRADE, aliases=("класс", "параллель"), example="9"),
        Column(
            "count",
            COUNT,
            required=True,
            aliases=("количество", "число участников"),
            example="25",
        ),
        Column(
            "ovz_count", COUNT, empty=0, aliases=("из них с овз", "из них овз", "овз"), example="1"
        ),
    ),
    keys=("activity_ref", "school_code", "grade"),
    finish=_headcount_ovz,
)

# The kinds of DESIGN §4.3, in the Import page's order (registered by imports.services).
BUILT_IN = (ORGANIZATIONS, STUDENTS, ACTIVITIES, PARTICIPANTS, HEADCOUNTS)


def normalise_header(name: str) -> str:
    """Header cells compare without case, extra spaces, ``ё`` and a trailing ``*``."""
    name = fold(" ".join(name.replace("\ufeff", "").split()))
    return name.rstrip("*").strip()


def _lookup(kind: Kind) -> dict[str, str]:
    names = {}
    for column in kind.columns:
        for name in (column.name, *column.aliases):
            names[normalise_header(name)] = column.name
    return names


def parse_rows(kind: Kind, table: Table, progress: Callable[[int], None] | None = None) -> Parsed:
    """Check the header and every row; every problem becomes a :class:`RowError`."""
    parsed = Parsed(kind)
    positions = _read_header(kind, table, parsed)
    if parsed.errors:
        return parsed
    seen: dict[tuple, int] = {}
    width = len(table.header)
    fields = [(name, index, kind.column(name)) for name, index in positions.items()]
    for done, (number, cells) in enumerate(table.rows, start=1):
        row = _parse_row(kind, number, cells, fields, parsed)
        for index in range(width, len(cells)):
            if not v.is_empty(cells[index]):
                parsed.errors.append(
                    RowError(number, f"столбец {index + 1}", "значение в столбце без названия")
                )
        if row is not None:
            first = seen.setdefault(row.key, number)
            if first != number:
                parsed.errors.append(
                    RowError(
                        number,
                        parsed.label(_key_column(kind, parsed)),
                        f"ключ ({', '.join(str(part) for part in row.key)}) "
                        f"уже встречался в строке {first}",
                    )
                )
            else:
                parsed.rows.append(row)
        if progress is not None:
            progress(done)
    return parsed


def _key_column(kind: Kind, parsed: Parsed) -> str:
    present = [key for key in kind.keys if parsed.has(key)]
    return present[-1]


def _read_header(kind: Kind, table: Table, parsed: Parsed) -> dict[str, int]:
    lookup = _lookup(kind)
    positions: dict[str, int] = {}
    row = table.header_row
    for index, cell in enumerate(table.header):
        label = " ".join(cell.split())
        if not label:
            continue  # a spreadsheet's unused column
        name = lookup.get(normalise_header(label))
        if name is None:
            parsed.errors.append(
                RowError(
                    row,
                    label,
                    f"неизвестный столбец; для «{kind.name}» допустимы: "
                    + ", ".join(kind.column_names),
                )
            )
        elif name in positions:
            parsed.errors.append(RowError(row, label, f"столбец {name} указан дважды"))
        else:
            positions[name] = index
            parsed.labels[name] = label
    for column in kind.columns:
        if column.required and column.name not in positions:
            parsed.errors.append(RowError(row, column.name, "нет обязательного столбца"))
    return positions


def _parse_row(
    kind: Kind,
    number: int,
    cells: list[Cell],
    fields: list[tuple[str, int, Column]],
    parsed: Parsed,
) -> Row | None:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    failed: set[str] = set()
    width = len(cells)
    for name, index, column in fields:
        cell = cells[index] if index < width else ""
        try:
            v.check_text(cell)
        except v.ValueProblem as problem:
            errors.append(RowError(number, parsed.label(name), str(problem)))
            failed.add(name)
            continue
        if isinstance(cell, str) and not cell.strip():
            if column.required:
                errors.append(RowError(number, parsed.label(name), "не заполнено"))
                failed.add(name)
            else:
                values[name] = column.empty
            continue
        try:
            values[name] = column.parse(cell) if column.parse else cell
        except v.ValueProblem as problem:
            errors.append(RowError(number, parsed.label(name), str(problem)))
            failed.add(name)
    if kind.finish is not None:
        errors.extend(
            RowError(number, parsed.label(column), message)
            for column, message in kind.finish(values, failed)
        )
    if errors:
        parsed.errors.extend(errors)
        return None
    key = tuple(values[name] if name in values else kind.column(name).empty for name in kind.keys)
    return Row(number, values, key)
