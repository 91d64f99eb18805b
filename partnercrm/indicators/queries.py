"""Indicator values in SQL (DESIGN §3.2, §7), for a period and a scope; no Flask import.

Each indicator of a programme says how it is counted by its rule (``indicators/rules.py``);
this module compiles a rule to SQL and knows no indicator by number. A ``students`` rule
counts distinct students of schools who took part in the held activities of the period it
selects, plus the headcounts of schools that recorded no names at that activity; an
``activities`` rule counts those activities. Every figure is a ``COUNT(DISTINCT …)``/``SUM``
query with ``GROUP BY`` for breakdowns; no rows are loaded into Python. The report
(:func:`compute`) takes all ``students`` indicators of the programme per municipality from two
queries (named students, headcounts) and adds the municipalities up for the totals; at region
scale it runs within 1.2× of one hand-written query (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from partnercrm.activities.models import Activity, Headcount, Participation, activity_school
from partnercrm.activities.queries import school_named_someone
from partnercrm.activities.rules import GRADE_BANDS
from partnercrm.database import SessionLike
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.indicators import counters
from partnercrm.indicators.compiler import (
    REGION,
    Scope,
    counts_activity,
    counts_headcount,
    counts_student,
    grade_band_expression,
    headcount_amount,
    held_in,
)
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.indicators.rules import Count, Rule, parse_rule
from partnercrm.localtime import Period
from partnercrm.roadmap.models import Indicator, Programme
from partnercrm.roadmap.queries import programme_for
from partnercrm.students.models import Student


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
    rule: Rule | None = None

    @property
    def counts_students(self) -> bool:
        """Its value is distinct named students plus headcounts (and shown so)."""
        return self.rule is not None and self.rule.count is Count.STUDENTS

    @property
    def region_only(self) -> bool:
        """A figure of the region or its municipalities, never of one school: approved municipal
        plans and the ministry's entered values (a school's report page leaves them out)."""
        return self.rule is None or self.rule.count in (Count.MUNICIPAL_PLANS, Count.MANUAL)

    @property
    def entered(self) -> bool:
        """Its value is entered by the ministry for the year."""
        return self.rule is not None and self.rule.count is Count.MANUAL

    @property
    def counts_plans(self) -> bool:
        """Its value is the municipalities with an approved plan: 1 or 0 for each."""
        return self.rule is not None and self.rule.count is Count.MUNICIPAL_PLANS

    @property
    def by_place(self) -> bool:
        """It has a figure for each municipality (the report's chart): all but entered ones."""
        return self.rule is not None and not self.entered


def counted_activities(rule: Rule, period: Period) -> sa.Select:
    """Ids of the activities ``rule`` counts in ``period``."""
    query, host, organizer = held_in(period)
    return query.where(counts_activity(rule, Activity, host, organizer))


def _flags(period: Period, rules: list[Rule]) -> sa.Subquery:
    """Held activities of ``period``, each with a column ``c<i>`` that is 1 when ``rules[i]``
    counts it, else 0: one pass over the activities for all rules."""
    query, host, organizer = held_in(period)
    return query.add_columns(
        *[
            sa.case((counts_activity(rule, Activity, host, organizer), 1), else_=0).label(f"c{i}")
            for i, rule in enumerate(rules)
        ]
    ).subquery("counted")


def _school_scope(school: type[Organization], scope: Scope) -> list:
    conditions = [school.kind == OrganizationKind.SCHOOL]
    if scope.municipality_id is not None:
        conditions.append(school.municipality_id == scope.municipality_id)
    if scope.school_id is not None:
        conditions.append(school.id == scope.school_id)
    return conditions


def named_rows(rule: Rule, period: Period, scope: Scope = REGION) -> sa.Select:
    """Participation rows behind the named part of a ``students`` rule: student, school,
    municipality, grade, activity. Joined, not ``IN (activities)``, so that one school's rows
    are found from its roster rather than through every participation of the period."""
    query, host, organizer = held_in(period)
    school = aliased(Organization)
    query = (
        query.with_only_columns(
            Participation.student_id,
            Participation.activity_id,
            Student.school_id,
            Student.grade,
            school.municipality_id,
        )
        .join(Participation, Participation.activity_id == Activity.id)
        .join(Student, Student.id == Participation.student_id)
        .join(school, school.id == Student.school_id)
        .where(counts_activity(rule, Activity, host, organizer))
        .where(*_school_scope(school, scope))
    )
    if scope.school_id is not None:
        roster = sa.select(Student.id).where(Student.school_id == scope.school_id)
        query = query.where(Participation.student_id.in_(roster))
    students = counts_student(rule)
    return query if students is None else query.where(students)


def headcount_rows(rule: Rule, period: Period, scope: Scope = REGION) -> sa.Select:
    """Headcount rows behind the headcount part of a ``students`` rule, with ``n`` the number
    that counts. Rows of a school that named its participants are left out."""
    school = aliased(Organization)
    query = (
        sa.select(
            headcount_amount(rule).label("n"),
            Headcount.activity_id,
            Headcount.school_id,
            Headcount.grade,
            school.municipality_id,
        )
        .join(school, school.id == Headcount.school_id)
        .where(Headcount.activity_id.in_(counted_activities(rule, period)))
        .where(*_school_scope(school, scope))
        .where(~school_named_someone())
    )
    rows = counts_headcount(rule)
    return query if rows is None else query.where(rows)


def _students_by_municipality(
    session: SessionLike, period: Period, scope: Scope, rules: list[Rule]
) -> list[tuple[dict, dict]]:
    """The ``students`` rules per municipality of the school, in two queries for all of them.

    Named: each student in scope with a participation in a held activity of the period, once,
    with the rules they count in (the largest flag over their activities, where the rule
    counts the student); then summed per municipality. This is ``COUNT(DISTINCT student)``
    of :func:`named_rows` for every rule at once. Headcounts: :func:`headcount_rows`'s rows
    summed per rule. Returns ``(named by municipality, headcount by municipality)`` per rule.
    """
    if not rules:
        return []
    flags = _flags(period, rules)
    school = aliased(Organization)
    per_student_flags = []
    for i, rule in enumerate(rules):
        students = counts_student(rule)
        flag = flags.c[f"c{i}"]
        counted = flag if students is None else sa.case((students, flag), else_=0)
        per_student_flags.append(sa.func.max(counted).label(f"c{i}"))
    per_student = (
        sa.select(school.municipality_id, *per_student_flags)
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
            *[sa.func.sum(per_student.c[f"c{i}"]) for i in range(len(rules))],
        ).group_by(per_student.c.municipality_id)
    ).all()

    heads_school = aliased(Organization)
    head_sums = []
    for i, rule in enumerate(rules):
        rows, amount = counts_headcount(rule), headcount_amount(rule)
        added = amount if rows is None else sa.case((rows, amount), else_=0)
        head_sums.append(sa.func.sum(flags.c[f"c{i}"] * added))
    head_rows_ = session.execute(
        sa.select(heads_school.municipality_id, *head_sums)
        .select_from(Headcount)
        .join(flags, flags.c.id == Headcount.activity_id)
        .join(heads_school, heads_school.id == Headcount.school_id)
        .where(*_school_scope(heads_school, scope))
        .where(~school_named_someone())
        .group_by(heads_school.municipality_id)
    ).all()

    result = []
    for i in range(1, len(rules) + 1):
        named = {row[0]: int(row[i] or 0) for row in named_rows_ if row[i]}
        heads = {row[0]: int(row[i] or 0) for row in head_rows_}
        result.append((named, heads))
    return result


