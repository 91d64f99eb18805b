"""The numbers on each role's dashboard, each computed in SQL for the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from partnercrm.access.accounts import users_scope
from partnercrm.access.activities import activity_involvement
from partnercrm.access.base import employer_may_act
from partnercrm.access.portal import can_see_approvals, registrations_scope
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.activities.counters import REGION, took_part
from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.activities.queries import effective_headcounts
from partnercrm.activities.rules import ActivityStatus
from partnercrm.dashboard.labels import KIND_LABELS
from partnercrm.directory.models import Municipality, Organization
from partnercrm.extensions import db
from partnercrm.localtime import Period, local_today
from partnercrm.portal.models import Registration
from partnercrm.roadmap.models import Indicator, PlanItem
from partnercrm.roadmap.queries import programme_for
from partnercrm.students.models import Student


@dataclass(frozen=True)
class Number:
    label: object
    value: int
    endpoint: str | None = None
    args: dict | None = None


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def _organizations_by_kind(municipality_id: int | None) -> list[Number]:
    query = sa.select(Organization.kind, sa.func.count()).group_by(Organization.kind)
    if municipality_id is not None:
        query = query.where(Organization.municipality_id == municipality_id)
    counts = dict(db.session.execute(query).all())
    return [
        Number(label, counts.get(kind, 0), "directory.organizations", {"kind": kind.value})
        for kind, label in KIND_LABELS.items()
    ]


def _activity_numbers(user: User, school_year: bool) -> list[Number]:
    """This year's (or this school year's, from 1 September) held activities of the user's
    work, the planned ones still ahead, and how many students took part (distinct named
    students plus headcounts, as the indicators count)."""
    today = local_today()
    year_start = Period.containing(today, school_year).start
    held = held_this_year(user, school_year, today)
    upcoming = sa.select(Activity.id).where(
        activity_involvement(user),
        Activity.status == ActivityStatus.PLANNED,
        # A bound that excludes nothing: SQLite then reads the few planned activities ahead by
        # status and date instead of every activity of a coordinator's municipality.
        Activity.starts_on.between(today, date.max),
    )
    this_year = {"status": "held", "from": year_start.isoformat(), "to": today.isoformat()}
    held_label = (
        _l("Activities held this school year") if school_year else _l("Activities held this year")
    )
    students_label = (
        _l("Students who took part this school year")
        if school_year
        else _l("Students who took part this year")
    )
    return [
        Number(held_label, _count(held), "activities.index", this_year),
        Number(
            _l("Planned activities ahead"),
            _count(upcoming),
            "activities.index",
            {"status": "planned", "from": today.isoformat()},
        ),
        Number(students_label, _took_part(user, held, school_year, today)),
    ]


def held_this_year(user: User, school_year: bool, today: date) -> sa.Select:
    """The ids of the held activities of the user's work from the start of ``today``'s
    calendar (or school) year to ``today``."""
    return sa.select(Activity.id).where(
        activity_involvement(user),
        Activity.status == ActivityStatus.HELD,
        Activity.starts_on.between(Period.containing(today, school_year).start, today),
    )


def _took_part(user: User, held: sa.Select, school_year: bool, today: date) -> int:
    """The region's and a municipality's from the counters kept of them (a pass over a year's
    participations otherwise), an organization's few activities from the rows."""
    if user.role is Role.ADMIN:
        return took_part(db.session, REGION, school_year, today)
    if user.role is Role.COORDINATOR and user.municipality_id is not None:
        return took_part(db.session, user.municipality_id, school_year, today)
    return took_part_at(held)


def took_part_at(held: sa.Select) -> int:
    """Distinct named students plus the headcounts that count at the activities ``held``
    selects (their ids), from the rows."""
    held_ids = held.scalar_subquery()
    named = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Participation.student_id))).where(
            Participation.activity_id.in_(held_ids)
        )
    )
    counted = effective_headcounts().where(Headcount.activity_id.in_(held_ids)).subquery()
    heads = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(counted.c.count), 0)))
    return int(named or 0) + int(heads or 0)


def _awaiting_decision(user: User) -> sa.Select:
    """The user's approval queue (docs/portal.md)."""
    return registrations_scope(user).where(Registration.awaits_decision)


