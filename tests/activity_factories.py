"""Factories for students and activities (kept apart from tests/factories.py while the
foundation's factories are being extended)."""

from __future__ import annotations

from datetime import date, datetime

import factory

from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.directory.rules import OrganizationKind
from partnercrm.localtime import to_utc
from partnercrm.students.models import Student
from tests.factories import BaseFactory, OrganizationFactory


class StudentFactory(BaseFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.SCHOOL)
    local_id = factory.Sequence(lambda n: f"{n:05d}")
    full_name = factory.Sequence(lambda n: f"Ученик Тестовый {n}")
    grade = 8
    class_letter = "А"
    ovz = False


class ActivityFactory(BaseFactory):
    """A held excursion to an employer, at 10:00 local time on 15 March 2021."""

    class Meta:
        model = Activity

    kind = ActivityKind.EXCURSION
    title = factory.Sequence(lambda n: f"Экскурсия {n}")
    host = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.EMPLOYER)
    organizer = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.SCHOOL)
    status = ActivityStatus.HELD
    starts_at = factory.LazyFunction(lambda: to_utc(datetime(2021, 3, 15, 10, 0)))
    starts_on = date(2021, 3, 15)
    all_day = False


# --- helpers for the activity page tests ---


def scoped_client(app):
    """A client whose every request has its own app context, as in production."""
    from tests.conftest import request_scoped_client

    return request_scoped_client(app)


def sign_in(client, user, password: str | None = None, lang: str | None = "en"):
    """Log ``user`` in through the login form of ``client`` and switch the interface to
    ``lang`` (English by default, so assertions read the msgids); returns the response."""
    from tests.conftest import csrf_token
    from tests.factories import PASSWORD

    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": password or PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, "login failed"
    if lang:
        token = csrf_token(client, "/dashboard")
        client.post("/language", data={"lang": lang, "csrf_token": token})
    return response


def build_world():
    """Two municipalities with schools (and their rosters), an employer, a college, a camp,
    an employment center, and a user of every role; committed. Needs the ``seeded`` roadmap."""
    from types import SimpleNamespace

    from partnercrm.accounts.rules import Role
    from partnercrm.extensions import db
    from tests.factories import MunicipalityFactory, UserFactory

    w = SimpleNamespace()
    w.m1, w.m2 = MunicipalityFactory(), MunicipalityFactory()
    org = OrganizationFactory
    w.school1 = org(kind=OrganizationKind.SCHOOL, municipality=w.m1, name="Школа № 1")
    w.school2 = org(kind=OrganizationKind.SCHOOL, municipality=w.m1, name="Школа № 2")
    w.school3 = org(kind=OrganizationKind.SCHOOL, municipality=w.m2, name="Школа № 3")
    w.employer = org(kind=OrganizationKind.EMPLOYER, municipality=w.m1, name="Судозавод Янтарь")
    w.college = org(kind=OrganizationKind.COLLEGE, municipality=w.m2, name="Колледж сервиса")
    w.camp = org(kind=OrganizationKind.CAMP, municipality=w.m1, name="Лагерь Дюны")
    w.center = org(
        kind=OrganizationKind.EMPLOYMENT_CENTER, municipality=w.m1, name="Центр занятости"
    )
    w.class_8a = [
        StudentFactory(school=w.school1, grade=8, class_letter="А", full_name=name)
        for name in ("Иванов Иван", "Петрова Анна", "Сидоров Пётр")
    ]
    w.class_8b = [
        StudentFactory(school=w.school1, grade=8, class_letter="Б", full_name=name)
        for name in ("Смирнова Ольга", "Кузнецов Илья")
    ]
    w.school2_students = [
        StudentFactory(school=w.school2, grade=9, class_letter="А", full_name=name)
        for name in ("Волкова Мария", "Зайцев Артём")
    ]
    w.admin = UserFactory(role=Role.ADMIN, email="admin@example.org")
    w.coordinator = UserFactory(
        role=Role.COORDINATOR, municipality=w.m1, email="coord1@example.org"
    )
    w.coordinator2 = UserFactory(
        role=Role.COORDINATOR, municipality=w.m2, email="coord2@example.org"
    )
    w.school1_user = UserFactory(role=Role.SCHOOL, organization=w.school1, email="s1@example.org")
    w.school2_user = UserFactory(role=Role.SCHOOL, organization=w.school2, email="s2@example.org")
    w.school3_user = UserFactory(role=Role.SCHOOL, organization=w.school3, email="s3@example.org")
    w.college_user = UserFactory(
        role=Role.COLLEGE, organization=w.college, email="college@example.org"
    )
    w.employer_user = UserFactory(
        role=Role.EMPLOYER, organization=w.employer, email="employer@example.org"
    )
    w.center_user = UserFactory(
        role=Role.EMPLOYMENT_CENTER, organization=w.center, email="center@example.org"
    )
    db.session.commit()
    return w