def _students_counted(
    session: SessionLike, period: Period, scope: Scope, ids: list[int]
) -> list[tuple[dict, dict]]:
    """:func:`_students_by_municipality` read from the counters, for the indicators ``ids``."""
    if not ids:
        return []
    named = counters.named_counts(session, ids, period, scope, "municipality")
    heads = counters.headcount_counts(session, ids, period, scope, "municipality")
    return [
        (
            {m: n for (i, m), n in named.items() if i == indicator_id},
            {m: n for (i, m), n in heads.items() if i == indicator_id},
        )
        for indicator_id in ids
    ]


def _activities_by_municipality(
    session: SessionLike, period: Period, scope: Scope, rules: list[Rule]
) -> list[dict]:
    """The ``activities`` rules per municipality of the host, in one query for all of them.
    A municipality's scope counts the activities its organizations hosted; a school's, those
    the school hosted, organized or visited."""
    if not rules:
        return []
    query, host, organizer = held_in(period)
    if scope.school_id is not None:
        visited = sa.exists().where(
            activity_school.c.activity_id == Activity.id,
            activity_school.c.school_id == scope.school_id,
        )
        query = query.where(
            sa.or_(
                Activity.host_id == scope.school_id,
                Activity.organizer_id == scope.school_id,
                visited,
            )
        )
    elif scope.municipality_id is not None:
        query = query.where(host.municipality_id == scope.municipality_id)
    rows = session.execute(
        query.with_only_columns(
            host.municipality_id,
            *[
                sa.func.sum(sa.case((counts_activity(rule, Activity, host, organizer), 1), else_=0))
                for rule in rules
            ],
        ).group_by(host.municipality_id)
    ).all()
    return [{row[0]: int(row[i] or 0) for row in rows} for i in range(1, len(rules) + 1)]


