"""Reading the exports back in tests, asserting the form every export has
(partnercrm/spreadsheets.py): CSV with a BOM and ``;``, XLSX with a frozen header row."""

from __future__ import annotations

import csv
import io

import openpyxl

BOM = b"\xef\xbb\xbf"


def csv_rows(body: bytes) -> list[list[str]]:
    """The rows of an exported CSV, after checking its BOM and its ``;`` delimiter."""
    assert body.startswith(BOM), "an exported CSV starts with a UTF-8 BOM"
    text = body.decode("utf-8-sig")
    assert ";" in text.splitlines()[0], "an exported CSV separates cells with ';'"
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def header_row(sheet) -> int:
    """The number of the frozen header row of an exported sheet."""
    assert sheet.freeze_panes, "an exported sheet freezes its header"
    return sheet[sheet.freeze_panes].row - 1


def sheet_table(sheet) -> list[list]:
    """The header and the rows of an exported sheet, without its caption."""
    return [list(row) for row in sheet.iter_rows(min_row=header_row(sheet), values_only=True)]


def caption(sheet) -> list:
    """The caption lines above the header (title, period, scope)."""
    return [sheet.cell(row=n, column=1).value for n in range(1, header_row(sheet) - 1)]


def workbook(body: bytes):
    return openpyxl.load_workbook(io.BytesIO(body))
