"""Holiday jobs as the employment center and schools use them: posting, the Labour Code gate on
publishing, applying, the checks before hiring, status history, places under concurrency."""

from __future__ import annotations

import html
import re
import threading
from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs import services
from partnercrm.jobs.models import (
    ApplicationStatusChange,
    HolidayJob,
    JobApplication,
    YoungPerson,
)
from partnercrm.jobs.rules import ApplicationStatus as AS
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import REGION_TZ
from tests.activity_factories import StudentFactory, scoped_client, sign_in
from tests.conftest import csrf_token
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory
from tests.job_factories import HolidayJobFactory, SchoolHolidayFactory

# Mid-May 2026: the summer holidays (1 June – 31 August) and the July jobs lie ahead.
NOW = datetime(2026, 5, 15, 10, 0, tzinfo=REGION_TZ)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _may_2026():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(app):
    """A municipality with a school (students of 13, 14, 16 and 18 in July 2026, one without a
    birth date), an employer, the employment center and their users; committed."""
    w = SimpleNamespace()
    w.m1 = MunicipalityFactory(name="Калининград")
    w.school = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=w.m1)
    w.employer = OrganizationFactory(
        kind=OrganizationKind.EMPLOYER, municipality=w.m1, name="ООО «Янтарный берег»"
    )
    w.center = OrganizationFactory(
        kind=OrganizationKind.EMPLOYMENT_CENTER,
        municipality=w.m1,
        name="ЦЗН Калининграда",
        phone="+7 4012 00-00-00",
    )
    w.student13 = StudentFactory(
        school=w.school, full_name="Младший Илья", birth_date=date(2013, 1, 10)
    )
    w.student14 = StudentFactory(
        school=w.school, full_name="Орлова Вера", birth_date=date(2012, 3, 1)
    )
    w.student16 = StudentFactory(
        school=w.school, full_name="Лебедев Пётр", birth_date=date(2010, 2, 2)
    )
    w.student18 = StudentFactory(
        school=w.school, full_name="Старший Олег", birth_date=date(2008, 6, 30)
    )
    w.no_birth_date = StudentFactory(school=w.school, full_name="Без Даты", birth_date=None)
    w.center_user = UserFactory(
        role=Role.EMPLOYMENT_CENTER, organization=w.center, email="czn@example.org"
    )
    w.school_user = UserFactory(role=Role.SCHOOL, organization=w.school, email="s@example.org")
    w.employer_user = UserFactory(
        role=Role.EMPLOYER, organization=w.employer, email="employer@example.org"
    )
    SchoolHolidayFactory()
    db.session.commit()
    return w


