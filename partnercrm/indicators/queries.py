"""Indicator values in SQL (DESIGN §3.2), for a period and a scope; no Flask import.

A computed indicator (2, 3, 4, 6) is the number of distinct students of schools who took part
in counted activities (held, local start date in the period, of the indicator's kinds), plus
the headcounts of schools that recorded no names at that activity. Every figure is a
``COUNT(DISTINCT …)``/``SUM`` query with ``GROUP BY`` for breakdowns; no rows are loaded into
Python. The report (:func:`compute`) takes all four computed indicators per municipality from
two queries (named students, headcounts) and adds the municipalities up for the totals; at
region scale it runs within 1.2× of one hand-written query (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.activities.queries import school_named_someone
from partnercrm.activities.rules import GRADE_BANDS, ActivityKind, ActivityStatus
from partnercrm.database import SessionLike
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.indicators.rules import (
    COMPUTED_FROM_ACTIVITIES,
    ENTERED_BY_MINISTRY,
    MUNICIPAL_PLANS,
    VISITED_HOST_KINDS,
    VOCATIONAL_KINDS,
)
from partnercrm.localtime import Period
from partnercrm.roadmap.models import Indicator
from partnercrm.students.models import Student


@dataclass(frozen=True)
class Scope:
    """Whose students are counted: the region (both None), a municipality or one school."""

    municipality_id: int | None = None
    school_id: int | None = None


REGION = Scope()


@dataclass(frozen=True)
class Part:
    """One line of a breakdown."""

    key: int | str | date | None
    label: str
    named: int
    headcount: int

    @property
    def value(self) -> int:
        return self.named + self.headcount


@dataclass
class IndicatorResult:
    number: int
    name: str
    unit: str
    value: int | None
    named: int | None = None
    headcount: int | None = None
    comment: str | None = None
    by_municipality: list[Part] = field(default_factory=list)


def _counts(number: int, activity, host, organizer) -> sa.ColumnElement[bool]:
    """Whether indicator ``number`` counts a held activity of the period (DESIGN §3.2)."""
    not_meeting = activity.kind != ActivityKind.PARENT_MEETING
    if number == 2:
        return sa.and_(not_meeting, host.kind.in_(VISITED_HOST_KINDS))
    if number == 3:
        return activity.kind == ActivityKind.PROFPROBA
    if number == 4:
        return not_meeting
    if number == 6:
        return sa.and_(
            not_meeting,
            sa.or_(host.kind.in_(VOCATIONAL_KINDS), organizer.kind.in_(VOCATIONAL_KINDS)),
        )
    raise ValueError(f"indicator {number} is not computed from activities")


def _held_in(period: Period) -> tuple[sa.Select, type[Organization], type[Organization]]:
    """Held activities whose local start date lies in ``period``, with host and organizer."""
    host = aliased(Organization)
    organizer = aliased(Organization)
    query = (
        sa.select(Activity.id)
        .join(host, host.id == Activity.host_id)
        .join(organizer, organizer.id == Activity.organizer_id)
        .where(
            Activity.status == ActivityStatus.HELD,
            Activity.starts_on.between(period.start, period.end),
        )
    )
    return query, host, organizer


def counted_activities(number: int, period: Period) -> sa.Select:
    """Ids of the activities indicator ``number`` counts in ``period``."""
    query, host, organizer = _held_in(period)
    return query.where(_counts(number, Activity, host, organizer))


def _flags(period: Period) -> sa.Subquery:
    """Held activities of ``period``, each with a column ``i<n>`` that is 1 when indicator n
    counts it, else 0: one pass over the activities for all computed indicators."""
    query, host, organizer = _held_in(period)
    return query.add_columns(
        *[
            sa.case((_counts(n, Activity, host, organizer), 1), else_=0).label(f"i{n}")
            for n in COMPUTED_FROM_ACTIVITIES
        ]
    ).subquery("counted")


def _school_scope(school: type[Organization], scope: Scope) -> list:
    conditions = [school.kind == OrganizationKind.SCHOOL]
    if scope.municipality_id is not None:
        conditions.append(school.municipality_id == scope.municipality_id)
    if scope.school_id is not None:
        conditions.append(school.id == scope.school_id)
    return conditions


def named_rows(number: int, period: Period, scope: Scope = REGION) -> sa.Select:
    """Participation rows behind the named part: student, school, municipality, grade, activity.

    Indicator 4 counts only students with the ОВЗ flag.
    """
    school = aliased(Organization)
    query = (
        sa.select(
            Participation.student_id,
            Participation.activity_id,
            Student.school_id,
            Student.grade,
            school.municipality_id,
        )
        .join(Student, Student.id == Participation.student_id)
        .join(school, school.id == Student.school_id)
        .where(Participation.activity_id.in_(counted_activities(number, period)))
        .where(*_school_scope(school, scope))
    )
    if number == 4:
        query = query.where(Student.ovz.is_(True))
    return query


def headcount_rows(number: int, period: Period, scope: Scope = REGION) -> sa.Select:
    """Headcount rows behind the headcount part, with ``n`` the number that counts
    (``ovz_count`` for indicator 4). Rows of a school that named its participants are left out."""
    school = aliased(Organization)
    amount = Headcount.ovz_count if number == 4 else Headcount.count
    return (
        sa.select(
            amount.label("n"),
            Headcount.activity_id,
            Headcount.school_id,
            Headcount.grade,
            school.municipality_id,
        )
        .join(school, school.id == Headcount.school_id)
        .where(Headcount.activity_id.in_(counted_activities(number, period)))
        .where(*_school_scope(school, scope))
        .where(~school_named_someone())
    )


def _computed_by_municipality(
    session: SessionLike, period: Period, scope: Scope
) -> dict[int, tuple[dict, dict]]:
    """Indicators 2, 3, 4 and 6 per municipality of the school, in two queries for all four.

    Named: each student in scope with a participation in a held activity of the period, once,
    with the indicators they count in (the largest flag over their activities; indicator 4
    only for ОВЗ students); then summed per municipality. This is ``COUNT(DISTINCT student)``
    of :func:`named_rows` for every indicator at once. Headcounts: :func:`headcount_rows`'s
    rows summed per indicator. Returns ``{number: (named by municipality, headcount by
    municipality)}``.
    """
    flags = _flags(period)
    school = aliased(Organization)
    per_student = (
        sa.select(
            school.municipality_id,
            *[
                sa.func.max(
                    sa.case((Student.ovz.is_(True), flags.c.i4), else_=0)
                    if n == 4
                    else flags.c[f"i{n}"]
                ).label(f"i{n}")
                for n in COMPUTED_FROM_ACTIVITIES
            ],
        )
        .select_from(Participation)
        .join(flags, flags.c.id == Participation.activity_id)
        .join(Student, Student.id == Participation.student_id)
        .join(school, school.id == Student.school_id)
        .where(*_school_scope(school, scope))
        .group_by(Participation.student_id, school.municipality_id)
        .subquery()
    )
    named_rows_ = session.execute(
        sa.select(
            per_student.c.municipality_id,
            *[sa.func.sum(per_student.c[f"i{n}"]) for n in COMPUTED_FROM_ACTIVITIES],
        ).group_by(per_student.c.municipality_id)
    ).all()

    heads_school = aliased(Organization)
    head_rows_ = session.execute(
        sa.select(
            heads_school.municipality_id,
            *[
                sa.func.sum(flags.c[f"i{n}"] * (Headcount.ovz_count if n == 4 else Headcount.count))
                for n in COMPUTED_FROM_ACTIVITIES
            ],
        )
        .select_from(Headcount)
        .join(flags, flags.c.id == Headcount.activity_id)
        .join(heads_school, heads_school.id == Headcount.school_id)
        .where(*_school_scope(heads_school, scope))
        .where(~school_named_someone())
        .group_by(heads_school.municipality_id)
    ).all()

    result = {}
    for i, number in enumerate(COMPUTED_FROM_ACTIVITIES, start=1):
        named = {row[0]: int(row[i] or 0) for row in named_rows_ if row[i]}
        heads = {row[0]: int(row[i] or 0) for row in head_rows_}
        result[number] = (named, heads)
    return result


def _grouped(
    session: SessionLike, number: int, period: Period, scope: Scope, named_key, head_key
) -> tuple[dict, dict]:
    """Named distinct students and headcounts grouped by a column of each row set."""
    named = named_rows(number, period, scope).subquery()
    heads = headcount_rows(number, period, scope).subquery()
    nk, hk = named_key(named.c), head_key(heads.c)
    named_counts: dict[Any, int] = dict(
        session.execute(
            sa.select(nk, sa.func.count(sa.distinct(named.c.student_id))).group_by(nk)
        ).all()
    )
    head_counts: dict[Any, int | None] = dict(
        session.execute(sa.select(hk, sa.func.sum(heads.c.n)).group_by(hk)).all()
    )
    return named_counts, {k: int(v or 0) for k, v in head_counts.items()}


def _parts(named: dict, heads: dict, labels: dict) -> list[Part]:
    keys = sorted(named.keys() | heads.keys(), key=lambda k: labels.get(k, str(k)))
    return [
        Part(key, labels.get(key, str(key)), int(named.get(key, 0)), heads.get(key, 0))
        for key in keys
    ]


def _municipality_parts(session: SessionLike, scope: Scope, named: dict, heads: dict) -> list[Part]:
    municipalities = sa.select(Municipality.id, Municipality.name).order_by(Municipality.name)
    if scope.municipality_id is not None:
        municipalities = municipalities.where(Municipality.id == scope.municipality_id)
    return [
        Part(mid, name, int(named.get(mid, 0)), heads.get(mid, 0))
        for mid, name in session.execute(municipalities).all()
    ]


def _organization_parts(session: SessionLike, named: dict, heads: dict) -> list[Part]:
    """Parts keyed by organization id, labelled with the short name (or the name)."""
    ids = named.keys() | heads.keys()
    labels = dict(
        session.execute(
            sa.select(
                Organization.id, sa.func.coalesce(Organization.short_name, Organization.name)
            ).where(Organization.id.in_(ids))
        ).all()
    )
    return _parts(named, heads, labels)


def by_school(
    session: SessionLike, number: int, period: Period, scope: Scope = REGION
) -> list[Part]:
    named, heads = _grouped(
        session, number, period, scope, lambda c: c.school_id, lambda c: c.school_id
    )
    return _organization_parts(session, named, heads)


def grade_band_expression(grade):
    """SQL CASE giving '1–5', '6–7', '8–9', '10–11' or '' (grade unknown)."""
    return sa.case(
        *[(grade.between(low, high), f"{low}–{high}") for low, high in GRADE_BANDS], else_=""
    )


def by_grade_band(
    session: SessionLike, number: int, period: Period, scope: Scope = REGION
) -> list[Part]:
    named, heads = _grouped(
        session,
        number,
        period,
        scope,
        lambda c: grade_band_expression(c.grade),
        lambda c: grade_band_expression(c.grade),
    )
    bands = [f"{low}–{high}" for low, high in GRADE_BANDS] + [""]
    return [
        Part(band, band, int(named.get(band, 0)), heads.get(band, 0))
        for band in bands
        if band in named or band in heads
    ]


def by_organization(
    session: SessionLike, number: int, period: Period, scope: Scope = REGION, role: str = "host"
) -> list[Part]:
    """Per host (or organizer) organization. A student who went to two hosts counts under
    each, so these parts may add up to more than the indicator's value."""
    column = Activity.host_id if role == "host" else Activity.organizer_id
    named_subq = named_rows(number, period, scope).subquery()
    heads_subq = headcount_rows(number, period, scope).subquery()
    named = dict(
        session.execute(
            sa.select(column, sa.func.count(sa.distinct(named_subq.c.student_id)))
            .join(Activity, Activity.id == named_subq.c.activity_id)
            .group_by(column)
        ).all()
    )
    heads = {
        k: int(v or 0)
        for k, v in session.execute(
            sa.select(column, sa.func.sum(heads_subq.c.n))
            .join(Activity, Activity.id == heads_subq.c.activity_id)
            .group_by(column)
        ).all()
    }
    return _organization_parts(session, named, heads)


