"""The plan item 7 report (no Flask): places offered, applicants, hired and completed, per
municipality of the job, for the jobs whose period overlaps the report's (docs/holiday-jobs.md).

Every figure is counted in SQL: one GROUP BY query per municipality table and one for the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from partnercrm.database import SessionLike
from partnercrm.directory.models import Municipality
from partnercrm.jobs.models import ApplicationStatusChange, HolidayJob, JobApplication
from partnercrm.jobs.rules import ApplicationStatus, JobStatus

# Drafts and proposals offer nothing yet.
OFFERED = (JobStatus.PUBLISHED, JobStatus.CLOSED)
HIRED = (ApplicationStatus.HIRED, ApplicationStatus.COMPLETED)


@dataclass(frozen=True)
class Figures:
    places: int = 0
    applicants: int = 0
    hired: int = 0
    completed: int = 0


@dataclass(frozen=True)
class MunicipalityFigures:
    municipality: str
    figures: Figures


@dataclass(frozen=True)
class JobReport:
    first_day: date
    last_day: date
    rows: list[MunicipalityFigures]
    # Counted again over the whole scope: an applicant of jobs in two municipalities is one
    # applicant here, so the rows may add up to more.
    total: Figures


def _offered_jobs_where(first_day: date, last_day: date, municipality_id: int | None) -> list:
    conditions = [
        HolidayJob.status.in_(OFFERED),
        HolidayJob.first_day <= last_day,
        HolidayJob.last_day >= first_day,
    ]
    if municipality_id is not None:
        conditions.append(HolidayJob.municipality_id == municipality_id)
    return conditions


def _application_figures() -> list:
    """Applicants (distinct people), hired and completed, over the joined applications."""
    # Hired once counts even if the hire was later withdrawn: the young person did work.
    was_hired = sa.or_(
        JobApplication.status.in_(HIRED),
        sa.exists().where(
            ApplicationStatusChange.application_id == JobApplication.id,
            ApplicationStatusChange.to_status.in_(HIRED),
        ),
    )
    return [
        sa.func.count(sa.distinct(JobApplication.student_id))
        + sa.func.count(sa.distinct(JobApplication.young_person_id)),
        sa.func.count(sa.case((was_hired, JobApplication.id))),
        sa.func.count(
            sa.case((JobApplication.status == ApplicationStatus.COMPLETED, JobApplication.id))
        ),
    ]


def job_report(
    session: SessionLike, first_day: date, last_day: date, municipality_id: int | None = None
) -> JobReport:
    """The report for the region (every municipality, those without jobs at zero) or for one
    municipality."""
    jobs = _offered_jobs_where(first_day, last_day, municipality_id)
    places = (
        sa.select(HolidayJob.municipality_id, sa.func.sum(HolidayJob.places).label("places"))
        .where(*jobs)
        .group_by(HolidayJob.municipality_id)
        .subquery()
    )
    applicants, hired, completed = _application_figures()
    applications = (
        sa.select(
            HolidayJob.municipality_id,
            applicants.label("applicants"),
            hired.label("hired"),
            completed.label("completed"),
        )
        .join(JobApplication, JobApplication.job_id == HolidayJob.id)
        .where(*jobs)
        .group_by(HolidayJob.municipality_id)
        .subquery()
    )
    query = (
        sa.select(
            Municipality.name,
            sa.func.coalesce(places.c.places, 0),
            sa.func.coalesce(applications.c.applicants, 0),
            sa.func.coalesce(applications.c.hired, 0),
            sa.func.coalesce(applications.c.completed, 0),
        )
        .outerjoin(places, places.c.municipality_id == Municipality.id)
        .outerjoin(applications, applications.c.municipality_id == Municipality.id)
        .order_by(Municipality.name)
    )
    if municipality_id is not None:
        query = query.where(Municipality.id == municipality_id)
    rows = [
        MunicipalityFigures(name, Figures(*(int(value) for value in values)))
        for name, *values in session.execute(query)
    ]
    total_places = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(HolidayJob.places), 0)).where(*jobs)
    )
    total_applications = session.execute(
        sa.select(applicants, hired, completed)
        .select_from(HolidayJob)
        .join(JobApplication, JobApplication.job_id == HolidayJob.id)
        .where(*jobs)
    ).one()
    total = Figures(int(total_places or 0), *(int(value or 0) for value in total_applications))
    return JobReport(first_day, last_day, rows, total)