def job_form(world, **changes) -> dict:
    """A lawful posting for 14-year-olds in the July holidays, as the form posts it."""
    form = {
        "employer": f"{world.employer.name} [{world.employer.code}]",
        "title": "Помощник садовника",
        "duties": "Полив и прополка клумб",
        "municipality": str(world.m1.id),
        "address": "Калининград, ул. Садовая, 3",
        "places": "2",
        "min_age": "14",
        "hours_per_day": "4",
        "hours_per_week": "20",
        "shift_starts": "09:00",
        "shift_ends": "13:00",
        "break_minutes": "0",
        "working_days": ["1", "2", "3", "4", "5"],
        "first_day": "2026-07-01",
        "last_day": "2026-07-21",
        "pay": "120 ₽ в час",
        "not_prohibited_attested": "y",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def post(client, path: str, data: dict, form_path: str):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_path)})


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def job_id_from(response) -> int:
    match = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def application_id_from(response) -> int:
    match = re.search(r"/jobs/applications/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


# --- the Done-when journey, through the pages ---


def test_the_center_publishes_a_lawful_job_and_takes_an_applicant_to_completed(app, world):
    center = scoped_client(app)
    sign_in(center, world.center_user)
    response = post(center, "/jobs/new", {**job_form(world), "submit": "Save"}, "/jobs/new")
    assert response.status_code == 302, text(response)
    job_id = job_id_from(response)
    job = fresh(HolidayJob, job_id)
    assert job.status is JobStatus.DRAFT
    assert job.center_id == world.center.id
    assert "The Labour Code check found nothing to fix." in text(center.get(f"/jobs/{job_id}"))

    response = post(center, f"/jobs/{job_id}/publish", {}, f"/jobs/{job_id}")
    assert response.status_code == 302
    assert fresh(HolidayJob, job_id).status is JobStatus.PUBLISHED
    assert "Помощник садовника" in text(center.get("/jobs/board"))

    # The school applies for its 14-year-old student.
    school = scoped_client(app)
    sign_in(school, world.school_user)
    response = post(
        school,
        f"/jobs/{job_id}/apply",
        {"student": str(world.student14.id)},
        f"/jobs/{job_id}/apply",
    )
    application_id = application_id_from(response)
    assert fresh(JobApplication, application_id).status is AS.APPLIED

    page = f"/jobs/applications/{application_id}"
    response = post(center, f"{page}/status", {"to_status": "referred"}, page)
    assert fresh(JobApplication, application_id).status is AS.REFERRED

    # Hiring waits for the parent's consent (14) and the medical examination.
    response = post(center, f"{page}/status", {"to_status": "hired"}, page)
    shown = text(center.get(page))
    assert "The applicant cannot be hired yet." in shown
    assert "(ст. 63 ТК РФ)" in shown and "(ст. 266 ТК РФ)" in shown
    assert fresh(JobApplication, application_id).status is AS.REFERRED
    assert fresh(HolidayJob, job_id).hired_count == 0

    post(
        center,
        f"{page}/checks",
        {"consent_received_on": "2026-05-10", "medical_exam_on": "2026-05-14"},
        page,
    )
    application = fresh(JobApplication, application_id)
    assert application.consent_received_on == date(2026, 5, 10)
    assert application.medical_exam_on == date(2026, 5, 14)

    post(center, f"{page}/status", {"to_status": "hired", "note": "Принята"}, page)
    assert fresh(JobApplication, application_id).status is AS.HIRED
    assert fresh(HolidayJob, job_id).hired_count == 1
    post(center, f"{page}/status", {"to_status": "completed"}, page)
    assert fresh(JobApplication, application_id).status is AS.COMPLETED
    assert fresh(HolidayJob, job_id).hired_count == 1

    history = db.session.scalars(
        sa.select(ApplicationStatusChange)
        .where(ApplicationStatusChange.application_id == application_id)
        .order_by(ApplicationStatusChange.id)
    ).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, AS.APPLIED),
        (AS.APPLIED, AS.REFERRED),
        (AS.REFERRED, AS.HIRED),
        (AS.HIRED, AS.COMPLETED),
    ]
    assert [h.changed_by_id for h in history] == [world.school_user.id] + [world.center_user.id] * 3
    assert all(h.changed_at == NOW for h in history)
    assert history[2].note == "Принята"
    shown = text(center.get(page))
    assert shown.count(world.center_user.full_name) >= 3
    assert "15.05.2026 10:00" in shown


def test_an_unlawful_job_is_refused_with_every_violation_and_its_article(app, world):
    center = scoped_client(app)
    sign_in(center, world.center_user)
    unlawful = job_form(world, hours_per_day="8", shift_ends="23:00", not_prohibited_attested=None)
    # "Check" lists what to fix and saves nothing.
    response = post(center, "/jobs/new", {**unlawful, "check": "Check"}, "/jobs/new")
    shown = text(response)
    assert response.status_code == 200
    for article in ("ст. 94 ТК РФ", "ст. 96 ТК РФ", "ст. 265 ТК РФ"):
        assert article in shown
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayJob)) == 0

    # A draft may be saved to fix later; publishing it is refused, every violation listed.
    response = post(center, "/jobs/new", {**unlawful, "submit": "Save"}, "/jobs/new")
    job_id = job_id_from(response)
    response = post(center, f"/jobs/{job_id}/publish", {}, f"/jobs/{job_id}")
    shown = text(center.get(response.headers["Location"]))
    assert "The job breaks the Labour Code and cannot be published." in shown
    assert "At 14 the working day during the school holidays may last at most 4 h" in shown
    for article in ("(ст. 94 ТК РФ)", "(ст. 96 ТК РФ)", "(ст. 265 ТК РФ)"):
        assert article in shown
    assert fresh(HolidayJob, job_id).status is JobStatus.DRAFT
    assert "Помощник садовника" not in text(center.get("/jobs/board"))


