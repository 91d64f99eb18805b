"""Holiday jobs for minors and their report (docs/holiday-jobs.md).

The employment center's staff post, publish and close jobs and handle every application in
their scope — the region, or their municipality if set; the job's municipality decides — and
admins everywhere. An approved employer (:func:`~partnercrm.access.base.employer_may_act`)
proposes jobs for its own organization, sees its own jobs and, of the applicants, only the names
and contacts of those it hired, whom it may mark as having completed the job. School staff see
the published jobs, apply for their own students, see those applications only and may withdraw
them before hiring. Coordinators see the jobs of their municipality with counts, never applicant
names. Anything else answers 404. :func:`application_visibility` is the jobs part of who sees a
minor's name (:mod:`partnercrm.access.students`).

The plan item 7 report shows counts per municipality, never names: admins see the region or
any municipality; coordinators their municipality; the employment center's staff their scope.
A municipality outside the user's scope answers 403, as for the indicator reports.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from partnercrm.access.base import (
    coordinates,
    coordinator_municipality_id,
    employer_may_act,
    roster_school_id,
    scope_municipality_id,
)
from partnercrm.access.students import can_see_student
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Organization
from partnercrm.jobs.models import HolidayJob, JobApplication
from partnercrm.jobs.rules import ApplicationStatus, JobStatus
from partnercrm.students.models import Student


def handles_jobs(user: User) -> bool:
    """Admins and the employment center's staff: post, publish, handle applications."""
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.EMPLOYMENT_CENTER and user.organization_id is not None


def handles_jobs_in(user: User, municipality_id: int) -> bool:
    if not handles_jobs(user):
        return False
    scope = scope_municipality_id(user)
    return scope is None or scope == municipality_id


def job_employer_id(user: User) -> int | None:
    """The employer whose jobs ``user`` proposes and sees: approved employers' staff only."""
    if not user.is_authenticated or user.role is not Role.EMPLOYER or not employer_may_act(user):
        return None
    return user.organization_id


def can_see_jobs(user: User) -> bool:
    """Does ``user`` have the holiday jobs pages at all (:func:`job_visibility` not false)?"""
    if handles_jobs(user) or job_employer_id(user) is not None:
        return True
    if coordinator_municipality_id(user) is not None:
        return True
    return roster_school_id(user) is not None


def job_visibility(user: User) -> sa.ColumnElement[bool]:
    """The WHERE clause of :func:`jobs_scope` (for joins and counts)."""

    if handles_jobs(user):
        scope = scope_municipality_id(user)
        return sa.true() if scope is None else HolidayJob.municipality_id == scope
    if not user.is_authenticated:
        return sa.false()
    if user.role is Role.COORDINATOR:
        if user.municipality_id is None:
            return sa.false()
        return HolidayJob.municipality_id == user.municipality_id
    employer_id = job_employer_id(user)
    if employer_id is not None:
        return HolidayJob.employer_id == employer_id
    school_id = roster_school_id(user)
    if school_id is None:
        return sa.false()
    return sa.or_(
        HolidayJob.status == JobStatus.PUBLISHED,
        HolidayJob.id.in_(
            sa.select(JobApplication.job_id)
            .join(Student, Student.id == JobApplication.student_id)
            .where(Student.school_id == school_id)
        ),
    )


def jobs_scope(user: User) -> sa.Select:
    """Jobs ``user`` may see: the query form of :func:`can_see_job`."""
    return sa.select(HolidayJob).where(job_visibility(user))


def can_see_job(user: User, job: HolidayJob) -> bool:

    if handles_jobs(user):
        return handles_jobs_in(user, job.municipality_id)
    if not user.is_authenticated:
        return False
    if user.role is Role.COORDINATOR:
        return coordinates(user, job.municipality_id)
    employer_id = job_employer_id(user)
    if employer_id is not None:
        return job.employer_id == employer_id
    if roster_school_id(user) is None:
        return False
    if job.status is JobStatus.PUBLISHED:
        return True
    # Any application of the school's own students, asked in SQL (a closed job may have many).
    session = object_session(job)
    assert session is not None, "a job is checked while it belongs to a session"
    return bool(
        session.scalar(
            sa.select(
                sa.exists().where(JobApplication.job_id == job.id, application_visibility(user))
            )
        )
    )


