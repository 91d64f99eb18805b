"""The roster: school staff list, add, edit and archive their own school's students."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from partnercrm.access.students import (
    can_manage_roster,
    can_manage_student,
    can_see_student,
    students_scope,
)
from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Participation
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.students import services
from partnercrm.students.models import Student
from partnercrm.students.rules import normalise_class_letter
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.conftest import csrf_token
from tests.factories import OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def english(client):
    """Assert on the English msgids, whatever the Russian catalogue says."""
    with client.session_transaction() as session:
        session["lang"] = "en"


@pytest.fixture
def staff():
    """A school staff user; their school is ``staff.organization``."""
    user = UserFactory(role=Role.SCHOOL)
    db.session.commit()
    return user


@pytest.fixture
def school(staff):
    return staff.organization


def names(response) -> list[str]:
    """Names of the students linked from the roster page, in order."""
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.findall(r'href="/students/\d+">([^<]+)</a>', html)


def post(client, path: str, data: dict | None = None, token_from: str | None = None):
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def form(**changes) -> dict:
    data = {
        "local_id": "0042",
        "full_name": "Иванова Мария Сергеевна",
        "grade": "8",
        "class_letter": "А",
        "birth_date": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def students(school) -> list[Student]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Student).where(Student.school_id == school.id).order_by(Student.id)
        )
    )


# --- who sees the roster ---


def test_roster_needs_login(client):
    response = client.get("/students/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.COORDINATOR, Role.EMPLOYER, Role.COLLEGE, Role.EMPLOYMENT_CENTER]
)
def test_other_roles_do_not_see_names(client, login, role):
    student = StudentFactory(full_name="Секретова Анна Павловна")
    user = UserFactory(role=role)
    db.session.commit()
    login(user)
    for path in ("/students/", "/students/new", f"/students/{student.id}"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Секретова" not in response.get_data(as_text=True)
    assert client.post(f"/students/{student.id}/archive").status_code in (400, 403)
    assert students(student.school)[0].archived_at is None


def test_school_staff_without_a_school_get_403(client, login):
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    user = UserFactory(role=Role.SCHOOL, organization=employer)
    db.session.commit()
    login(user)
    assert client.get("/students/").status_code == 403
    assert not can_manage_roster(user)


def test_roster_shows_only_the_own_school(client, login, staff, school):
    StudentFactory(school=school, full_name="Свой Ученик Петрович")
    other = StudentFactory(full_name="Чужой Ученик Иванович")
    db.session.commit()
    login(staff)
    assert names(client.get("/students/")) == ["Свой Ученик Петрович"]
    assert names(client.get("/students/", query_string={"q": "Чужой"})) == []
    assert names(client.get("/students/", query_string={"show": "all"})) == ["Свой Ученик Петрович"]
    assert can_see_student(staff, other) is False


def test_roster_links_to_add_and_import(client, login, staff):
    login(staff)
    html = client.get("/students/").get_data(as_text=True)
    assert 'href="/students/new"' in html
    assert 'href="/imports/"' in html
    assert client.get("/students/new").status_code == 200


# --- listing: filters, search, order, pagination ---


def test_filters_by_grade_and_class_letter(client, login, staff, school):
    StudentFactory(school=school, full_name="Андреев Антон", grade=8, class_letter="А")
    StudentFactory(school=school, full_name="Борисов Борис", grade=8, class_letter="Б")
    StudentFactory(school=school, full_name="Васильев Василий", grade=9, class_letter="А")
    db.session.commit()
    login(staff)
    assert names(client.get("/students/", query_string={"grade": 8})) == [
        "Андреев Антон",
        "Борисов Борис",
    ]
    assert names(client.get("/students/", query_string={"grade": 8, "letter": "б"})) == [
        "Борисов Борис"
    ]
    # A Latin "A" typed for the Cyrillic "А".
    assert names(client.get("/students/", query_string={"letter": "A"})) == [
        "Андреев Антон",
        "Васильев Василий",
    ]
    # Nonsense filters are ignored, not errors.
    assert len(names(client.get("/students/", query_string={"grade": "x", "sort": "?"}))) == 3
    # The class buttons carry the counts of the current roster.
    html = client.get("/students/").get_data(as_text=True)
    assert re.search(r"8А\s*<span[^>]*>1</span>", html)


def test_search_by_name_is_case_insensitive_for_cyrillic(client, login, staff, school):
    StudentFactory(school=school, full_name="Ёлкина Дарья Игоревна", local_id="A-17")
    StudentFactory(school=school, full_name="Щукин Пётр Олегович", local_id="00018")
    db.session.commit()
    login(staff)
    assert names(client.get("/students/", query_string={"q": "ёлкина"})) == [
        "Ёлкина Дарья Игоревна"
    ]
    assert names(client.get("/students/", query_string={"q": "ПЁТР"})) == ["Щукин Пётр Олегович"]
    assert names(client.get("/students/", query_string={"q": "a-1"})) == ["Ёлкина Дарья Игоревна"]
    assert names(client.get("/students/", query_string={"q": "0001"})) == ["Щукин Пётр Олегович"]
    # LIKE wildcards are searched for as text.
    assert names(client.get("/students/", query_string={"q": "%"})) == []
    assert names(client.get("/students/", query_string={"q": "_"})) == []


def test_archived_toggle(client, login, staff, school):
    StudentFactory(school=school, full_name="Текущий Ученик")
    archived = StudentFactory(school=school, full_name="Выбывший Ученик")
    db.session.commit()
    login(staff)
    post(client, f"/students/{archived.id}/archive", token_from=f"/students/{archived.id}")
    assert names(client.get("/students/")) == ["Текущий Ученик"]
    assert names(client.get("/students/", query_string={"show": "archived"})) == ["Выбывший Ученик"]
    assert sorted(names(client.get("/students/", query_string={"show": "all"}))) == [
        "Выбывший Ученик",
        "Текущий Ученик",
    ]


def test_sorted_and_grouped_by_class_or_by_name(client, login, staff, school):
    StudentFactory(school=school, full_name="Яковлев Ян", grade=5, class_letter="Б")
    StudentFactory(school=school, full_name="Абрамов Алексей", grade=10, class_letter="А")
    StudentFactory(school=school, full_name="Мухина Мила", grade=5, class_letter="А")
    StudentFactory(school=school, full_name="Белова Бэлла", grade=5, class_letter="А")
    db.session.commit()
    login(staff)
    by_class = client.get("/students/")
    assert names(by_class) == ["Белова Бэлла", "Мухина Мила", "Яковлев Ян", "Абрамов Алексей"]
    headers = re.findall(
        r'<tr class="table-light"><th colspan="4">([^<]+)</th>', by_class.get_data(as_text=True)
    )
    assert [header.split()[-1] for header in headers] == ["5А", "5Б", "10А"]
    assert names(client.get("/students/", query_string={"sort": "name"})) == [
        "Абрамов Алексей",
        "Белова Бэлла",
        "Мухина Мила",
        "Яковлев Ян",
    ]


def test_pagination_keeps_the_filters(client, login, staff, school):
    for number in range(60):
        StudentFactory(school=school, full_name=f"Ученик {number:02d}", grade=7, class_letter="В")
    StudentFactory(school=school, full_name="Другой Класс", grade=6)
    db.session.commit()
    login(staff)
    first = client.get("/students/", query_string={"grade": 7})
    assert len(names(first)) == 50
    html = first.get_data(as_text=True)
    assert "grade=7" in html and "page=2" in html
    second = client.get("/students/", query_string={"grade": 7, "page": 2})
    assert len(names(second)) == 10
    assert "Другой Класс" not in second.get_data(as_text=True)
    assert names(client.get("/students/", query_string={"grade": 7, "page": 9})) == []


# --- adding, editing, archiving ---


def test_add_a_student(client, login, staff, school):
    login(staff)
    response = post(
        client,
        "/students/new",
        form(
            full_name="  Иванова   Мария Сергеевна ",
            class_letter="a",
            birth_date="2011-04-05",
            ovz="y",
        ),
    )
    assert response.status_code == 302
    [student] = students(school)
    assert (student.local_id, student.full_name, student.grade, student.class_letter) == (
        "0042",
        "Иванова Мария Сергеевна",
        8,
        "А",
    )
    assert student.birth_date == date(2011, 4, 5)
    assert student.ovz is True
    assert student.archived_at is None
    # Back to the student's class on the roster.
    assert "grade=8" in response.headers["Location"]
    assert names(client.get(response.headers["Location"])) == ["Иванова Мария Сергеевна"]


def test_add_without_birth_date_and_add_another(client, login, staff, school):
    login(staff)
    data = form(local_id="007", class_letter="", save_and_add="y")
    response = post(client, "/students/new", data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/students/new?grade=8")
    [student] = students(school)
    assert (student.local_id, student.birth_date, student.class_letter, student.ovz) == (
        "007",
        None,
        None,
        False,
    )
    # The next form comes with the grade filled in.
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'name="grade"[^>]*value="8"|value="8"[^>]*name="grade"', html)


def test_the_ovz_label_uses_the_design_term(client, login, staff):
    login(staff)
    html = client.get("/students/new").get_data(as_text=True)
    assert "Student with a disability or SEN" in html


def test_duplicate_roster_id_is_a_form_error(client, login, staff, school):
    StudentFactory(school=school, local_id="0042", full_name="Первый Ученик")
    db.session.commit()
    login(staff)
    response = post(client, "/students/new", form(local_id=" 0042 "))
    assert response.status_code == 200
    assert "already has a student with this roster id" in response.get_data(as_text=True)
    assert [s.full_name for s in students(school)] == ["Первый Ученик"]


def test_the_same_roster_id_at_another_school_is_fine(client, login, staff, school):
    StudentFactory(local_id="0042")
    db.session.commit()
    login(staff)
    assert post(client, "/students/new", form()).status_code == 302
    assert len(students(school)) == 1


@pytest.mark.parametrize("grade", ["0", "12", "-1", "восьмой", ""])
def test_grade_out_of_range_is_a_form_error(client, login, staff, school, grade):
    login(staff)
    response = post(client, "/students/new", form(grade=grade))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is-invalid" in html
    assert "from 1 to 11" in html
    assert students(school) == []


def test_required_fields_and_future_birth_date(client, login, staff, school):
    login(staff)
    response = post(client, "/students/new", form(local_id="  ", full_name=""))
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("is-invalid") >= 2
    response = post(client, "/students/new", form(birth_date="2999-01-01"))
    assert "cannot be in the future" in response.get_data(as_text=True)
    response = post(client, "/students/new", form(birth_date="31.02.2011"))
    assert response.status_code == 200
    assert students(school) == []


@pytest.mark.parametrize("birth_date", ["0001-01-01", "1989-12-31", "1900-01-01"])
def test_a_birth_date_before_1990_is_a_form_error(client, login, staff, school, birth_date):
    # plausible: birth dates from 1990 to today.
    login(staff)
    response = post(client, "/students/new", form(birth_date=birth_date))
    assert response.status_code == 200
    assert "The date must be from 01.01.1990 to" in response.get_data(as_text=True)
    assert students(school) == []
    assert post(client, "/students/new", form(birth_date="1990-01-01")).status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "Иванова\x00 Мария", "invisible control character (U+0000)"),
        ("local_id", "00\x1b42", "invisible control character (U+001B)"),
        ("full_name", "Иванова\tМария", "Line breaks and tabs are not allowed"),
        ("class_letter", "А\x9b", "invisible control character (U+009B)"),
    ],
)
def test_control_characters_are_a_form_error(client, login, staff, school, field, value, message):
    # plausible: no control characters in single-line text.
    login(staff)
    response = post(client, "/students/new", form(**{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert students(school) == []


def test_the_service_refuses_implausible_birth_dates(school):
    data = services.StudentData(
        local_id="1", full_name="Петрова Анна", grade=5, birth_date=date(1, 1, 1)
    )
    with pytest.raises(services.StudentError) as refused:
        services.create_student(school, data)
    assert refused.value.field == "birth_date"
    data.birth_date = date(9999, 12, 31)
    with pytest.raises(services.StudentError):
        services.create_student(school, data)


def test_edit_a_student(client, login, staff, school):
    student = StudentFactory(school=school, local_id="1", full_name="Старое Имя", grade=7)
    db.session.commit()
    login(staff)
    page = client.get(f"/students/{student.id}")
    assert page.status_code == 200
    assert "Старое Имя" in page.get_data(as_text=True)
    response = post(
        client,
        f"/students/{student.id}",
        form(local_id="1", full_name="Новое Имя", grade="8", class_letter="б"),
    )
    assert response.status_code == 302
    [saved] = students(school)
    assert (saved.full_name, saved.grade, saved.class_letter) == ("Новое Имя", 8, "Б")


def test_edit_to_a_taken_roster_id_changes_nothing(client, login, staff, school):
    StudentFactory(school=school, local_id="1", full_name="Первый")
    second = StudentFactory(school=school, local_id="2", full_name="Второй", grade=6)
    db.session.commit()
    login(staff)
    response = post(client, f"/students/{second.id}", form(local_id="1", full_name="Переименован"))
    assert response.status_code == 200
    assert "already has a student with this roster id" in response.get_data(as_text=True)
    saved = students(school)[1]
    assert (saved.local_id, saved.full_name, saved.grade) == ("2", "Второй", 6)


def test_archive_and_unarchive(client, login, staff, school):
    student = StudentFactory(school=school)
    db.session.commit()
    login(staff)
    path = f"/students/{student.id}"
    assert post(client, path + "/archive", token_from=path).status_code == 302
    assert students(school)[0].archived_at is not None
    html = client.get(path).get_data(as_text=True)
    assert "archived" in html and "/unarchive" in html
    assert post(client, path + "/unarchive", token_from=path).status_code == 302
    assert students(school)[0].archived_at is None


def test_posts_need_a_csrf_token(client, login, staff, school):
    student = StudentFactory(school=school)
    db.session.commit()
    login(staff)
    assert client.post(f"/students/{student.id}/archive").status_code == 400
    assert client.post("/students/new", data=form()).status_code == 400
    assert [s.id for s in students(school)] == [student.id]
    assert students(school)[0].archived_at is None


def test_student_page_lists_participation(client, login, staff, school):
    student = StudentFactory(school=school)
    activity = ActivityFactory(title="Экскурсия на судозавод")
    db.session.add(Participation(activity=activity, student=student))
    db.session.commit()
    login(staff)
    html = client.get(f"/students/{student.id}").get_data(as_text=True)
    assert "Экскурсия на судозавод" in html
    assert "15.03.2021" in html


# --- another school's students, by id ---


def test_another_schools_student_is_not_found_and_unchanged(client, login, staff):
    other = StudentFactory(local_id="9", full_name="Чужой Ученик", grade=9)
    db.session.commit()
    login(staff)
    own_page = "/students/new"
    assert client.get(f"/students/{other.id}").status_code == 404
    assert (
        post(
            client,
            f"/students/{other.id}",
            form(local_id="9", full_name="Взлом"),
            token_from=own_page,
        ).status_code
        == 404
    )
    assert post(client, f"/students/{other.id}/archive", token_from=own_page).status_code == 404
    db.session.expire_all()
    saved = db.session.get(Student, other.id)
    assert (saved.full_name, saved.archived_at) == ("Чужой Ученик", None)
    assert client.get("/students/999999").status_code == 404


def test_scope_helpers():
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    staff = UserFactory(role=Role.SCHOOL, organization=school)
    own = StudentFactory(school=school)
    other = StudentFactory()
    admin = UserFactory(role=Role.ADMIN)
    db.session.commit()
    assert can_manage_student(staff, own) and not can_manage_student(staff, other)
    assert not can_see_student(admin, own)
    assert list(db.session.scalars(students_scope(staff))) == [own]
    assert list(db.session.scalars(students_scope(admin))) == []


def test_class_letter_normalisation():
    assert normalise_class_letter(" a ") == "А"
    assert normalise_class_letter("б") == "Б"
    assert normalise_class_letter("") is None
    assert normalise_class_letter(None) is None


def test_the_service_stores_the_normalised_class_letter():
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL)
    student = services.create_student(
        school,
        services.StudentData(local_id="1", full_name="Иванов Иван", grade=5, class_letter="b"),
    )
    assert student.class_letter == "В"


def test_a_roster_id_taken_meanwhile_is_refused_on_its_field(app, school, monkeypatch):
    """Another request may take the roster id between the service's check and its write: the
    database refuses it, and the service says so as a refusal of the roster id field."""
    StudentFactory(school=school, local_id="7")
    db.session.commit()
    monkeypatch.setattr(services, "find_student", lambda school, local_id: None)
    with pytest.raises(services.StudentError) as refusal:
        services.create_student(
            school, services.StudentData(local_id="7", full_name="Гонка", grade=5)
        )
    assert (refusal.value.message, refusal.value.field) == (
        services.DUPLICATE_LOCAL_ID,
        "local_id",
    )
    db.session.rollback()
