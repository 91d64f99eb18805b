"""The list of activities: filters from the query string, one page of the user's scope with the
participant counts of its rows (a fixed number of queries, whatever the page size)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from operator import itemgetter

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from partnercrm.access.activities import activities_scope, creatable_activity_kinds
from partnercrm.activities.models import Activity, activity_plan_item, activity_school
from partnercrm.activities.queries import counts_by_activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus
from partnercrm.database import fold, folded
from partnercrm.directory.models import Organization
from partnercrm.directory.queries import all_municipalities, find_organization, organization_label
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.roadmap.models import PlanItem, Programme
from partnercrm.web.integers import record_id
from partnercrm.web.pagination import paginate


@dataclass
class ListFilters:
    kind: ActivityKind | None = None
    status: ActivityStatus | None = None
    municipality: int | None = None
    school: Organization | None = None
    host: Organization | None = None
    organizer: Organization | None = None
    date_from: date | None = None
    date_to: date | None = None
    plan_item: int | None = None  # a plan item's id
    q: str = ""
    # The typed text of the organization filters, shown back in the form.
    text: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    nothing: bool = False  # a filter named something that does not exist


def _parse_date(name: str, filters: ListFilters) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        filters.errors.append(_("Enter dates as YYYY-MM-DD."))
        filters.nothing = True
        return None


def _list_filters() -> ListFilters:
    args = request.args
    filters = ListFilters(q=args.get("q", "").strip()[:200])
    if args.get("kind") in {k.value for k in ActivityKind}:
        filters.kind = ActivityKind(args["kind"])
    if args.get("status") in {s.value for s in ActivityStatus}:
        filters.status = ActivityStatus(args["status"])
    filters.municipality = args.get("municipality", type=record_id)
    filters.plan_item = args.get("plan_item", type=record_id)
    for name, kinds in (
        ("school", (OrganizationKind.SCHOOL,)),
        ("host", None),
        ("organizer", None),
    ):
        text = args.get(name, "").strip()[:600]
        filters.text[name] = text
        if text:
            organization = find_organization(text, kinds)
            if organization is None:
                filters.errors.append(_("No such organization: %(text)s", text=text))
                filters.nothing = True
            else:
                filters.text[name] = organization_label(organization)
                setattr(filters, name, organization)
    filters.date_from = _parse_date("from", filters)
    filters.date_to = _parse_date("to", filters)
    return filters


def _involving(organization_ids) -> sa.ColumnElement:
    """Activities hosted, organized or visited by one of ``organization_ids`` (a subquery)."""
    return sa.or_(
        Activity.host_id.in_(organization_ids),
        Activity.organizer_id.in_(organization_ids),
        Activity.id.in_(
            sa.select(activity_school.c.activity_id).where(
                activity_school.c.school_id.in_(organization_ids)
            )
        ),
    )


def filter_activities(query: sa.Select, filters: ListFilters) -> sa.Select:
    if filters.nothing:
        return query.where(sa.false())
    if filters.kind is not None:
        query = query.where(Activity.kind == filters.kind)
    if filters.status is not None:
        query = query.where(Activity.status == filters.status)
    if filters.municipality is not None:
        query = query.where(
            _involving(
                sa.select(Organization.id).where(
                    Organization.municipality_id == filters.municipality
                )
            )
        )
    if filters.school is not None:
        query = query.where(_involving([filters.school.id]))
    if filters.host is not None:
        query = query.where(Activity.host_id == filters.host.id)
    if filters.organizer is not None:
        query = query.where(Activity.organizer_id == filters.organizer.id)
    if filters.date_from is not None:
        query = query.where(Activity.starts_on >= filters.date_from)
    if filters.date_to is not None:
        query = query.where(Activity.starts_on <= filters.date_to)
    if filters.plan_item is not None:
        query = query.where(
            Activity.id.in_(
                sa.select(activity_plan_item.c.activity_id).where(
                    activity_plan_item.c.plan_item_id == filters.plan_item
                )
            )
        )
    if filters.q:
        needle = fold(filters.q)
        query = query.where(folded(Activity.title).contains(needle, autoescape=True))
    return query


def activity_page(query: sa.Select):
    """One page of ``query`` (activities) with hosts and organizers loaded, and the participant
    counts of its rows: a fixed number of queries, whatever the page size."""
    query = query.options(
        sa.orm.joinedload(Activity.host), sa.orm.joinedload(Activity.organizer)
    ).order_by(Activity.starts_at.desc(), Activity.id.desc())
    page = paginate(query)
    counts = counts_by_activity(db.session, [activity.id for activity in page.items])
    return page, counts


@login_required
def index():
    filters = _list_filters()
    query = filter_activities(activities_scope(current_user), filters)
    page, counts = activity_page(query)
    municipalities = all_municipalities()
    # By id: numbers repeat across programmes. The newest programme first.
    plan_items = db.session.execute(
        sa.select(Programme.code, PlanItem.id, PlanItem.number, PlanItem.title)
        .join(Programme, Programme.id == PlanItem.programme_id)
        .order_by(Programme.valid_from.desc(), Programme.id, PlanItem.number)
    ).all()
    return render_template(
        "activities/index.html",
        page=page,
        counts=counts,
        filters=filters,
        municipalities=municipalities,
        plan_items=[(code, list(rows)) for code, rows in groupby(plan_items, key=itemgetter(0))],
        kinds=list(ActivityKind),
        statuses=list(ActivityStatus),
        creatable=creatable_activity_kinds(current_user),
    )