class NoStudentIndicator(LookupError):
    """The programme has no indicator of that number that counts students."""


def student_indicator(
    session: SessionLike, number: int, period: Period, programme: Programme | None = None
) -> tuple[int, Rule]:
    """The id and rule of indicator ``number`` of ``programme`` (by default the one that
    counts ``period``, DESIGN §7), which must count students; else :class:`NoStudentIndicator`."""
    if programme is None:
        programme = programme_for(session, period.end)
    stored = None
    if programme is not None:
        stored = session.execute(
            sa.select(Indicator.id, Indicator.rule).where(
                Indicator.programme_id == programme.id, Indicator.number == number
            )
        ).first()
    rule = parse_rule(stored.rule) if stored is not None else None
    if stored is None or rule is None or rule.count is not Count.STUDENTS:
        raise NoStudentIndicator(f"no indicator {number} counts students over {period}")
    return stored.id, rule


def student_rule(
    session: SessionLike, number: int, period: Period, programme: Programme | None = None
) -> Rule:
    """The rule of :func:`student_indicator`."""
    return student_indicator(session, number, period, programme)[1]


def _counted(
    session: SessionLike, indicator_id: int, period: Period, scope: Scope, key: str
) -> tuple[dict, dict]:
    """Named distinct students and headcounts of a ``students`` indicator per ``key``, from
    the counters (``period`` of whole months)."""
    named = counters.named_counts(session, [indicator_id], period, scope, key)
    heads = counters.headcount_counts(session, [indicator_id], period, scope, key)
    return {k: n for (_i, k), n in named.items()}, {k: n for (_i, k), n in heads.items()}


def _grouped(
    session: SessionLike, rule: Rule, period: Period, scope: Scope, named_key, head_key
) -> tuple[dict, dict]:
    """Named distinct students and headcounts of a ``students`` rule grouped by a column of
    each row set."""
    named = named_rows(rule, period, scope).subquery()
    heads = headcount_rows(rule, period, scope).subquery()
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


# The drill-downs take the number of a ``students`` indicator of ``programme``, by default of
# the programme that counts the period (:func:`student_rule`); like :func:`compute`, they read
# the counters for whole months unless ``counted`` is False.


def by_school(
    session: SessionLike,
    number: int,
    period: Period,
    scope: Scope = REGION,
    programme: Programme | None = None,
    counted: bool = True,
) -> list[Part]:
    indicator_id, rule = student_indicator(session, number, period, programme)
    if counted and counters.whole_months(period):
        named, heads = _counted(session, indicator_id, period, scope, "school")
    else:
        named, heads = _grouped(
            session, rule, period, scope, lambda c: c.school_id, lambda c: c.school_id
        )
    return _organization_parts(session, named, heads)


