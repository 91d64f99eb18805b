"""Import files are read only up to their row limit (issue #14, item 3): a 300,000-row file is
refused having read its first rows, an XLSX before openpyxl parses it when its dimension or its
ZIP entries say it is too big. No timed test (bench/imports.py measures the times): the tests
count the rows the readers materialise and trace the memory they allocate."""

from __future__ import annotations

import csv
import io
import os
import re
import tracemalloc

import pytest
import sqlalchemy as sa
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.imports import readers
from partnercrm.students.models import Student
from tests.conftest import csrf_token
from tests.factories import OrganizationFactory, UserFactory
from tests.import_files import (
    STUDENT_HEADER,
    csv_file,
    declare_size,
    sheet_xml,
    student_rows,
    xlsx,
)

HUGE = 300_000


@pytest.fixture(scope="module")
def huge_rows():
    return [STUDENT_HEADER, *student_rows(HUGE)]


@pytest.fixture(scope="module")
def huge_xlsx(huge_rows) -> bytes:
    return xlsx(huge_rows)


@pytest.fixture(scope="module")
def huge_csv() -> bytes:
    # Short rows: 3.6 MB, within the 10 MB an upload may have.
    return csv_file([("SCH-1", str(n), "Ф И", "5") for n in range(HUGE)])


@pytest.fixture
def openpyxl_reads(monkeypatch) -> dict[str, int]:
    """How often openpyxl opened a workbook, and how many rows of a sheet it built."""
    calls = {"books": 0, "rows": 0}
    read, get_row = ExcelReader.read, ReadOnlyWorksheet._get_row

    def counted_read(self, *args, **kwargs):
        calls["books"] += 1
        return read(self, *args, **kwargs)

    def counted_row(self, *args, **kwargs):
        calls["rows"] += 1
        return get_row(self, *args, **kwargs)

    monkeypatch.setattr(ExcelReader, "read", counted_read)
    monkeypatch.setattr(ReadOnlyWorksheet, "_get_row", counted_row)
    return calls


@pytest.fixture
def csv_records(monkeypatch) -> list[int]:
    """How many records the CSV parser produced."""
    produced = [0]
    reader = csv.reader

    def counted(*args, **kwargs):
        for record in reader(*args, **kwargs):
            produced[0] += 1
            yield record

    monkeypatch.setattr(csv, "reader", counted)
    return produced


def peak_memory(read) -> int:
    """Bytes allocated at the peak while ``read()`` runs."""
    tracemalloc.start()
    try:
        read()
    except readers.FileProblem:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


# --- the readers ---


def test_an_xlsx_declaring_300000_rows_is_refused_before_it_is_parsed(huge_xlsx, openpyxl_reads):
    with pytest.raises(readers.TooManyRows) as refused:
        readers.read_table(huge_xlsx, max_rows=20_000)
    assert (refused.value.rows, refused.value.limit) == (HUGE, 20_000)
    assert "300000" in str(refused.value) and "20000" in str(refused.value)
    assert openpyxl_reads == {"books": 0, "rows": 0}


def test_an_xlsx_without_dimension_is_refused_counting_its_rows(huge_rows, openpyxl_reads):
    # openpyxl's write-only mode, among others, writes no <dimension>.
    data = xlsx(huge_rows, dimension=None)
    with pytest.raises(readers.TooManyRows) as refused:
        readers.read_table(data, max_rows=1_000)
    assert refused.value.rows is None and "1000" in str(refused.value)
    assert openpyxl_reads == {"books": 0, "rows": 0}
    assert peak_memory(lambda: readers.read_table(data, max_rows=1_000)) < 4_000_000


