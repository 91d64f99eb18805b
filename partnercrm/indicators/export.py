"""Indicator exports in JSON, CSV and XLSX (DESIGN §4.4), and the live roadmap's table in CSV
and XLSX; no Flask import. The spreadsheets' form: partnercrm/spreadsheets.py."""

from __future__ import annotations

import json

from partnercrm.indicators.queries import IndicatorResult
from partnercrm.localtime import Period
from partnercrm.roadmap.models import Programme
from partnercrm.spreadsheets import Sheet, to_csv, to_xlsx

FORMATS = ("json", "csv", "xlsx")
ROADMAP_FORMATS = ("csv", "xlsx")


def programme_dict(programme: Programme | None) -> dict | None:
    return None if programme is None else {"code": programme.code, "title": programme.title}


def as_dict(
    results: list[IndicatorResult],
    period: Period,
    municipality: str | None,
    programme: Programme | None,
) -> dict:
    """DESIGN §4.4: the indicators of ``programme`` (the one ``results`` were counted by)."""
    indicators = []
    for result in results:
        item = {
            "number": result.number,
            "name": result.name,
            "unit": result.unit,
            "value": result.value,
        }
        if result.counts_students:
            item["named"], item["headcount"] = result.named, result.headcount
        if result.comment:
            item["comment"] = result.comment
        if result.by_municipality:
            item["by_municipality"] = [
                {"municipality": part.label, "value": part.value}
                | (
                    {"named": part.named, "headcount": part.headcount}
                    if result.counts_students
                    else {}
                )
                for part in result.by_municipality
            ]
        indicators.append(item)
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "programme": programme_dict(programme),
        "municipality": municipality,
        "indicators": indicators,
    }


def _municipality_names(results: list[IndicatorResult]) -> list[str]:
    for result in results:
        if result.by_municipality:
            return [part.label for part in result.by_municipality]
    return []


def ministry_table(results: list[IndicatorResult]) -> tuple[list, list[list]]:
    """The ministry's table: number, indicator, unit, value, then one column per municipality."""
    names = _municipality_names(results)
    header = ["№", "Показатель", "Единица измерения", "Значение", *names]
    rows = []
    for result in results:
        by_name = {part.label: part.value for part in result.by_municipality}
        rows.append(
            [
                result.number,
                result.name,
                result.unit,
                _cell(result),
                *[by_name.get(name, "") for name in names],
            ]
        )
    return header, rows


def _cell(result: IndicatorResult):
    if result.value is None:
        return ""
    if result.unit == "да/нет":
        return "да" if result.value else "нет"
    return result.value


def composition_table(results: list[IndicatorResult]) -> tuple[list, list[list]]:
    """How each computed figure is built: distinct named students and added headcounts."""
    header = ["№", "Муниципальное образование", "Значение", "Поимённо", "По численности"]
    rows = []
    for result in results:
        if not result.counts_students:
            continue
        rows.append([result.number, "Всего", result.value, result.named, result.headcount])
        rows.extend(
            [result.number, part.label, part.value, part.named, part.headcount]
            for part in result.by_municipality
        )
    return header, rows


def render(
    results: list[IndicatorResult],
    period: Period,
    municipality: str | None,
    fmt: str,
    programme: Programme | None,
) -> bytes:
    """The export of ``results``, counted by ``programme``, in ``fmt``. The CSV is the bare
    ministry table; JSON and the XLSX captions name the programme."""
    if fmt == "json":
        data = as_dict(results, period, municipality, programme)
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "csv":
        return to_csv(*ministry_table(results))
    if fmt == "xlsx":
        return to_xlsx(
            [
                Sheet(
                    "Показатели",
                    *ministry_table(results),
                    caption=caption_lines(
                        "Показатели дорожной карты", period, municipality, programme
                    ),
                    wrap=(1,),
                ),
                Sheet(
                    "Состав",
                    *composition_table(results),
                    caption=caption_lines("Состав показателей", period, municipality, programme),
                ),
            ]
        )
    raise ValueError(f"unknown format {fmt!r}")


REGION_NAME = "Калининградская область"


def caption_lines(
    title: str, period: Period, scope: str | None, programme: Programme | None = None
) -> list[str]:
    """The caption of an XLSX sheet: title, the programme counted (if given), period, scope
    (the region when None)."""
    lines = [title]
    if programme is not None:
        lines.append(programme_line(programme))
    lines += [
        f"Период: {period.start:%d.%m.%Y} – {period.end:%d.%m.%Y}",
        f"Территория: {scope or REGION_NAME}",
    ]
    return lines


def programme_line(programme: Programme) -> str:
    return f"Программа: {programme.title} ({programme.code})"


def render_table(
    fmt: str, header: list, rows: list[list], name: str, caption: list[str], wrap=()
) -> bytes:
    """One table as CSV, or as an XLSX sheet ``name`` under ``caption``."""
    if fmt == "csv":
        return to_csv(header, rows)
    if fmt == "xlsx":
        return to_xlsx([Sheet(name, header, rows, caption=caption, wrap=wrap)])
    raise ValueError(f"unknown format {fmt!r}")
