"""Holiday jobs pages (plan item 7): the staff list, the posting form with the Labour Code's
warnings, a job with its applications, applying, an application with its checks and history,
and the public job board (no login).

Every view loads its job or application by id and checks it with :mod:`partnercrm.access`:
what the user may not see is "not found" (404). Writes go through
:mod:`partnercrm.jobs.services`; the view commits once, or rolls back and shows why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from partnercrm.access.base import require, roster_school_id, scope_municipality_id
from partnercrm.access.jobs import (
    application_visibility,
    can_apply_for_student,
    can_apply_for_students,
    can_edit_job,
    can_handle_application,
    can_move_application,
    can_post_jobs,
    can_propose_jobs,
    can_review_job,
    can_see_applicant,
    can_see_application,
    can_see_job,
    can_see_job_report,
    can_see_jobs,
    handles_jobs,
    handles_jobs_in,
    job_visibility,
    jobs_scope,
)
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.queries import all_municipalities, organization_label, text_matches
from partnercrm.extensions import db
from partnercrm.jobs import api, labour, services
from partnercrm.jobs.forms import (
    ChecksForm,
    JobForm,
    StatusForm,
    StudentApplicationForm,
    YoungPersonApplicationForm,
)
from partnercrm.jobs.models import ApplicationStatusChange, HolidayJob, JobApplication
from partnercrm.jobs.rules import ApplicationStatus, JobStatus
from partnercrm.localtime import local_today
from partnercrm.students.models import Student
from partnercrm.web.pagination import paginate

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

AS = ApplicationStatus
JOB_STATUS_LABELS = {
    JobStatus.PROPOSED: _l("proposed by the employer"),
    JobStatus.DRAFT: _l("draft"),
    JobStatus.PUBLISHED: _l("published"),
    JobStatus.CLOSED: _l("closed to applications"),
}
JOB_STATUS_BADGES = {
    JobStatus.PROPOSED: "text-bg-warning",
    JobStatus.DRAFT: "text-bg-secondary",
    JobStatus.PUBLISHED: "text-bg-success",
    JobStatus.CLOSED: "text-bg-dark",
}
APPLICATION_STATUS_LABELS = {
    AS.APPLIED: _l("applied"),
    AS.REFERRED: _l("referred to the employer"),
    AS.HIRED: _l("hired"),
    AS.COMPLETED: _l("completed the job"),
    AS.REJECTED: _l("rejected"),
    AS.WITHDRAWN: _l("withdrawn"),
}
APPLICATION_STATUS_BADGES = {
    AS.APPLIED: "text-bg-info",
    AS.REFERRED: "text-bg-primary",
    AS.HIRED: "text-bg-success",
    AS.COMPLETED: "text-bg-dark",
    AS.REJECTED: "text-bg-danger",
    AS.WITHDRAWN: "text-bg-secondary",
}
# The buttons that move an application to each status.
MOVE_LABELS = {
    AS.REFERRED: _l("Refer to the employer"),
    AS.HIRED: _l("Hire"),
    AS.COMPLETED: _l("Mark as completed"),
    AS.REJECTED: _l("Reject"),
    AS.WITHDRAWN: _l("Withdraw"),
}
APPLICATIONS_PER_PAGE = 50


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        job_status_labels=JOB_STATUS_LABELS,
        job_status_badges=JOB_STATUS_BADGES,
        application_status_labels=APPLICATION_STATUS_LABELS,
        application_status_badges=APPLICATION_STATUS_BADGES,
        violation_text=violation_text,
        can_propose_jobs=can_propose_jobs,
    )


def violation_text(violation: labour.Violation) -> str:
    """A Labour Code violation in the user's language, with its article (hours as the
    language writes them: 2,5 in Russian)."""
    params = {
        name: format_decimal(value) if isinstance(value, Decimal) else value
        for name, value in violation.params.items()
    }
    return f"{_(violation.message) % params} ({violation.article})"


def _refusal(error: services.JobError, violations_listed: bool = False) -> None:
    """Flash a service's refusal, and every violation of a Labour Code refusal unless the
    page it leads to lists them already."""
    flash(_(error.message, **error.params), "danger")
    if not violations_listed:
        for violation in getattr(error, "violations", ()):
            flash(violation_text(violation), "danger")


# --- loading with access checks ---


def _load_job(job_id: int) -> HolidayJob:
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


def _load_application(application_id: int) -> JobApplication:
    """An application whose applicant the user may name (employers: those they hired)."""
    application = db.session.get(JobApplication, application_id)
    if application is None or not can_see_applicant(current_user, application):
        abort(404)
    return application


# --- the list ---


@dataclass(frozen=True)
class ListFilters:
    q: str = ""
    status: JobStatus | None = None
    municipality_id: int | None = None

    def active(self) -> bool:
        return bool(self.q or self.status or self.municipality_id)


def _list_filters() -> ListFilters:
    args = request.args
    status = args.get("status", "")
    return ListFilters(
        q=args.get("q", "").strip()[:200],
        status=JobStatus(status) if status in set(JobStatus) else None,
        municipality_id=args.get("municipality", type=int),
    )


def _filtered(query: sa.Select, filters: ListFilters) -> sa.Select:
    if filters.q:
        query = query.where(
            sa.or_(
                sa.func.lower(HolidayJob.title).contains(filters.q.lower(), autoescape=True),
                HolidayJob.employer_id.in_(
                    sa.select(Organization.id).where(text_matches(filters.q))
                ),
            )
        )
    if filters.municipality_id is not None:
        query = query.where(HolidayJob.municipality_id == filters.municipality_id)
    return query


def _status_counts(filters: ListFilters) -> dict[JobStatus, int]:
    rows = db.session.execute(
        _filtered(
            sa.select(HolidayJob.status, sa.func.count()).where(job_visibility(current_user)),
            filters,
        ).group_by(HolidayJob.status)
    ).all()
    counts = dict.fromkeys(JobStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def _application_counts(job_ids: list[int]) -> dict[int, int]:
    """Applications per job (any applicant: counts name nobody)."""
    if not job_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(JobApplication.job_id, sa.func.count())
            .where(JobApplication.job_id.in_(job_ids))
            .group_by(JobApplication.job_id)
        ).all()
    )


def _report_url() -> str | None:
    if can_see_job_report(current_user):
        return url_for("job_report.report")
    return None


@bp.route("/")
@login_required
def index():
    require(can_see_jobs(current_user))
    filters = _list_filters()
    query = _filtered(jobs_scope(current_user), filters)
    if filters.status is not None:
        query = query.where(HolidayJob.status == filters.status)
    page = paginate(
        query.options(
            selectinload(HolidayJob.employer), selectinload(HolidayJob.municipality)
        ).order_by(HolidayJob.first_day.desc(), HolidayJob.id.desc())
    )
    return render_template(
        "jobs/index.html",
        page=page,
        filters=filters,
        counts=_status_counts(filters),
        application_counts=_application_counts([job.id for job in page.items]),
        municipalities=all_municipalities(),
        can_post=can_post_jobs(current_user),
        can_propose=can_propose_jobs(current_user),
        report_url=_report_url(),
    )


# --- the posting form ---


def _municipality_choices() -> list[tuple[int, str]]:
    scope = scope_municipality_id(current_user) if handles_jobs(current_user) else None
    query = sa.select(Municipality.id, Municipality.name).order_by(Municipality.name)
    if scope is not None:
        query = query.where(Municipality.id == scope)
    return [(row.id, row.name) for row in db.session.execute(query)]


def _configure(form: JobForm, proposing: bool) -> None:
    """An employer proposes for its own organization: no employer to pick."""
    form.municipality.choices = _municipality_choices()
    if proposing:
        del form.employer


def _employer(form: JobForm, proposing: bool) -> Organization:
    return current_user.organization if proposing else form.employer.organization


def _own_center() -> Organization | None:
    """The employment center a new posting is the responsibility of: the poster's own."""
    if current_user.role is Role.EMPLOYMENT_CENTER:
        return current_user.organization
    return None


