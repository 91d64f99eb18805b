"""The public job board's data and its JSON API, ``GET /api/v1/jobs`` (docs/api.md).

Open jobs are published, have free places, are not over and break no rule of the Labour Code
(one published before a rule was added is hidden, not shown); the board filters them by
municipality (its name in municipalities.json), age (the job's minimum age is at most that)
and dates (the job's period overlaps them). Nothing here names an applicant: a job shows the
posting and how to apply — the contacts of its employment center, or of the region's centers
when it has none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs.models import HolidayJob
from partnercrm.jobs.queries import unlawful_published_job_ids
from partnercrm.jobs.rules import JobStatus
from partnercrm.localtime import local_today
from partnercrm.web.extensions import csrf, limiter
from partnercrm.web.pagination import paginate

bp = Blueprint("jobs_api", __name__, url_prefix="/api/v1")
# Read-only and public: nothing to protect from cross-site requests.
csrf.exempt(bp)

API_LIMIT = "120 per minute"
BOARD_AGES = range(14, 18)
# Enough for every employment center of the region.
MAX_CENTERS = 100


@dataclass(frozen=True)
class BoardFilters:
    municipality: Municipality | None = None
    age: int | None = None
    from_day: date | None = None
    to_day: date | None = None

    def active(self) -> bool:
        return any(
            value is not None for value in (self.municipality, self.age, self.from_day, self.to_day)
        )


def board_filters(args: MultiDict) -> tuple[BoardFilters, list[str]]:
    """The filters of the board's query string and the (translated) messages about the values
    it refuses; a refused value filters nothing."""
    errors: list[str] = []
    municipality = None
    name = (args.get("municipality") or "").strip()
    if name:
        municipality = db.session.scalars(
            sa.select(Municipality).where(Municipality.name == name)
        ).first()
        if municipality is None:
            errors.append(_("Unknown municipality: %(name)s.", name=name))
    age = None
    if text := (args.get("age") or "").strip():
        age = int(text) if text.isdigit() and int(text) in BOARD_AGES else None
        if age is None:
            errors.append(_("The age must be a whole number from 14 to 17."))
    days: dict[str, date | None] = {}
    for key in ("from", "to"):
        days[key] = None
        if text := (args.get(key) or "").strip():
            try:
                days[key] = date.fromisoformat(text)
            except ValueError:
                errors.append(_("Dates are written as YYYY-MM-DD: %(value)s.", value=text[:20]))
    if days["from"] and days["to"] and days["to"] < days["from"]:
        errors.append(_("The end of the period is before its start."))
        days = {"from": None, "to": None}
    return BoardFilters(municipality, age, days["from"], days["to"]), errors


def open_jobs(filters: BoardFilters, today: date) -> sa.Select:
    """Published jobs with free places that are not over and keep to the Labour Code,
    matching ``filters``, by first day."""
    query = sa.select(HolidayJob).where(
        HolidayJob.status == JobStatus.PUBLISHED,
        HolidayJob.hired_count < HolidayJob.places,
        HolidayJob.last_day >= today,
    )
    unlawful = unlawful_published_job_ids(db.session, today)
    if unlawful:
        query = query.where(HolidayJob.id.not_in(unlawful))
    if filters.municipality is not None:
        query = query.where(HolidayJob.municipality_id == filters.municipality.id)
    if filters.age is not None:
        query = query.where(HolidayJob.min_age <= filters.age)
    if filters.from_day is not None:
        query = query.where(HolidayJob.last_day >= filters.from_day)
    if filters.to_day is not None:
        query = query.where(HolidayJob.first_day <= filters.to_day)
    return query.options(
        selectinload(HolidayJob.employer),
        selectinload(HolidayJob.center),
        selectinload(HolidayJob.municipality),
    ).order_by(HolidayJob.first_day, HolidayJob.id)


def board_page(filters: BoardFilters):
    """One page of open jobs (``page`` from the query string)."""
    return paginate(open_jobs(filters, local_today()))


def contacts_for(jobs) -> dict[int, list[Organization]]:
    """Whom to ask about each job: its center, else the centers of its municipality, else every
    center of the region (one query for the whole page)."""
    if all(job.center is not None for job in jobs):
        return {job.id: [job.center] for job in jobs}
    centers = list(
        db.session.scalars(
            sa.select(Organization)
            .where(Organization.kind == OrganizationKind.EMPLOYMENT_CENTER)
            .order_by(Organization.name, Organization.id)
            .limit(MAX_CENTERS)
        )
    )
    contacts = {}
    for job in jobs:
        if job.center is not None:
            contacts[job.id] = [job.center]
        else:
            local = [c for c in centers if c.municipality_id == job.municipality_id]
            contacts[job.id] = local or centers
    return contacts


def _contact(center: Organization) -> dict:
    return {
        "name": center.name,
        "phone": center.phone,
        "email": center.email,
        "address": center.address,
    }


def job_document(job: HolidayJob, centers: list[Organization]) -> dict:
    """The JSON of one open job (field names are an interface: docs/api.md)."""
    return {
        "id": job.id,
        "title": job.title,
        "employer": job.employer.name,
        "duties": job.duties,
        "municipality": job.municipality.name,
        "address": job.address,
        "places": job.places,
        "places_left": job.free_places,
        "min_age": job.min_age,
        "hours_per_day": float(job.hours_per_day),
        "hours_per_week": float(job.hours_per_week),
        "shift_starts": job.shift_starts.strftime("%H:%M"),
        "shift_ends": job.shift_ends.strftime("%H:%M"),
        "break_minutes": job.break_minutes,
        "working_days": sorted(job.weekdays),
        "first_day": job.first_day.isoformat(),
        "last_day": job.last_day.isoformat(),
        "pay": job.pay,
        "how_to_apply": [_contact(center) for center in centers],
        "url": url_for("jobs.board_job", job_id=job.id, _external=True),
    }


def _json(document: dict, status: int = 200):
    # Cyrillic as it is, not as \u escapes: people read this too.
    return current_app.response_class(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n",
        status=status,
        mimetype="application/json",
    )


@bp.route("/jobs")
@limiter.limit(API_LIMIT)
def jobs():
    filters, errors = board_filters(request.args)
    if errors:
        return _json({"error": " ".join(errors)}, 400)
    page = board_page(filters)
    contacts = contacts_for(page.items)
    return _json(
        {
            "page": page.page,
            "per_page": page.per_page,
            "pages": page.pages,
            "total": page.total,
            "jobs": [job_document(job, contacts[job.id]) for job in page.items],
        }
    )