def test_the_refusal_is_in_russian_by_default(app, world):
    center = scoped_client(app)
    sign_in(center, world.center_user, lang=None)
    # Three weeks of May: school time, so the limit combined with study applies.
    job = HolidayJobFactory(
        employer=world.employer,
        status=JobStatus.DRAFT,
        min_age=14,
        hours_per_day=Decimal("3.5"),
        hours_per_week=Decimal(10),
        shift_ends=time(12, 30),
        first_day=date(2026, 5, 18),
        last_day=date(2026, 5, 29),
    )
    db.session.commit()
    response = post(center, f"/jobs/{job.id}/publish", {}, f"/jobs/{job.id}")
    shown = text(center.get(response.headers["Location"]))
    # Listed once, on the job's page, with hours as Russian writes them.
    assert shown.count("(ст. 94 ТК РФ)") == 1
    assert "не более 2,5 ч" in shown and "указано 3,5 ч" in shown
    assert fresh(HolidayJob, job.id).status is JobStatus.DRAFT


def test_a_published_job_cannot_be_edited_into_breaking_the_rules(app, world):
    job = HolidayJobFactory(employer=world.employer, center=world.center, min_age=16)
    db.session.commit()
    center = scoped_client(app)
    sign_in(center, world.center_user)
    form = job_form(world, min_age="16", hours_per_day="9", submit="Save")
    response = post(center, f"/jobs/{job.id}/edit", form, f"/jobs/{job.id}/edit")
    assert response.status_code == 200
    assert "(ст. 94 ТК РФ)" in text(response)
    assert fresh(HolidayJob, job.id).hours_per_day == Decimal(4)


def test_an_employer_proposes_and_the_center_publishes(app, world):
    employer = scoped_client(app)
    sign_in(employer, world.employer_user)
    form = job_form(world, employer=None, submit="Save")
    response = post(employer, "/jobs/new", form, "/jobs/new")
    job_id = job_id_from(response)
    job = fresh(HolidayJob, job_id)
    assert (job.status, job.employer_id, job.center_id) == (
        JobStatus.PROPOSED,
        world.employer.id,
        None,
    )
    # The employer cannot publish its own proposal.
    assert post(employer, f"/jobs/{job_id}/publish", {}, f"/jobs/{job_id}").status_code == 403

    center = scoped_client(app)
    sign_in(center, world.center_user)
    post(center, f"/jobs/{job_id}/publish", {}, f"/jobs/{job_id}")
    job = fresh(HolidayJob, job_id)
    assert (job.status, job.center_id) == (JobStatus.PUBLISHED, world.center.id)
    # Once published the employer no longer edits it.
    assert employer.get(f"/jobs/{job_id}/edit").status_code == 403


def test_an_employer_not_yet_approved_cannot_propose(app, world):
    world.employer.approval_state = ApprovalState.PENDING
    db.session.commit()
    employer = scoped_client(app)
    sign_in(employer, world.employer_user)
    assert employer.get("/jobs/new").status_code == 403
    assert employer.get("/jobs/").status_code == 403


