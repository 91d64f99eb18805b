"""The staff list of holiday jobs: search, status and municipality filters, counts per status
and the applications of each job (counts name nobody)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from partnercrm.access.base import require
from partnercrm.access.jobs import (
    can_post_jobs,
    can_propose_jobs,
    can_see_job_report,
    can_see_jobs,
    job_visibility,
    jobs_scope,
)
from partnercrm.directory.models import Organization
from partnercrm.directory.queries import all_municipalities, text_matches
from partnercrm.extensions import db
from partnercrm.jobs.models import HolidayJob, JobApplication
from partnercrm.jobs.rules import JobStatus
from partnercrm.jobs.views.blueprint import bp
from partnercrm.web.integers import record_id
from partnercrm.web.pagination import paginate


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
        municipality_id=args.get("municipality", type=record_id),
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
