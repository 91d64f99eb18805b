"""Import files → rows of cells (DESIGN §4.3), without Flask.

A file is CSV (UTF-8 with or without BOM, or Windows-1251; ``,`` or ``;`` between values) or
XLSX (the first sheet). What it is comes from its content, not its name. Rows keep the numbers a
spreadsheet shows them with: the header is usually row 1, and blank rows still count.

Cells come out as text, or as :class:`datetime.date` / :class:`datetime.datetime` for XLSX date
cells. XLSX numbers become text the way a person reads them: ``7.0`` → ``"7"``. Text cells keep
leading zeros (a roster id typed as ``00123`` in a text cell stays ``00123``).

A file is read only as far as its :class:`Limits` allow: rows are counted while they stream,
and the reader stops at the first row above the limit (:class:`TooManyRows`), so a huge file is
refused at the cost of its first rows, never read whole. An XLSX file is checked before
openpyxl parses anything (:func:`check_workbook`): the uncompressed sizes its ZIP entries
declare and their compression ratio, the row count the first sheet declares (its
``<dimension>``), its rows counted as they decompress, and the number of shared strings.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain
from typing import IO

Cell = str | date | datetime

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 .xls, old .doc
DELIMITERS = (",", ";")
# Control characters that never occur in a text table; finding one means a binary file.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Rows a file may have beyond its limit of data rows that are no data: the header, titles
# above it, blank rows.
EXTRA_ROWS = 1_000
# The uncompressed size an XLSX ZIP entry may declare, and all entries together, for files up
# to 20,000 rows; larger limits (the command line) allow BYTES_PER_ROW per row.
ENTRY_BYTES = 50 * 1024 * 1024
BYTES_PER_ROW = 2_500
# An entry above RATIO_FROM_BYTES compressed more than MAX_RATIO times is no spreadsheet (an
# XLSX sheet compresses 10–20 times) but a ZIP bomb.
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024
# Distinct texts (shared strings) a workbook may hold per row of the limit.
STRINGS_PER_ROW = 20

NOT_A_WORKBOOK = "Не удалось прочитать файл XLSX: это не книга Excel."
DAMAGED_WORKBOOK = "Не удалось прочитать файл XLSX: файл повреждён."


class FileProblem(ValueError):
    """The file as a whole cannot be read. The message is Russian and shown as it is."""


class TooManyRows(FileProblem):
    """The file has more data rows than ``limit``; ``rows`` is how many, when the file said so
    (an XLSX sheet's declared dimension), else None: reading stopped at the first row too many."""

    def __init__(self, limit: int, rows: int | None = None) -> None:
        self.limit, self.rows = limit, rows
        if rows is None:
            message = f"В файле больше строк, чем можно импортировать за один раз ({limit})."
        else:
            message = (
                f"Строк с данными в файле: {rows} — больше, чем можно импортировать за один "
                f"раз ({limit})."
            )
        super().__init__(message)


@dataclass(frozen=True)
class Limits:
    """How much of a file the reader may take: ``rows`` data rows (None: no limit), and the
    uncompressed bytes an XLSX entry (and all entries together) may declare."""

    rows: int | None = None
    entry_bytes: int = ENTRY_BYTES
    total_bytes: int = 2 * ENTRY_BYTES

    @classmethod
    def for_rows(cls, rows: int | None) -> Limits:
        if rows is None:
            return cls()
        entry = max(ENTRY_BYTES, rows * BYTES_PER_ROW)
        return cls(rows, entry, 2 * entry)

    @property
    def sheet_rows(self) -> int | None:
        """Rows of any kind (blank ones, the header) a file or sheet may have."""
        return None if self.rows is None else self.rows + 1 + EXTRA_ROWS

    @property
    def strings(self) -> int | None:
        return None if self.rows is None else (self.rows + EXTRA_ROWS) * STRINGS_PER_ROW

    def too_many(self, rows: int | None = None) -> TooManyRows:
        assert self.rows is not None
        return TooManyRows(self.rows, rows)


@dataclass
class Table:
    """The header row and the data rows of a file, with their spreadsheet row numbers."""

    header: list[str]
    header_row: int = 1
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    format: str = "csv"  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


def read_table(data: bytes, max_rows: int | None = None) -> Table:
    """Read a CSV or XLSX file of at most ``max_rows`` data rows (None: any number); raise
    :class:`FileProblem` when it is neither, or empty, and :class:`TooManyRows` as soon as
    it has more rows."""
    if not data or data.isspace():  # (strip() would copy the whole file)
        raise FileProblem("Файл пуст.")
    limits = Limits.for_rows(max_rows)
    if data.startswith(ZIP_MAGIC):
        return read_xlsx(data, limits)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(
            "Кодировка UTF-16 («Текст Юникод») не поддерживается: сохраните файл как "
            "CSV UTF-8 или XLSX."
        )
    if data.startswith(OLE_MAGIC):
        raise FileProblem(
            "Формат XLS (Excel 97–2003) не поддерживается: сохраните файл как XLSX или CSV."
        )
    return read_csv(data, limits)


# --- CSV ---


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


def read_csv(data: bytes, limits: Limits | None = None) -> Table:
    """UTF-8 (with or without BOM) is tried first, then Windows-1251; the text is decoded as
    it is read, so a file is decoded only as far as its rows are taken."""
    limits = limits or Limits()
    try:
        return _read_csv(data, "utf-8-sig", limits)
    except UnicodeDecodeError:
        pass
    try:
        return _read_csv(data, "cp1251", limits)
    except UnicodeDecodeError as error:
        raise FileProblem(
            "Не удалось определить кодировку: сохраните файл в UTF-8 или Windows-1251."
        ) from error


def _read_csv(data: bytes, encoding: str, limits: Limits) -> Table:
    lines = _text_lines(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""))
    before = []
    for line in lines:
        before.append(line)
        if line.strip():
            break
    delimiter = detect_delimiter(before[-1] if before else "")
    reader = csv.reader(chain(before, lines), delimiter=delimiter)
    records = _csv_records(reader)
    return _collect(
        records, "csv", limits, encoding=encoding.removesuffix("-sig"), delimiter=delimiter
    )


