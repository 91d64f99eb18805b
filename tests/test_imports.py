"""``partnercrm import`` (DESIGN §4.3): the five kinds, all-or-nothing, re-import, dry run,
encodings, delimiters and XLSX, and the pure readers and value parsers."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from partnercrm.activities.models import Activity, CampShift, Headcount, Participation
from partnercrm.activities.rules import NO_GRADE, ActivityKind, ActivityStatus, CampType
from partnercrm.audit.models import AuditEntry
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.imports import columns, readers, values
from partnercrm.imports.registry import ImportEngine, import_engine
from partnercrm.localtime import local_today, to_utc
from partnercrm.students.models import Student
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import OrganizationFactory
from tests.import_files import STUDENT_HEADER, xlsx

K = OrganizationKind
VALID_INN = "7707083893"


# --- helpers ---


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def audit_count() -> int:
    return count(AuditEntry)


def write(tmp_path, text: str, name: str = "file.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(runner, kind: str, path: str, *extra: str):
    result = runner.invoke(args=["import", kind, path, *extra])
    db.session.expire_all()
    return result


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def failed(result) -> list[str]:
    """The ``row N: column: message`` lines of a refused import."""
    assert result.exit_code != 0, result.output
    assert "nothing was imported" in result.output
    return [line for line in result.stderr.splitlines() if line.startswith("row ")]


def municipality(name: str = "Калининград") -> Municipality:
    return db.session.scalar(sa.select(Municipality).where(Municipality.name == name))


@pytest.fixture
def world(seeded):
    """Two schools, an employer, a college and a camp with known codes; committed."""
    kaliningrad, gurievsk = municipality(), municipality("Гурьевский")
    orgs = {
        "SCH-1": OrganizationFactory(code="SCH-1", kind=K.SCHOOL, municipality=kaliningrad),
        "SCH-2": OrganizationFactory(code="SCH-2", kind=K.SCHOOL, municipality=gurievsk),
        "EMP-1": OrganizationFactory(code="EMP-1", kind=K.EMPLOYER, municipality=kaliningrad),
        "COL-1": OrganizationFactory(code="COL-1", kind=K.COLLEGE, municipality=kaliningrad),
        "CMP-1": OrganizationFactory(code="CMP-1", kind=K.CAMP, municipality=kaliningrad),
    }
    db.session.commit()
    return orgs


def student(school_code: str, local_id: str) -> Student | None:
    return db.session.scalar(
        sa.select(Student)
        .join(Organization, Organization.id == Student.school_id)
        .where(Organization.code == school_code, Student.local_id == local_id)
    )


def activity(ref: str) -> Activity | None:
    return db.session.scalar(sa.select(Activity).where(Activity.ref == ref))


ORGANIZATIONS = (
    "code,kind,name,short_name,municipality,inn,address,email,phone\n"
    'NEW-SCH,school,МАОУ СОШ № 7,СОШ № 7,Калининград,,"ул. Ленина, 1",,\n'
    f"NEW-EMP,employer,АО «Янтарь»,Янтарь,Гурьевский,{VALID_INN},,"
    "info@yantar.example,+7 4012 00-00-00\n"
    "NEW-COL,college,Колледж сервиса,,Калининград,,,,\n"
)

STUDENTS = (
    "school_code,local_id,full_name,grade,class_letter,birth_date,ovz\n"
    "SCH-1,00123,Иванов  Иван Иванович,8,а,2008-05-01,нет\n"
    "SCH-1,00124,Петрова Мария,8,А,01.02.2008,да\n"
    "SCH-1,7,Сидоров Пётр,10,,,\n"
)

ACTIVITIES = (
    "ref,kind,title,starts_at,ends_at,all_day,location,host_code,organizer_code,school_code,"
    "status,plan_items,public\n"
    "EXC-1,excursion,Экскурсия на «Янтарь»,2021-12-31 23:30,2022-01-01 00:30,0,Цех 1,EMP-1,"
    "SCH-1,SCH-1,held,,1\n"
    "EXC-2,excursion,Ночная экскурсия,01.01.2022 00:30,,,,EMP-1,SCH-1,,planned,,\n"
    'CAMP-1,camp_shift,Смена «Профи»,2021-06-01,2021-06-21,да,,CMP-1,COL-1,,held,"10;15",нет\n'
    "OPEN-1,open_day,День открытых дверей,2021-03-20 10:00,,,,COL-1,COL-1,,held,,true\n"
)

PARTICIPANTS = (
    "activity_ref,school_code,local_id\nEXC-1,SCH-1,00123\nEXC-1,SCH-1,00124\nOPEN-1,SCH-1,00123\n"
)

HEADCOUNTS = (
    "activity_ref,school_code,grade,count,ovz_count\nOPEN-1,SCH-2,,25,2\nOPEN-1,SCH-2,9,10,\n"
)


def load_all(runner, tmp_path) -> None:
    ok(run(runner, "students", write(tmp_path, STUDENTS, "students.csv")))
    ok(run(runner, "activities", write(tmp_path, ACTIVITIES, "activities.csv")))


# --- the happy path of each kind, and re-import ---


def test_organizations_import_creates_then_reimport_changes_nothing(runner, world, tmp_path):
    path = write(tmp_path, ORGANIZATIONS)
    assert "3 created, 0 updated, 0 unchanged" in ok(run(runner, "organizations", path))
    school = db.session.scalar(sa.select(Organization).where(Organization.code == "NEW-SCH"))
    assert (school.kind, school.short_name, school.address) == (
        K.SCHOOL,
        "СОШ № 7",
        "ул. Ленина, 1",
    )
    assert school.municipality.name == "Калининград" and school.inn is None
    employer = db.session.scalar(sa.select(Organization).where(Organization.code == "NEW-EMP"))
    assert employer.approval_state is ApprovalState.APPROVED
    assert (employer.inn, employer.email) == (VALID_INN, "info@yantar.example")
    assert employer.municipality.name == "Гурьевский"

    entries = audit_count()
    assert "0 created, 0 updated, 3 unchanged" in ok(run(runner, "organizations", path))
    assert audit_count() == entries

    changed = ORGANIZATIONS.replace("Колледж сервиса", "Колледж сервиса и туризма")
    output = ok(run(runner, "organizations", write(tmp_path, changed, "changed.csv")))
    assert "0 created, 1 updated, 2 unchanged" in output
    assert audit_count() == entries + 1
    update = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert update.details == {"name": ["Колледж сервиса", "Колледж сервиса и туризма"]}


def test_absent_optional_column_keeps_the_stored_value(runner, world, tmp_path):
    ok(run(runner, "organizations", write(tmp_path, ORGANIZATIONS)))
    short = "code,kind,name,municipality\nNEW-EMP,employer,АО «Янтарь»,Гурьевский\n"
    assert "1 unchanged" in ok(run(runner, "organizations", write(tmp_path, short, "s.csv")))
    employer = db.session.scalar(sa.select(Organization).where(Organization.code == "NEW-EMP"))
    assert employer.inn == VALID_INN


def test_students_import_keeps_leading_zeros_and_normalises(runner, world, tmp_path):
    path = write(tmp_path, STUDENTS)
    assert "3 created" in ok(run(runner, "students", path))
    ivanov = student("SCH-1", "00123")
    assert ivanov is not None and student("SCH-1", "123") is None
    assert (ivanov.full_name, ivanov.grade, ivanov.class_letter) == ("Иванов Иван Иванович", 8, "А")
    assert (ivanov.birth_date, ivanov.ovz) == (date(2008, 5, 1), False)
    petrova = student("SCH-1", "00124")
    assert (petrova.birth_date, petrova.ovz, petrova.class_letter) == (date(2008, 2, 1), True, "А")
    assert student("SCH-1", "7").class_letter is None

    entries = audit_count()
    assert "0 created, 0 updated, 3 unchanged" in ok(run(runner, "students", path))
    assert audit_count() == entries

    moved = STUDENTS.replace("SCH-1,7,Сидоров Пётр,10,,,", "SCH-1,7,Сидоров Пётр,11,Б,,1")
    assert "1 updated, 2 unchanged" in ok(run(runner, "students", write(tmp_path, moved, "m.csv")))
    sidorov = student("SCH-1", "7")
    assert (sidorov.grade, sidorov.class_letter, sidorov.ovz) == (11, "Б", True)
    assert audit_count() == entries + 1


def test_activities_import_timed_all_day_plan_items_and_reimport(runner, world, tmp_path):
    path = write(tmp_path, ACTIVITIES)
    assert "4 created" in ok(run(runner, "activities", path))

    late = activity("EXC-1")
    # 23:30 local time on 31 December stays on 31 December (21:30 UTC).
    assert late.starts_on == date(2021, 12, 31)
    assert late.starts_at == to_utc(datetime(2021, 12, 31, 23, 30))
    assert late.ends_at == to_utc(datetime(2022, 1, 1, 0, 30)) and not late.all_day
    assert (late.kind, late.status, late.public, late.location) == (
        ActivityKind.EXCURSION,
        ActivityStatus.HELD,
        True,
        "Цех 1",
    )
    assert (late.host.code, late.organizer.code) == ("EMP-1", "SCH-1")
    assert [school.code for school in late.schools] == ["SCH-1"]
    assert [item.number for item in late.plan_items] == [5, 23]

    early = activity("EXC-2")
    # 00:30 on 1 January is in the new year, though it is 22:30 UTC on 31 December.
    assert early.starts_on == date(2022, 1, 1) and early.ends_at is None
    assert early.schools == [] and early.public is False

    camp = activity("CAMP-1")
    assert camp.all_day and (camp.starts_on, camp.ends_on) == (date(2021, 6, 1), date(2021, 6, 21))
    assert camp.starts_at == to_utc(datetime(2021, 6, 1))
    assert [item.number for item in camp.plan_items] == [10, 15]
    assert [item.number for item in activity("OPEN-1").plan_items] == [24]

    entries = audit_count()
    assert "0 created, 0 updated, 4 unchanged" in ok(run(runner, "activities", path))
    assert audit_count() == entries

    moved = ACTIVITIES.replace("2021-03-20 10:00", "2021-03-21 11:00").replace(
        "held,,true", "cancelled,24;9,true"
    )
    assert "1 updated, 3 unchanged" in ok(
        run(runner, "activities", write(tmp_path, moved, "moved.csv"))
    )
    open_day = activity("OPEN-1")
    assert open_day.starts_on == date(2021, 3, 21) and open_day.status is ActivityStatus.CANCELLED
    assert [item.number for item in open_day.plan_items] == [9, 24]
    assert audit_count() == entries + 1


def test_parent_meeting_gets_its_details_row(runner, world, tmp_path):
    text = (
        "ref,kind,title,starts_at,host_code,organizer_code\n"
        "PM-1,parent_meeting,Собрание 9 классов,2021-04-10 18:00,SCH-1,SCH-1\n"
    )
    ok(run(runner, "activities", write(tmp_path, text)))
    meeting = activity("PM-1")
    assert meeting.parent_meeting is not None
    assert [item.number for item in meeting.plan_items] == [6, 17]
    assert meeting.status is ActivityStatus.PLANNED


def test_participants_import_adds_visiting_school_and_reimport(runner, world, tmp_path):
    load_all(runner, tmp_path)
    path = write(tmp_path, PARTICIPANTS, "participants.csv")
    assert "3 created" in ok(run(runner, "participants", path))
    assert count(Participation) == 3
    assert [school.code for school in activity("OPEN-1").schools] == ["SCH-1"]

    entries = audit_count()
    assert "0 created, 0 updated, 3 unchanged" in ok(run(runner, "participants", path))
    assert audit_count() == entries and count(Participation) == 3


def test_headcounts_import_with_and_without_grade(runner, world, tmp_path):
    load_all(runner, tmp_path)
    path = write(tmp_path, HEADCOUNTS, "headcounts.csv")
    assert "2 created" in ok(run(runner, "headcounts", path))
    rows = {
        h.grade: (h.count, h.ovz_count, h.school.code)
        for h in db.session.scalars(sa.select(Headcount))
    }
    assert rows == {NO_GRADE: (25, 2, "SCH-2"), 9: (10, 0, "SCH-2")}
    assert "SCH-2" in [school.code for school in activity("OPEN-1").schools]

    entries = audit_count()
    assert "0 created, 0 updated, 2 unchanged" in ok(run(runner, "headcounts", path))
    assert audit_count() == entries

    changed = HEADCOUNTS.replace("OPEN-1,SCH-2,,25,2", "OPEN-1,SCH-2,,30,2").replace(
        "OPEN-1,SCH-2,9,10,", "OPEN-1,SCH-2,9,0,"
    )
    output = ok(run(runner, "headcounts", write(tmp_path, changed, "c.csv")))
    assert "0 created, 1 updated, 0 unchanged, 1 deleted" in output
    assert [(h.grade, h.count) for h in db.session.scalars(sa.select(Headcount))] == [
        (NO_GRADE, 30)
    ]


def test_dry_run_reports_and_writes_nothing(runner, world, tmp_path):
    entries = audit_count()
    output = ok(run(runner, "students", write(tmp_path, STUDENTS), "--dry-run"))
    assert "3 created, 0 updated, 0 unchanged" in output and "dry run" in output
    assert count(Student) == 0 and audit_count() == entries

    ok(run(runner, "students", write(tmp_path, STUDENTS)))
    changed = STUDENTS.replace("Сидоров Пётр,10", "Сидоров Пётр,11")
    output = ok(run(runner, "students", write(tmp_path, changed, "c.csv"), "--dry-run"))
    assert "0 created, 1 updated, 2 unchanged" in output
    assert student("SCH-1", "7").grade == 10


# --- errors: every bad row, nothing imported ---


def test_unknown_codes_are_row_errors_and_nothing_is_imported(runner, world, tmp_path):
    text = (
        "school_code,local_id,full_name,grade\n"
        "SCH-1,1,Хороший Ученик,5\n"
        "NOPE,2,Неизвестная Школа,5\n"
        "EMP-1,3,Не Школа,5\n"
    )
    errors = failed(run(runner, "students", write(tmp_path, text)))
    assert errors == [
        "row 3: school_code: нет организации с кодом «NOPE»",
        "row 4: school_code: организация «EMP-1» — не школа",
    ]
    assert count(Student) == 0


def test_unknown_refs_and_students(runner, world, tmp_path):
    load_all(runner, tmp_path)
    text = (
        "activity_ref,school_code,local_id\nEXC-1,SCH-1,00123\nNOPE,SCH-1,00123\nEXC-1,SCH-1,123\n"
    )
    errors = failed(run(runner, "participants", write(tmp_path, text, "p.csv")))
    assert errors == [
        "row 3: activity_ref: нет мероприятия с кодом «NOPE»",
        "row 4: local_id: в школе «SCH-1» нет обучающегося с номером «123»",
    ]
    assert count(Participation) == 0


def test_bad_values_each_reported_with_spreadsheet_row_numbers(runner, world, tmp_path):
    text = (
        "ref,kind,title,starts_at,ends_at,all_day,host_code,organizer_code,status,plan_items\n"
        "A-1,excursion,Хорошая,2021-03-15 10:00,,,EMP-1,SCH-1,held,\n"
        "A-2,excursion,Плохая дата,2021-02-30 10:00,,,EMP-1,SCH-1,held,\n"
        "\n"
        "A-3,factory,Неизвестный вид,2021-03-15 10:00,,,EMP-1,SCH-1,held,\n"
        "A-4,excursion,Неизвестный статус,2021-03-15 10:00,,,EMP-1,SCH-1,done,\n"
        "A-5,excursion,Неизвестный пункт,2021-03-15 10:00,,,EMP-1,SCH-1,held,5;99\n"
        "A-6,excursion,Конец раньше начала,2021-03-15 10:00,2021-03-15 09:00,,EMP-1,SCH-1,,\n"
        "A-7,excursion,Без времени,15.03.2021,,,EMP-1,SCH-1,,\n"
        "A-8,camp_shift,Смена,2021-06-10,2021-06-01,1,COL-1,COL-1,,\n"
        "A-9,excursion,,2021-03-15 10:00,,,EMP-1,SCH-1,,\n"
    )
    errors = failed(run(runner, "activities", write(tmp_path, text)))
    rows = [line.split(":")[0] for line in errors]
    # Row 4 is blank: it keeps its number, as in a spreadsheet.
    assert rows == [f"row {n}" for n in (3, 5, 6, 7, 8, 9, 10, 11)]
    assert errors[0].startswith("row 3: starts_at: неверные дата и время «2021-02-30 10:00»")
    assert errors[1].startswith("row 5: kind: неизвестный вид мероприятия «factory»")
    assert errors[2].startswith("row 6: status: неизвестный статус «done»")
    assert errors[3] == "row 7: plan_items: нет такого пункта плана в программе kgd-2020-2022: 99"
    assert errors[4] == "row 8: ends_at: окончание раньше начала"
    assert errors[5].startswith("row 9: starts_at: неверные дата и время «15.03.2021»")
    assert errors[6] == "row 10: ends_at: последний день раньше первого"
    assert errors[7] == "row 11: title: не заполнено"
    assert count(Activity) == 0


def test_organization_value_errors(runner, world, tmp_path):
    text = (
        "code,kind,name,municipality,inn,email\n"
        "X-1,factory,Завод,Калининград,,\n"
        "X-2,employer,Завод,Кёнигсберг,,\n"
        "X-3,employer,Завод,Калининград,1234567890,\n"
        "X-4,employer,Завод,Калининград,,not-an-email\n"
    )
    errors = failed(run(runner, "organizations", write(tmp_path, text)))
    assert [line.split(":")[:2] for line in errors] == [
        ["row 2", " kind"],
        ["row 3", " municipality"],
        ["row 4", " inn"],
        ["row 5", " email"],
    ]
    assert "неизвестный вид организации «factory»" in errors[0]
    assert "неверный ИНН" in errors[2]


def test_rules_of_existing_activities_and_open_participation(runner, world, tmp_path):
    load_all(runner, tmp_path)
    meeting = (
        "ref,kind,title,starts_at,host_code,organizer_code,status\n"
        "PM-1,parent_meeting,Собрание,2021-04-10 18:00,SCH-1,SCH-1,held\n"
    )
    ok(run(runner, "activities", write(tmp_path, meeting, "pm.csv")))
    cancelled = ACTIVITIES.replace("held,,true", "cancelled,,true")
    ok(run(runner, "activities", write(tmp_path, cancelled, "cancelled.csv")))

    # The kind never changes; a cancelled activity goes back to planned before it is held.
    rekinded = ACTIVITIES.replace("EXC-2,excursion", "EXC-2,open_day")
    assert failed(run(runner, "activities", write(tmp_path, rekinded, "k.csv"))) == [
        "row 3: kind: вид мероприятия нельзя изменить (сейчас excursion)",
        "row 5: status: статус нельзя сменить с cancelled на held",
    ]
    participants = "activity_ref,school_code,local_id\nPM-1,SCH-1,00123\nOPEN-1,SCH-1,00123\n"
    assert failed(run(runner, "participants", write(tmp_path, participants, "p.csv"))) == [
        "row 2: activity_ref: «PM-1» — родительское собрание: его участники — родители",
        "row 3: activity_ref: мероприятие «OPEN-1» отменено",
    ]
    off_site = meeting.replace("PM-1", "PM-2").replace("SCH-1,SCH-1", "EMP-1,SCH-1")
    ok(run(runner, "activities", write(tmp_path, off_site, "o.csv")))
    schoolless = meeting.replace("PM-1", "PM-3").replace("SCH-1,SCH-1", "EMP-1,EMP-1")
    assert failed(run(runner, "activities", write(tmp_path, schoolless, "m.csv"))) == [
        "row 2: host_code: родительское собрание проводит школа: организатор или место — школа"
    ]
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    future = meeting.replace("PM-1", "PM-4").replace("2021-04-10", tomorrow)
    assert failed(run(runner, "activities", write(tmp_path, future, "f.csv"))) == [
        "row 2: status: мероприятие ещё не началось: статус held нельзя, укажите planned"
    ]


def test_activities_obey_their_kinds_host_rules_as_the_form_does(runner, world, tmp_path):
    """The import refuses what the form refuses (services.check_activity): a camp shift takes
    place at a camp or a school, and an existing school day camp stays at a school."""
    shifts = (
        "ref,kind,title,starts_at,ends_at,all_day,host_code,organizer_code\n"
        "C-1,camp_shift,В колледже,2021-06-01,2021-06-21,1,COL-1,COL-1\n"
        "C-2,camp_shift,В лагере,2021-06-01,2021-06-21,1,CMP-1,COL-1\n"
        "C-3,camp_shift,В школе,2021-06-01,2021-06-21,1,SCH-1,SCH-1\n"
    )
    assert failed(run(runner, "activities", write(tmp_path, shifts))) == [
        "row 2: host_code: смена проводится в лагере (организации вида camp) или, "
        "если лагерь пришкольный, в школе"
    ]
    assert count(Activity) == 0
    ok(run(runner, "activities", write(tmp_path, shifts.replace("COL-1,COL", "CMP-1,COL"))))
    school_camp = activity("C-3")
    school_camp.camp_shift = CampShift(camp_type=CampType.SCHOOL)
    db.session.commit()
    moved = "ref,kind,title,starts_at,ends_at,all_day,host_code,organizer_code\n" + (
        "C-3,camp_shift,В школе,2021-06-01,2021-06-21,1,CMP-1,SCH-1\n"
    )
    assert failed(run(runner, "activities", write(tmp_path, moved, "moved.csv"))) == [
        "row 2: host_code: пришкольный лагерь работает на базе школы"
    ]
    assert activity("C-3").host.code == "SCH-1"


def test_implausible_values_are_row_errors(runner, world, tmp_path):
    """plausible: birth dates from 1990 to today, activities from 2015 to three years ahead,
    no control characters in any cell, as the forms refuse them."""
    today = local_today().strftime("%d.%m.%Y")
    students = (
        "school_code;local_id;full_name;grade;birth_date\n"
        "SCH-1;1;Иванов Иван;5;31.12.1989\n"
        "SCH-1;2;Петров\x9b Пётр;5;\n"
        "SCH-1;3;Сидоров Сидор;5;0001-01-01\n"
        "SCH-1;4\x85;Смирнов Олег;5;01.01.1990\n"
    )
    assert failed(run(runner, "students", write(tmp_path, students))) == [
        f"row 2: birth_date: дата рождения «31.12.1989» вне допустимых пределов: с 01.01.1990 "
        f"по {today}",
        "row 3: full_name: недопустимый управляющий символ (U+009B) в тексте — удалите его",
        "row 4: birth_date: неверная дата «0001-01-01»: год раньше 1900",
        "row 5: local_id: недопустимый управляющий символ (U+0085) в тексте — удалите его",
    ]
    # An XLSX text cell may hold the C1 controls (XML allows them).
    rows = [STUDENT_HEADER, ("SCH-1", "1", "Иванов\x9b Иван", "5")]
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(rows))
    assert failed(run(runner, "students", str(path))) == [
        "row 2: full_name: недопустимый управляющий символ (U+009B) в тексте — удалите его"
    ]
    assert count(Student) == 0
    activities = (
        "ref,kind,title,starts_at,ends_at,all_day,host_code,organizer_code\n"
        "E-1,excursion,Экскурсия,9999-12-31 10:00,,,EMP-1,SCH-1\n"
        "E-2,excursion,Экскурсия,2014-12-31 10:00,,,EMP-1,SCH-1\n"
        "E-3,excursion,Экскурсия,2021-03-15 10:00,9999-12-31 12:00,,EMP-1,SCH-1\n"
        "C-1,camp_shift,Смена,2021-06-01,9999-06-21,1,CMP-1,SCH-1\n"
    )
    bounds = "дата вне допустимых пределов: с 01.01.2015 по "
    lines = failed(run(runner, "activities", write(tmp_path, activities, "a.csv")))
    assert [line[: line.index(bounds) + len(bounds)] for line in lines] == [
        f"row 2: starts_at: {bounds}",
        f"row 3: starts_at: {bounds}",
        f"row 4: ends_at: {bounds}",
        f"row 5: ends_at: {bounds}",
    ]
    assert count(Activity) == 0


def test_grade_out_of_range_and_ovz_over_count(runner, world, tmp_path):
    load_all(runner, tmp_path)
    students = "school_code,local_id,full_name,grade\nSCH-1,99,Ученик,12\n"
    assert failed(run(runner, "students", write(tmp_path, students, "s.csv"))) == [
        "row 2: grade: 12 — допустимо от 1 до 11"
    ]
    heads = "activity_ref,school_code,grade,count,ovz_count\nOPEN-1,SCH-1,0,5,\nOPEN-1,SCH-2,,5,6\n"
    assert failed(run(runner, "headcounts", write(tmp_path, heads, "h.csv"))) == [
        "row 2: grade: 0 — допустимо от 1 до 11",
        "row 3: ovz_count: больше общего числа участников (count)",
    ]


def test_duplicate_key_inside_a_file_is_an_error_on_the_later_row(runner, world, tmp_path):
    text = (
        "school_code,local_id,full_name,grade\n"
        "SCH-1,001,Первый,5\n"
        "SCH-1,002,Второй,5\n"
        "SCH-1,001,Первый снова,6\n"
        "SCH-2,001,В другой школе,6\n"
    )
    assert failed(run(runner, "students", write(tmp_path, text))) == [
        "row 4: local_id: ключ (SCH-1, 001) уже встречался в строке 2"
    ]
    assert count(Student) == 0


def test_missing_required_and_unknown_columns(runner, world, tmp_path):
    text = "school_code,full_name,grade,nickname\nSCH-1,Ученик,5,Вася\n"
    errors = failed(run(runner, "students", write(tmp_path, text)))
    assert "row 1: local_id: нет обязательного столбца" in errors
    assert any(line.startswith("row 1: nickname: неизвестный столбец") for line in errors)


def test_unknown_import_kind_is_refused(runner, world, tmp_path):
    result = run(runner, "teachers", write(tmp_path, STUDENTS))
    assert result.exit_code == 2
    assert "teachers" in result.output


def test_empty_and_binary_files_are_refused(runner, world, tmp_path):
    for data in (b"", b"\n\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"):
        path = tmp_path / "bad.csv"
        path.write_bytes(data)
        result = run(runner, "students", str(path))
        assert result.exit_code == 1 and "Error" in result.output


# --- encodings, delimiters, XLSX ---


def test_windows_1251_semicolon_file(runner, world, tmp_path):
    text = STUDENTS.replace(",", ";").replace("\n", "\r\n")
    path = write(tmp_path, text, encoding="cp1251")
    assert "3 created" in ok(run(runner, "students", path))
    assert student("SCH-1", "00124").full_name == "Петрова Мария"


def test_utf8_bom_file_with_russian_headers(runner, world, tmp_path):
    text = (
        "Код школы;Номер;ФИО;Класс;Литера;Дата рождения;ОВЗ\n"
        "SCH-1;00123;Иванов Иван;8;б;01.09.2008;да\n"
    )
    path = tmp_path / "bom.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    assert "1 created" in ok(run(runner, "students", str(path)))
    ivanov = student("SCH-1", "00123")
    assert (ivanov.class_letter, ivanov.ovz, ivanov.birth_date) == ("Б", True, date(2008, 9, 1))


def test_xlsx_first_sheet_with_numbers_and_date_cells(runner, world, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["school_code", "local_id", "full_name", "grade", "class_letter", "birth_date"])
    sheet.append(["SCH-1", "00123", "Иванов Иван", 8, "А", datetime(2008, 5, 1)])
    sheet.append(["SCH-1", 124, "Петрова Мария", 9.0, None, "02.03.2007"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["SCH-1", "0042", "Сидоров Пётр", "10", "", None])
    other = workbook.create_sheet("Другой лист")
    other.append(["ignored"])
    path = tmp_path / "roster.xlsx"
    workbook.save(path)

    assert "3 created" in ok(run(runner, "students", str(path)))
    assert student("SCH-1", "00123").birth_date == date(2008, 5, 1)
    petrova = student("SCH-1", "124")
    assert (petrova.grade, petrova.birth_date) == (9, date(2007, 3, 2))
    assert student("SCH-1", "0042").grade == 10
    assert "3 unchanged" in ok(run(runner, "students", str(path)))


def test_xlsx_activities_with_datetime_cells(runner, world, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["ref", "kind", "title", "starts_at", "ends_at", "all_day", "host_code", "organizer_code"]
    )
    sheet.append(
        ["X-1", "excursion", "Экскурсия", datetime(2021, 12, 31, 23, 30), None, 0, "EMP-1", "SCH-1"]
    )
    sheet.append(
        [
            "X-2",
            "camp_shift",
            "Смена",
            datetime(2021, 6, 1),
            datetime(2021, 6, 21),
            True,
            "CMP-1",
            "COL-1",
        ]
    )
    path = tmp_path / "activities.xlsx"
    workbook.save(path)
    assert "2 created" in ok(run(runner, "activities", str(path)))
    assert activity("X-1").starts_on == date(2021, 12, 31)
    assert (activity("X-2").starts_on, activity("X-2").ends_on) == (
        date(2021, 6, 1),
        date(2021, 6, 21),
    )


def test_xlsx_errors_use_sheet_row_numbers(runner, world, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([])
    sheet.append(["school_code", "local_id", "full_name", "grade"])
    sheet.append(["SCH-1", "1", "Ученик", 15])
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    assert failed(run(runner, "students", str(path))) == ["row 3: grade: 15 — допустимо от 1 до 11"]


def test_xlsx_without_rows_and_damaged_xlsx(runner, world, tmp_path):
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    assert run(runner, "students", str(path)).exit_code == 1
    header_only = Workbook()
    header_only.active.append(["school_code", "local_id", "full_name", "grade"])
    header_only.save(path)
    result = run(runner, "students", str(path))
    assert result.exit_code == 1 and "нет строк с данными" in result.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(readers.ZIP_MAGIC + b"not really a zip")
    result = run(runner, "students", str(broken))
    assert result.exit_code == 1 and "XLSX" in result.output


# --- large files: progress, and lookups in bulk ---


def test_large_participants_file_shows_progress_and_queries_in_bulk(runner, world, tmp_path, app):
    school = world["SCH-1"]
    for n in range(1200):
        StudentFactory(school=school, local_id=f"{n:05d}")
    events = [ActivityFactory(ref=f"EV-{n}", organizer=school) for n in range(3)]
    db.session.commit()

    selects: list[str] = []

    def remember(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    def import_rows(n_rows: int, name: str):
        lines = ["activity_ref,school_code,local_id"] + [
            f"{events[i % 3].ref},SCH-1,{i:05d}" for i in range(n_rows)
        ]
        selects.clear()
        sa.event.listen(db.engine, "before_cursor_execute", remember)
        try:
            result = run(runner, "participants", write(tmp_path, "\n".join(lines), name))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", remember)
        return result, len(selects)

    small, small_selects = import_rows(30, "small.csv")
    ok(small)
    large, large_selects = import_rows(1200, "large.csv")
    assert "1170 created, 0 updated, 30 unchanged" in ok(large)
    assert "checking rows" in large.stderr and "writing" in large.stderr
    # Lookups are loaded in bulk: the number of queries does not grow with the rows.
    assert large_selects <= small_selects + 2


# --- the pure parts ---


def test_readers_detect_encoding_delimiter_and_number_rows():
    text = "a;b\n1;2\n\n3;4\n"
    table = readers.read_table(text.encode("cp1251"))
    assert (table.encoding, table.delimiter) == ("utf-8", ";")
    assert [number for number, _ in table.rows] == [2, 4]
    table = readers.read_table("код,имя\n1,Иван\n".encode("cp1251"))
    assert (table.encoding, table.header) == ("cp1251", ["код", "имя"])
    table = readers.read_table('a,b\n"x, y",2\n'.encode("utf-8-sig"))
    assert table.header == ["a", "b"] and table.rows == [(2, ["x, y", "2"])]
    assert readers.detect_delimiter('"a;b",c') == ","


def test_xlsx_cells_are_normalised():
    assert readers.xlsx_cell(7.0) == "7"
    assert readers.xlsx_cell(7.5) == "7.5"
    assert readers.xlsx_cell(12) == "12"
    assert readers.xlsx_cell(None) == ""
    assert readers.xlsx_cell("00123") == "00123"
    assert readers.xlsx_cell(datetime(2021, 3, 1)) == date(2021, 3, 1)
    assert readers.xlsx_cell(datetime(2021, 3, 1, 10, 30)) == datetime(2021, 3, 1, 10, 30)


def test_value_parsers():
    assert [values.boolean(c) for c in ("1", "0", "TRUE", "false", "Да", "нет", "")] == [
        True,
        False,
        True,
        False,
        True,
        False,
        False,
    ]
    with pytest.raises(values.ValueProblem):
        values.boolean("может быть")
    assert values.parse_date("2021-03-01") == values.parse_date("01.03.2021") == date(2021, 3, 1)
    for bad in ("2021-13-01", "1.3.21", "03/01/2021", "31.02.2021"):
        with pytest.raises(values.ValueProblem):
            values.parse_date(bad)
    assert values.parse_datetime("31.12.2021 23:30") == datetime(2021, 12, 31, 23, 30)
    assert values.plan_items("5;23") == values.plan_items("5, 23") == [5, 23]
    with pytest.raises(values.ValueProblem):
        values.plan_items("5-23")
    with pytest.raises(values.ValueProblem):
        values.inn("1234567890")
    assert [values.class_letter(c) for c in ("а", " b ", "A", "Б")] == ["А", "В", "А", "Б"]


def test_every_kind_has_its_design_columns():
    design = {
        "organizations": "code kind name short_name municipality inn address email phone",
        "students": "school_code local_id full_name grade class_letter birth_date ovz",
        "activities": "ref kind title starts_at ends_at all_day location host_code "
        "organizer_code school_code status plan_items public programme hours",
        "participants": "activity_ref school_code local_id",
        "headcounts": "activity_ref school_code grade count ovz_count",
    }
    # Kinds registered by their package (agreements, profminimum_levels) are tested there.
    assert {kind.name: " ".join(kind.column_names) for kind in columns.BUILT_IN} == design


def test_the_app_registers_its_import_kinds_and_agreements(app):
    """create_app gives each app its own registry: the five kinds, then the agreements kind of
    the agreements package and the levels of the profminimum package; school staff may import
    every kind but organizations."""
    engine = import_engine(app)
    assert engine.names() == [
        "organizations",
        "students",
        "activities",
        "participants",
        "headcounts",
        "agreements",
        "profminimum_levels",
    ]
    assert [kind.name for kind in engine if not kind.schools_may_import] == ["organizations"]
    agreements = engine.kind("agreements")
    with pytest.raises(ValueError):
        engine.register_kind(agreements.importer, agreements.spec, agreements.label)
    fresh = ImportEngine()
    assert "agreements" not in fresh and fresh.names() == []


def test_an_unknown_kind_is_refused_on_the_command_line(runner, tmp_path):
    result = runner.invoke(args=["import", "factories", write(tmp_path, "code\nX\n")])
    assert result.exit_code == 2
    assert "'factories' is not one of 'organizations'" in result.output


def test_xlsx_reader_on_bytes():
    workbook = Workbook()
    workbook.active.append(["code", "name"])
    workbook.active.append([1.0, "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = readers.read_table(buffer.getvalue())
    assert table.format == "xlsx" and table.rows == [(2, ["1", "x"])]


def test_the_examples_in_docs_import_in_order(runner, seeded, tmp_path):
    """docs/imports.md stays true: its example of each kind imports, and again changes nothing."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "imports.md").read_text("utf-8")
    examples = re.findall(r"### (\w+)\n.*?```csv\n(.*?)```", doc, flags=re.S)
    assert [kind for kind, _ in examples] == [
        "organizations",
        "students",
        "activities",
        "participants",
        "headcounts",
        "profminimum_levels",
    ]
    for kind, text in examples:
        path = write(tmp_path, text, f"{kind}.csv")
        assert "0 updated, 0 unchanged" in ok(run(runner, kind, path)), kind
    for kind, _text in examples:
        output = ok(run(runner, kind, str(tmp_path / f"{kind}.csv")))
        assert "0 created, 0 updated" in output, (kind, output)