def test_the_center_declines_a_proposal(app, world):
    job = HolidayJobFactory(employer=world.employer, center=None, status=JobStatus.PROPOSED)
    db.session.commit()
    center = scoped_client(app)
    sign_in(center, world.center_user)
    assert "Decline the proposal" in text(center.get(f"/jobs/{job.id}"))
    post(center, f"/jobs/{job.id}/close", {}, f"/jobs/{job.id}")
    assert fresh(HolidayJob, job.id).status is JobStatus.CLOSED


def test_the_center_registers_a_young_person_once(app, world):
    job = HolidayJobFactory(employer=world.employer, center=world.center, min_age=14)
    second = HolidayJobFactory(employer=world.employer, center=world.center, min_age=14)
    db.session.commit()
    center = scoped_client(app)
    sign_in(center, world.center_user)
    person = {
        "full_name": "Соколова  Анна",
        "birth_date": "2011-04-04",
        "contact": "+7 900 111-22-33",
        "parent_contact": "",
        "is_school_student": "y",
    }
    for target in (job, second):
        path = f"/jobs/{target.id}/apply"
        response = post(center, path, person, path)
        assert response.status_code == 302
        assert "/jobs/applications/" in response.headers["Location"]
    people = db.session.scalars(sa.select(YoungPerson)).all()
    assert [(p.full_name, p.registered_by_id, p.contact) for p in people] == [
        ("Соколова Анна", world.center.id, "+7 900 111-22-33")
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobApplication)) == 2


def test_implausible_values_are_form_errors(app, world):
    # plausible: a job's days from 2015 to three years ahead, birth dates from 1990, no
    # control characters.
    center = scoped_client(app)
    sign_in(center, world.center_user)
    for changes, message in (
        (
            {"first_day": "9999-07-01", "last_day": "9999-07-21"},
            "The date must be from 01.01.2015 to 15.05.2029.",
        ),
        ({"first_day": "2014-07-01"}, "The date must be from 01.01.2015 to 15.05.2029."),
        ({"title": "Помощник\x00 садовника"}, "invisible control character (U+0000)"),
        ({"duties": "Полив\r\n\tклумб\x1b[31m"}, "invisible control character (U+001B)"),
    ):
        form = {**job_form(world, **changes), "submit": "Save"}
        response = post(center, "/jobs/new", form, "/jobs/new")
        assert response.status_code == 200, changes
        assert message in text(response), changes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayJob)) == 0
    job = HolidayJobFactory(employer=world.employer, center=world.center, min_age=14)
    db.session.commit()
    path = f"/jobs/{job.id}/apply"
    person = {"full_name": "Соколова Анна", "birth_date": "1900-04-04", "is_school_student": "y"}
    response = post(center, path, person, path)
    assert response.status_code == 200
    assert "The date must be from 01.01.1990 to 15.05.2026." in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(YoungPerson)) == 0


def test_the_services_refuse_implausible_dates(world, job):
    data = services.data_of(job)
    data.last_day = date(9999, 7, 21)
    with pytest.raises(services.JobError) as refused:
        services.create_job(data, world.center_user)
    assert refused.value.field == "last_day"
    young = services.YoungPersonData(full_name="Соколова Анна", birth_date=date(1, 1, 1))
    with pytest.raises(services.JobError) as refused:
        services.apply_for_young_person(job, young, world.center_user)
    assert refused.value.field == "birth_date"
    application = services.apply_for_student(job, world.student16, world.school_user)
    with pytest.raises(services.JobError) as refused:
        services.record_checks(application, date(2014, 12, 31), None)
    assert refused.value.field == "consent_received_on"


def test_the_center_finds_a_young_person_again_whatever_the_yo(world):
    center = world.center_user.organization
    first = services.register_young_person(
        services.YoungPersonData(full_name="Воробьёв Пётр", birth_date=date(2010, 3, 1)),
        center,
        None,
    )
    again = services.register_young_person(
        services.YoungPersonData(full_name="воробьев  петр", birth_date=date(2010, 3, 1)),
        center,
        None,
    )
    assert again.id == first.id


