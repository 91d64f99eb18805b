"""The import pages: who may import what, row errors for rows outside the user's scope, the
result and error report pages, and no 500 whatever is uploaded."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Headcount
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.students.models import Student
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.conftest import csrf_token
from tests.factories import OrganizationFactory, UserFactory
from tests.spreadsheets import csv_rows, sheet_table, workbook

K = OrganizationKind
OUT_OF_SCOPE = "вне вашей области доступа"
ROSTER = (
    "school_code;local_id;full_name;grade;class_letter\n"
    "SCH-1;001;Иванов Иван;5;А\n"
    "SCH-1;002;Петрова Мария;5;Б\n"
).encode("cp1251")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def municipality(name: str) -> Municipality:
    return db.session.scalar(sa.select(Municipality).where(Municipality.name == name))


def upload(client, kind: str, data: bytes, filename: str = "file.csv", dry_run: bool = False):
    form = {
        "kind": kind,
        "file": (io.BytesIO(data), filename),
        "csrf_token": csrf_token(client, "/imports/"),
    }
    if dry_run:
        form["dry_run"] = "y"
    response = client.post("/imports/", data=form, content_type="multipart/form-data")
    db.session.expire_all()
    return response


def counts(response) -> dict[str, int]:
    html = response.get_data(as_text=True)
    return {name: int(n) for name, n in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def error_rows(response) -> list[tuple[str, str, str]]:
    html = response.get_data(as_text=True)
    return re.findall(r"<tr><td>(\d+)</td><td><code>([^<]*)</code></td><td>([^<]*)</td></tr>", html)


@pytest.fixture
def world(seeded):
    kaliningrad, gurievsk = municipality("Калининград"), municipality("Гурьевский")
    orgs = {
        "SCH-1": OrganizationFactory(code="SCH-1", kind=K.SCHOOL, municipality=kaliningrad),
        "SCH-2": OrganizationFactory(code="SCH-2", kind=K.SCHOOL, municipality=gurievsk),
        "EMP-1": OrganizationFactory(code="EMP-1", kind=K.EMPLOYER, municipality=kaliningrad),
    }
    db.session.commit()
    return orgs


@pytest.fixture
def school_user(world):
    user = UserFactory(role=Role.SCHOOL, organization=world["SCH-1"])
    db.session.commit()
    return user


@pytest.fixture
def coordinator(world):
    user = UserFactory(role=Role.COORDINATOR, municipality=municipality("Калининград"))
    db.session.commit()
    return user


# --- a school ---


def test_school_imports_its_roster(client, login, school_user):
    login(school_user)
    page = client.get("/imports/?kind=students")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'<option selected value="students">', html)
    assert 'value="organizations"' not in html

    response = upload(client, "students", ROSTER, "roster.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert counts(response) == {"created": 2, "updated": 0, "unchanged": 0}
    assert count(Student) == 2
    entries = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.object_type == "student", AuditEntry.action == AuditAction.CREATE
        )
    ).all()
    assert {entry.user_id for entry in entries} == {school_user.id}

    again = upload(client, "students", ROSTER, "roster.csv")
    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 2}


def test_school_importing_another_schools_students_gets_row_errors(client, login, school_user):
    login(school_user)
    text = ROSTER.decode("cp1251") + "SCH-2;003;Чужой Ученик;6;\nSCH-2;004;Ещё Чужой;6;\n"
    response = upload(client, "students", text.encode("utf-8"))
    assert response.status_code == 422
    assert error_rows(response) == [
        ("4", "school_code", f"школа «SCH-2» {OUT_OF_SCOPE}"),
        ("5", "school_code", f"школа «SCH-2» {OUT_OF_SCOPE}"),
    ]
    assert count(Student) == 0  # not even the school's own rows


def test_school_imports_only_activities_it_organizes(client, login, school_user, world):
    login(school_user)
    text = (
        "ref,kind,title,starts_at,host_code,organizer_code,school_code,status\n"
        "S-1,excursion,Своя экскурсия,2021-03-15 10:00,EMP-1,SCH-1,SCH-1,held\n"
        "S-2,excursion,Чужая экскурсия,2021-03-15 10:00,EMP-1,SCH-2,SCH-2,held\n"
    ).encode()
    response = upload(client, "activities", text)
    assert response.status_code == 422
    assert error_rows(response) == [("3", "organizer_code", f"организатор {OUT_OF_SCOPE}")]
    text = text.decode().splitlines()
    response = upload(client, "activities", "\n".join(text[:2]).encode())
    assert counts(response)["created"] == 1


def test_school_imports_only_kinds_it_may_create(client, login, school_user):
    login(school_user)
    text = (
        "ref,kind,title,starts_at,host_code,organizer_code,status\n"
        "S-1,open_day,День открытых дверей,2021-03-15 10:00,SCH-1,SCH-1,held\n"
    ).encode()
    response = upload(client, "activities", text)
    assert response.status_code == 422
    assert error_rows(response) == [("2", "kind", f"этот вид мероприятия {OUT_OF_SCOPE}")]


def test_school_names_own_participants_and_counts_as_organizer(client, login, school_user, world):
    school, other = world["SCH-1"], world["SCH-2"]
    StudentFactory(school=school, local_id="001")
    StudentFactory(school=other, local_id="001")
    ActivityFactory(ref="OWN", organizer=school)
    # Another school's event that school 1 was invited to, and one it has nothing to do with.
    ActivityFactory(ref="FOREIGN", organizer=other, schools=[school])
    ActivityFactory(ref="HIDDEN", organizer=other, public=False)
    db.session.commit()
    login(school_user)

    named = (
        b"activity_ref,school_code,local_id\nFOREIGN,SCH-1,001\nOWN,SCH-2,001\nHIDDEN,SCH-1,001\n"
    )
    response = upload(client, "participants", named)
    assert error_rows(response) == [
        ("3", "school_code", f"школа «SCH-2» {OUT_OF_SCOPE}"),
        ("4", "activity_ref", "нет мероприятия с кодом «HIDDEN»"),
    ]
    response = upload(client, "participants", named.rsplit(b"\n", 3)[0] + b"\n")
    assert counts(response)["created"] == 1

    heads = (
        b"activity_ref,school_code,grade,count\n"
        b"OWN,SCH-2,8,12\n"  # the organizer counts every school
        b"FOREIGN,SCH-1,,3\n"  # a visiting school counts its own students
    )
    response = upload(client, "headcounts", heads)
    assert counts(response)["created"] == 2
    assert count(Headcount) == 2
    refused = upload(client, "headcounts", b"activity_ref,school_code,count\nFOREIGN,SCH-2,4\n")
    assert error_rows(refused) == [("2", "school_code", f"школа «SCH-2» {OUT_OF_SCOPE}")]


def test_school_may_not_import_organizations(client, login, school_user):
    login(school_user)
    data = "code,kind,name,municipality\nX,employer,X,Калининград\n".encode()
    response = upload(client, "organizations", data)
    assert response.status_code == 400
    assert count(Organization) == 3


# --- a coordinator ---


def test_coordinator_imports_in_own_municipality_only(client, login, coordinator):
    login(coordinator)
    outside = (
        "code,kind,name,municipality\n"
        "NEW-1,school,Новая школа,Калининград\n"
        "NEW-2,school,Школа соседей,Гурьевский\n"
        "SCH-2,school,Переименованная чужая,Калининград\n"
    ).encode()
    response = upload(client, "organizations", outside)
    assert response.status_code == 422
    assert error_rows(response) == [
        ("3", "municipality", f"муниципалитет {OUT_OF_SCOPE}"),
        ("4", "code", f"организация другого муниципалитета {OUT_OF_SCOPE}"),
    ]
    assert count(Organization) == 3

    students = "school_code,local_id,full_name,grade\nSCH-2,1,Ученик,5\n".encode()
    response = upload(client, "students", students)
    assert error_rows(response) == [("2", "school_code", f"школа «SCH-2» {OUT_OF_SCOPE}")]
    assert count(Student) == 0

    inside = "code,kind,name,municipality\nNEW-1,school,Новая школа,Калининград\n".encode()
    response = upload(client, "organizations", inside)
    assert response.status_code == 200
    assert counts(response)["created"] == 1 and count(Organization) == 4


# --- who may use the page ---


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/imports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post("/imports/", data={})
    assert response.status_code in (302, 400)
    assert count(Student) == 0


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.COLLEGE, Role.EMPLOYMENT_CENTER])
def test_other_roles_are_refused(client, login, world, role):
    user = UserFactory(role=role)
    db.session.commit()
    login(user)
    assert client.get("/imports/").status_code == 403


def test_admin_has_every_kind(client, login, world):
    admin = UserFactory(role=Role.ADMIN)
    db.session.commit()
    login(admin)
    html = client.get("/imports/").get_data(as_text=True)
    for kind in ("organizations", "students", "activities", "participants", "headcounts"):
        assert f'value="{kind}"' in html
    response = upload(client, "students", ROSTER.replace(b"SCH-1", b"SCH-2"))
    assert counts(response)["created"] == 2


# --- dry run, the error report, and no 500 on any input ---


def test_dry_run_writes_nothing(client, login, school_user):
    login(school_user)
    response = upload(client, "students", ROSTER, dry_run=True)
    assert response.status_code == 200
    assert counts(response) == {"created": 2, "updated": 0, "unchanged": 0}
    assert count(Student) == 0


def test_error_report_lists_every_bad_row(client, login, school_user):
    login(school_user)
    lines = ["school_code,local_id,full_name,grade"] + [
        f"SCH-1,{n},Ученик {n},{12 + n % 3}" for n in range(600)
    ]
    response = upload(client, "students", "\n".join(lines).encode())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert len(error_rows(response)) == 500
    # The rest are in the full text list.
    assert "row 601: grade: 14 — допустимо от 1 до 11" in html
    assert html.count("— допустимо от 1 до 11") == 1100
    assert count(Student) == 0


def _xlsx(*rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "empty.csv"),
        (b"\r\n \r\n", "blank.csv"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.png"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00", "roster.pdf"),
        (b"PK\x03\x04garbage", "roster.xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "roster.xls"),
        (_xlsx(), "empty.xlsx"),
        (_xlsx(["school_code", "local_id", "full_name", "grade"]), "header-only.xlsx"),
        (bytes(range(256)) * 20, "junk.bin"),
        ("школа,номер\nSCH-1,1\n".encode("utf-16"), "utf16.csv"),
    ],
)
def test_bad_files_never_cause_a_server_error(client, login, school_user, data, filename):
    login(school_user)
    response = upload(client, "students", data, filename)
    assert response.status_code in (200, 400, 422), response.status_code
    assert count(Student) == 0


def test_web_imports_are_limited_in_rows(app, client, login, school_user, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)
    login(school_user)
    response = upload(client, "students", ROSTER)
    assert response.status_code == 400
    assert "partnercrm import" in response.get_data(as_text=True)
    assert count(Student) == 0


def test_missing_file_is_a_form_error(client, login, school_user):
    login(school_user)
    response = client.post(
        "/imports/",
        data={"kind": "students", "csrf_token": csrf_token(client, "/imports/")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_file_over_10_mb_gets_the_413_page(client, login, school_user):
    login(school_user)
    big = b"school_code,local_id,full_name,grade\n" + b"x" * (10 * 1024 * 1024 + 1)
    response = upload(client, "students", big, "big.csv")
    assert response.status_code == 413
    assert count(Student) == 0


# --- templates ---


def template(client, kind: str, fmt: str) -> bytes:
    response = client.get(f"/imports/templates/{kind}.{fmt}")
    assert response.status_code == 200, (kind, fmt)
    assert f'filename="{kind}-template.{fmt}"' in response.headers["Content-Disposition"]
    return response.data


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("role", [Role.SCHOOL, Role.COORDINATOR])
def test_every_template_imports_cleanly_unchanged(app, client, login, world, role, fmt):
    user = UserFactory(
        role=role,
        organization=world["SCH-1"] if role is Role.SCHOOL else None,
        municipality=municipality("Калининград") if role is Role.COORDINATOR else None,
    )
    db.session.commit()
    login(user)
    page = client.get("/imports/").get_data(as_text=True)
    kinds = re.findall(r'data-templates="(\w+)"', page)
    with app.app_context():
        from partnercrm.imports.services import kinds_for

        assert kinds == kinds_for(user)  # one per kind the user may import, page order
    assert len(kinds) >= 5
    for kind in kinds:
        assert f"/imports/templates/{kind}.{fmt}" in page
        body = template(client, kind, fmt)
        if fmt == "csv":
            header, example = csv_rows(body)
        else:
            sheet = workbook(body).active
            assert sheet.freeze_panes == "A2"
            header, example = sheet_table(sheet)
        assert header[0] and len(example) == len(header) and any(example)
        response = upload(client, kind, body, f"{kind}-template.{fmt}")
        assert response.status_code == 200, (kind, error_rows(response))
    assert count(Student) == 1 and count(Headcount) == 1
    assert db.session.scalar(sa.select(Student.full_name)) == "Пример Ученик Иванович"
    assert client.get("/imports/templates/nothing.csv").status_code == 404
    assert client.get("/imports/templates/students.pdf").status_code == 404


def test_templates_follow_who_may_import(client, login, school_user):
    login(school_user)
    assert client.get("/imports/templates/organizations.csv").status_code == 404
    header = csv_rows(client.get("/imports/templates/students.csv").data)
    assert header == [
        ["school_code", "local_id", "full_name", "grade", "class_letter", "birth_date", "ovz"],
        ["SCH-1", "пример-1", "Пример Ученик Иванович", "8", "А", "14.05.2012", "нет"],
    ]