def test_a_lying_dimension_does_not_get_past_the_limit(openpyxl_reads):
    # 1,500 rows under a dimension of two: few enough rows to be parsed, too many data rows.
    data = xlsx([STUDENT_HEADER, *student_rows(1_500)], dimension="A1:D2")
    with pytest.raises(readers.TooManyRows):
        readers.read_table(data, max_rows=1_000)
    assert openpyxl_reads["books"] == 1
    assert openpyxl_reads["rows"] <= 1_000 + 2
    # A far-away row is a long run of blank rows: counted, not read into memory.
    far = (
        f'<worksheet xmlns="{"http://schemas.openxmlformats.org/spreadsheetml/2006/main"}">'
        '<dimension ref="A1:A2"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>school_code</t></is></c></row>'
        '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    with pytest.raises(readers.TooManyRows):
        readers.read_table(xlsx([], first_sheet=far), max_rows=1_000)


def test_a_dimension_smaller_than_the_sheet_loses_no_rows():
    # openpyxl reads no further than a sheet's declared dimension unless told otherwise.
    data = xlsx([STUDENT_HEADER, *student_rows(5)], dimension="A1:B2")
    table = readers.read_table(data, max_rows=1_000)
    assert [number for number, _ in table.rows] == [2, 3, 4, 5, 6]
    assert table.rows[-1][1] == ["SCH-1", "000004", "Ученик Номер 4", "5"]


def test_the_sheets_after_the_first_are_never_parsed(openpyxl_reads):
    broken = "<worksheet><sheetData><row><c><v>1</v></c>"  # no dimension, not even XML
    data = xlsx([STUDENT_HEADER, *student_rows(3)], other_sheets=(broken,))
    table = readers.read_table(data, max_rows=1_000)
    assert len(table.rows) == 3 and openpyxl_reads["books"] == 1


def test_the_csv_reader_stops_at_the_first_row_above_the_limit(huge_csv, csv_records):
    with pytest.raises(readers.TooManyRows) as refused:
        readers.read_table(huge_csv, max_rows=1_000)
    assert refused.value.rows is None and refused.value.limit == 1_000
    # The header and 1,001 data rows.
    assert csv_records[0] == 1_002
    assert peak_memory(lambda: readers.read_table(huge_csv, max_rows=1_000)) < 2_000_000


def test_files_within_the_limit_are_read_whole():
    data = csv_file(student_rows(1_000))
    table = readers.read_table(data, max_rows=1_000)
    assert len(table.rows) == 1_000 and table.rows[-1][0] == 1_001
    data = xlsx([STUDENT_HEADER, *student_rows(1_000)])
    assert len(readers.read_table(data, max_rows=1_000).rows) == 1_000
    # Blank rows are not data rows.
    text = "\n\n" + csv_file(student_rows(1_000)).decode() + "\n" * 900
    assert len(readers.read_table(text.encode(), max_rows=1_000).rows) == 1_000


def test_a_zip_entry_declaring_a_huge_size_is_refused_before_it_is_read(openpyxl_reads):
    small = xlsx([STUDENT_HEADER, *student_rows(3)])
    bomb = declare_size(small, "xl/worksheets/sheet1.xml", 3_000_000_000)
    with pytest.raises(readers.FileProblem, match="сжат подозрительно сильно"):
        readers.read_table(bomb, max_rows=20_000)
    # Compressed as a picture would be (no suspicious ratio), but above 50 MB.
    picture = xlsx([STUDENT_HEADER], extra={"xl/media/image1.png": os.urandom(700_000)})
    claimed = declare_size(picture, "xl/media/image1.png", 60 * 1024 * 1024)
    with pytest.raises(readers.FileProblem, match="«xl/media/image1.png» больше 50 МБ"):
        readers.read_table(claimed, max_rows=20_000)
    assert openpyxl_reads == {"books": 0, "rows": 0}


def test_a_sheet_that_inflates_a_thousandfold_is_refused(openpyxl_reads):
    padded = sheet_xml([STUDENT_HEADER, *student_rows(3)]).replace(
        "<sheetData>", "<sheetData>" + " " * 20_000_000
    )
    with pytest.raises(readers.FileProblem, match="ZIP-бомб"):
        readers.read_table(xlsx([], first_sheet=padded), max_rows=20_000)
    assert openpyxl_reads == {"books": 0, "rows": 0}


def test_a_huge_shared_strings_table_is_refused_before_it_is_loaded(openpyxl_reads):
    data = xlsx([STUDENT_HEADER, *student_rows(3)], shared_strings=25_000)
    with pytest.raises(readers.FileProblem, match="разных текстовых значений"):
        readers.read_table(data, max_rows=10)
    assert openpyxl_reads == {"books": 0, "rows": 0}
    # Within the bound ((10 + 1,000) rows × 20) the book is read.
    data = xlsx([STUDENT_HEADER, *student_rows(3)], shared_strings=20_000)
    assert len(readers.read_table(data, max_rows=10).rows) == 3


def test_the_limits_grow_with_the_rows():
    assert readers.Limits.for_rows(20_000).entry_bytes == 50 * 1024 * 1024
    assert readers.Limits.for_rows(20_000).total_bytes == 100 * 1024 * 1024
    assert readers.Limits.for_rows(1_000_000).entry_bytes == 2_500_000_000
    assert readers.Limits.for_rows(None).rows is None


# --- the Import page and the command line ---


@pytest.fixture
def school_user(seeded):
    municipality = db.session.scalar(
        sa.select(Municipality).where(Municipality.name == "Калининград")
    )
    school = OrganizationFactory(
        code="SCH-1", kind=OrganizationKind.SCHOOL, municipality=municipality
    )
    user = UserFactory(role=Role.SCHOOL, organization=school)
    db.session.commit()
    return user


def upload(client, data: bytes, filename: str):
    return client.post(
        "/imports/",
        data={
            "kind": "students",
            "file": (io.BytesIO(data), filename),
            "dry_run": "y",
            "csrf_token": csrf_token(client, "/imports/"),
        },
        content_type="multipart/form-data",
    )


def form_error(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_import_page_refuses_a_300000_row_xlsx(
    client, login, school_user, huge_xlsx, openpyxl_reads
):
    login(school_user)
    response = upload(client, huge_xlsx, "roster.xlsx")
    assert response.status_code == 400
    assert openpyxl_reads == {"books": 0, "rows": 0}
    text = form_error(response)
    assert "Строк в файле: 300000, а здесь можно импортировать не более 20000" in text
    assert "partnercrm import" in text
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 0


def test_the_import_page_refuses_a_300000_row_csv(
    client, login, school_user, huge_csv, csv_records
):
    login(school_user)
    response = upload(client, huge_csv, "roster.csv")
    assert response.status_code == 400
    assert csv_records[0] == 20_002
    text = form_error(response)
    assert "Строк в файле больше, чем здесь можно импортировать (не более 20000)" in text
    assert "partnercrm import" in text


def test_the_command_line_has_its_own_limit(app, runner, school_user, tmp_path, monkeypatch):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_file(student_rows(3)))
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)  # the page's limit does not apply
    assert app.config["IMPORT_CLI_MAX_ROWS"] == 1_000_000
    result = runner.invoke(args=["import", "students", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output

    result = runner.invoke(args=["import", "students", str(path), "--max-rows", "2"])
    assert result.exit_code == 1
    assert "больше строк, чем можно импортировать за один раз (2)" in result.output
    assert "--max-rows N (now 2)" in result.output

    monkeypatch.setitem(app.config, "IMPORT_CLI_MAX_ROWS", 2)
    result = runner.invoke(args=["import", "students", str(path)])
    assert result.exit_code == 1 and "(now 2)" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == 0
