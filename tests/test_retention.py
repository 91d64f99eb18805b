"""Retention: personal data past the retention period is anonymised, every number stays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from partnercrm.activities.models import Headcount, Participation
from partnercrm.activities.rules import ActivityKind
from partnercrm.audit.models import AuditAction, AuditEntry
from partnercrm.directory.models import Municipality
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators import queries
from partnercrm.jobs.models import ApplicationStatusChange, JobApplication, YoungPerson
from partnercrm.jobs.report import job_report
from partnercrm.jobs.rules import ApplicationStatus
from partnercrm.localtime import Period, to_utc
from partnercrm.operations.services import apply_retention
from partnercrm.students.models import Student
from partnercrm.students.services import set_archived
from tests.activity_factories import ActivityFactory, StudentFactory
from tests.factories import OrganizationFactory
from tests.job_factories import HolidayJobFactory, JobApplicationFactory, YoungPersonFactory

YEAR = Period.year(2024)


def at(year: int, month: int, day: int):
    return time_machine.travel(datetime(year, month, day, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def scenario(seeded):
    """A school whose 11th grade left on 28 June 2024 and whose 9th grade stays; young people
    registered by the employment center; jobs in the summers of 2024 and 2025."""
    kgd = db.session.scalar(sa.select(Municipality).where(Municipality.name == "Калининград"))
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=kgd)
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=kgd)
    graduates = [
        StudentFactory(school=school, grade=11, ovz=n == 0, birth_date=date(2006, 5, n + 1))
        for n in range(3)
    ]
    staying = [StudentFactory(school=school, grade=9) for _ in range(2)]
    # A graduate who worked the summer after: kept until a year after the job.
    worker = StudentFactory(school=school, grade=11, birth_date=date(2006, 9, 1))
    excursion = ActivityFactory(
        kind=ActivityKind.EXCURSION,
        host=employer,
        organizer=school,
        starts_at=to_utc(datetime(2024, 3, 15, 10)),
        starts_on=date(2024, 3, 15),
    )
    for student in [*graduates, *staying, worker]:
        db.session.add(Participation(activity=excursion, student=student))
    other_school = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=kgd)
    db.session.add(Headcount(activity=excursion, school=other_school, grade=8, count=12))
    job_2024 = HolidayJobFactory(
        employer=employer, first_day=date(2024, 7, 1), last_day=date(2024, 7, 14)
    )
    job_2025 = HolidayJobFactory(
        employer=employer, first_day=date(2025, 7, 1), last_day=date(2025, 7, 14)
    )
    with at(2024, 1, 10):
        never_applied = YoungPersonFactory(municipality=kgd)
        worked_2024 = YoungPersonFactory(municipality=kgd)
        worked_2025 = YoungPersonFactory(municipality=kgd)
    application = JobApplicationFactory(
        job=job_2024, young_person=worked_2024, status=ApplicationStatus.COMPLETED
    )
    application.history.append(
        ApplicationStatusChange(
            to_status=ApplicationStatus.COMPLETED, note="Мама Иванова просила ранние смены"
        )
    )
    JobApplicationFactory(job=job_2025, young_person=worked_2025)
    JobApplicationFactory(job=job_2025, student=worker, young_person=None)
    with at(2024, 6, 28):
        for student in [*graduates, worker]:
            set_archived(student, True)
    db.session.commit()
    return {
        "graduates": [s.id for s in graduates],
        "staying": [s.id for s in staying],
        "worker": worker.id,
        "never_applied": never_applied.id,
        "worked_2024": worked_2024.id,
        "worked_2025": worked_2025.id,
    }


def numbers():
    """Everything the reports count: indicators, the plan item 7 report, rows per table, ОВЗ
    and grades."""
    counted = {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Student, Participation, Headcount, YoungPerson, JobApplication)
    }
    return (
        queries.compute(db.session, YEAR),
        queries.by_grade_band(db.session, 2, YEAR),
        job_report(db.session, date(2024, 1, 1), date(2025, 12, 31)),
        counted,
        db.session.execute(
            sa.select(Student.grade, Student.ovz, sa.func.count())
            .group_by(Student.grade, Student.ovz)
            .order_by(Student.grade, Student.ovz)
        ).all(),
    )


def student(student_id: int) -> Student:
    return db.session.get(Student, student_id, populate_existing=True)


def young_person(person_id: int) -> YoungPerson:
    return db.session.get(YoungPerson, person_id, populate_existing=True)


def test_people_past_the_period_are_anonymised_and_every_count_stays(scenario):
    before = numbers()
    with at(2025, 7, 10):
        result = apply_retention(365)
        db.session.commit()
    assert (result.students, result.young_people) == (3, 1)
    assert numbers() == before

    for student_id in scenario["graduates"]:
        gone = student(student_id)
        assert gone.full_name == f"Обезличен (№ {student_id})"
        assert gone.local_id == f"обезличен-{student_id}"
        assert gone.birth_date is None
        assert gone.anonymised_at == datetime(2025, 7, 10, 12, tzinfo=UTC)
        assert (gone.grade, gone.class_letter) == (11, "А")
    assert student(scenario["graduates"][0]).ovz is True
    for student_id in [*scenario["staying"], scenario["worker"]]:
        assert student(student_id).anonymised_at is None
        assert not student(student_id).full_name.startswith("Обезличен")

    never = young_person(scenario["never_applied"])
    assert never.full_name == f"Обезличен (№ {never.id})"
    assert (never.birth_date, never.contact, never.parent_contact) == (None, None, None)
    assert never.municipality is not None
    # Their jobs ended less than a year ago (14 July 2024, 14 July 2025).
    assert young_person(scenario["worked_2024"]).anonymised_at is None
    assert young_person(scenario["worked_2025"]).anonymised_at is None


def test_the_clock_of_a_young_person_who_worked_runs_from_the_jobs_last_day(scenario):
    with at(2025, 7, 20):
        assert apply_retention(365).young_people == 2
        db.session.commit()
    worked = young_person(scenario["worked_2024"])
    assert worked.full_name.startswith("Обезличен")
    assert young_person(scenario["worked_2025"]).anonymised_at is None
    # The applicant's history stays, without its free-text notes.
    (change,) = db.session.scalars(
        sa.select(ApplicationStatusChange)
        .join(JobApplication)
        .where(JobApplication.young_person_id == worked.id)
    )
    assert (change.to_status, change.note) == (ApplicationStatus.COMPLETED, None)

    with at(2026, 7, 15):
        result = apply_retention(365)
        db.session.commit()
    assert (result.students, result.young_people) == (1, 1)  # the worker, worked_2025
    assert student(scenario["worker"]).full_name.startswith("Обезличен")


def test_retention_is_idempotent_and_leaves_one_audit_entry_per_run(scenario):
    def student_entries():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.object_type == "student")
        )

    before = student_entries()
    with at(2025, 7, 10):
        apply_retention(365)
        db.session.commit()
        first = student(scenario["graduates"][1]).updated_at
        again = apply_retention(365)
        db.session.commit()
    assert (again.students, again.young_people) == (0, 0)
    assert student(scenario["graduates"][1]).updated_at == first
    assert student_entries() == before
    runs = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "retention").order_by(AuditEntry.id)
    ).all()
    assert [(run.action, run.details) for run in runs] == [
        (AuditAction.UPDATE, {"retention_days": 365, "students": 3, "young_people": 1}),
        (AuditAction.UPDATE, {"retention_days": 365, "students": 0, "young_people": 0}),
    ]
    assert "Иванова" not in str(runs[0].details)


def test_the_period_is_configurable(scenario, app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_DAYS", 30)
    with at(2024, 9, 1):
        result = runner.invoke(args=["retention", "--dry-run"])
    # Graduates and the young person who worked in July 2024; the worker has a job ahead.
    assert "retention (30 days): would anonymise 3 students, 2 young people" in result.output


def test_dry_run_counts_and_changes_nothing(scenario, app, runner):
    names = sorted(db.session.scalars(sa.select(Student.full_name)))
    with at(2025, 7, 10):
        result = runner.invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would anonymise 3 students, 1 young people" in result.output
    assert sorted(db.session.scalars(sa.select(Student.full_name))) == names
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.object_type == "retention")
        )
        == 0
    )

    with at(2025, 7, 10):
        result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "retention (365 days): anonymised 3 students, 1 young people" in result.output
