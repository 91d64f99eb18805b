"""One job: its posting, the Labour Code check, its applications (those the user may name) and
the employment center's review — publishing and closing."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from partnercrm.access.base import require
from partnercrm.access.jobs import (
    application_visibility,
    can_apply_for_students,
    can_edit_job,
    can_move_application,
    can_review_job,
    can_see_application,
    handles_jobs,
)
from partnercrm.extensions import db
from partnercrm.jobs import services
from partnercrm.jobs.models import HolidayJob, JobApplication
from partnercrm.jobs.rules import ApplicationStatus, JobStatus
from partnercrm.jobs.views.blueprint import bp
from partnercrm.jobs.views.loading import load_job
from partnercrm.localtime import local_today
from partnercrm.students.models import Student
from partnercrm.web.pagination import paginate
from partnercrm.web.unit_of_work import refusal_shown

APPLICATIONS_PER_PAGE = 50


def _applications(job: HolidayJob):
    return paginate(
        sa.select(JobApplication)
        .where(JobApplication.job_id == job.id, application_visibility(current_user))
        .options(
            selectinload(JobApplication.student).selectinload(Student.school),
            selectinload(JobApplication.young_person),
        )
        .order_by(JobApplication.created_at, JobApplication.id),
        per_page=APPLICATIONS_PER_PAGE,
    )


@bp.route("/<int:job_id>")
@login_required
def detail(job_id: int):
    job = load_job(job_id)
    counts = dict(
        db.session.execute(
            sa.select(JobApplication.status, sa.func.count())
            .where(JobApplication.job_id == job.id)
            .group_by(JobApplication.status)
        ).all()
    )
    applications = _applications(job)
    can_edit = can_edit_job(current_user, job)
    completable = {
        application.id
        for application in applications.items
        if application.status is ApplicationStatus.HIRED
        and can_move_application(current_user, application, ApplicationStatus.COMPLETED)
    }
    openable = {
        application.id
        for application in applications.items
        if can_see_application(current_user, application)
    }
    return render_template(
        "jobs/detail.html",
        job=job,
        counts=counts,
        applications=applications,
        openable=openable,
        completable=completable,
        can_edit=can_edit,
        can_review=can_review_job(current_user, job),
        can_apply=can_apply_for_students(current_user, job)
        or (can_review_job(current_user, job) and job.status is JobStatus.PUBLISHED),
        warnings=services.violations(job) if can_edit else None,
        handles=handles_jobs(current_user),
        today=local_today(),
    )


def _review(job_id: int, action, done: str):
    job = load_job(job_id)
    require(can_review_job(current_user, job))
    # No ``extra``: the job's page lists the Labour Code check to whoever may review the job.
    with refusal_shown():
        action(job)
        flash(done, "success")
    return redirect(url_for("jobs.detail", job_id=job_id))


@bp.route("/<int:job_id>/publish", methods=["POST"])
@login_required
def publish(job_id: int):
    return _review(
        job_id,
        lambda job: services.publish_job(job, current_user),
        _("The job is published on the public board."),
    )


@bp.route("/<int:job_id>/close", methods=["POST"])
@login_required
def close(job_id: int):
    return _review(job_id, services.close_job, _("The job is closed."))
