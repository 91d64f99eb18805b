"""The public job board and GET /api/v1/jobs: open jobs only, the filters, the JSON fields, and
never an applicant's personal data."""

from __future__ import annotations

import html
import json
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine

from partnercrm.accounts.rules import Role
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs import services
from partnercrm.jobs.rules import ApplicationStatus as AS
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import REGION_TZ
from tests.activity_factories import StudentFactory
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory
from tests.job_factories import HolidayJobFactory, SchoolHolidayFactory

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=REGION_TZ)
STUDENT = ("Секретова Алиса", date(2010, 3, 3))
YOUNG = ("Тайный Борис", date(2009, 11, 11))


@pytest.fixture(autouse=True)
def _june_2026():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def jobs(app):
    """Open jobs in Калининград (from 14, July; from 16, August) and Гусев (from 16, July),
    and jobs the board must not show: a draft, a closed one, a full one, one that is over.
    The open July job has a hired student and an applied young person."""
    kgd, gusev = MunicipalityFactory(name="Калининград"), MunicipalityFactory(name="Гусевский")
    center = OrganizationFactory(
        kind=OrganizationKind.EMPLOYMENT_CENTER,
        municipality=kgd,
        name="ЦЗН Калининграда",
        phone="+7 4012 11-22-33",
        email="czn@example.org",
        address="Калининград, ул. Чапаева, 1",
    )
    gusev_center = OrganizationFactory(
        kind=OrganizationKind.EMPLOYMENT_CENTER, municipality=gusev, name="ЦЗН Гусева"
    )
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=kgd)
    gusev_employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=gusev)
    SchoolHolidayFactory()

    def job(title, **kwargs):
        kwargs.setdefault("employer", employer)
        return HolidayJobFactory(title=title, **kwargs)

    july = job("Июль с 14", center=center, min_age=14, places=2)
    job(
        "Август с 16",
        center=center,
        first_day=date(2026, 8, 3),
        last_day=date(2026, 8, 14),
        shift_starts=time(10, 0),
        shift_ends=time(16, 0),
        hours_per_day=Decimal(6),
    )
    job("Гусев с 16", employer=gusev_employer, center=None)
    job("Черновик", status=JobStatus.DRAFT)
    job("Закрытая", status=JobStatus.CLOSED)
    job("Мест нет", places=1, hired_count=1)
    job("Уже прошла", first_day=date(2026, 6, 1), last_day=date(2026, 6, 19))
    center_user = UserFactory(role=Role.EMPLOYMENT_CENTER, organization=center)
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=kgd)
    school_user = UserFactory(role=Role.SCHOOL, organization=school)
    student = StudentFactory(school=school, full_name=STUDENT[0], birth_date=STUDENT[1])
    application = services.apply_for_student(july, student, school_user)
    services.record_checks(application, date(2026, 6, 1), date(2026, 6, 2))
    services.move_application(application, AS.REFERRED, center_user)
    services.move_application(application, AS.HIRED, center_user)
    services.apply_for_young_person(
        july,
        services.YoungPersonData(full_name=YOUNG[0], birth_date=YOUNG[1], contact="+7 999 1"),
        center_user,
    )
    full = job("Занята целиком", places=1, min_age=14)
    other = StudentFactory(school=school, birth_date=date(2010, 5, 5))
    hired = services.apply_for_student(full, other, school_user)
    services.record_checks(hired, date(2026, 6, 1), date(2026, 6, 2))
    services.move_application(hired, AS.REFERRED, center_user)
    services.move_application(hired, AS.HIRED, center_user)
    db.session.commit()
    return {"july": july, "gusev_center": gusev_center}


def api(client, **query):
    response = client.get("/api/v1/jobs", query_string=query)
    return response, json.loads(response.get_data(as_text=True))


def titles(document) -> list[str]:
    return [job["title"] for job in document["jobs"]]


def assert_no_personal_data(raw: str) -> None:
    for name, birth_date in (STUDENT, YOUNG):
        assert name not in raw
        for shown in (birth_date.isoformat(), f"{birth_date:%d.%m.%Y}"):
            assert shown not in raw
    assert "+7 999 1" not in raw


def test_the_api_lists_open_jobs_only_by_first_day(client, jobs):
    response, document = api(client)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert titles(document) == ["Июль с 14", "Гусев с 16", "Август с 16"]
    assert (document["page"], document["pages"], document["total"]) == (1, 1, 3)
    assert_no_personal_data(response.get_data(as_text=True))