# --- the rules of applying and hiring (services) ---


@pytest.fixture
def job(world):
    job = HolidayJobFactory(employer=world.employer, center=world.center, min_age=14, places=2)
    db.session.commit()
    return job


@pytest.mark.parametrize(
    ("student", "message"),
    [
        ("student13", "The applicant is 13 on the first day of the job; work is allowed from 14."),
        ("student18", "The applicant is 18 on the first day of the job"),
        ("no_birth_date", "The student's birth date is not in the roster"),
    ],
)
def test_a_school_is_told_why_a_student_cannot_apply(app, world, job, student, message):
    school = scoped_client(app)
    sign_in(school, world.school_user)
    path = f"/jobs/{job.id}/apply"
    response = post(school, path, {"student": str(getattr(world, student).id)}, path)
    assert message in text(school.get(response.headers["Location"]))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobApplication)) == 0


def test_an_applicant_younger_than_the_jobs_minimum_age_is_refused(world):
    job = HolidayJobFactory(employer=world.employer, min_age=16)
    with pytest.raises(services.JobError) as refused:
        services.apply_for_student(job, world.student14, world.school_user)
    assert refused.value.params == {"min_age": 16, "age": 14}


def test_one_application_per_student_and_job(world, job):
    services.apply_for_student(job, world.student16, world.school_user)
    with pytest.raises(services.JobError, match="already applied"):
        services.apply_for_student(job, world.student16, world.school_user)


def test_applications_only_for_published_jobs(world, job):
    job.status = JobStatus.DRAFT
    with pytest.raises(services.JobError, match="published jobs only"):
        services.apply_for_student(job, world.student16, world.school_user)


def referred(job, student, world, consent=True, exam=True) -> JobApplication:
    application = services.apply_for_student(job, student, world.school_user)
    services.record_checks(
        application, date(2026, 5, 1) if consent else None, date(2026, 5, 2) if exam else None
    )
    services.move_application(application, AS.REFERRED, world.center_user)
    return application


def test_consent_is_needed_at_14_to_15_and_the_exam_always(world, job):
    young = referred(job, world.student14, world, consent=False)
    with pytest.raises(services.LabourViolations) as refused:
        services.move_application(young, AS.HIRED, world.center_user)
    assert [v.code for v in refused.value.violations] == ["consent"]

    older = referred(job, world.student16, world, consent=False, exam=False)
    with pytest.raises(services.LabourViolations) as refused:
        services.move_application(older, AS.HIRED, world.center_user)
    assert [v.code for v in refused.value.violations] == ["medical_exam"]
    db.session.rollback()


def test_the_checks_are_fixed_once_hired(world, job):
    application = referred(job, world.student16, world)
    services.move_application(application, AS.HIRED, world.center_user)
    with pytest.raises(services.JobError, match="fixed once the applicant is hired"):
        services.record_checks(application, None, None)


def test_a_future_check_date_is_refused(world, job):
    application = services.apply_for_student(job, world.student16, world.school_user)
    with pytest.raises(services.JobError) as refused:
        services.record_checks(application, None, date(2026, 5, 16))
    assert refused.value.field == "medical_exam_on"


def test_impossible_moves_are_refused(world, job):
    application = services.apply_for_student(job, world.student16, world.school_user)
    with pytest.raises(services.JobError, match="not possible"):
        services.move_application(application, AS.HIRED, world.center_user)
    services.move_application(application, AS.REJECTED, world.center_user)
    with pytest.raises(services.JobError, match="not possible"):
        services.move_application(application, AS.REFERRED, world.center_user)


def test_withdrawing_a_hired_applicant_gives_the_place_back(world, job):
    application = referred(job, world.student16, world)
    services.move_application(application, AS.HIRED, world.center_user)
    assert job.hired_count == 1
    services.move_application(application, AS.WITHDRAWN, world.center_user, "Уехал")
    assert (application.status, job.hired_count) == (AS.WITHDRAWN, 0)


