"""Who sees and changes which holiday jobs and applications, by role and by object id: what a
user may not see answers 404 and changes nothing."""

from __future__ import annotations

import html
from datetime import date, datetime
from types import SimpleNamespace

import pytest
import time_machine

from partnercrm.accounts.rules import Role
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs import services
from partnercrm.jobs.models import HolidayJob, JobApplication
from partnercrm.jobs.rules import ApplicationStatus as AS
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import REGION_TZ
from tests.activity_factories import StudentFactory, scoped_client, sign_in
from tests.conftest import csrf_token
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory
from tests.job_factories import HolidayJobFactory, SchoolHolidayFactory

NOW = datetime(2026, 5, 15, 10, 0, tzinfo=REGION_TZ)
HIRED_NAME, APPLIED_NAME, OTHER_SCHOOL_NAME, YOUNG_NAME = (
    "Нанятый Никита",
    "Ждущая Жанна",
    "Чужой Чеслав",
    "Скрытная Светлана",
)


@pytest.fixture(autouse=True)
def _may_2026():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w(app):
    """Municipalities m1 and m2; in m1 employers A and B, schools 1 and 2, the center. Job A
    (published) has a hired student of school 1, an applied student of school 1, an applied
    student of school 2 and an applied young person; job B (published) and a draft of A have
    none. Users of every role; committed."""
    w = SimpleNamespace()
    w.m1, w.m2 = MunicipalityFactory(), MunicipalityFactory()

    def org(kind, **kwargs):
        return OrganizationFactory(kind=kind, municipality=kwargs.pop("municipality", w.m1))

    w.employer_a, w.employer_b = org(OrganizationKind.EMPLOYER), org(OrganizationKind.EMPLOYER)
    w.school1, w.school2 = org(OrganizationKind.SCHOOL), org(OrganizationKind.SCHOOL)
    w.center = org(OrganizationKind.EMPLOYMENT_CENTER)
    SchoolHolidayFactory()
    w.job_a = HolidayJobFactory(employer=w.employer_a, center=w.center, min_age=14)
    w.job_b = HolidayJobFactory(employer=w.employer_b, center=w.center, min_age=14)
    w.draft_a = HolidayJobFactory(employer=w.employer_a, center=w.center, status=JobStatus.DRAFT)

    def student(school, name):
        return StudentFactory(school=school, full_name=name, birth_date=date(2010, 4, 4))

    w.users = {
        "admin": UserFactory(role=Role.ADMIN),
        "center": UserFactory(role=Role.EMPLOYMENT_CENTER, organization=w.center),
        "center_m2": UserFactory(
            role=Role.EMPLOYMENT_CENTER, organization=w.center, municipality=w.m2
        ),
        "coordinator": UserFactory(role=Role.COORDINATOR, municipality=w.m1),
        "coordinator_m2": UserFactory(role=Role.COORDINATOR, municipality=w.m2),
        "employer_a": UserFactory(role=Role.EMPLOYER, organization=w.employer_a),
        "employer_b": UserFactory(role=Role.EMPLOYER, organization=w.employer_b),
        "school1": UserFactory(role=Role.SCHOOL, organization=w.school1),
        "school2": UserFactory(role=Role.SCHOOL, organization=w.school2),
        "college": UserFactory(role=Role.COLLEGE),
    }
    center, school1 = w.users["center"], w.users["school1"]
    w.hired = services.apply_for_student(w.job_a, student(w.school1, HIRED_NAME), school1)
    services.record_checks(w.hired, None, date(2026, 5, 1))
    services.move_application(w.hired, AS.REFERRED, center)
    services.move_application(w.hired, AS.HIRED, center)
    w.applied = services.apply_for_student(w.job_a, student(w.school1, APPLIED_NAME), school1)
    w.other_school = services.apply_for_student(
        w.job_a, student(w.school2, OTHER_SCHOOL_NAME), w.users["school2"]
    )
    w.young = services.apply_for_young_person(
        w.job_a,
        services.YoungPersonData(
            full_name=YOUNG_NAME, birth_date=date(2010, 1, 1), contact="+7 911 000-00-00"
        ),
        center,
    )
    db.session.commit()
    return w