def _text_lines(stream: IO[str]) -> Iterator[str]:
    for line in stream:
        if _BINARY.search(line):
            raise FileProblem("Файл не похож на таблицу CSV или XLSX.")
        yield line


def _csv_records(reader) -> Iterator[tuple[int, list[Cell]]]:
    number = 0
    try:
        for record in reader:
            number += 1
            yield number, list(record)
    except csv.Error as error:
        raise FileProblem(f"Строка {number + 1}: не удалось разобрать CSV ({error}).") from error


# --- XLSX ---


def read_xlsx(data: bytes, limits: Limits | None = None) -> Table:
    """The first sheet, after :func:`check_workbook`; openpyxl reads it row by row."""
    from openpyxl.reader.excel import ExcelReader

    limits = limits or Limits()
    try:
        skipped = check_workbook(data, limits)
        # keep_links=False: external links carry cached copies of other workbooks.
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        # openpyxl sizes every sheet as it opens the book, reading through each sheet that does
        # not declare its dimension; only the first one is wanted.
        reader.valid_files = [name for name in reader.valid_files if name not in skipped]
        reader.read()
        workbook = reader.wb
    except FileProblem:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise FileProblem(NOT_A_WORKBOOK) from error
    except Exception as error:  # openpyxl raises many kinds of errors on damaged files
        raise FileProblem(DAMAGED_WORKBOOK) from error
    try:
        if not workbook.worksheets:
            raise FileProblem("В книге XLSX нет листов.")
        sheet = workbook.worksheets[0]
        # A declared dimension narrower than the data would silently cut rows and columns off;
        # the rows are bounded by counting them instead.
        sheet.reset_dimensions()
        return _collect(_xlsx_records(sheet), "xlsx", limits)
    except FileProblem:
        raise
    except Exception as error:
        raise FileProblem(DAMAGED_WORKBOOK) from error
    finally:
        workbook.close()


def _xlsx_records(sheet) -> Iterator[tuple[int, list[Cell]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, [xlsx_cell(value) for value in values]


def check_workbook(data: bytes, limits: Limits) -> set[str]:
    """Refuse a workbook too big to read, before openpyxl parses it; return the parts of the
    sheets after the first (they are not read).

    In this order: no ZIP entry compressed suspiciously well; the first sheet's declared
    dimension, then its rows, counted as it inflates and stopping at the first row too many;
    the uncompressed sizes the entries declare (Python's ``zipfile`` never inflates an entry
    beyond its declared size); the shared strings. The few small parts that say where the first
    sheet is are size-checked before they are parsed.
    """
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileProblem(NOT_A_WORKBOOK) from error
    with archive:
        entries = archive.infolist()
        _check_ratios(entries)
        _check_sizes(archive, [ARC_CONTENT_TYPES], limits)
        # openpyxl's stubs name a tree type of their own; it reads ElementTree's at runtime.
        manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))  # type: ignore[arg-type]
        if manifest is None:
            raise FileProblem(NOT_A_WORKBOOK)
        sheets = _sheet_parts(archive, manifest, limits)
        names = set(archive.namelist())
        if sheets and sheets[0] in names:
            _check_sheet(archive, sheets[0], limits)
        _check_sizes(archive, [entry.filename for entry in entries], limits)
        strings = manifest.find(SHARED_STRINGS)
        if strings is not None and strings.PartName[1:] in names and limits.strings is not None:
            with archive.open(strings.PartName[1:]) as stream:
                if _count(_SHARED_STRING, stream, limits.strings) > limits.strings:
                    raise FileProblem(
                        f"В книге XLSX больше {limits.strings} разных текстовых значений — "
                        "столько не импортировать за один раз. Сохраните первый лист отдельным "
                        "файлом или разделите его на части."
                    )
    return set(sheets[1:])