def by_grade_band(
    session: SessionLike,
    number: int,
    period: Period,
    scope: Scope = REGION,
    programme: Programme | None = None,
    counted: bool = True,
) -> list[Part]:
    indicator_id, rule = student_indicator(session, number, period, programme)
    if counted and counters.whole_months(period):
        named, heads = _counted(session, indicator_id, period, scope, "grade_band")
    else:
        named, heads = _grouped(
            session,
            rule,
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
    session: SessionLike,
    number: int,
    period: Period,
    scope: Scope = REGION,
    role: str = "host",
    programme: Programme | None = None,
) -> list[Part]:
    """Per host (or organizer) organization. A student who went to two hosts counts under
    each, so these parts may add up to more than the indicator's value."""
    column = Activity.host_id if role == "host" else Activity.organizer_id
    rule = student_rule(session, number, period, programme)
    named_subq = named_rows(rule, period, scope).subquery()
    heads_subq = headcount_rows(rule, period, scope).subquery()
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
    """A ``municipal_plans`` rule per municipality: 1 when its plan for the year was approved
    by the period's end, else 0."""
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
    programme: Programme | None = None,
    counted: bool = True,
) -> list[IndicatorResult]:
    """Every indicator of ``programme`` (by default the one that counts ``period``, DESIGN §7)
    for ``period`` and ``scope``, in the programme's order, each counted by its rule.

    ``students`` indicators are read from the counters when ``period`` is made of whole months
    (``counters.py``), else, or with ``counted=False`` (``--verify``), counted from the rows."""
    if programme is None:
        programme = programme_for(session, period.end)
        if programme is None:
            return []
    indicators = session.scalars(
        sa.select(Indicator)
        .where(Indicator.programme_id == programme.id)
        .order_by(Indicator.number)
    ).all()
    rules = {indicator.id: parse_rule(indicator.rule) for indicator in indicators}
    entered = {
        value.indicator_id: value
        for value in session.scalars(
            sa.select(IndicatorValue)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .where(IndicatorValue.year == period.report_year)
            .where(Indicator.programme_id == programme.id)
        )
    }
    by_count: dict[Count, list[int]] = {count: [] for count in Count}
    for indicator in indicators:
        by_count[rules[indicator.id].count].append(indicator.id)
    student_ids = by_count[Count.STUDENTS]
    if counted and counters.whole_months(period):
        per_indicator = _students_counted(session, period, scope, student_ids)
    else:
        per_indicator = _students_by_municipality(
            session, period, scope, [rules[i] for i in student_ids]
        )
    students = dict(zip(student_ids, per_indicator, strict=True))
    activities = dict(
        zip(
            by_count[Count.ACTIVITIES],
            _activities_by_municipality(
                session, period, scope, [rules[i] for i in by_count[Count.ACTIVITIES]]
            ),
            strict=True,
        )
    )
    plans = (
        municipalities_with_plan(session, period, scope) if by_count[Count.MUNICIPAL_PLANS] else {}
    )
    results = []
    for indicator in indicators:
        rule = rules[indicator.id]
        result = IndicatorResult(
            indicator.number, indicator.name, indicator.unit, value=None, rule=rule
        )
        if rule.count is Count.MUNICIPAL_PLANS:
            result.value = sum(has for _name, has in plans.values())
            if with_municipalities:
                result.by_municipality = [
                    Part(mid, name, int(has), 0) for mid, (name, has) in plans.items()
                ]
        elif rule.count is Count.MANUAL:
            value = entered.get(indicator.id)
            if value is not None and scope == REGION:
                result.value, result.comment = value.value, value.comment
        elif rule.count is Count.ACTIVITIES:
            counts = activities[indicator.id]
            result.value = sum(counts.values())
            if with_municipalities:
                result.by_municipality = _municipality_parts(session, scope, counts, {})
        else:
            # Every student belongs to one school, so the municipalities' named counts add up
            # to the scope's distinct count (DESIGN §3.2).
            named, heads = students[indicator.id]
            result.named, result.headcount = sum(named.values()), sum(heads.values())
            result.value = result.named + result.headcount
            if with_municipalities:
                result.by_municipality = _municipality_parts(session, scope, named, heads)
        results.append(result)
    return results
