"""The ``jobs`` blueprint and what its templates share: the status labels and badges, a
violation as text, and the access predicates the pages ask."""

from __future__ import annotations

from flask import Blueprint

from partnercrm.access.jobs import can_propose_jobs
from partnercrm.jobs.labels import (
    APPLICATION_STATUS_BADGES,
    APPLICATION_STATUS_LABELS,
    JOB_STATUS_BADGES,
    JOB_STATUS_LABELS,
    violation_text,
    working_days_label,
)

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        job_status_labels=JOB_STATUS_LABELS,
        job_status_badges=JOB_STATUS_BADGES,
        application_status_labels=APPLICATION_STATUS_LABELS,
        application_status_badges=APPLICATION_STATUS_BADGES,
        violation_text=violation_text,
        working_days_label=working_days_label,
        can_propose_jobs=can_propose_jobs,
    )