def client_of(app, w, who: str):
    client = scoped_client(app)
    sign_in(client, w.users[who])
    return client


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client, path: str, data: dict | None = None):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/jobs/board")})


def status_of(application) -> AS:
    db.session.expire_all()
    return db.session.get(JobApplication, application.id).status


NAMES = (HIRED_NAME, APPLIED_NAME, OTHER_SCHOOL_NAME, YOUNG_NAME)


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("admin", NAMES),
        ("center", NAMES),
        ("employer_a", (HIRED_NAME,)),
        ("school1", (HIRED_NAME, APPLIED_NAME)),
        ("school2", (OTHER_SCHOOL_NAME,)),
        ("coordinator", ()),
    ],
)
def test_applicant_names_on_a_job_by_role(app, w, who, visible):
    page = text(client_of(app, w, who).get(f"/jobs/{w.job_a.id}"))
    assert [name for name in NAMES if name in page] == list(visible)
    # Everyone who sees the job sees the counts.
    assert 'data-status="applied"><span>applied</span><span data-count="3">' in page


def test_an_employer_sees_the_contacts_of_whom_it_hired_only(app, w):
    services.record_checks(w.young, None, date(2026, 5, 1))
    services.move_application(w.young, AS.REFERRED, w.users["center"])
    db.session.commit()
    page = text(client_of(app, w, "employer_a").get(f"/jobs/{w.job_a.id}"))
    assert YOUNG_NAME not in page and "+7 911 000-00-00" not in page
    services.move_application(w.young, AS.HIRED, w.users["center"])
    db.session.commit()
    page = text(client_of(app, w, "employer_a").get(f"/jobs/{w.job_a.id}"))
    assert YOUNG_NAME in page and "+7 911 000-00-00" in page
    assert "2010" not in page  # no birth date


@pytest.mark.parametrize(
    ("who", "job", "code"),
    [
        ("employer_b", "job_a", 404),
        ("employer_a", "job_b", 404),
        ("employer_a", "draft_a", 200),
        ("school1", "draft_a", 404),
        ("school2", "job_b", 200),
        ("center_m2", "job_a", 404),
        ("coordinator_m2", "job_a", 404),
        ("coordinator", "job_b", 200),
    ],
)
def test_a_job_of_another_scope_is_not_found(app, w, who, job, code):
    assert client_of(app, w, who).get(f"/jobs/{getattr(w, job).id}").status_code == code


@pytest.mark.parametrize(
    ("who", "application", "code"),
    [
        ("center", "other_school", 200),
        ("admin", "young", 200),
        ("school1", "applied", 200),
        ("school1", "other_school", 404),
        ("school2", "applied", 404),
        ("employer_a", "hired", 404),
        ("employer_a", "applied", 404),
        ("coordinator", "applied", 404),
        ("center_m2", "applied", 404),
    ],
)
def test_the_page_of_an_application(app, w, who, application, code):
    path = f"/jobs/applications/{getattr(w, application).id}"
    assert client_of(app, w, who).get(path).status_code == code


