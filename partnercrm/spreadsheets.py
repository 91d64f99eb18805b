"""Writing CSV and XLSX safely (no Flask): cells that a spreadsheet would run as a formula
are neutralised (DESIGN §4.4)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell starting like a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> str:
    """CSV text; the caller picks the encoding (UTF-8 with a BOM opens well in Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


def to_xlsx(sheets: Sequence[tuple[str, Sequence, Iterable[Sequence]]]) -> bytes:
    """An XLSX workbook of (title, header, rows) sheets; header bold, columns sized."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None, "a new workbook has one sheet"
    workbook.remove(first)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([neutralise(cell) for cell in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([neutralise(cell) for cell in row])
        for index, column in enumerate(sheet.columns, start=1):
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
