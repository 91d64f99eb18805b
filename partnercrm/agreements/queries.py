"""Reading agreements in SQL: list filters, what an agreement produced, signed per year.

No Flask import: callers pass the session, the base query (the user's scope) and today's date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from partnercrm.activities.models import Activity
from partnercrm.activities.queries import counts_by_activity
from partnercrm.activities.rules import ActivityStatus
from partnercrm.agreements.models import Agreement, AgreementKind, AgreementParty
from partnercrm.agreements.rules import AgreementStatus, CooperationKind, status_condition
from partnercrm.database import SessionLike, fold, folded
from partnercrm.directory.models import Municipality, Organization

MAX_EXPIRES_WITHIN = 3660


def status_where(status: AgreementStatus, today: date):
    """Agreements whose derived status on ``today`` is ``status`` (see rules.status_condition)."""
    return status_condition(
        status, today, Agreement.signed_on, Agreement.valid_to, Agreement.terminated_on
    )


def _has_party(condition) -> sa.ColumnElement:
    return Agreement.id.in_(
        sa.select(AgreementParty.agreement_id)
        .join(Organization, Organization.id == AgreementParty.organization_id)
        .where(condition)
    )


@dataclass
class Filters:
    q: str = ""
    status: AgreementStatus | None = None
    party: str = ""
    municipality_id: int | None = None
    kind: CooperationKind | None = None
    expires_within: int | None = None
    organization_id: int | None = None

    def active(self) -> bool:
        return any(
            value not in (None, "")
            for value in (
                self.q,
                self.status,
                self.party,
                self.municipality_id,
                self.kind,
                self.expires_within,
                self.organization_id,
            )
        )


def filter_agreements(query: sa.Select, filters: Filters, today: date) -> sa.Select:
    """Narrow ``query`` (a select of Agreement) by the list filters."""
    if filters.q:
        needle = filters.q.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(Agreement.number).contains(needle, autoescape=True),
                sa.func.lower(Agreement.subject).contains(needle, autoescape=True),
            )
        )
    if filters.status is not None:
        query = query.where(status_where(filters.status, today))
    if filters.party:
        needle = fold(filters.party)
        query = query.where(
            _has_party(
                sa.or_(
                    folded(Organization.name).contains(needle, autoescape=True),
                    folded(Organization.short_name).contains(needle, autoescape=True),
                    sa.func.lower(Organization.code) == filters.party.lower(),
                    Organization.inn == filters.party,
                )
            )
        )
    if filters.organization_id is not None:
        query = query.where(_has_party(Organization.id == filters.organization_id))
    if filters.municipality_id is not None:
        query = query.where(_has_party(Organization.municipality_id == filters.municipality_id))
    if filters.kind is not None:
        query = query.where(
            Agreement.id.in_(
                sa.select(AgreementKind.agreement_id).where(AgreementKind.kind == filters.kind)
            )
        )
    if filters.expires_within is not None:
        # In force today (signed, not terminated) and ending within the next N days.
        query = query.where(
            sa.or_(
                status_where(AgreementStatus.ACTIVE, today),
                status_where(AgreementStatus.EXPIRING, today),
            ),
            Agreement.valid_to.is_not(None),
            Agreement.valid_to >= today,
            Agreement.valid_to <= today + timedelta(days=filters.expires_within),
        )
    return query


def status_counts(
    session: SessionLike, query: sa.Select, today: date
) -> dict[AgreementStatus, int]:
    """How many agreements of ``query`` have each status today (one query)."""
    ids = query.with_only_columns(Agreement.id).order_by(None).subquery()
    columns = [
        sa.func.coalesce(sa.func.sum(sa.case((status_where(status, today), 1), else_=0)), 0)
        for status in AgreementStatus
    ]
    row = session.execute(
        sa.select(*columns).select_from(Agreement).where(Agreement.id.in_(sa.select(ids.c.id)))
    ).one()
    return {status: int(value) for status, value in zip(AgreementStatus, row, strict=True)}


# --- outcomes: what the partnership produced ---


@dataclass
class YearOutcome:
    year: int
    held: int = 0
    planned: int = 0
    cancelled: int = 0
    participants: int = 0
    named: int = 0
    headcount: int = 0


@dataclass
class Outcomes:
    years: list[YearOutcome] = field(default_factory=list)

    @property
    def total_held(self) -> int:
        return sum(year.held for year in self.years)

    @property
    def total_participants(self) -> int:
        return sum(year.participants for year in self.years)


def _year(column):
    return sa.cast(sa.extract("year", column), sa.Integer)


def outcomes(session: SessionLike, agreement_id: int) -> Outcomes:
    """Activities carried out under the agreement, per year of their (local) date: how many were
    held, planned and cancelled, and the participants of the held ones — distinct named students
    plus headcounts, by the named-wins rule of ``activities.queries``. Counts only, never names."""
    year = _year(Activity.starts_on)
    by_year: dict[int, YearOutcome] = {}
    for value, status, number in session.execute(
        sa.select(year, Activity.status, sa.func.count())
        .where(Activity.agreement_id == agreement_id)
        .group_by(year, Activity.status)
    ):
        outcome = by_year.setdefault(int(value), YearOutcome(int(value)))
        if status is ActivityStatus.HELD:
            outcome.held += number
        elif status is ActivityStatus.CANCELLED:
            outcome.cancelled += number
        else:
            outcome.planned += number
    held = session.execute(
        sa.select(Activity.id, year).where(
            Activity.agreement_id == agreement_id, Activity.status == ActivityStatus.HELD
        )
    ).all()
    counts = counts_by_activity(session, [activity_id for activity_id, _ in held])
    for activity_id, value in held:
        outcome = by_year[int(value)]
        outcome.named += counts[activity_id].named
        outcome.headcount += counts[activity_id].headcount
        outcome.participants += counts[activity_id].total
    return Outcomes(sorted(by_year.values(), key=lambda outcome: outcome.year, reverse=True))


# --- plan item 4: agreements signed per year and municipality ---


@dataclass
class SignedStats:
    years: list[int]
    municipalities: list[str]
    # (municipality name, year) -> agreements signed that year with a party there
    cells: dict[tuple[str, int], int]
    # year -> agreements signed that year (each once, however many municipalities it spans)
    year_totals: dict[int, int]
    total: int

    def municipality_total(self, name: str) -> int:
        return sum(self.cells.get((name, year), 0) for year in self.years)


def signed_per_year_and_municipality(session: SessionLike, query: sa.Select) -> SignedStats:
    """Agreements of ``query`` signed per year and municipality (SQL GROUP BY).

    An agreement counts in every municipality where it has a party (once per municipality, even
    with two parties there); the year totals count each agreement once, so a total may be less
    than the sum of its column.
    """
    ids = query.with_only_columns(Agreement.id).order_by(None).subquery()
    year = _year(Agreement.signed_on)
    scoped = sa.and_(Agreement.id.in_(sa.select(ids.c.id)), Agreement.signed_on.is_not(None))
    pairs = (
        sa.select(
            Agreement.id.label("agreement_id"),
            year.label("year"),
            Organization.municipality_id.label("municipality_id"),
        )
        .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
        .join(Organization, Organization.id == AgreementParty.organization_id)
        .where(scoped)
        .distinct()
        .subquery()
    )
    cells = {
        (name, int(value)): number
        for name, value, number in session.execute(
            sa.select(Municipality.name, pairs.c.year, sa.func.count())
            .join(pairs, pairs.c.municipality_id == Municipality.id)
            .group_by(Municipality.name, pairs.c.year)
        )
    }
    year_totals = {
        int(value): number
        for value, number in session.execute(
            sa.select(year, sa.func.count()).where(scoped).group_by(year)
        )
    }
    return SignedStats(
        years=sorted(year_totals),
        municipalities=list(
            session.scalars(sa.select(Municipality.name).order_by(Municipality.name))
        ),
        cells=cells,
        year_totals=year_totals,
        total=sum(year_totals.values()),
    )
