"""Demo holiday jobs: the demo employment center (czn@) posts two lawful jobs for the demo
employer in next summer's school holidays and publishes them; the demo school applies for some
of its students, and the center hires one.

Idempotent: a job is found again by its employer and title, an application by its job and
student, and only a new application is moved along.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.jobs import labour, services
from partnercrm.jobs.holidays import school_year_of, seed_school_holidays
from partnercrm.jobs.models import HolidayJob, JobApplication
from partnercrm.jobs.rules import ApplicationStatus
from partnercrm.localtime import local_today
from partnercrm.students.models import Student

CENTER_USER = "czn@demo.partnercrm.ru"
SCHOOL_USER = "school@demo.partnercrm.ru"
EMPLOYER_CODE = "3906001129"  # АО «Балтийский судостроительный завод»
SCHOOL_CODE = "school-kgd-49"
APPLICANTS_PER_JOB = 2


@dataclass(frozen=True)
class DemoJob:
    title: str
    duties: str
    address: str
    places: int
    min_age: int
    hours_per_day: Decimal
    hours_per_week: Decimal
    shift: tuple[time, time]
    break_minutes: int
    # Days after 1 July of the summer, and the length in days.
    starts_after: int
    days: int
    pay: str


DEMO_JOBS = (
    DemoJob(
        title="Подсобный рабочий по благоустройству территории завода",
        duties="Уход за клумбами и газонами, уборка территории у проходной, покраска ограждений.",
        address="г. Калининград, ул. Транспортная, 1, проходная № 2",
        places=6,
        min_age=14,
        hours_per_day=Decimal(4),
        hours_per_week=Decimal(20),
        shift=(time(9, 0), time(13, 0)),
        break_minutes=0,
        starts_after=0,
        days=21,
        pay="Оплата по МРОТ пропорционально отработанному времени и выплата центра занятости",
    ),
    DemoJob(
        title="Помощник делопроизводителя в техническом архиве",
        duties="Сортировка и подшивка документов, сверка описей, сканирование чертежей.",
        address="г. Калининград, ул. Транспортная, 1, корпус 3",
        places=3,
        min_age=16,
        hours_per_day=Decimal(6),
        hours_per_week=Decimal(30),
        shift=(time(9, 0), time(15, 30)),
        break_minutes=30,
        starts_after=6,
        days=26,
        pay="180 ₽ в час и выплата центра занятости",
    ),
)


def next_summer(today: date) -> int:
    """The year of the summer holidays still ahead (this year's until they begin in June)."""
    return today.year if today < date(today.year, 6, 1) else today.year + 1


def load_demo_jobs() -> dict[str, int]:
    """Create what is missing; the caller commits. Needs the demo organizations and users."""
    center_user = db.session.scalars(sa.select(User).where(User.email == CENTER_USER)).one()
    school_user = db.session.scalars(sa.select(User).where(User.email == SCHOOL_USER)).one()
    employer = db.session.scalars(
        sa.select(Organization).where(Organization.code == EMPLOYER_CODE)
    ).one()
    today = local_today()
    july = date(next_summer(today), 7, 1)
    # Publishing checks the hours against the holidays, so the summer must be known.
    seed_school_holidays(school_year_of(july))
    added = {"holiday_jobs": 0, "job_applications": 0}
    for index, demo in enumerate(DEMO_JOBS):
        job = db.session.scalars(
            sa.select(HolidayJob).where(
                HolidayJob.employer_id == employer.id, HolidayJob.title == demo.title
            )
        ).first()
        if job is None:
            job = _post(demo, employer, center_user, july)
            added["holiday_jobs"] += 1
        new = _apply(job, school_user, today)
        added["job_applications"] += len(new)
        if index == 0 and new:
            _hire(new[-1], center_user, today)
    return added


def _post(demo: DemoJob, employer: Organization, user: User, july: date) -> HolidayJob:
    first_day = july + timedelta(days=demo.starts_after)
    data = services.JobData(
        employer=employer,
        title=demo.title,
        duties=demo.duties,
        municipality_id=employer.municipality_id,
        address=demo.address,
        places=demo.places,
        min_age=demo.min_age,
        hours_per_day=demo.hours_per_day,
        hours_per_week=demo.hours_per_week,
        shift_starts=demo.shift[0],
        shift_ends=demo.shift[1],
        break_minutes=demo.break_minutes,
        first_day=first_day,
        last_day=first_day + timedelta(days=demo.days - 1),
        pay=demo.pay,
        not_prohibited_attested=True,
    )
    job = services.create_job(data, user, center=user.organization)
    services.publish_job(job, user)
    return job


def _apply(job: HolidayJob, user: User, today: date) -> list[JobApplication]:
    """Applications for the first students of the demo school old enough for ``job`` who have
    not applied yet."""
    applied = set(
        db.session.scalars(
            sa.select(JobApplication.student_id).where(JobApplication.job_id == job.id)
        )
    )
    if len(applied) >= APPLICANTS_PER_JOB:
        return []
    students = db.session.scalars(
        sa.select(Student)
        .join(Organization, Organization.id == Student.school_id)
        .where(
            Organization.code == SCHOOL_CODE,
            Student.archived_at.is_(None),
            Student.birth_date.is_not(None),
            Student.grade >= 8,
        )
        .order_by(Student.local_id)
    )
    new: list[JobApplication] = []
    for student in students:
        if len(applied) + len(new) >= APPLICANTS_PER_JOB:
            break
        assert student.birth_date is not None, "selected with a birth date"
        age = labour.age_on(student.birth_date, job.first_day)
        if student.id in applied or not job.min_age <= age < labour.ADULT_AGE:
            continue
        new.append(services.apply_for_student(job, student, user, today))
    return new


def _hire(application: JobApplication, user: User, today: date) -> None:
    """Referred, examined (and with a parent's consent), hired."""
    services.record_checks(application, consent_received_on=today, medical_exam_on=today)
    services.move_application(application, ApplicationStatus.REFERRED, user)
    services.move_application(application, ApplicationStatus.HIRED, user)
