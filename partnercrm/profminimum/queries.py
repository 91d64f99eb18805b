"""Профминимум hours in SQL (DESIGN §8), for a school year and a scope; no Flask import.

A student's hours in a school year are the ``SUM`` of ``activity.hours`` over the held
activities whose local start date (``activity.starts_on``) lies from 1 September to 31 August
and where the student is a named participant. The students counted are the active (not
archived) roster students of grades 6–11 of schools; each one's target comes from the school's
level for that year (a LEFT JOIN on ``profminimum_level``: no row is basic) through a ``CASE``
over :data:`~partnercrm.profminimum.rules.TARGET_HOURS`. Summaries (students, reached, bands)
are one ``GROUP BY`` statement over that per-student relation; nothing loops over students in
Python.

Headcount rows give no student any hours: their student-hours (``headcount.count × hours``) are
summed apart, as «student-hours without names». Counted are the rows of schools with grade 6–11
or no grade given (a row without a grade may well be of those grades; a row of grade 1–5 is
not), and, as in every count, only where the school named nobody at that activity (named wins).

Both sums are kept per school year in counters (``counters.py``: per student, per school),
which the reports read after settling this transaction's changes; ``counted=False`` sums the
rows instead, as ``partnercrm hours --verify`` does to compare. Which rows give hours is
written once (:func:`named_hours`, :func:`unnamed_rows`) for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from partnercrm.activities.changes import settle
from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.activities.queries import school_named_someone
from partnercrm.activities.queries import school_year_key as school_year_key  # for counters.py
from partnercrm.activities.rules import NO_GRADE, ActivityKind, ActivityStatus
from partnercrm.database import SessionLike
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.localtime import Period
from partnercrm.profminimum.models import (
    HeadcountHoursCount,
    ProfminimumLevel,
    StudentHoursCount,
)
from partnercrm.profminimum.rules import (
    BANDS,
    DEFAULT_LEVEL,
    GRADES,
    TARGET_HOURS,
    school_year_period,
)
from partnercrm.students.models import Student


@dataclass(frozen=True)
class Scope:
    """Whose students are counted: the region (both None), a municipality or one school."""

    municipality_id: int | None = None
    school_id: int | None = None


REGION = Scope()


class By(StrEnum):
    """What a summary is broken down by."""

    MUNICIPALITY = "municipality"
    SCHOOL = "school"
    CLASS = "class"


@dataclass(frozen=True)
class Summary:
    """Students counted, those who reached their target, the bands of hours, and the
    student-hours of headcount rows (never any student's) of one part of a breakdown."""

    # A municipality's or school's id, a class's (grade, letter); None for a total.
    key: Any
    label: str
    students: int
    reached: int
    bands: dict[str, int]
    unnamed_hours: Decimal = Decimal(0)

    @property
    def below(self) -> int:
        return self.students - self.reached

    @property
    def reached_share(self) -> float:
        return self.reached / self.students if self.students else 0.0


def total(parts: Sequence[Summary], label: str = "") -> Summary:
    """The sum of ``parts`` (each student belongs to one school, so parts add up)."""
    return Summary(
        key=None,
        label=label,
        students=sum(part.students for part in parts),
        reached=sum(part.reached for part in parts),
        bands={name: sum(part.bands[name] for part in parts) for name, _lowest in BANDS},
        unnamed_hours=sum((part.unnamed_hours for part in parts), Decimal(0)),
    )


@dataclass(frozen=True)
class StudentHours:
    """One student's line of a class table (names: the own school's staff only)."""

    student_id: int
    full_name: str
    class_name: str
    hours: Decimal
    target: int

    @property
    def reached(self) -> bool:
        return self.hours >= self.target

    @property
    def missing(self) -> Decimal:
        """The hours still missing to the target (0 once reached)."""
        return max(Decimal(self.target) - self.hours, Decimal(0))

    @property
    def percent(self) -> int:
        """The progress bar's width: hours as a percentage of the target, at most 100."""
        return min(100, int(self.hours * 100 / self.target)) if self.target else 100


@dataclass(frozen=True)
class StudentYear:
    """A student's school year: hours, target, and the activities that gave them."""

    hours: Decimal
    target: int
    activities: list = field(default_factory=list)

    @property
    def missing(self) -> Decimal:
        return max(Decimal(self.target) - self.hours, Decimal(0))

    @property
    def percent(self) -> int:
        return min(100, int(self.hours * 100 / self.target)) if self.target else 100


# --- building blocks ---


def target_hours(level: sa.orm.QueryableAttribute[Any]) -> sa.ColumnElement[int]:
    """The target of a school whose level for the year is ``level`` (NULL: the default)."""
    return sa.case(
        *[
            (level == chosen, hours)
            for chosen, hours in TARGET_HOURS.items()
            if chosen is not DEFAULT_LEVEL
        ],
        else_=TARGET_HOURS[DEFAULT_LEVEL],
    )


def gives_hours() -> list[sa.ColumnElement[bool]]:
    """Conditions on :class:`Activity`: it gives its hours — held, with hours (parent meetings
    have none, and give none anyway)."""
    return [
        Activity.status == ActivityStatus.HELD,
        Activity.kind != ActivityKind.PARENT_MEETING,
        Activity.hours.is_not(None),
    ]


def started_in(period: Period) -> sa.ColumnElement[bool]:
    """Condition on :class:`Activity`: it started on a local date of ``period``."""
    return Activity.starts_on.between(period.start, period.end)


def named_hours(*where: sa.ColumnElement[bool]) -> sa.Select:
    """The participations that give their student hours (and ``where``), joined to their
    activity; no columns yet: the raw count and the counters choose theirs."""
    return (
        sa.select()
        .select_from(Participation)
        .join(Activity, Activity.id == Participation.activity_id)
        .where(*gives_hours(), *where)
    )


def unnamed_rows(*where: sa.ColumnElement[bool]) -> sa.Select:
    """The headcount rows whose student-hours count (and ``where``), joined to their activity:
    of activities that give hours, of grade 6–11 or none given, where the school named nobody;
    no columns yet."""
    return (
        sa.select()
        .select_from(Headcount)
        .join(Activity, Activity.id == Headcount.activity_id)
        .where(
            *gives_hours(),
            sa.or_(Headcount.grade == NO_GRADE, Headcount.grade.between(*GRADES)),
            ~school_named_someone(),
            *where,
        )
    )


def hours_by_student(period: Period, scope: Scope = REGION) -> sa.Subquery:
    """``student_id, hours``: the hours in ``period`` of each named participant (only students
    with some; the others have 0), of the students of ``scope``'s schools, counted from the
    rows: a school's or a municipality's page sums its own students' participations, not the
    region's."""
    query = (
        named_hours(started_in(period))
        .add_columns(Participation.student_id, sa.func.sum(Activity.hours).label("hours"))
        .group_by(Participation.student_id)
    )
    if scope.school_id is not None:
        query = query.join(Student, Student.id == Participation.student_id).where(
            Student.school_id == scope.school_id
        )
    elif scope.municipality_id is not None:
        school = aliased(Organization)
        query = (
            query.join(Student, Student.id == Participation.student_id)
            .join(school, school.id == Student.school_id)
            .where(school.municipality_id == scope.municipality_id)
        )
    return query.subquery("student_hours")


def _school_scope(school: type[Organization], scope: Scope) -> list[sa.ColumnElement[bool]]:
    conditions = [school.kind == OrganizationKind.SCHOOL]
    if scope.municipality_id is not None:
        conditions.append(school.municipality_id == scope.municipality_id)
    if scope.school_id is not None:
        conditions.append(school.id == scope.school_id)
    return conditions


def counted_students(first_year: int, scope: Scope = REGION, counted: bool = True) -> sa.Select:
    """The students counted in the school year starting in ``first_year``, one row each:
    ``student_id, school_id, municipality_id, grade, class_letter, hours`` (0 when none),
    ``target``. The hours are read from the counters (the caller settles them first), or
    with ``counted=False`` summed from the rows."""
    hours: sa.FromClause
    if counted:
        hours = StudentHoursCount.__table__
        joined = sa.and_(hours.c.student_id == Student.id, hours.c.school_year == first_year)
    else:
        hours = hours_by_student(school_year_period(first_year), scope)
        joined = hours.c.student_id == Student.id
    school = aliased(Organization)
    return (
        sa.select(
            Student.id.label("student_id"),
            Student.school_id,
            school.municipality_id,
            Student.grade,
            Student.class_letter,
            sa.func.coalesce(hours.c.hours, 0).label("hours"),
            target_hours(ProfminimumLevel.level).label("target"),
        )
        .join(school, school.id == Student.school_id)
        .outerjoin(hours, joined)
        .outerjoin(
            ProfminimumLevel,
            sa.and_(
                ProfminimumLevel.school_id == Student.school_id,
                ProfminimumLevel.school_year == first_year,
            ),
        )
        .where(
            Student.archived_at.is_(None),
            Student.grade.between(*GRADES),
            *_school_scope(school, scope),
        )
    )


def _band_conditions(hours: sa.ColumnElement) -> list[tuple[str, sa.ColumnElement[bool]]]:
    """Each band of :data:`BANDS` with its condition on ``hours``, as ``rules.band`` sorts:
    "0" is none; the first other band is more than 0 (fractions too) and below the next."""
    conditions = []
    for index, (name, lowest) in enumerate(BANDS):
        if index == 0:
            condition = hours <= 0
        else:
            condition = hours > 0 if index == 1 else hours >= lowest
            if index + 1 < len(BANDS):
                condition = sa.and_(condition, hours < BANDS[index + 1][1])
        conditions.append((name, condition))
    return conditions


def _counts(rows: sa.Subquery) -> list[sa.ColumnElement]:
    """Students, reached and one column per band over ``rows`` (a :func:`counted_students`)."""
    return [
        sa.func.count().label("students"),
        sa.func.sum(sa.case((rows.c.hours >= rows.c.target, 1), else_=0)).label("reached"),
        *[
            sa.func.sum(sa.case((condition, 1), else_=0)).label(f"band{index}")
            for index, (_name, condition) in enumerate(_band_conditions(rows.c.hours))
        ],
    ]


def _summary(key, label: str, row, unnamed: Decimal | None = None) -> Summary:
    students = int(row.students or 0) if row is not None else 0
    return Summary(
        key=key,
        label=label,
        students=students,
        reached=int(row.reached or 0) if row is not None else 0,
        bands={
            name: int(getattr(row, f"band{index}") or 0) if row is not None else 0
            for index, (name, _lowest) in enumerate(BANDS)
        },
        unnamed_hours=Decimal(unnamed or 0),
    )


# --- headcounts: student-hours without names ---


def unnamed_hours(
    session: SessionLike, first_year: int, scope: Scope, by: By, counted: bool = True
) -> dict[int, Decimal]:
    """Student-hours of headcount rows per municipality or school (``by``) of the school year:
    ``SUM(headcount.count × activity.hours)`` read from the counters, or with
    ``counted=False`` summed from the rows; one statement."""
    if counted:
        settle(session)
        query = sa.select(HeadcountHoursCount.school_id, HeadcountHoursCount.hours).where(
            HeadcountHoursCount.school_year == first_year
        )
    else:
        query = unnamed_rows(started_in(school_year_period(first_year))).add_columns(
            Headcount.school_id, (Headcount.count * Activity.hours).label("hours")
        )
    given = query.subquery("given")
    school = aliased(Organization)
    key = school.municipality_id if by is By.MUNICIPALITY else school.id
    rows = session.execute(
        sa.select(key, sa.func.sum(given.c.hours))
        .join(school, school.id == given.c.school_id)
        .where(*_school_scope(school, scope))
        .group_by(key)
    ).all()
    return {row[0]: Decimal(row[1] or 0) for row in rows}


def _student_hours(
    session: SessionLike, first_year: int, scope: Scope, counted: bool
) -> dict[int, Decimal]:
    rows = counted_students(first_year, scope, counted).subquery("counted")
    return {
        student: hours
        for student, hours in session.execute(sa.select(rows.c.student_id, rows.c.hours))
    }


def disagreements(session: SessionLike, first_year: int, scope: Scope) -> list[str]:
    """Where the counters' answer for the school year in ``scope`` differs from a count of the
    rows (``partnercrm hours --verify``): one line per student whose hours differ and per
    school whose student-hours without names differ; empty: they agree. Every summary is
    made of these, so then they agree too."""
    settle(session)
    kept, recounted = (
        _student_hours(session, first_year, scope, counted) for counted in (True, False)
    )
    found = [
        f"student {key}: counters {kept[key]} h, rows {recounted[key]} h"
        for key in sorted(kept)
        if kept[key] != recounted[key]
    ]
    kept, recounted = (
        unnamed_hours(session, first_year, scope, By.SCHOOL, counted) for counted in (True, False)
    )
    found += [
        f"school {key}: student-hours without names: counters {kept.get(key, 0)},"
        f" rows {recounted.get(key, 0)}"
        for key in sorted(kept.keys() | recounted.keys())
        if kept.get(key, 0) != recounted.get(key, 0)
    ]
    return found


# --- summaries ---


def summaries(session: SessionLike, first_year: int, scope: Scope, by: By) -> list[Summary]:
    """A breakdown of ``scope`` in the school year by municipality (every municipality of the
    scope, zeros included), school (every school of the scope) or class (the classes with
    students counted), each with its students, reached and bands; two statements (the
    students, the headcounts). A class breakdown has no headcount hours (a headcount row has
    no class): see :func:`unnamed_hours` for the school's."""
    settle(session)
    rows = counted_students(first_year, scope).subquery("counted")
    if by is By.CLASS:
        result = session.execute(
            sa.select(rows.c.grade, rows.c.class_letter, *_counts(rows))
            .group_by(rows.c.grade, rows.c.class_letter)
            .order_by(rows.c.grade, rows.c.class_letter)
        ).all()
        return [
            _summary((row.grade, row.class_letter), f"{row.grade}{row.class_letter or ''}", row)
            for row in result
        ]
    unnamed = unnamed_hours(session, first_year, scope, by)
    if by is By.MUNICIPALITY:
        parts = (
            sa.select(rows.c.municipality_id.label("key"), *_counts(rows))
            .group_by(rows.c.municipality_id)
            .subquery("parts")
        )
        query = sa.select(Municipality.id, Municipality.name, parts).outerjoin(
            parts, parts.c.key == Municipality.id
        )
        if scope.municipality_id is not None:
            query = query.where(Municipality.id == scope.municipality_id)
        query = query.order_by(Municipality.name)
    else:
        parts = (
            sa.select(rows.c.school_id.label("key"), *_counts(rows))
            .group_by(rows.c.school_id)
            .subquery("parts")
        )
        label = sa.func.coalesce(Organization.short_name, Organization.name)
        query = (
            sa.select(Organization.id, label, parts)
            .outerjoin(parts, parts.c.key == Organization.id)
            .where(*_school_scope(Organization, scope))
            .order_by(label)
        )
    return [_summary(row[0], row[1], row, unnamed.get(row[0])) for row in session.execute(query)]


def classes_behind(
    session: SessionLike, first_year: int, school_id: int, limit: int = 3
) -> list[Summary]:
    """The classes of a school furthest behind: the smallest share reaching the target, then
    the most students below it; one statement."""
    settle(session)
    rows = counted_students(first_year, Scope(school_id=school_id)).subquery("counted")
    counts = _counts(rows)
    students, reached = counts[0], counts[1]
    result = session.execute(
        sa.select(rows.c.grade, rows.c.class_letter, *counts)
        .group_by(rows.c.grade, rows.c.class_letter)
        .having(students > reached)
        .order_by(
            (reached * 1.0 / students).asc(),
            (students - reached).desc(),
            rows.c.grade,
            rows.c.class_letter,
        )
        .limit(limit)
    ).all()
    return [
        _summary((row.grade, row.class_letter), f"{row.grade}{row.class_letter or ''}", row)
        for row in result
    ]


# --- one school's names (the own school's staff only) ---


class Order(StrEnum):
    """How a class table is sorted."""

    MISSING = "missing"  # below the target first, the most missing first
    NAME = "name"
    HOURS = "hours"  # the most hours first


def class_hours(
    session: SessionLike,
    first_year: int,
    school_id: int,
    grade: int,
    letter: str | None,
    order: Order = Order.MISSING,
) -> list[StudentHours]:
    """The students of one class with their hours and target in ``order`` (then by name); one
    statement."""
    settle(session)
    rows = counted_students(first_year, Scope(school_id=school_id)).subquery("counted")
    letter_matches = (
        rows.c.class_letter.is_(None) if letter is None else rows.c.class_letter == letter
    )
    sort: list[sa.ColumnElement[Any]] = []
    if order is Order.MISSING:
        sort = [
            sa.case((rows.c.hours >= rows.c.target, 1), else_=0),
            (rows.c.target - rows.c.hours).desc(),
        ]
    elif order is Order.HOURS:
        sort = [rows.c.hours.desc()]
    result = session.execute(
        sa.select(Student.full_name, *rows.c)
        .join(rows, rows.c.student_id == Student.id)
        .where(rows.c.grade == grade, letter_matches)
        .order_by(*sort, Student.full_name, Student.id)
    ).all()
    return [
        StudentHours(
            student_id=row.student_id,
            full_name=row.full_name,
            class_name=f"{row.grade}{row.class_letter or ''}",
            hours=Decimal(row.hours),
            target=int(row.target),
        )
        for row in result
    ]


def school_classes(session: SessionLike, school_id: int) -> list[tuple[int, str | None]]:
    """The classes (grade, letter) of grades 6–11 with active students: the class picker."""
    return [
        (row.grade, row.class_letter)
        for row in session.execute(
            sa.select(Student.grade, Student.class_letter)
            .where(
                Student.school_id == school_id,
                Student.archived_at.is_(None),
                Student.grade.between(*GRADES),
            )
            .group_by(Student.grade, Student.class_letter)
            .order_by(Student.grade, Student.class_letter)
        )
    ]


def school_target(session: SessionLike, school_id: int, first_year: int) -> int:
    """The school's target hours for the school year (its level; default basic)."""
    level = session.scalar(
        sa.select(ProfminimumLevel.level).where(
            ProfminimumLevel.school_id == school_id, ProfminimumLevel.school_year == first_year
        )
    )
    return TARGET_HOURS[level or DEFAULT_LEVEL]


@dataclass(frozen=True)
class GivenHours:
    activity_id: int
    title: str
    starts_on: date
    hours: Decimal


def student_year(session: SessionLike, student: Student, first_year: int) -> StudentYear:
    """The student's hours of the school year, the school's target, and the activities that
    gave them (oldest first); two statements. The hours are the sum of the activities listed,
    the same rows :func:`hours_by_student` sums."""
    given = [
        GivenHours(row.id, row.title, row.starts_on, Decimal(row.hours))
        for row in session.execute(
            named_hours(
                Participation.student_id == student.id,
                started_in(school_year_period(first_year)),
            )
            .add_columns(Activity.id, Activity.title, Activity.starts_on, Activity.hours)
            .order_by(Activity.starts_on, Activity.id)
        )
    ]
    return StudentYear(
        hours=sum((item.hours for item in given), Decimal(0)),
        target=school_target(session, student.school_id, first_year),
        activities=given,
    )