def _render_form(form: JobForm, job: HolidayJob | None, proposing: bool, warnings=None):
    return render_template(
        "jobs/form.html", form=form, job=job, proposing=proposing, warnings=warnings
    )


def _field_error(form: JobForm, error: services.JobError) -> None:
    text = _(error.message, **error.params)
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, text]
    else:
        flash(text, "danger")


def _submit(form: JobForm, job: HolidayJob | None, proposing: bool):
    """Check or save a posted form: a redirect once saved, else the form with what to fix."""
    if not form.validate_on_submit():
        return _render_form(form, job, proposing)
    data = form.data_for_service(_employer(form, proposing))
    if not proposing and not handles_jobs_in(current_user, data.municipality_id):
        form.municipality.errors.append(_("This municipality is outside your scope."))
        return _render_form(form, job, proposing)
    warnings = services.violations(data)
    if form.check.data:
        if not warnings:
            flash(_("The Labour Code check found nothing to fix."), "success")
        return _render_form(form, job, proposing, warnings)
    try:
        if job is None:
            job = services.create_job(data, current_user, proposed=proposing, center=_own_center())
        else:
            services.update_job(job, data)
    except services.LabourViolations as error:
        db.session.rollback()
        flash(_(error.message), "danger")
        return _render_form(form, job, proposing, error.violations)
    except services.JobError as error:
        db.session.rollback()
        _field_error(form, error)
        return _render_form(form, job, proposing, warnings)
    db.session.commit()
    flash(_("The job has been saved."), "success")
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    proposing = not can_post_jobs(current_user)
    require(not proposing or can_propose_jobs(current_user))
    form = JobForm()
    _configure(form, proposing)
    if request.method == "POST":
        return _submit(form, None, proposing)
    return _render_form(form, None, proposing)


