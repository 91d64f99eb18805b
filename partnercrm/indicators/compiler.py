"""The rule compiler (DESIGN §7): a :class:`~partnercrm.indicators.rules.Rule` as SQL
conditions on an activity, a participating student and a headcount row. No Flask import; the
raw queries (``queries.py``) and the counters (``counters.py``) count with the same conditions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from partnercrm.activities.models import Activity, Headcount
from partnercrm.activities.rules import GRADE_BANDS, ActivityKind, ActivityStatus
from partnercrm.directory.models import Organization
from partnercrm.indicators.rules import Count, Rule
from partnercrm.localtime import Period
from partnercrm.students.models import Student


@dataclass(frozen=True)
class Scope:
    """Whose students are counted: the region (both None), a municipality or one school."""

    municipality_id: int | None = None
    school_id: int | None = None


REGION = Scope()


def kind_values(kinds: frozenset) -> list[str]:
    return sorted(kind.value for kind in kinds)


def counts_activity(rule: Rule, activity, host, organizer) -> sa.ColumnElement[bool]:
    """Whether ``rule`` counts a held activity of the period, by its kind, host and organizer.
    Parent meetings never count students (their participants are parents)."""
    conditions = []
    kinds = rule.activity_kinds
    if rule.count is Count.STUDENTS:
        if kinds is None:
            conditions.append(activity.kind != ActivityKind.PARENT_MEETING)
        else:
            kinds = kinds - {ActivityKind.PARENT_MEETING}
    if kinds is not None:
        conditions.append(activity.kind.in_(kind_values(kinds)))
    if rule.host_kinds is not None:
        conditions.append(host.kind.in_(kind_values(rule.host_kinds)))
    if rule.organizer_kinds is not None:
        conditions.append(organizer.kind.in_(kind_values(rule.organizer_kinds)))
    if rule.organizer_or_host_kinds is not None:
        either = kind_values(rule.organizer_or_host_kinds)
        conditions.append(sa.or_(host.kind.in_(either), organizer.kind.in_(either)))
    return sa.and_(sa.true(), *conditions)


def counts_student(rule: Rule) -> sa.ColumnElement[bool] | None:
    """Whether ``rule`` counts a participating student (None: every one)."""
    conditions = []
    if rule.ovz_only:
        conditions.append(Student.ovz.is_(True))
    if rule.grades is not None:
        conditions.append(Student.grade.between(*rule.grades))
    return sa.and_(*conditions) if conditions else None


def counts_headcount(rule: Rule) -> sa.ColumnElement[bool] | None:
    """Whether ``rule`` counts a headcount row (None: every one): with grades, only a row whose
    grade is given (0 is none) and in range."""
    return Headcount.grade.between(*rule.grades) if rule.grades is not None else None


def headcount_amount(rule: Rule) -> sa.orm.InstrumentedAttribute[int]:
    """What a counted headcount row adds: its ОВЗ part for ``ovz_only``, else its count."""
    return Headcount.ovz_count if rule.ovz_only else Headcount.count


def held_in(
    period: Period | None = None,
) -> tuple[sa.Select, type[Organization], type[Organization]]:
    """Held activities whose local start date lies in ``period`` (any, if None), with host and
    organizer."""
    host = aliased(Organization)
    organizer = aliased(Organization)
    query = (
        sa.select(Activity.id)
        .join(host, host.id == Activity.host_id)
        .join(organizer, organizer.id == Activity.organizer_id)
        .where(Activity.status == ActivityStatus.HELD)
    )
    if period is not None:
        query = query.where(Activity.starts_on.between(period.start, period.end))
    return query, host, organizer


def month_key(
    day: sa.ColumnElement[date] | sa.orm.QueryableAttribute[date],
) -> sa.ColumnElement[int]:
    """The month of a date column as the integer YYYYMM the counters are kept by."""
    return sa.cast(sa.extract("year", day) * 100 + sa.extract("month", day), sa.Integer)


def grade_band_expression(grade):
    """SQL CASE giving '1–5', '6–7', '8–9', '10–11' or '' (grade unknown)."""
    return sa.case(
        *[(grade.between(low, high), f"{low}–{high}") for low, high in GRADE_BANDS], else_=""
    )