def _check_ratios(entries: Iterable[zipfile.ZipInfo]) -> None:
    for entry in entries:
        if entry.file_size > RATIO_FROM_BYTES and (
            entry.file_size > MAX_RATIO * max(entry.compress_size, 1)
        ):
            raise FileProblem(
                "Файл XLSX не читается: он сжат подозрительно сильно (так устроены «ZIP-бомбы»)."
            )


def _check_sizes(archive: zipfile.ZipFile, names: Iterable[str], limits: Limits) -> None:
    """The declared uncompressed sizes of these parts (those present), one by one and in all."""
    total = 0
    present = set(archive.namelist())
    for name in names:
        if name not in present:
            continue
        size = archive.getinfo(name).file_size
        total += size
        if size > limits.entry_bytes or total > limits.total_bytes:
            bound = limits.entry_bytes if size > limits.entry_bytes else limits.total_bytes
            what = f"часть «{name}»" if size > limits.entry_bytes else "файл"
            raise FileProblem(
                f"Файл XLSX слишком велик: в распакованном виде {what} больше "
                f"{bound // (1024 * 1024)} МБ. Разделите таблицу на части."
            )


def _sheet_parts(archive: zipfile.ZipFile, manifest, limits: Limits) -> list[str]:
    """The parts of the book's sheets in their order, the first worksheet first (chartsheets
    are no worksheets), found as openpyxl finds them."""
    from openpyxl.packaging.relationship import get_rels_path
    from openpyxl.reader.workbook import WorkbookParser
    from openpyxl.xml.constants import XLSM, XLSX, XLTM, XLTX

    part = next(
        (found.PartName[1:] for kind in (XLSX, XLSM, XLTX, XLTM) if (found := manifest.find(kind))),
        "xl/workbook.xml",
    )
    _check_sizes(archive, [part, get_rels_path(part)], limits)
    parser = WorkbookParser(archive, part, keep_links=False)
    parser.parse()
    parts = [(rel.target, "chartsheet" not in rel.Type) for _sheet, rel in parser.find_sheets()]
    worksheets = [target for target, worksheet in parts if worksheet]
    others = [target for target, _worksheet in parts if target not in worksheets[:1]]
    return worksheets[:1] + others


# Element names may carry a namespace prefix (``<x:row>``).
_DIMENSION = re.compile(
    rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"'][A-Za-z]*(\d+)(?::[A-Za-z]*(\d+))?"
)
_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_SHARED_STRING = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")
CHUNK = 256 * 1024
HEAD = 64 * 1024
# The longest match the counters look for, so one split between two chunks is found once.
OVERLAP = 256


def _check_sheet(archive: zipfile.ZipFile, part: str, limits: Limits) -> None:
    """The sheet's declared dimension (in the first bytes, before its rows), then its rows."""
    if limits.sheet_rows is None:
        return
    with archive.open(part) as stream:
        head = stream.read(HEAD)
        dimension = _DIMENSION.search(head)
        if dimension is not None:
            first, last = int(dimension[1]), int(dimension[2] or dimension[1])
            if last - first + 1 > limits.sheet_rows:
                # The first row of the range is the header.
                raise limits.too_many(last - first)
        if _count(_ROW, stream, limits.sheet_rows, head) > limits.sheet_rows:
            raise limits.too_many()


def _count(pattern: re.Pattern, stream: IO[bytes], stop: int, head: bytes = b"") -> int:
    """Matches of ``pattern`` in the stream, read in chunks; stops once above ``stop``."""
    count, carry, chunk = 0, b"", head or stream.read(CHUNK)
    while True:
        last = not chunk
        buffer = carry + chunk
        cut = len(buffer) if last else max(0, len(buffer) - OVERLAP)
        count += sum(1 for match in pattern.finditer(buffer) if match.start() < cut)
        if count > stop or last:
            return count
        carry = buffer[cut:]
        chunk = stream.read(CHUNK)


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


# --- both ---


def is_blank(cells: list[Cell]) -> bool:
    return all(isinstance(cell, str) and not cell.strip() for cell in cells)


def _collect(records: Iterable[tuple[int, list[Cell]]], fmt: str, limits: Limits, **extra) -> Table:
    """The first non-blank row is the header; blank rows after it are dropped. Reading stops
    at the first data row above the limit (or row of any kind above ``sheet_rows``)."""
    header: list[str] | None = None
    header_row = 1
    rows: list[tuple[int, list[Cell]]] = []
    for seen, (number, cells) in enumerate(records, start=1):
        if limits.sheet_rows is not None and seen > limits.sheet_rows:
            raise limits.too_many()
        if is_blank(cells):
            continue
        if header is None:
            header = [cell if isinstance(cell, str) else str(cell) for cell in cells]
            header_row = number
            continue
        rows.append((number, cells))
        if limits.rows is not None and len(rows) > limits.rows:
            raise limits.too_many()
    if header is None:
        raise FileProblem("Файл пуст: нет строки с названиями столбцов.")
    if not rows:
        raise FileProblem("В файле нет строк с данными, только названия столбцов.")
    return Table(header=header, header_row=header_row, rows=rows, format=fmt, **extra)