def test_the_api_fields(client, jobs):
    _response, document = api(client)
    july = document["jobs"][0]
    assert july == {
        "id": jobs["july"].id,
        "title": "Июль с 14",
        "employer": jobs["july"].employer.name,
        "duties": "Уборка листвы, покраска скамеек",
        "municipality": "Калининград",
        "address": "Калининград, ул. Парковая, 1",
        "places": 2,
        "places_left": 1,
        "min_age": 14,
        "hours_per_day": 4.0,
        "hours_per_week": 20.0,
        "shift_starts": "09:00",
        "shift_ends": "13:00",
        "break_minutes": 0,
        "working_days": [1, 2, 3, 4, 5],
        "first_day": "2026-07-01",
        "last_day": "2026-07-14",
        "pay": None,
        "how_to_apply": [
            {
                "name": "ЦЗН Калининграда",
                "phone": "+7 4012 11-22-33",
                "email": "czn@example.org",
                "address": "Калининград, ул. Чапаева, 1",
            }
        ],
        "url": f"http://partnercrm.test/jobs/board/{jobs['july'].id}",
    }
    # Without a center of its own, a job names the centers of its municipality.
    gusev = document["jobs"][1]
    assert [c["name"] for c in gusev["how_to_apply"]] == ["ЦЗН Гусева"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"municipality": "Калининград"}, ["Июль с 14", "Август с 16"]),
        ({"municipality": "Гусевский"}, ["Гусев с 16"]),
        ({"age": "14"}, ["Июль с 14"]),
        ({"age": "15"}, ["Июль с 14"]),
        ({"age": "17"}, ["Июль с 14", "Гусев с 16", "Август с 16"]),
        ({"from": "2026-07-15"}, ["Август с 16"]),
        ({"to": "2026-07-01"}, ["Июль с 14", "Гусев с 16"]),
        ({"from": "2026-07-14", "to": "2026-08-03"}, ["Июль с 14", "Гусев с 16", "Август с 16"]),
        ({"municipality": "Калининград", "age": "16", "from": "2026-08-01"}, ["Август с 16"]),
    ],
)
def test_the_api_filters(client, jobs, query, expected):
    _response, document = api(client, **query)
    assert titles(document) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"municipality": "Атлантида"},
        {"age": "13"},
        {"age": "abc"},
        {"from": "01.07.2026"},
        {"from": "2026-08-01", "to": "2026-07-01"},
    ],
)
def test_bad_filters_answer_400_in_json(client, jobs, query):
    response, document = api(client, **query)
    assert response.status_code == 400
    assert set(document) == {"error"}


def test_the_api_paginates_by_25(client, jobs):
    HolidayJobFactory.create_batch(23, first_day=date(2026, 7, 20), last_day=date(2026, 7, 31))
    db.session.commit()
    _response, first = api(client)
    _response, second = api(client, page=2)
    assert (second["page"], second["per_page"], second["pages"], second["total"]) == (2, 25, 2, 26)
    assert len(first["jobs"]) == 25 and titles(second) == ["Август с 16"]
    _response, past_the_end = api(client, page=3)
    assert past_the_end["jobs"] == []


def test_the_board_shows_open_jobs_without_personal_data(client, jobs):
    response = client.get("/jobs/board")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    for title in ("Июль с 14", "Гусев с 16", "Август с 16"):
        assert title in page
    for title in ("Черновик", "Закрытая", "Мест нет", "Уже прошла", "Занята целиком"):
        assert title not in page
    assert "+7 4012 11-22-33" in page and "czn@example.org" in page
    assert_no_personal_data(page)


def test_the_home_page_links_the_board(client):
    assert 'href="/jobs/board"' in client.get("/").get_data(as_text=True)


def test_the_board_filters_and_reports_bad_values(client, jobs):
    page = html.unescape(
        client.get("/jobs/board", query_string={"municipality": "Гусевский", "age": "99"}).get_data(
            as_text=True
        )
    )
    assert "Гусев с 16" in page and "Июль с 14" not in page
    assert 'class="alert alert-warning' in page  # the refused age, which filters nothing
    assert "Август с 16" not in page


def test_a_published_job_has_a_public_page(client, jobs):
    july = jobs["july"]
    page = html.unescape(client.get(f"/jobs/board/{july.id}").get_data(as_text=True))
    assert "Июль с 14" in page and "ЦЗН Калининграда" in page
    assert_no_personal_data(page)
    draft = HolidayJobFactory(status=JobStatus.DRAFT)
    db.session.commit()
    assert client.get(f"/jobs/board/{draft.id}").status_code == 404


def test_the_api_is_read_only(client, jobs):
    assert client.post("/api/v1/jobs").status_code == 405
