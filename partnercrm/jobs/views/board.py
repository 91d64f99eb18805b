"""The public job board (no login): the open jobs with their filters, and one published job as
the board shows it. The data and the JSON API: :mod:`partnercrm.jobs.api`."""

from __future__ import annotations

from flask import abort, render_template, request

from partnercrm.directory.queries import all_municipalities
from partnercrm.extensions import db
from partnercrm.jobs import api, services
from partnercrm.jobs.models import HolidayJob
from partnercrm.jobs.rules import JobStatus
from partnercrm.jobs.views.blueprint import bp
from partnercrm.localtime import local_today


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
    if job is None or job.status is not JobStatus.PUBLISHED or services.violations(job):
        abort(404)
    return render_template(
        "jobs/board_job.html",
        job=job,
        contacts=api.contacts_for([job])[job.id],
        today=local_today(),
    )