def test_the_center_of_another_municipality_changes_nothing(app, w):
    client = client_of(app, w, "center_m2")
    assert client.get(f"/jobs/{w.draft_a.id}/edit").status_code == 404
    assert post(client, f"/jobs/{w.draft_a.id}/publish").status_code == 404
    assert post(client, f"/jobs/{w.job_a.id}/close").status_code == 404
    assert client.get(f"/jobs/{w.job_a.id}/apply").status_code == 404
    path = f"/jobs/applications/{w.applied.id}"
    assert post(client, f"{path}/status", {"to_status": "referred"}).status_code == 404
    assert post(client, f"{path}/checks", {"medical_exam_on": "2026-05-01"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(HolidayJob, w.draft_a.id).status is JobStatus.DRAFT
    assert db.session.get(HolidayJob, w.job_a.id).status is JobStatus.PUBLISHED
    assert status_of(w.applied) is AS.APPLIED
    assert db.session.get(JobApplication, w.applied.id).medical_exam_on is None
    assert w.job_a.title not in text(client.get("/jobs/"))


def test_a_school_withdraws_its_own_student_only(app, w):
    school1 = client_of(app, w, "school1")
    # Moves other than withdrawing are the center's.
    post(school1, f"/jobs/applications/{w.applied.id}/status", {"to_status": "referred"})
    assert status_of(w.applied) is AS.APPLIED
    # Another school's application: not found, unchanged.
    response = post(
        school1, f"/jobs/applications/{w.other_school.id}/status", {"to_status": "withdrawn"}
    )
    assert response.status_code == 404
    assert status_of(w.other_school) is AS.APPLIED
    # Nor may it take a hired student out of the job.
    post(school1, f"/jobs/applications/{w.hired.id}/status", {"to_status": "withdrawn"})
    assert status_of(w.hired) is AS.HIRED
    post(school1, f"/jobs/applications/{w.applied.id}/status", {"to_status": "withdrawn"})
    assert status_of(w.applied) is AS.WITHDRAWN


def test_an_employer_marks_its_hired_applicant_completed_and_nothing_else(app, w):
    employer_a = client_of(app, w, "employer_a")
    assert "Mark as completed" in text(employer_a.get(f"/jobs/{w.job_a.id}"))
    response = post(
        employer_a, f"/jobs/applications/{w.applied.id}/status", {"to_status": "referred"}
    )
    assert response.status_code == 404
    assert status_of(w.applied) is AS.APPLIED
    post(employer_a, f"/jobs/applications/{w.hired.id}/status", {"to_status": "withdrawn"})
    assert status_of(w.hired) is AS.HIRED
    employer_b = client_of(app, w, "employer_b")
    response = post(
        employer_b, f"/jobs/applications/{w.hired.id}/status", {"to_status": "completed"}
    )
    assert response.status_code == 404
    assert status_of(w.hired) is AS.HIRED
    post(employer_a, f"/jobs/applications/{w.hired.id}/status", {"to_status": "completed"})
    assert status_of(w.hired) is AS.COMPLETED


def test_a_school_applies_for_its_own_students_only(app, w):
    stranger = StudentFactory(school=w.school2, birth_date=date(2010, 1, 1))
    db.session.commit()
    school1 = client_of(app, w, "school1")
    response = post(school1, f"/jobs/{w.job_b.id}/apply", {"student": str(stranger.id)})
    assert response.status_code == 200  # not among the choices: the form is shown again
    assert db.session.query(JobApplication).filter_by(student_id=stranger.id).count() == 0


def test_the_list_shows_each_role_its_jobs(app, w):
    def titles(who):
        page = text(client_of(app, w, who).get("/jobs/"))
        return {name for name in ("job_a", "job_b", "draft_a") if getattr(w, name).title in page}

    assert titles("center") == titles("admin") == {"job_a", "job_b", "draft_a"}
    assert titles("employer_a") == {"job_a", "draft_a"}
    assert titles("school2") == {"job_a", "job_b"}
    assert titles("coordinator") == {"job_a", "job_b", "draft_a"}
    assert titles("coordinator_m2") == titles("center_m2") == set()


def test_other_roles_have_no_job_pages(app, w, client):
    assert client_of(app, w, "college").get("/jobs/").status_code == 403
    assert client_of(app, w, "college").get(f"/jobs/{w.job_a.id}").status_code == 404
    assert client.get("/jobs/").status_code == 302  # to the login page
    assert client.get(f"/jobs/applications/{w.hired.id}").status_code == 302


def test_only_the_center_and_admins_post_jobs(app, w):
    for who in ("school1", "coordinator", "college"):
        assert client_of(app, w, who).get("/jobs/new").status_code == 403
    assert client_of(app, w, "center").get("/jobs/new").status_code == 200
    assert "Propose a holiday job" in text(client_of(app, w, "employer_a").get("/jobs/new"))


def test_a_school_keeps_seeing_a_closed_job_its_students_applied_to(app, w):
    for job in (w.job_a, w.job_b):
        services.close_job(job)
    db.session.commit()
    school1 = client_of(app, w, "school1")
    assert school1.get(f"/jobs/{w.job_a.id}").status_code == 200
    assert school1.get(f"/jobs/{w.job_b.id}").status_code == 404
