"""The posting form: a new job (the employment center's draft, an employer's proposal) and
changes to one, with the Labour Code's warnings on request ("check") and on saving."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.base import require, scope_municipality_id
from partnercrm.access.jobs import (
    can_edit_job,
    can_post_jobs,
    can_propose_jobs,
    can_review_job,
    handles_jobs,
    handles_jobs_in,
    posting_center,
)
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.queries import organization_label
from partnercrm.extensions import db
from partnercrm.jobs import services
from partnercrm.jobs.forms import JobForm
from partnercrm.jobs.models import HolidayJob
from partnercrm.jobs.views.blueprint import bp
from partnercrm.jobs.views.loading import load_job
from partnercrm.web import form_tokens
from partnercrm.web.unit_of_work import refusal_shown


def _municipality_choices() -> list[tuple[int, str]]:
    scope = scope_municipality_id(current_user) if handles_jobs(current_user) else None
    query = sa.select(Municipality.id, Municipality.name).order_by(Municipality.name)
    if scope is not None:
        query = query.where(Municipality.id == scope)
    return [(row.id, row.name) for row in db.session.execute(query)]


def _configure(form: JobForm, proposing: bool, job: HolidayJob | None = None) -> None:
    """An employer proposes for its own organization: no employer to pick, and a new proposal
    is in the employer's municipality unless changed. The center's new posting defaults to the
    municipality of the employer it picks (``0``), not to the first of the list."""
    choices = _municipality_choices()
    if proposing:
        del form.employer
        if job is None and not form.is_submitted():
            form.municipality.data = current_user.organization.municipality_id
    elif job is None and len(choices) > 1:
        choices.insert(0, (0, _("The employer's municipality")))
    form.municipality.choices = choices


def _employer(form: JobForm, proposing: bool) -> Organization:
    if proposing:
        return current_user.organization
    assert form.employer.organization is not None, "a valid form has resolved its employer"
    return form.employer.organization


def _render_form(form: JobForm, job: HolidayJob | None, proposing: bool, warnings=None):
    return render_template(
        "jobs/form.html", form=form, job=job, proposing=proposing, warnings=warnings
    )


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
    # A Labour Code refusal (a published job) breaks exactly ``warnings``: the form lists them.
    with refusal_shown(form):
        if job is None:
            job = services.create_job(
                data, current_user, proposed=proposing, center=posting_center(current_user)
            )
            form_tokens.spend(form, url_for("jobs.detail", job_id=job.id))
        else:
            services.update_job(job, data)
        flash(_("The job has been saved."), "success")
        return redirect(url_for("jobs.detail", job_id=job.id))
    return _render_form(form, job, proposing, warnings)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    proposing = not can_post_jobs(current_user)
    require(not proposing or can_propose_jobs(current_user))
    form = JobForm()
    _configure(form, proposing)
    if repeated := form_tokens.repeated_answer(form):
        return repeated
    if request.method == "POST":
        return _submit(form, None, proposing)
    return _render_form(form, None, proposing)


@bp.route("/<int:job_id>/edit", methods=["GET", "POST"])
@login_required
def edit(job_id: int):
    job = load_job(job_id)
    require(can_edit_job(current_user, job))
    proposing = not can_review_job(current_user, job)
    if request.method == "POST":
        form = JobForm()
        _configure(form, proposing, job)
        return _submit(form, job, proposing)
    form = JobForm(obj=job, formdata=None)
    _configure(form, proposing, job)
    form.municipality.data = job.municipality_id
    form.working_days.data = sorted(job.weekdays)
    if not proposing:
        form.employer.data = organization_label(job.employer)
    return _render_form(form, job, proposing, services.violations(job))