@bp.route("/<int:job_id>/edit", methods=["GET", "POST"])
@login_required
def edit(job_id: int):
    job = _load_job(job_id)
    require(can_edit_job(current_user, job))
    proposing = not can_review_job(current_user, job)
    if request.method == "POST":
        form = JobForm()
        _configure(form, proposing)
        return _submit(form, job, proposing)
    form = JobForm(obj=job, formdata=None)
    _configure(form, proposing)
    form.municipality.data = job.municipality_id
    if not proposing:
        form.employer.data = organization_label(job.employer)
    return _render_form(form, job, proposing, services.violations(job))


# --- one job ---


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
    job = _load_job(job_id)
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
        if application.status is AS.HIRED
        and can_move_application(current_user, application, AS.COMPLETED)
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
    job = _load_job(job_id)
    require(can_review_job(current_user, job))
    try:
        action(job)
    except services.JobError as error:
        db.session.rollback()
        # The job's page lists the Labour Code check to whoever may review the job.
        _refusal(error, violations_listed=True)
        return redirect(url_for("jobs.detail", job_id=job_id))
    db.session.commit()
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
    try:
        application = apply()
    except services.JobError as error:
        db.session.rollback()
        _refusal(error)
        return redirect(url_for("jobs.apply", job_id=job.id))
    db.session.commit()
    flash(_("The application has been registered."), "success")
    return redirect(url_for("jobs.application", application_id=application.id))


@bp.route("/<int:job_id>/apply", methods=["GET", "POST"])
@login_required
def apply(job_id: int):
    job = _load_job(job_id)
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
    application = _load_application(application_id)
    if not can_see_application(current_user, application):
        abort(404)
    job = application.job
    applicant = application.student or application.young_person
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
    application = _load_application(application_id)
    moves = _moves(application)
    form = StatusForm()
    form.to_status.choices = [status.value for status in moves]
    if not moves or not form.validate_on_submit():
        flash(_("This change of status is not possible."), "danger")
        return _back_to(application)
    to_status = ApplicationStatus(form.to_status.data)
    try:
        services.move_application(application, to_status, current_user, form.note.data)
    except services.JobError as error:
        db.session.rollback()
        _refusal(error)
        return _back_to(application)
    db.session.commit()
    flash(_("Status: %(status)s.", status=APPLICATION_STATUS_LABELS[to_status]), "success")
    return _back_to(application)


@bp.route("/applications/<int:application_id>/checks", methods=["POST"])
@login_required
def checks(application_id: int):
    application = _load_application(application_id)
    require(can_handle_application(current_user, application))
    form = ChecksForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return _back_to(application)
    try:
        services.record_checks(
            application, form.consent_received_on.data, form.medical_exam_on.data
        )
    except services.JobError as error:
        db.session.rollback()
        _refusal(error)
        return _back_to(application)
    db.session.commit()
    flash(_("The checks before hiring have been saved."), "success")
    return _back_to(application)


# --- the public job board ---


@bp.route("/board")
def board():
    filters, errors = api.board_filters(request.args)
    page = api.board_page(filters)
    return render_template(
        "jobs/board.html",
        page=page,
        filters=filters,
        errors=errors,
        contacts=api.contacts_for(page.items),
        municipalities=all_municipalities(),
        ages=api.BOARD_AGES,
    )


@bp.route("/board/<int:job_id>")
def board_job(job_id: int):
    """One published job, as the board shows it (the API's ``url``)."""
    job = db.session.get(HolidayJob, job_id)
    if job is None or job.status is not JobStatus.PUBLISHED:
        abort(404)
    return render_template(
        "jobs/board_job.html",
        job=job,
        contacts=api.contacts_for([job])[job.id],
        today=local_today(),
    )
