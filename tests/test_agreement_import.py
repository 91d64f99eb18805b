"""``partnercrm import agreements FILE``: DESIGN §4.3 rules — CSV or XLSX, the whole file or
nothing, ``row N: column: message``, re-importing changes nothing; key: number + first party."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import Workbook

from partnercrm.accounts.models import User
from partnercrm.agreements.models import Agreement
from partnercrm.agreements.rules import CooperationKind
from partnercrm.audit.models import AuditEntry
from partnercrm.extensions import db
from partnercrm.imports.readers import read_table
from partnercrm.imports.services import run_import
from tests.test_agreement_support import (
    NOON,
    world_fixture,  # noqa: F401 (the world fixture)
)


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


HEADER = "number,parties,subject,kinds,signed_on,valid_from,valid_to"
GOOD = (
    HEADER + "\n"
    "12/2021,SCH1:школа;EMP1:работодатель,Экскурсии и профпробы,excursions;profprobes,"
    "15.01.2021,15.01.2021,31.12.2022\n"
    "5-К,COL1:колледж;SCH1,Дни открытых дверей,,2021-02-01,,\n"
)


def do_import(text: str, user: User | None = None, dry_run: bool = False):
    result = run_import("agreements", read_table(text.encode("utf-8")), user=user, dry_run=dry_run)
    if result.errors or dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return result


def agreements() -> dict[str, Agreement]:
    db.session.expire_all()
    return {a.number: a for a in db.session.scalars(sa.select(Agreement))}


def test_import_creates_agreements_with_parties_roles_and_kinds(app, world):
    result = do_import(GOOD)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    found = agreements()
    first = found["12/2021"]
    assert {(p.organization.code, p.role) for p in first.parties} == {
        ("SCH1", "школа"),
        ("EMP1", "работодатель"),
    }
    assert {k.kind for k in first.kinds} == {CooperationKind.EXCURSIONS, CooperationKind.PROFPROBES}
    assert (first.signed_on, first.valid_from, first.valid_to) == (
        date(2021, 1, 15),
        date(2021, 1, 15),
        date(2022, 12, 31),
    )
    second = found["5-К"]
    assert second.valid_to is None and second.kinds == []
    assert {(p.organization.code, p.role) for p in second.parties} == {
        ("COL1", "колледж"),
        ("SCH1", None),
    }


def test_reimporting_the_same_file_changes_nothing(app, world):
    assert do_import(GOOD).ok
    audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    result = do_import(GOOD)
    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit
    assert len(agreements()) == 2


def test_reimport_updates_by_number_and_first_party(app, world):
    assert do_import(GOOD).ok
    changed = (
        HEADER + ",terminated_on,termination_reason\n"
        "12/2021,SCH1:школа;COL1:колледж,Экскурсии,parent_meetings,15.01.2021,,31.12.2023,"
        "01.05.2021,реорганизация\n"
    )
    result = do_import(changed)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated) == (0, 1)
    found = agreements()
    assert len(found) == 2
    agreement = found["12/2021"]
    # COL1 added; EMP1, missing from the file, is kept (an import deletes nothing)
    assert {(p.organization.code, p.role) for p in agreement.parties} == {
        ("SCH1", "школа"),
        ("EMP1", "работодатель"),
        ("COL1", "колледж"),
    }
    assert [k.kind for k in agreement.kinds] == [CooperationKind.PARENT_MEETINGS]
    assert agreement.valid_to == date(2023, 12, 31)
    assert agreement.terminated_on == date(2021, 5, 1)
    assert agreement.termination_reason == "реорганизация"


def test_a_dry_run_writes_nothing(app, world):
    result = do_import(GOOD, dry_run=True)
    assert result.ok and result.created == 2
    assert agreements() == {}


def test_every_bad_row_is_reported_and_nothing_is_imported(app, world):
    text = (
        HEADER + ",terminated_on\n"
        "1,SCH1:школа;EMP1,Хорошая строка,excursions,2021-01-01,,,\n"  # row 2: good
        "2,SCH1;NOPE,Нет такой организации,,,,,\n"  # row 3
        "3,SCH1,Одна сторона,,,,,\n"  # row 4
        "4,SCH1;EMP1,Плохая дата,,31.02.2021,,,\n"  # row 5
        "5,SCH1;EMP1,Плохой вид,excursion,,,,\n"  # row 6
        "6,SCH1;EMP1,Конец раньше начала,,,2021-05-01,2021-04-01,\n"  # row 7
        "1,SCH1;COL1,Тот же ключ,,,,,\n"  # row 8: key of row 2
        "7,SCH1;EMP1,Расторгнут без причины,,2021-01-01,,,2021-03-01\n"  # row 9
        "8,SCH1;EMP1,,,,,,\n"  # row 10: no subject
        "9,SCH1;SCH1,Дважды,,,,,\n"  # row 11
        "10,SCH1;EMP1,Подписан в будущем,,2021-06-02,,,\n"  # row 12
        # plausible: dates from 2000 to 25 years ahead, no control characters.
        "11,SCH1;EMP1,Вечный,,2021-01-01,,9999-12-31,\n"  # row 13
        "12,SCH1;EMP1,Тема\x9b,,2021-01-01,,,\n"  # row 14
    )
    result = do_import(text)
    lines = [str(error) for error in result.errors]
    assert not result.ok
    rows = {error.row for error in result.errors}
    assert rows == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
    assert "row 3: parties: нет организации с кодом «NOPE»" in lines
    assert any(line.startswith("row 4: parties: нужно не меньше двух сторон") for line in lines)
    assert any(line.startswith("row 5: signed_on: неверная дата") for line in lines)
    assert any(line.startswith("row 6: kinds: неизвестный вид сотрудничества") for line in lines)
    assert "row 7: valid_to: окончание действия раньше начала" in lines
    assert any(line.startswith("row 8: ") and "строке 2" in line for line in lines)
    assert "row 9: termination_reason: укажите причину расторжения" in lines
    assert "row 10: subject: не заполнено" in lines
    assert any(line.startswith("row 11: parties: ") and "дважды" in line for line in lines)
    assert "row 12: signed_on: дата подписания в будущем" in lines
    assert any(
        line.startswith("row 13: valid_to: дата вне допустимых пределов: с 01.01.2000 по ")
        for line in lines
    )
    assert "row 14: subject: недопустимый управляющий символ (U+009B) в тексте — удалите его" in (
        lines
    )
    assert agreements() == {}


def test_a_number_taken_by_another_agreement_of_a_party_is_refused(app, world):
    assert do_import(GOOD).ok
    # same number, first party COL1 (a new key), but SCH1 already has a 12/2021
    result = do_import(HEADER + "\n12/2021,COL1;SCH1,Другой,,,,\n")
    assert [str(error) for error in result.errors] == [
        "row 2: number: договор с этим номером уже есть у одной из сторон "
        "(ключ — номер и первая сторона)"
    ]


def test_scope_of_a_coordinator_and_a_school(app, world):
    # COL1 is in the south; SCH1 and EMP1 in the north
    south = world.south_coordinator
    result = do_import(HEADER + "\n1,SCH1;EMP1,Север,,,,\n2,COL1;SCH1,Юг и север,,,,\n", south)
    assert [error.row for error in result.errors] == [2]
    assert "области доступа" in str(result.errors[0])
    school = world.school_user
    result = do_import(HEADER + "\n1,SCH1;EMP1,Наш,,,,\n2,SCH2;EMP1,Чужой,,,,\n", school)
    assert [error.row for error in result.errors] == [3]
    assert agreements() == {}


def test_russian_headers_and_xlsx(app, world):
    book = Workbook()
    sheet = book.active
    sheet.append(["Номер договора", "Стороны", "Предмет", "Дата подписания", "Действует по"])
    sheet.append(
        ["77", "EMP1:работодатель;SCH1:школа", "Профпробы", date(2021, 3, 1), date(2022, 2, 28)]
    )
    out = io.BytesIO()
    book.save(out)
    result = run_import("agreements", read_table(out.getvalue()))
    assert result.ok, [str(e) for e in result.errors]
    db.session.commit()
    agreement = agreements()["77"]
    assert (agreement.signed_on, agreement.valid_to) == (date(2021, 3, 1), date(2022, 2, 28))


@pytest.mark.parametrize("cell", ["SCH1:;EMP1:", " SCH1 : школа ; EMP1 ;"])
def test_party_cell_spelling(app, world, cell):
    result = do_import(f'{HEADER}\n1,"{cell}",Текст,,,,\n')
    assert result.ok, [str(e) for e in result.errors]
    assert {p.organization.code for p in agreements()["1"].parties} == {"SCH1", "EMP1"}


def test_the_command_line(app, world, runner, tmp_path):
    good = tmp_path / "agreements.csv"
    good.write_text(GOOD, encoding="cp1251")
    result = runner.invoke(args=["import", "agreements", str(good)])
    assert result.exit_code == 0, result.output
    assert "agreements: 2 created, 0 updated, 0 unchanged" in result.output
    again = runner.invoke(args=["import", "agreements", str(good)])
    assert "0 created, 0 updated, 2 unchanged" in again.output

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n99,SCH1;NOPE,Текст,,,,\n", encoding="utf-8-sig")
    result = runner.invoke(args=["import", "agreements", str(bad)])
    assert result.exit_code != 0
    assert "row 2: parties: нет организации с кодом «NOPE»" in result.output
    assert set(agreements()) == {"12/2021", "5-К"}


def test_the_import_page_for_a_school(app, world):
    from tests.test_agreement_support import client_for, token

    client = client_for(app, world.school_user)
    page = client.get("/imports/").get_data(as_text=True)
    assert 'value="agreements"' in page

    def post(text: str):
        return client.post(
            "/imports/",
            data={
                "csrf_token": token(client, "/imports/"),
                "kind": "agreements",
                "file": (io.BytesIO(text.encode()), "agreements.csv"),
            },
            content_type="multipart/form-data",
        )

    # an agreement the school is not a party to is out of its scope; nothing is imported
    response = post(HEADER + "\n1,SCH1;EMP1,Наш,,,,\n2,SCH2;EMP1,Чужой,,,,\n")
    assert response.status_code == 422
    assert agreements() == {}
    response = post(HEADER + "\n1,SCH1;EMP1,Наш,,,,\n")
    assert response.status_code == 200
    [agreement] = agreements().values()
    assert agreement.created_by_id == world.school_user.id