def test_no_hire_beyond_the_places(world, job):
    other = StudentFactory(school=world.school, birth_date=date(2010, 9, 9))
    third = StudentFactory(school=world.school, birth_date=date(2010, 10, 10))
    for student in (world.student16, other):
        services.move_application(referred(job, student, world), AS.HIRED, world.center_user)
    last = referred(job, third, world)
    with pytest.raises(services.JobError, match="No places are left"):
        services.move_application(last, AS.HIRED, world.center_user)
    db.session.rollback()
    assert fresh(HolidayJob, job.id).hired_count == 0  # nothing was committed


def test_places_cannot_drop_below_the_hired(world, job):
    application = referred(job, world.student16, world)
    services.move_application(application, AS.HIRED, world.center_user)
    data = services.data_of(job)
    data.places = 0
    with pytest.raises(services.JobError) as refused:
        services.update_job(job, data)
    assert refused.value.field == "places"


# --- hired never exceeds places, under concurrency ---


def _hire_in_own_session(app, application_id: int, user_id: int, barrier, outcomes):
    with app.app_context():
        try:
            application = db.session.get(JobApplication, application_id)
            user = db.session.get(User, user_id)
            application.job  # noqa: B018 - loaded before the race starts
            barrier.wait()
            services.move_application(application, AS.HIRED, user)
            db.session.commit()
            outcomes.append("hired")
        except services.JobError as error:
            db.session.rollback()
            outcomes.append(error.message)
        finally:
            db.session.remove()


