"""Writing CSV and XLSX (no Flask), the one writer of every export (DESIGN §4.4): cells that a
spreadsheet would run as a formula are neutralised.

Exports take the form Russian officials open without setting anything up: CSV is UTF-8 with a
byte order mark and ``;`` between cells (what Russian Excel expects), XLSX sheets start with a
caption (a bold title row, then the period and the scope), leave a blank row, and then hold the
table with a bold, frozen header row; long text columns wrap.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"
CSV_MIME_TYPE = "text/csv; charset=utf-8"
XLSX_MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WRAPPED_WIDTH = 60
MAX_WIDTH = 40


def neutralise(value):
    """A text cell starting like a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """The CSV file: UTF-8 with a BOM, ``;``-separated, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue().encode(CSV_ENCODING)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its tab name, the caption lines above the table (the first is
    the title; then the period, the scope), the header and the rows; ``wrap`` names the
    columns (0-based) of long text that wrap instead of widening the sheet."""

    name: str
    header: Sequence
    rows: Iterable[Sequence]
    caption: Sequence[str] = ()
    wrap: Sequence[int] = ()


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX workbook of ``sheets``: caption, header bold and frozen, columns sized."""
    # Imported here: a quarter of a second that the many modules importing this one, and so
    # every command and worker start, need not pay.
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None, "a new workbook has one sheet"
    workbook.remove(first)
    for spec in sheets:
        _fill(workbook.create_sheet(title=spec.name[:31]), spec)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _fill(sheet, spec: Sheet) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for index, line in enumerate(spec.caption):
        sheet.append([neutralise(line)])
        sheet.cell(row=index + 1, column=1).font = Font(bold=True, size=14 if index == 0 else 11)
    if spec.caption:
        sheet.append([])
    header_row = len(spec.caption) + 2 if spec.caption else 1
    sheet.append([neutralise(cell) for cell in spec.header])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in spec.rows:
        sheet.append([neutralise(cell) for cell in row])
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    wrapped = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(sheet.iter_cols(min_row=header_row), start=1):
        letter = get_column_letter(index)
        if index - 1 in spec.wrap:
            sheet.column_dimensions[letter].width = WRAPPED_WIDTH
            for cell in column[1:]:
                cell.alignment = wrapped
            continue
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), MAX_WIDTH)
