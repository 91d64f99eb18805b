"""Import files → rows of cells (DESIGN §4.3), without Flask.

A file is CSV (UTF-8 with or without BOM, or Windows-1251; ``,`` or ``;`` between values) or
XLSX (the first sheet). What it is comes from its content, not its name. Rows keep the numbers a
spreadsheet shows them with: the header is usually row 1, and blank rows still count.

Cells come out as text, or as :class:`datetime.date` / :class:`datetime.datetime` for XLSX date
cells. XLSX numbers become text the way a person reads them: ``7.0`` → ``"7"``. Text cells keep
leading zeros (a roster id typed as ``00123`` in a text cell stays ``00123``).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

Cell = str | date | datetime

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 .xls, old .doc
DELIMITERS = (",", ";")
# Control characters that never occur in a text table; finding one means a binary file.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileProblem(ValueError):
    """The file as a whole cannot be read. The message is Russian and shown as it is."""


@dataclass
class Table:
    """The header row and the data rows of a file, with their spreadsheet row numbers."""

    header: list[str]
    header_row: int = 1
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    format: str = "csv"  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


def read_table(data: bytes) -> Table:
    """Read a CSV or XLSX file; raise :class:`FileProblem` when it is neither, or empty."""
    if not data or not data.strip():
        raise FileProblem("Файл пуст.")
    if data.startswith(ZIP_MAGIC):
        return read_xlsx(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(
            "Кодировка UTF-16 («Текст Юникод») не поддерживается: сохраните файл как "
            "CSV UTF-8 или XLSX."
        )
    if data.startswith(OLE_MAGIC):
        raise FileProblem(
            "Формат XLS (Excel 97–2003) не поддерживается: сохраните файл как XLSX или CSV."
        )
    return read_csv(data)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM), else Windows-1251."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as error:
        raise FileProblem(
            "Не удалось определить кодировку: сохраните файл в UTF-8 или Windows-1251."
        ) from error


def detect_delimiter(line: str) -> str:
    """``;`` when the header line has more semicolons than commas, else ``,``."""
    counts = {delimiter: _count_outside_quotes(line, delimiter) for delimiter in DELIMITERS}
    return ";" if counts[";"] > counts[","] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    if _BINARY.search(text):
        raise FileProblem("Файл не похож на таблицу CSV или XLSX.")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = detect_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[Cell]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            records.append((number, list(record)))
    except csv.Error as error:
        raise FileProblem(
            f"Строка {len(records) + 1}: не удалось разобрать CSV ({error})."
        ) from error
    return _table(records, "csv", encoding=encoding, delimiter=delimiter)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise FileProblem("Не удалось прочитать файл XLSX: это не книга Excel.") from error
    except Exception as error:  # openpyxl raises many kinds of errors on damaged files
        raise FileProblem("Не удалось прочитать файл XLSX: файл повреждён.") from error
    try:
        if not workbook.worksheets:
            raise FileProblem("В книге XLSX нет листов.")
        sheet = workbook.worksheets[0]
        records = [
            (number, [xlsx_cell(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    except FileProblem:
        raise
    except Exception as error:
        raise FileProblem("Не удалось прочитать файл XLSX: файл повреждён.") from error
    finally:
        workbook.close()
    return _table(records, "xlsx")


def xlsx_cell(value) -> Cell:
    """An XLSX cell value as text, or a date (a datetime when it has a time of day)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time.min:
            return value.date()
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def is_blank(cells: list[Cell]) -> bool:
    return all(isinstance(cell, str) and not cell.strip() for cell in cells)


def _table(records: list[tuple[int, list[Cell]]], fmt: str, **extra) -> Table:
    """The first non-blank row is the header; blank rows after it are dropped."""
    remaining = iter(records)
    for number, cells in remaining:
        if not is_blank(cells):
            header = [cell if isinstance(cell, str) else str(cell) for cell in cells]
            rows = [(n, c) for n, c in remaining if not is_blank(c)]
            if not rows:
                raise FileProblem("В файле нет строк с данными, только названия столбцов.")
            return Table(header=header, header_row=number, rows=rows, format=fmt, **extra)
    raise FileProblem("Файл пуст: нет строки с названиями столбцов.")