def _race(app, application_ids: list[int], user_id: int) -> list[str]:
    barrier = threading.Barrier(len(application_ids))
    outcomes: list[str] = []
    threads = [
        threading.Thread(
            target=_hire_in_own_session, args=(app, application_id, user_id, barrier, outcomes)
        )
        for application_id in application_ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_hires_never_exceed_the_places(app, world, job):
    students = [
        StudentFactory(school=world.school, birth_date=date(2010, 1, day)) for day in range(1, 7)
    ]
    ids = [referred(job, student, world).id for student in students]
    db.session.commit()
    outcomes = _race(app, ids, world.center_user.id)
    assert sorted(outcomes) == sorted(["hired"] * 2 + [services.NO_PLACES_LEFT] * 4)
    job = fresh(HolidayJob, job.id)
    hired = db.session.scalar(
        sa.select(sa.func.count()).where(
            JobApplication.job_id == job.id, JobApplication.status == AS.HIRED
        )
    )
    assert job.hired_count == hired == 2


def test_one_application_hired_twice_at_once_takes_one_place(app, world, job):
    application_id = referred(job, world.student16, world).id
    db.session.commit()
    outcomes = _race(app, [application_id] * 4, world.center_user.id)
    assert outcomes.count("hired") == 1
    assert fresh(HolidayJob, job.id).hired_count == 1
    history = db.session.scalar(
        sa.select(sa.func.count()).where(
            ApplicationStatusChange.application_id == application_id,
            ApplicationStatusChange.to_status == AS.HIRED,
        )
    )
    assert history == 1


# --- demo ---


def test_demo_jobs_are_lawful_published_and_loaded_once(app, seeded):
    from partnercrm.demo import load_demo

    first = load_demo()
    db.session.commit()
    assert (first["holiday_jobs"], first["job_applications"]) == (2, 4)
    again = load_demo()
    db.session.commit()
    assert (again["holiday_jobs"], again["job_applications"]) == (0, 0)
    jobs = db.session.scalars(sa.select(HolidayJob).order_by(HolidayJob.id)).all()
    assert [job.status for job in jobs] == [JobStatus.PUBLISHED] * 2
    assert all(services.violations(job) == [] for job in jobs)
    assert [job.hired_count for job in jobs] == [1, 0]
    assert all(job.first_day > TODAY for job in jobs)


def test_every_page_renders_for_its_users(app, world, job):
    application = services.apply_for_student(job, world.student16, world.school_user)
    proposal = HolidayJobFactory(employer=world.employer, status=JobStatus.PROPOSED, center=None)
    db.session.commit()
    center, school, employer = scoped_client(app), scoped_client(app), scoped_client(app)
    sign_in(center, world.center_user, lang=None)
    sign_in(school, world.school_user, lang=None)
    sign_in(employer, world.employer_user, lang=None)
    pages = {
        center: [
            "/jobs/",
            "/jobs/?status=published&municipality=1&q=парк",
            "/jobs/new",
            f"/jobs/{job.id}",
            f"/jobs/{job.id}/edit",
            f"/jobs/{job.id}/apply",
            f"/jobs/applications/{application.id}",
        ],
        school: [
            f"/jobs/{job.id}",
            f"/jobs/{job.id}/apply",
            f"/jobs/applications/{application.id}",
        ],
        employer: ["/jobs/", "/jobs/new", f"/jobs/{proposal.id}", f"/jobs/{proposal.id}/edit"],
    }
    for client, paths in pages.items():
        for path in paths:
            assert client.get(path).status_code == 200, path
    assert 'href="/jobs/"' in text(school.get("/dashboard"))
    assert 'href="/jobs/report' in text(center.get("/jobs/"))


# --- the municipality of a new posting (issue #15, item 8) ---


def selected_municipality(response) -> str:
    """The label of the option the municipality select shows selected."""
    select = re.search(r'<select[^>]*name="municipality".*?</select>', text(response), re.S)
    assert select, "the form has a municipality select"
    selected = re.search(r"<option[^>]*selected[^>]*>([^<]*)</option>", select.group(0))
    first = re.search(r"<option[^>]*>([^<]*)</option>", select.group(0))
    return (selected or first).group(1)


def test_the_centers_new_job_defaults_to_the_employers_municipality(app, world):
    # Alphabetically first, so "the first in the list" would be the wrong one.
    MunicipalityFactory(name="Багратионовск")
    db.session.commit()
    center = scoped_client(app)
    sign_in(center, world.center_user)
    assert selected_municipality(center.get("/jobs/new")) == "The employer's municipality"
    response = post(center, "/jobs/new", job_form(world, municipality="0"), "/jobs/new")
    job = fresh(HolidayJob, job_id_from(response))
    assert job.municipality_id == world.employer.municipality_id == world.m1.id
    # Editing shows the job's own municipality, and offers no "employer's" choice.
    edit = center.get(f"/jobs/{job.id}/edit")
    assert selected_municipality(edit) == "Калининград"
    assert "The employer&#39;s municipality" not in edit.get_data(as_text=True)


def test_a_proposal_defaults_to_the_employers_own_municipality(app, world):
    MunicipalityFactory(name="Багратионовск")
    db.session.commit()
    employer = scoped_client(app)
    sign_in(employer, world.employer_user)
    assert selected_municipality(employer.get("/jobs/new")) == "Калининград"
    # The "employer's" choice is the center's: here 0 is no choice at all.
    response = post(
        employer, "/jobs/new", job_form(world, employer=None, municipality="0"), "/jobs/new"
    )
    assert response.status_code == 200
    assert "Not a valid choice" in text(response)


# --- the shift, its breaks and the days of work (issue #15, item 7) ---


def test_a_shift_longer_than_the_hours_per_day_is_not_published(app, world):
    center = scoped_client(app)
    sign_in(center, world.center_user)
    # The case: 09:00–15:00 with «4 h a day».
    long_shift = job_form(world, shift_ends="15:00")
    response = post(center, "/jobs/new", {**long_shift, "check": "Check"}, "/jobs/new")
    assert (
        "The shift 09:00–15:00 less 0 min of breaks is 6 h of work, more than the posting's "
        "4 h per day. (ст. 94 ТК РФ)" in text(response)
    )
    job_id = job_id_from(post(center, "/jobs/new", {**long_shift, "submit": "Save"}, "/jobs/new"))
    post(center, f"/jobs/{job_id}/publish", {}, f"/jobs/{job_id}")
    assert fresh(HolidayJob, job_id).status is JobStatus.DRAFT
    # Two hours of breaks leave four hours of work.
    with_breaks = {**long_shift, "break_minutes": "120", "submit": "Save"}
    post(center, f"/jobs/{job_id}/edit", with_breaks, f"/jobs/{job_id}/edit")
    post(center, f"/jobs/{job_id}/publish", {}, f"/jobs/{job_id}")
    job = fresh(HolidayJob, job_id)
    assert (job.status, job.break_minutes) == (JobStatus.PUBLISHED, 120)
    assert "Помощник садовника" in text(center.get("/jobs/board"))


def test_work_on_days_off_and_public_holidays_is_not_published(app, world):
    center = scoped_client(app)
    sign_in(center, world.center_user)
    # Monday to Saturday, over 12 June (a Friday).
    unlawful = job_form(
        world,
        working_days=["1", "2", "3", "4", "5", "6"],
        first_day="2026-06-08",
        last_day="2026-06-19",
    )
    response = post(center, "/jobs/new", {**unlawful, "check": "Check"}, "/jobs/new")
    shown = text(response)
    assert "Minors may not work on days off" in shown
    assert "Minors may not work on public holidays: 12.06.2026" in shown
    assert shown.count("(ст. 268 ТК РФ)") == 2
    # Without Saturday and Friday the same period is lawful.
    lawful = {**unlawful, "working_days": ["1", "2", "3", "4"], "submit": "Save"}
    job_id = job_id_from(post(center, "/jobs/new", lawful, "/jobs/new"))
    assert fresh(HolidayJob, job_id).weekdays == {1, 2, 3, 4}
    post(center, f"/jobs/{job_id}/publish", {}, f"/jobs/{job_id}")
    assert fresh(HolidayJob, job_id).status is JobStatus.PUBLISHED
    assert "Mon–Thu" in text(center.get(f"/jobs/{job_id}"))


def test_the_form_asks_for_working_days_and_breaks_shorter_than_the_shift(app, world):
    center = scoped_client(app)
    sign_in(center, world.center_user)
    page = text(center.get("/jobs/new"))
    for day in ("1", "2", "3", "4", "5"):
        assert f'value="{day}" checked' in page
    assert 'value="6" checked' not in page and 'value="7" checked' not in page
    response = post(center, "/jobs/new", job_form(world, working_days=None), "/jobs/new")
    assert "Pick the working days." in text(response)
    response = post(center, "/jobs/new", job_form(world, break_minutes="240"), "/jobs/new")
    assert "The breaks must be shorter than the shift." in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayJob)) == 0


def test_the_board_hides_a_published_job_that_breaks_the_rules(app, world):
    # Published before the shift was checked: 09:00–15:00 with 4 h a day.
    unlawful = HolidayJobFactory(
        employer=world.employer,
        center=world.center,
        title="Слишком длинная смена",
        shift_ends=time(15, 0),
    )
    lawful = HolidayJobFactory(
        employer=world.employer, center=world.center, title="Нормальная смена"
    )
    db.session.commit()
    client = scoped_client(app)
    board = text(client.get("/jobs/board"))
    assert "Нормальная смена" in board and "Слишком длинная смена" not in board
    assert client.get(f"/jobs/board/{unlawful.id}").status_code == 404
    assert client.get(f"/jobs/board/{lawful.id}").status_code == 200
    titles = [job["title"] for job in client.get("/api/v1/jobs").get_json()["jobs"]]
    assert titles == ["Нормальная смена"]
    # Its own page tells the center what to fix.
    center = scoped_client(app)
    sign_in(center, world.center_user)
    assert "(ст. 94 ТК РФ)" in text(center.get(f"/jobs/{unlawful.id}"))
