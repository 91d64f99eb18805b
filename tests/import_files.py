"""Import files of any size, made fast: an XLSX written as sheet XML into a ZIP (no openpyxl),
a CSV, and ZIP entries whose declared sizes are changed. Used by tests/test_import_limits.py
and bench/imports.py."""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

STUDENT_HEADER = ("school_code", "local_id", "full_name", "grade")


def student_rows(count: int, school: str = "SCH-1") -> list[tuple[str, ...]]:
    return [(school, f"{n:06d}", f"Ученик Номер {n}", "5") for n in range(count)]


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_xml(rows, dimension: str | None | bool = True) -> str:
    """A worksheet of inline strings; ``dimension`` True states the true range, a string
    states that one (a lie), None or False states none."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">']
    width = max((len(row) for row in rows), default=1)
    if dimension is True:
        dimension = f"A1:{_column(width - 1)}{len(rows)}"
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'
            for i, value in enumerate(row)
        )
        parts.append(f'<row r="{number}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx(
    rows,
    *,
    dimension: str | None | bool = True,
    first_sheet: str | None = None,
    other_sheets: tuple[str, ...] = (),
    shared_strings: int = 0,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A workbook whose first sheet holds ``rows`` (or is the XML ``first_sheet``);
    ``other_sheets`` are the XML of more sheets, ``shared_strings`` the number of entries of a
    shared strings table, ``extra`` more ZIP entries (name → bytes)."""
    sheets = [first_sheet or sheet_xml(rows, dimension), *other_sheets]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{SHEET_TYPE}"/>'
        for n in range(1, len(sheets) + 1)
    )
    if shared_strings:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOCUMENT_RELS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
            f'xmlns:r="{DOCUMENT_RELS}"><sheets>'
            + "".join(
                f'<sheet name="Лист{n}" sheetId="{n}" r:id="rId{n}"/>'
                for n in range(1, len(sheets) + 1)
            )
            + "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{DOCUMENT_RELS}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in range(1, len(sheets) + 1)
            )
            + "</Relationships>",
        )
        for n, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", sheet)
        if shared_strings:
            archive.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
                + "".join(f"<si><t>текст {n}</t></si>" for n in range(shared_strings))
                + "</sst>",
            )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def csv_file(rows, header=STUDENT_HEADER) -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The ZIP ``data`` with the uncompressed size its central directory declares for the
    entry ``name`` changed to ``size`` (below 4 GiB): what a crafted archive may claim."""
    archive = bytearray(data)
    encoded = name.encode()
    position = archive.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", archive, position + 28)[0]
        if bytes(archive[position + 46 : position + 46 + name_length]) == encoded:
            struct.pack_into("<I", archive, position + 24, size)
            return bytes(archive)
        position = archive.find(b"PK\x01\x02", position + 4)
    raise KeyError(name)
