"""A programme as an XLSX workbook (DESIGN §7), the spreadsheet form of the JSON document:
the sheets «Программа», «Разделы», «Мероприятия» and «Показатели», one column per key of the
document (lists as comma-separated text), an indicator's rule as columns (``grades`` as
``8-11``, ``ovz_only`` as ``да``). Reading checks it as JSON is checked and names each problem
by sheet and row (``Показатели, row 5: host_kinds[1]: unknown kind "factory"``). No Flask.

:func:`template` is the empty workbook an administrator fills in: the four sheets with their
header and one example row each."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime

from partnercrm.errors import N_
from partnercrm.imports.readers import FileProblem, Limits, check_workbook
from partnercrm.indicators.programmes import (
    INDICATOR_TEXTS,
    ITEM_TEXTS,
    ProgrammeError,
    check_document,
    refused,
)
from partnercrm.indicators.rules import KIND_FILTERS, Place, Problem, Problems
from partnercrm.spreadsheets import FORMULA_TRIGGERS, Sheet, to_xlsx

TITLES = {
    "programme": "Программа",
    "sections": "Разделы",
    "items": "Мероприятия",
    "indicators": "Показатели",
}
RULE_COLUMNS = ("count", "type", *KIND_FILTERS, "ovz_only", "grades")
COLUMNS = {
    "programme": ("code", "title", "valid_from", "valid_to"),
    "sections": ("number", "title"),
    "items": ("number", "section", *ITEM_TEXTS, "activity_kinds", "continues"),
    "indicators": ("number", *INDICATOR_TEXTS, *RULE_COLUMNS),
}
LISTS = {"activity_kinds", "continues", *KIND_FILTERS}
NUMBERS = {"number", "section"}
MAX_ROWS = 2000
YES, NO = {"да", "yes", "true", "1"}, {"нет", "no", "false", "0"}


def to_workbook(document: dict) -> bytes:
    """The document (``programmes.programme_document``) as an XLSX workbook."""
    rules = [indicator["rule"] for indicator in document["indicators"]]
    return to_xlsx(
        [
            Sheet(
                TITLES["programme"],
                COLUMNS["programme"],
                [[document[key] for key in COLUMNS["programme"]]],
            ),
            Sheet(
                TITLES["sections"],
                COLUMNS["sections"],
                [[s["number"], s["title"]] for s in document["sections"]],
            ),
            Sheet(
                TITLES["items"],
                COLUMNS["items"],
                [[_cell(item.get(key)) for key in COLUMNS["items"]] for item in document["items"]],
            ),
            Sheet(
                TITLES["indicators"],
                COLUMNS["indicators"],
                [
                    [indicator[key] for key in ("number", *INDICATOR_TEXTS)]
                    + [_cell(rule.get(key), key) for key in RULE_COLUMNS]
                    for indicator, rule in zip(document["indicators"], rules, strict=True)
                ],
            ),
        ]
    )


# The template's one example row per sheet: a programme that reads without a problem.
EXAMPLE = {
    "code": "kgd-2026-2030",
    "title": "Программа профориентации на 2026–2030 годы",
    "valid_from": "2026-01-01",
    "valid_to": "2030-12-31",
    "sections": [{"number": 1, "title": "Профессиональные пробы и экскурсии"}],
    "items": [
        {
            "number": 1,
            "section": 1,
            "title": "Экскурсии обучающихся на предприятия региона",
            "responsible": "Министерство образования, ОМСУ",
            "deadline": "ежегодно",
            "expected_result": "Не менее 50% обучающихся 8–11 классов",
            "activity_kinds": ["excursion"],
            "continues": [5],
        }
    ],
    "indicators": [
        {
            "number": 1,
            "goal": "Знакомство обучающихся с предприятиями региона",
            "name": "Количество обучающихся 8–11 классов, посетивших предприятия",
            "unit": "человек",
            "rule": {"count": "students", "host_kinds": ["employer"], "grades": [8, 11]},
        }
    ],
}


def template() -> bytes:
    """The workbook to fill in: every sheet with its header and one example row."""
    return to_workbook(EXAMPLE)


def _cell(value, key: str = ""):
    if value is None:
        return ""
    if key == "grades":
        return f"{value[0]}-{value[1]}"
    if key == "ovz_only":
        return "да" if value else ""
    if isinstance(value, list):
        return ", ".join(str(part) for part in value)
    return value


# --- reading ---


def read_workbook(content: bytes) -> dict:
    """The checked programme of an XLSX file; :class:`ProgrammeError` names sheet and row."""
    sheets = _read_sheets(content)
    problems = Problems()
    # The document's places (a row, a key of the programme) → their sheet and row.
    places: dict[str, Place] = {}
    data: dict = {}
    for what, title in TITLES.items():
        rows = sheets.get(title)
        if rows is None:
            problems.add(Place(), N_("no sheet «%(sheet)s»"), sheet=title)
            continue
        header, records = rows
        for column in COLUMNS[what]:
            if column not in header:
                problems.add(Place(sheet=title), N_('no column "%(column)s"'), column=column)
        for column in header:
            if column and column not in COLUMNS[what]:
                problems.add(Place(sheet=title), N_('unknown column "%(column)s"'), column=column)
        if what == "programme":
            if len(records) != 1:
                problems.add(Place(sheet=title), N_("give one row under the header"))
                continue
            number, cells = records[0]
            for key in COLUMNS[what]:
                places[key] = Place(key, title, number)
            data |= {key: _value(key, cells.get(key)) for key in COLUMNS[what] if key in cells}
            continue
        places[what] = Place(sheet=title)
        data[what] = []
        for index, (number, cells) in enumerate(records):
            places[f"{what}[{index}]"] = Place(sheet=title, row=number)
            data[what].append(_row(what, cells))
    if problems:
        raise ProgrammeError(problems)
    try:
        return check_document(data)
    except ProgrammeError as error:
        raise ProgrammeError(
            [problem.moved(lambda place: _placed(place, places)) for problem in error.found]
        ) from None


def _read_sheets(content: bytes) -> dict[str, tuple[list[str], list[tuple[int, dict]]]]:
    """Each sheet: its header (first row) and its non-blank rows as {column: cell}."""
    from openpyxl import load_workbook

    try:
        check_workbook(content, Limits())
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except FileProblem as problem:
        raise refused(str(problem)) from problem  # already Russian
    except Exception as error:  # openpyxl raises many kinds of errors on damaged files
        raise refused(N_("not an XLSX workbook that can be read")) from error
    sheets = {}
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
            records = []
            for number, values in enumerate(rows, start=2):
                if number > MAX_ROWS + 1:
                    raise ProgrammeError(
                        [
                            Problem(
                                Place(sheet=sheet.title),
                                N_("more than %(rows)d rows"),
                                {"rows": MAX_ROWS},
                            )
                        ]
                    )
                if all(value is None or str(value).strip() == "" for value in values):
                    continue
                records.append(
                    (
                        number,
                        {col: value for col, value in zip(header, values, strict=False) if col},
                    )
                )
            sheets[sheet.title] = (header, records)
    finally:
        workbook.close()
    return sheets


def _row(what: str, cells: dict) -> dict:
    row = {}
    for key in COLUMNS[what]:
        if (what == "indicators" and key in RULE_COLUMNS) or key not in cells:
            continue
        value = _value(key, cells[key])
        if value is not None:
            row[key] = value
    if what == "indicators":
        row["rule"] = {
            key: value
            for key in RULE_COLUMNS
            if key in cells and (value := _value(key, cells[key])) is not None
        }
    return row


def _value(key: str, cell):
    """A cell as the JSON document has it; None for an empty optional one. What cannot be
    read is passed on as it is, for the document's checks to name."""
    if isinstance(cell, datetime):
        cell = cell.date()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = "" if cell is None else str(cell).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]  # written neutralised
    if key in NUMBERS:
        return int(text) if text.isdigit() else (cell if text else None)
    if key in LISTS:
        parts = [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
        if key == "continues":
            return [int(part) if part.isdigit() else part for part in parts] or None
        return parts or None
    if key == "ovz_only":
        if text.lower() in YES:
            return True
        return None if text.lower() in NO or not text else text
    if key == "grades":
        found = re.fullmatch(r"(\d+)\s*[-–—]\s*(\d+)", text)
        if found:
            return [int(found[1]), int(found[2])]
        return [int(text), int(text)] if text.isdigit() else (text or None)
    if key in ("count", "type"):
        return text or None
    return text


_ROW = re.compile(r"^((?:sections|items|indicators)\[\d+\])(?:\.rule)?\.?(.*)$")


def _placed(place: Place, places: dict[str, Place]) -> Place:
    """``items[3].section`` → ``Мероприятия, row 5: section``; ``valid_to`` → ``Программа,
    row 2: valid_to``; ``sections`` → ``Разделы``."""
    found = _ROW.match(place.path)
    if found and found[1] in places:
        return replace(places[found[1]], path=found[2])
    return places.get(place.path, place)