def dashboard_numbers(user: User, school_year: bool = False) -> list[Number]:
    """The user's numbers; the activities of this calendar year, or of this school year."""
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        municipality_id = user.municipality_id if user.role is Role.COORDINATOR else None
        # The same users the user list shows.
        users = users_scope(user).where(User.active.is_(True))
        numbers = _activity_numbers(user, school_year)
        numbers += _organizations_by_kind(municipality_id)
        numbers.append(
            Number(
                _l("Registrations awaiting a decision"),
                _count(_awaiting_decision(user)),
                "portal.approvals",
            )
        )
        numbers.append(Number(_l("Active users"), _count(users), "accounts.users"))
        if municipality_id is None:
            numbers.append(
                Number(
                    _l("Municipalities"),
                    _count(sa.select(Municipality.id)),
                    "directory.municipalities",
                )
            )
        # Those of the programme the roadmap pages show today.
        programme = programme_for(db.session, local_today())
        programme_id = programme.id if programme is not None else None
        items = sa.select(PlanItem.id).where(PlanItem.programme_id == programme_id)
        indicators = sa.select(Indicator.id).where(Indicator.programme_id == programme_id)
        numbers.append(Number(_l("Roadmap plan items"), _count(items), "roadmap.index"))
        numbers.append(Number(_l("Indicators"), _count(indicators), "roadmap.indicators"))
        return numbers
    if user.organization_id is None or not employer_may_act(user):
        return []  # an employer awaiting approval: its dashboard says what it may do
    numbers = _activity_numbers(user, school_year)
    if user.role is Role.SCHOOL:
        roster = sa.select(Student.id).where(
            Student.school_id == user.organization_id, Student.archived_at.is_(None)
        )
        numbers.append(Number(_l("Students in the roster"), _count(roster), "students.roster"))
    if can_see_approvals(user):  # an approved employer decides who joins it
        numbers.append(
            Number(
                _l("Requests to join your organization"),
                _count(_awaiting_decision(user)),
                "portal.approvals",
            )
        )
    colleagues = sa.select(User.id).where(
        User.organization_id == user.organization_id, User.active.is_(True), User.id != user.id
    )
    numbers.append(Number(_l("Colleagues with an account"), _count(colleagues)))
    return numbers


# --- what an employer's, college's or university's dashboard lists below its numbers ---

DASHBOARD_ROWS = 10


@dataclass(frozen=True)
class OfferingDashboard:
    """Upcoming bookings of the organization's offers, its past visits with participant
    counts (never names) and its agreements, each a few rows with a link to the whole list."""

    upcoming_bookings: list
    past_visits: list
    agreements: list  # (agreement, status label, status badge)
    organization_id: int


def offering_dashboard(user: User) -> OfferingDashboard | None:
    from partnercrm.access.agreements import agreements_scope
    from partnercrm.access.offers import offering_organization_id
    from partnercrm.agreements import queries as agreement_queries
    from partnercrm.agreements.labels import STATUS_BADGES, STATUS_LABELS
    from partnercrm.agreements.models import Agreement
    from partnercrm.database import utcnow
    from partnercrm.offers import queries as offer_queries

    organization_id = offering_organization_id(user)
    if organization_id is None:
        return None
    today = local_today()
    agreements = db.session.scalars(
        agreement_queries.filter_agreements(
            agreements_scope(user),
            agreement_queries.Filters(organization_id=organization_id),
            today,
        )
        .order_by(Agreement.signed_on.desc().nulls_first(), Agreement.id.desc())
        .limit(DASHBOARD_ROWS)
    ).all()
    return OfferingDashboard(
        upcoming_bookings=offer_queries.upcoming_bookings(
            db.session, organization_id, utcnow(), DASHBOARD_ROWS
        ),
        past_visits=offer_queries.past_visits(db.session, organization_id, DASHBOARD_ROWS),
        agreements=[
            (agreement, STATUS_LABELS[status], STATUS_BADGES[status])
            for agreement, status in ((a, a.status_on(today)) for a in agreements)
        ],
        organization_id=organization_id,
    )