def municipalities_with_plan(session: SessionLike, period: Period, scope: Scope = REGION) -> dict:
    """Indicator 1 per municipality: 1 when its plan for the year was approved by the period's
    end, else 0."""
    approved = (
        sa.select(MunicipalPlan.municipality_id)
        .where(
            MunicipalPlan.year == period.report_year,
            MunicipalPlan.approved_on <= period.end,
        )
        .scalar_subquery()
    )
    query = sa.select(Municipality.id, Municipality.name, Municipality.id.in_(approved)).order_by(
        Municipality.name
    )
    if scope.municipality_id is not None:
        query = query.where(Municipality.id == scope.municipality_id)
    return {mid: (name, bool(has)) for mid, name, has in session.execute(query).all()}


def compute(
    session: SessionLike,
    period: Period,
    scope: Scope = REGION,
    with_municipalities: bool = True,
) -> list[IndicatorResult]:
    """All seven indicators for ``period`` and ``scope``, in the roadmap's order."""
    indicators = session.scalars(sa.select(Indicator).order_by(Indicator.number)).all()
    entered = {
        value.indicator_id: value
        for value in session.scalars(
            sa.select(IndicatorValue).where(IndicatorValue.year == period.report_year)
        )
    }
    computed = _computed_by_municipality(session, period, scope)
    results = []
    for indicator in indicators:
        result = IndicatorResult(indicator.number, indicator.name, indicator.unit, value=None)
        if indicator.number == MUNICIPAL_PLANS:
            plans = municipalities_with_plan(session, period, scope)
            result.value = sum(has for _name, has in plans.values())
            if with_municipalities:
                result.by_municipality = [
                    Part(mid, name, int(has), 0) for mid, (name, has) in plans.items()
                ]
        elif indicator.number in ENTERED_BY_MINISTRY:
            value = entered.get(indicator.id)
            if value is not None and scope == REGION:
                result.value, result.comment = value.value, value.comment
        else:
            # Every student belongs to one school, so the municipalities' named counts add up
            # to the scope's distinct count (DESIGN §3.2).
            named, heads = computed[indicator.number]
            result.named, result.headcount = sum(named.values()), sum(heads.values())
            result.value = result.named + result.headcount
            if with_municipalities:
                result.by_municipality = _municipality_parts(session, scope, named, heads)
        results.append(result)
    return results
