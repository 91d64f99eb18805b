"""Applying for a job (school staff for their students, the employment center for a young
person) and one application: its applicant, the checks before hiring, the status moves and
their history."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from partnercrm.access.base import require, roster_school_id
from partnercrm.access.jobs import (
    can_apply_for_student,
    can_apply_for_students,
    can_handle_application,
    can_move_application,
    can_review_job,
    can_see_application,
)
from partnercrm.extensions import db
from partnercrm.jobs import labour, services
from partnercrm.jobs.forms import (
    ChecksForm,
    StatusForm,
    StudentApplicationForm,
    YoungPersonApplicationForm,
)
from partnercrm.jobs.labels import APPLICATION_STATUS_LABELS, MOVE_LABELS, violation_lines
from partnercrm.jobs.models import ApplicationStatusChange, HolidayJob, JobApplication
from partnercrm.jobs.rules import ApplicationStatus, JobStatus
from partnercrm.jobs.views.blueprint import bp
from partnercrm.jobs.views.loading import load_application, load_job
from partnercrm.students.models import Student
from partnercrm.web.unit_of_work import refusal_shown

# --- applying ---


def _student_choices() -> list[tuple[int, str]]:
    school_id = roster_school_id(current_user)
    rows = db.session.execute(
        sa.select(
            Student.id, Student.full_name, Student.grade, Student.class_letter, Student.birth_date
        )
        .where(Student.school_id == school_id, Student.archived_at.is_(None))
        .order_by(Student.grade.desc(), Student.class_letter, Student.full_name, Student.id)
    )
    no_date = _("no birth date")
    return [
        (
            row.id,
            f"{row.grade}{row.class_letter or ''} — {row.full_name} "
            f"({row.birth_date.strftime('%d.%m.%Y') if row.birth_date else no_date})",
        )
        for row in rows
    ]


def _apply_as_school(job: HolidayJob):
    form = StudentApplicationForm()
    form.student.choices = _student_choices()
    if form.validate_on_submit():
        student = db.session.get(Student, form.student.data)
        if student is None or not can_apply_for_student(current_user, student):
            abort(404)
        return _applied(job, lambda: services.apply_for_student(job, student, current_user))
    return render_template("jobs/apply.html", job=job, form=form, roster=True)


def _apply_as_center(job: HolidayJob):
    form = YoungPersonApplicationForm()
    if form.validate_on_submit():
        return _applied(
            job,
            lambda: services.apply_for_young_person(job, form.data_for_service(), current_user),
        )
    return render_template("jobs/apply.html", job=job, form=form, roster=False)


def _applied(job: HolidayJob, apply):
    job_id = job.id
    with refusal_shown(extra=violation_lines):
        application = apply()
        flash(_("The application has been registered."), "success")
        return redirect(url_for("jobs.application", application_id=application.id))
    return redirect(url_for("jobs.apply", job_id=job_id))


@bp.route("/<int:job_id>/apply", methods=["GET", "POST"])
@login_required
def apply(job_id: int):
    job = load_job(job_id)
    if can_apply_for_students(current_user, job):
        return _apply_as_school(job)
    require(can_review_job(current_user, job) and job.status is JobStatus.PUBLISHED)
    return _apply_as_center(job)


# --- one application ---


def _moves(application: JobApplication) -> list[ApplicationStatus]:
    return [
        status
        for status in services.TRANSITIONS.get(application.status, ())
        if can_move_application(current_user, application, status)
    ]


@bp.route("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    application = load_application(application_id)
    if not can_see_application(current_user, application):
        abort(404)
    job = application.job
    applicant = application.student or application.young_person
    assert applicant is not None, "the one_applicant CHECK"
    handles = can_handle_application(current_user, application)
    pending = None
    if application.status in services.CHECKS_OPEN and applicant.birth_date is not None:
        pending = services.hiring_violations(application)
    history = db.session.scalars(
        sa.select(ApplicationStatusChange)
        .where(ApplicationStatusChange.application_id == application.id)
        .options(selectinload(ApplicationStatusChange.changed_by))
        .order_by(ApplicationStatusChange.changed_at, ApplicationStatusChange.id)
    ).all()
    checks_form = None
    if handles and application.status in services.CHECKS_OPEN:
        checks_form = ChecksForm(obj=application, formdata=None)
    return render_template(
        "jobs/application.html",
        application=application,
        job=job,
        applicant=applicant,
        age=labour.age_on(applicant.birth_date, job.first_day) if applicant.birth_date else None,
        pending=pending,
        history=history,
        moves=_moves(application),
        move_labels=MOVE_LABELS,
        status_form=StatusForm(),
        checks_form=checks_form,
    )


def _back_to(application: JobApplication):
    if can_see_application(current_user, application):
        return redirect(url_for("jobs.application", application_id=application.id))
    return redirect(url_for("jobs.detail", job_id=application.job_id))


@bp.route("/applications/<int:application_id>/status", methods=["POST"])
@login_required
def move(application_id: int):
    application = load_application(application_id)
    moves = _moves(application)
    form = StatusForm()
    form.to_status.choices = [status.value for status in moves]
    if not moves or not form.validate_on_submit():
        flash(_("This change of status is not possible."), "danger")
        return _back_to(application)
    to_status = ApplicationStatus(form.to_status.data)
    with refusal_shown(extra=violation_lines):
        services.move_application(application, to_status, current_user, form.note.data)
        flash(_("Status: %(status)s.", status=APPLICATION_STATUS_LABELS[to_status]), "success")
    return _back_to(application)


@bp.route("/applications/<int:application_id>/checks", methods=["POST"])
@login_required
def checks(application_id: int):
    application = load_application(application_id)
    require(can_handle_application(current_user, application))
    form = ChecksForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return _back_to(application)
    # No form to show the refusal on: the page it leads back to is rendered anew.
    with refusal_shown(extra=violation_lines):
        services.record_checks(
            application, form.consent_received_on.data, form.medical_exam_on.data
        )
        flash(_("The checks before hiring have been saved."), "success")
    return _back_to(application)
