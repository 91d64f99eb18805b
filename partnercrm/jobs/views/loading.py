"""Loading a job or an application by id for the current user: what they may not see is
"not found" (404)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import selectinload

from partnercrm.access.jobs import can_see_applicant, can_see_job
from partnercrm.extensions import db
from partnercrm.jobs.models import HolidayJob, JobApplication


def load_job(job_id: int) -> HolidayJob:
    job = db.session.scalars(
        sa.select(HolidayJob)
        .where(HolidayJob.id == job_id)
        .options(
            selectinload(HolidayJob.employer),
            selectinload(HolidayJob.center),
            selectinload(HolidayJob.municipality),
        )
    ).first()
    if job is None or not can_see_job(current_user, job):
        abort(404)
    return job


def load_application(application_id: int) -> JobApplication:
    """An application whose applicant the user may name (employers: those they hired)."""
    application = db.session.get(JobApplication, application_id)
    if application is None or not can_see_applicant(current_user, application):
        abort(404)
    return application
