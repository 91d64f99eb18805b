"""Профминимум summaries and class tables as JSON, CSV and XLSX (DESIGN §8); no Flask import.
The spreadsheets' form: partnercrm/spreadsheets.py."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from partnercrm.localtime import Period
from partnercrm.profminimum.queries import By, StudentHours, Summary
from partnercrm.profminimum.rules import BANDS, school_year_label
from partnercrm.spreadsheets import Sheet, to_csv, to_xlsx

FORMATS = ("json", "csv", "xlsx")
TABLE_FORMATS = ("csv", "xlsx")
REGION_NAME = "Калининградская область"

BAND_HEADERS = [f"{name} ч" for name, _lowest in BANDS]
FIRST_COLUMNS = {
    By.MUNICIPALITY: "Муниципальное образование",
    By.SCHOOL: "Школа",
    By.CLASS: "Класс",
}


def number(value: Decimal) -> Decimal | int:
    """Hours as a spreadsheet shows them: whole ones as integers, others without trailing
    zeros (42.5, not 42.50)."""
    return int(value) if value == value.to_integral_value() else value.normalize()


def _bands(summary: Summary) -> dict[str, int]:
    return {name: summary.bands[name] for name, _lowest in BANDS}


def as_dict(
    first_year: int, period: Period, municipality: str | None, whole: Summary, parts: list[Summary]
) -> dict:
    """The JSON of ``partnercrm hours`` (DESIGN §8), keys in its order."""
    return {
        "school_year": school_year_label(first_year),
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "municipality": municipality,
        "students": whole.students,
        "reached": whole.reached,
        "bands": _bands(whole),
        "by_municipality": [
            {
                "municipality": part.label,
                "students": part.students,
                "reached": part.reached,
                "bands": _bands(part),
            }
            for part in parts
        ],
    }


def summary_table(
    by: By, whole: Summary, parts: Sequence[Summary], unnamed: bool = True
) -> tuple[list, list[list]]:
    """One line per part and the total: students, reached, below, the bands, and (unless a
    class breakdown) the student-hours without names."""
    header = [FIRST_COLUMNS[by], "Учащихся", "Достигли цели", "Не достигли", *BAND_HEADERS]
    if unnamed:
        header.append("Человеко-часы без имён")
    rows = []
    for part, label in [*((part, part.label) for part in parts), (whole, "Всего")]:
        row = [
            label,
            part.students,
            part.reached,
            part.below,
            *_bands(part).values(),
        ]
        if unnamed:
            row.append(number(part.unnamed_hours))
        rows.append(row)
    return header, rows


def class_table(students: Sequence[StudentHours]) -> tuple[list, list[list]]:
    """A class's students with their hours (names: the own school only)."""
    header = ["Учащийся", "Класс", "Часов", "Цель", "Не хватает"]
    rows = [
        [item.full_name, item.class_name, number(item.hours), item.target, number(item.missing)]
        for item in students
    ]
    return header, rows


def caption(title: str, first_year: int, scope: str | None) -> list[str]:
    return [
        title,
        f"Учебный год: {school_year_label(first_year)}",
        f"Территория: {scope or REGION_NAME}",
    ]


def render_table(
    fmt: str, table: tuple[list, list[list]], sheet_name: str, caption_lines: list[str]
) -> bytes:
    header, rows = table
    if fmt == "csv":
        return to_csv(header, rows)
    if fmt == "xlsx":
        return to_xlsx([Sheet(sheet_name, header, rows, caption=caption_lines)])
    raise ValueError(f"unknown format {fmt!r}")


def render_report(
    fmt: str,
    first_year: int,
    period: Period,
    municipality: str | None,
    whole: Summary,
    parts: list[Summary],
) -> bytes:
    """The region's (or one municipality's) report by municipality in ``fmt``."""
    if fmt == "json":
        data = as_dict(first_year, period, municipality, whole, parts)
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return render_table(
        fmt,
        summary_table(By.MUNICIPALITY, whole, parts),
        "Профминимум",
        caption("Профминимум: часы учащихся 6–11 классов", first_year, municipality),
    )