def can_post_jobs(user: User) -> bool:
    return handles_jobs(user)


def can_propose_jobs(user: User) -> bool:
    return job_employer_id(user) is not None


def posting_center(user: User) -> Organization | None:
    """The employment center a job ``user`` posts is the responsibility of: the center's staff
    their own; None for everyone else (the center that publishes it takes it)."""
    if not user.is_authenticated or user.role is not Role.EMPLOYMENT_CENTER:
        return None
    return user.organization


def can_review_job(user: User, job: HolidayJob) -> bool:
    """Publish, close, decline a proposal, register applicants: the center in scope."""
    return handles_jobs_in(user, job.municipality_id)


def can_edit_job(user: User, job: HolidayJob) -> bool:
    """The center in scope, until the job is closed; the employer its own proposal."""
    if job.status is JobStatus.CLOSED:
        return False
    if can_review_job(user, job):
        return True
    return job.status is JobStatus.PROPOSED and job_employer_id(user) == job.employer_id


def can_apply_for_students(user: User, job: HolidayJob) -> bool:
    """School staff apply for their own students to a published job."""

    return job.status is JobStatus.PUBLISHED and roster_school_id(user) is not None


def can_apply_for_student(user: User, student: Student) -> bool:
    return can_see_student(user, student)


def application_visibility(user: User) -> sa.ColumnElement[bool]:
    """Applications whose applicant ``user`` may name (WHERE on JobApplication)."""

    if handles_jobs(user):
        scope = scope_municipality_id(user)
        if scope is None:
            return sa.true()
        return JobApplication.job_id.in_(
            sa.select(HolidayJob.id).where(HolidayJob.municipality_id == scope)
        )
    employer_id = job_employer_id(user)
    if employer_id is not None:
        return sa.and_(
            JobApplication.status.in_([ApplicationStatus.HIRED, ApplicationStatus.COMPLETED]),
            JobApplication.job_id.in_(
                sa.select(HolidayJob.id).where(HolidayJob.employer_id == employer_id)
            ),
        )
    school_id = roster_school_id(user)
    if school_id is None:
        return sa.false()
    return JobApplication.student_id.in_(
        sa.select(Student.id).where(Student.school_id == school_id)
    )


def can_see_applicant(user: User, application: JobApplication) -> bool:
    """The applicant's name (and contacts): :func:`application_visibility` for one row."""
    if can_see_application(user, application):
        return True
    employer_id = job_employer_id(user)
    return (
        employer_id is not None
        and application.job.employer_id == employer_id
        and application.status in (ApplicationStatus.HIRED, ApplicationStatus.COMPLETED)
    )


def can_see_application(user: User, application: JobApplication) -> bool:
    """The application's page: birth date, contacts, checks, history."""
    if can_handle_application(user, application):
        return True
    student = application.student
    return student is not None and can_see_student(user, student)


def can_handle_application(user: User, application: JobApplication) -> bool:
    """Every status move, the consent and the medical examination: the center in scope."""
    return handles_jobs_in(user, application.job.municipality_id)


def can_move_application(
    user: User, application: JobApplication, to_status: ApplicationStatus
) -> bool:
    """Whether ``user`` may make this move (the services decide whether it is possible)."""
    if can_handle_application(user, application):
        return True
    if to_status is ApplicationStatus.WITHDRAWN:
        return application.status in (
            ApplicationStatus.APPLIED,
            ApplicationStatus.REFERRED,
        ) and can_see_application(user, application)
    if to_status is ApplicationStatus.COMPLETED:
        return can_see_applicant(user, application) and (
            job_employer_id(user) == application.job.employer_id
        )
    return False


def can_see_job_report(user: User) -> bool:
    return handles_jobs(user) or coordinator_municipality_id(user) is not None


def can_report_jobs_in(user: User, municipality_id: int | None) -> bool:
    """The report of the region (``None``) or of one municipality."""
    if not can_see_job_report(user):
        return False
    limit = scope_municipality_id(user)
    return limit is None or municipality_id == limit
