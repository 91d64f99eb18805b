"""The plan item 7 report: figures per municipality and period, exports, access by role."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
import time_machine

from partnercrm.accounts.rules import Role
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs.models import ApplicationStatusChange
from partnercrm.jobs.report import Figures, job_report
from partnercrm.jobs.rules import ApplicationStatus as AS
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import REGION_TZ
from tests.activity_factories import StudentFactory, scoped_client, sign_in
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory
from tests.job_factories import HolidayJobFactory, JobApplicationFactory, YoungPersonFactory
from tests.spreadsheets import caption, csv_rows, sheet_table, workbook

NOW = datetime(2026, 9, 15, 12, 0, tzinfo=REGION_TZ)


@pytest.fixture
def world(app):
    """Municipalities A (jobs, applicants), B (one job), C (none) and "=cmd" (a name that looks
    like a formula); committed."""
    a = MunicipalityFactory(name="Алпha")
    b = MunicipalityFactory(name="Бета")
    c = MunicipalityFactory(name="Вега")
    MunicipalityFactory(name="=cmd")

    def employer(municipality):
        return OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=municipality)

    # Every organization and person in the four municipalities, so no other one appears.
    center = OrganizationFactory(kind=OrganizationKind.EMPLOYMENT_CENTER, municipality=c)
    july = HolidayJobFactory(employer=employer(a), center=center, places=5)
    june = HolidayJobFactory(
        employer=employer(a),
        center=center,
        status=JobStatus.CLOSED,
        places=3,
        first_day=date(2026, 6, 1),
        last_day=date(2026, 6, 10),
    )
    # Drafts offer nothing; last year's job is outside the period.
    HolidayJobFactory(employer=employer(a), center=center, status=JobStatus.DRAFT, places=10)
    last_year = HolidayJobFactory(
        employer=employer(a),
        center=center,
        places=7,
        first_day=date(2025, 7, 1),
        last_day=date(2025, 7, 14),
    )
    august = HolidayJobFactory(
        employer=employer(b),
        center=center,
        places=4,
        first_day=date(2026, 8, 3),
        last_day=date(2026, 8, 14),
    )
    one, two = YoungPersonFactory(municipality=a), YoungPersonFactory(municipality=b)
    student = StudentFactory(school__municipality=a)
    JobApplicationFactory(job=july, young_person=one, status=AS.HIRED)
    JobApplicationFactory(job=june, young_person=one, status=AS.COMPLETED)
    JobApplicationFactory(job=july, young_person=None, student=student, status=AS.APPLIED)
    # Hired, then left: still hired once.
    left = JobApplicationFactory(job=july, young_person=two, status=AS.WITHDRAWN)
    db.session.add_all(
        [
            ApplicationStatusChange(application=left, from_status=AS.REFERRED, to_status=AS.HIRED),
            ApplicationStatusChange(application=left, from_status=AS.HIRED, to_status=AS.WITHDRAWN),
        ]
    )
    JobApplicationFactory(job=august, young_person=one, status=AS.REJECTED)
    JobApplicationFactory(job=last_year, young_person=two, status=AS.COMPLETED)
    db.session.commit()
    return SimpleNamespace(a=a, b=b, c=c)


def figures(report) -> dict[str, Figures]:
    return {row.municipality: row.figures for row in report.rows}


def test_figures_per_municipality_for_a_year(world):
    report = job_report(db.session, date(2026, 1, 1), date(2026, 12, 31))
    assert figures(report) == {
        "=cmd": Figures(),
        "Алпha": Figures(places=8, applicants=3, hired=3, completed=1),
        "Бета": Figures(places=4, applicants=1, hired=0, completed=0),
        "Вега": Figures(),
    }
    # Young person "one" applied in both municipalities: one applicant in the total.
    assert report.total == Figures(places=12, applicants=3, hired=3, completed=1)


def test_jobs_count_when_their_period_overlaps(world):
    report = job_report(db.session, date(2026, 6, 10), date(2026, 6, 30))
    assert figures(report)["Алпha"] == Figures(places=3, applicants=1, hired=1, completed=1)
    assert report.total == Figures(places=3, applicants=1, hired=1, completed=1)
    last_year = job_report(db.session, date(2025, 1, 1), date(2025, 12, 31))
    assert last_year.total == Figures(places=7, applicants=1, hired=1, completed=1)


def test_one_municipality(world):
    report = job_report(db.session, date(2026, 1, 1), date(2026, 12, 31), world.b.id)
    assert figures(report) == {"Бета": Figures(places=4, applicants=1)}
    assert report.total == Figures(places=4, applicants=1)


# --- the page and the exports ---


def user(world, role, municipality=None, kind=None):
    """A user of ``role``, limited to ``municipality``; of an organization of ``kind`` in
    municipality C (so no municipality is added to the report)."""
    organization = None if kind is None else OrganizationFactory(kind=kind, municipality=world.c)
    account = UserFactory(role=role, municipality=municipality, organization=organization)
    db.session.commit()
    return account


def client_of(app, account):
    client = scoped_client(app)
    sign_in(client, account)
    return client


def table_rows(page: str) -> list[str]:
    import re

    return re.findall(r'<tr data-municipality="([^"]+)"', page)


@time_machine.travel(NOW, tick=False)
def test_admin_sees_the_region_for_the_current_year(app, world):
    client = client_of(app, user(world, Role.ADMIN))
    response = client.get("/jobs/report")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert table_rows(page) == ["=cmd", "Алпha", "Бета", "Вега"]
    assert "01.01.2026" in page


@time_machine.travel(NOW, tick=False)
def test_csv_export(app, world):
    client = client_of(app, user(world, Role.ADMIN))
    response = client.get("/jobs/report?from=2026-01-01&to=2026-12-31&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "holiday-jobs-2026-01-01_2026-12-31.csv" in response.headers["Content-Disposition"]
    rows = csv_rows(response.get_data())
    assert rows[1:] == [
        ["'=cmd", "0", "0", "0", "0"],
        ["Алпha", "8", "3", "3", "1"],
        ["Бета", "4", "1", "0", "0"],
        ["Вега", "0", "0", "0", "0"],
        ["Total", "12", "3", "3", "1"],
    ]
    assert rows[0] == [
        "Municipality",
        "Places offered",
        "Applicants",
        "Employed",
        "Completed the job",
    ]


@time_machine.travel(NOW, tick=False)
def test_xlsx_export_of_one_municipality(app, world):
    client = client_of(app, user(world, Role.ADMIN))
    response = client.get(f"/jobs/report?municipality={world.a.id}&format=xlsx")
    assert response.status_code == 200
    sheet = workbook(response.get_data()).active
    assert caption(sheet) == [
        "Holiday jobs report",
        "Period: 01.01.2026 – 31.12.2026",
        "Municipality: Алпha",
    ]
    values = sheet_table(sheet)[1:]
    assert values == [["Алпha", 8, 3, 3, 1], ["Total", 8, 3, 3, 1]]


@time_machine.travel(NOW, tick=False)
def test_coordinator_sees_their_municipality_only(app, world):
    client = client_of(app, user(world, Role.COORDINATOR, municipality=world.a))
    page = client.get("/jobs/report").get_data(as_text=True)
    assert table_rows(page) == ["Алпha"]
    assert client.get(f"/jobs/report?municipality={world.a.id}").status_code == 200
    assert client.get(f"/jobs/report?municipality={world.b.id}").status_code == 403
    assert client.get(f"/jobs/report?municipality={world.b.id}&format=csv").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_employment_center_sees_its_scope(app, world):
    regional = client_of(
        app, user(world, Role.EMPLOYMENT_CENTER, kind=OrganizationKind.EMPLOYMENT_CENTER)
    )
    assert table_rows(regional.get("/jobs/report").get_data(as_text=True)) == [
        "=cmd",
        "Алпha",
        "Бета",
        "Вега",
    ]
    assert regional.get(f"/jobs/report?municipality={world.b.id}").status_code == 200
    local = client_of(
        app,
        user(
            world,
            Role.EMPLOYMENT_CENTER,
            municipality=world.b,
            kind=OrganizationKind.EMPLOYMENT_CENTER,
        ),
    )
    assert table_rows(local.get("/jobs/report").get_data(as_text=True)) == ["Бета"]
    assert local.get(f"/jobs/report?municipality={world.a.id}").status_code == 403


@pytest.mark.parametrize(
    ("role", "kind"),
    [(Role.SCHOOL, OrganizationKind.SCHOOL), (Role.EMPLOYER, OrganizationKind.EMPLOYER)],
)
def test_schools_and_employers_get_403(app, world, role, kind):
    client = client_of(app, user(world, role, kind=kind))
    assert client.get("/jobs/report").status_code == 403
    assert client.get("/jobs/report?format=csv").status_code == 403


def test_anonymous_users_log_in_first(app, world):
    response = scoped_client(app).get("/jobs/report")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-12-31&to=2026-01-01",
        "from=2026-01-01",
        "from=tomorrow&to=2026-01-01",
        "format=pdf",
        "municipality=999999",
        "municipality=abc",
    ],
)
def test_bad_parameters_answer_400_not_500(app, world, query):
    client = client_of(app, user(world, Role.ADMIN))
    response = client.get(f"/jobs/report?{query}")
    assert response.status_code == 400
    assert 'id="job-report"' not in response.get_data(as_text=True)
