"""Counters of the ``students`` indicators (issue #18; docs/counting-rules.md «Counters»), kept
in the transaction of every change and read by the reports instead of raw participations.

Four tables (``models.py``), all derived from the rows ``queries.py`` counts, by the same
compiled rule (``compiler.py``):

- ``indicator_student_month``: each student an indicator counts in a month (YYYYMM), with the
  student's school and grade; the distinct count of any run of whole months is a
  ``COUNT(DISTINCT student_id)`` over it;
- ``indicator_school_month`` and ``indicator_school_year``: the distinct students per school
  and grade in a month and in a calendar year, summed from the first; a calendar year's report
  adds a few hundred rows;
- ``indicator_headcount_month``: the headcounts that count, per school, grade and month.

Keeping them: :func:`settle_counters` (the settler registered with ``activities.changes``)
adds the month rows of the participations added that their students lack (an import's rows:
nothing else of those students is read), recomputes the marked students' month rows from their
participations (all months, or the month marked), writes the rows that differ, adds what both
change to the school summaries (:class:`SummaryDeltas`), and recomputes the marked schools'
headcount rows; an indicator whose rule changed is rebuilt whole. :func:`rebuild` recomputes
everything (``partnercrm counters rebuild``, the migration that made the tables).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from partnercrm.activities.changes import (
    KeptCounters,
    Marks,
    Progress,
    among,
    chunks,
    counter_differences,
    register_counters,
    register_settler,
    settle,
)
from partnercrm.activities.models import Activity, Headcount, Participation
from partnercrm.activities.queries import school_named_someone
from partnercrm.database import SessionLike
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.indicators.compiler import (
    Scope,
    counts_activity,
    counts_headcount,
    counts_student,
    grade_band_expression,
    headcount_amount,
    held_in,
    month_key,
)
from partnercrm.indicators.models import (
    HeadcountMonthCount,
    SchoolMonthCount,
    SchoolYearCount,
    StudentMonthCount,
    student_months_added,
)
from partnercrm.indicators.rules import Count, Rule, parse_rule
from partnercrm.localtime import Period, month_number
from partnercrm.roadmap.models import Indicator
from partnercrm.students.models import Student

TABLES = (StudentMonthCount, SchoolMonthCount, SchoolYearCount, HeadcountMonthCount)


def register() -> None:
    register_settler(settle_counters)
    register_counters(KeptCounters("indicators", rebuild, differences))


def student_indicators(session: SessionLike) -> dict[int, Rule]:
    """Every indicator of every programme that counts students, with its rule."""
    rules = {
        indicator_id: parse_rule(data)
        for indicator_id, data in session.execute(sa.select(Indicator.id, Indicator.rule)).all()
    }
    return {key: rule for key, rule in rules.items() if rule.count is Count.STUDENTS}


# --- what a rule counts, per student and month, per school and month ---


def counts_participant(rule: Rule, host, organizer) -> sa.ColumnElement[bool]:
    """Whether ``rule`` counts a participation: its held activity and its student."""
    students = counts_student(rule)
    counted = counts_activity(rule, Activity, host, organizer)
    return counted if students is None else sa.and_(counted, students)


def student_months(indicator_id: int, rule: Rule, *where: sa.ColumnElement[bool]) -> sa.Select:
    """``indicator_student_month`` rows of ``rule`` (of the students ``where`` selects)."""
    query, host, organizer = held_in()
    conditions = [counts_participant(rule, host, organizer), *where]
    return (
        query.with_only_columns(
            sa.literal(indicator_id, sa.Integer),
            Participation.student_id,
            month_key(Activity.starts_on),
            Student.school_id,
            Student.grade,
        )
        .join(Participation, Participation.activity_id == Activity.id)
        .join(Student, Student.id == Participation.student_id)
        .where(*conditions)
        .distinct()
    )


def headcount_months(indicator_id: int, rule: Rule, *where: sa.ColumnElement[bool]) -> sa.Select:
    """``indicator_headcount_month`` rows of ``rule`` (of the headcounts ``where`` selects)."""
    query, host, organizer = held_in()
    conditions = [counts_activity(rule, Activity, host, organizer), ~school_named_someone(), *where]
    rows = counts_headcount(rule)
    if rows is not None:
        conditions.append(rows)
    month = month_key(Activity.starts_on)
    return (
        query.with_only_columns(
            sa.literal(indicator_id, sa.Integer),
            month,
            Headcount.school_id,
            Headcount.grade,
            sa.func.sum(headcount_amount(rule)),
        )
        .join(Headcount, Headcount.activity_id == Activity.id)
        .where(*conditions)
        .group_by(month, Headcount.school_id, Headcount.grade)
    )


_STUDENT_COLUMNS = ["indicator_id", "student_id", "month", "school_id", "grade"]
_STUDENT_KEY = _STUDENT_COLUMNS[:3]
_HEADCOUNT_COLUMNS = ["indicator_id", "month", "school_id", "grade", "amount"]
_SUMMARY_COLUMNS = ["indicator_id", "month", "school_id", "grade", "students"]
_YEAR_COLUMNS = ["indicator_id", "year", "school_id", "grade", "students"]


def _summarize(
    session: Session,
    ids: list[int],
    schools: list[int] | None = None,
    months: list[int] | None = None,
) -> None:
    """Write the school summaries of the month rows of ``ids`` (of ``schools`` in ``months``
    and the years of those months, if given; their old summaries gone)."""
    counted = StudentMonthCount
    year = counted.month // 100
    by_month: list[sa.ColumnElement[bool]] = [counted.indicator_id.in_(ids)]
    by_year: list[sa.ColumnElement[bool]] = [counted.indicator_id.in_(ids)]
    if schools is not None and months is not None:
        by_month += [counted.school_id.in_(schools), counted.month.in_(months)]
        # Months of the years as ranges, so the index on (indicator, school, month) serves.
        years = sorted({m // 100 for m in months})
        by_year += [
            counted.school_id.in_(schools),
            sa.or_(*[counted.month.between(y * 100 + 1, y * 100 + 12) for y in years]),
        ]
    session.execute(
        sa.insert(SchoolMonthCount).from_select(
            _SUMMARY_COLUMNS,
            sa.select(
                counted.indicator_id,
                counted.month,
                counted.school_id,
                counted.grade,
                sa.func.count(),
            )
            .where(*by_month)
            .group_by(counted.indicator_id, counted.month, counted.school_id, counted.grade),
        )
    )
    session.execute(
        sa.insert(SchoolYearCount).from_select(
            _YEAR_COLUMNS,
            sa.select(
                counted.indicator_id,
                year,
                counted.school_id,
                counted.grade,
                sa.func.count(sa.distinct(counted.student_id)),
            )
            .where(*by_year)
            .group_by(counted.indicator_id, year, counted.school_id, counted.grade),
        )
    )


# --- keeping them ---


def settle_counters(session: Session, marks: Marks) -> None:
    """Recompute the counters of the marked indicators (whole), students and schools."""
    rules = student_indicators(session)
    if marks.indicators:
        _drop(session, list(marks.indicators))
        fresh = {key: rule for key, rule in rules.items() if key in marks.indicators}
        if fresh:
            _build(session, fresh)
    rules = {key: rule for key, rule in rules.items() if key not in marks.indicators}
    if not rules:
        return
    deltas = SummaryDeltas(list(rules))
    _add_participations(session, rules, marks.added, deltas)
    if marks.students:
        _recount_students(session, rules, marks.students, deltas)
    for month, students in marks.months(marks.student_months, marks.students).items():
        _recount_students(session, rules, students, deltas, month)
    deltas.apply(session)
    _recount_headcounts(
        session, rules, marks.schools, marks.months(marks.school_months, marks.schools)
    )


def _started_in(month: int | None) -> list[sa.ColumnElement[bool]]:
    """Activities started in ``month`` (YYYYMM; any month if None)."""
    if month is None:
        return []
    period = Period.month(month // 100, month % 100)
    return [Activity.starts_on.between(period.start, period.end)]


def _add_participations(
    session: Session, rules: dict[int, Rule], added: Iterable[int], deltas: SummaryDeltas
) -> None:
    """Add the month rows the participations ``added`` (ids) count and their students lack,
    and what they add to the school summaries: per school month the rows written, per school
    year the students no month of the year counted before. Nothing is read of the students'
    other rows but whether one exists (an added participation can only add a row). The rows
    are found once, into ``student_months_added``, and each run of ids is written before the
    next is read (a student may be added in two runs)."""
    counted = cast(sa.Table, StudentMonthCount.__table__)
    staged = student_months_added
    for ids in among(Participation.id, added):
        flagged = _counts(rules, ids).cte("flagged")
        new = sa.union_all(
            *(
                sa.select(
                    sa.literal(indicator_id, sa.Integer).label("indicator_id"),
                    *(flagged.c[name] for name in _STUDENT_COLUMNS[1:]),
                ).where(flagged.c[f"counts_{i}"] == 1)
                for i, indicator_id in enumerate(rules)
            )
        ).cte("new")
        same = [
            counted.c.indicator_id == new.c.indicator_id,
            counted.c.student_id == new.c.student_id,
        ]
        year = new.c.month // 100
        unseen_year = ~sa.exists().where(
            *same, counted.c.month.between(year * 100 + 1, year * 100 + 12)
        )
        # Of a student's new rows in a year, the first (by month) counts them in the year, if
        # no month of it did before.
        first = new.c.month == sa.func.min(new.c.month).over(
            partition_by=(new.c.indicator_id, new.c.student_id, year)
        )
        unseen_month = ~sa.exists().where(*same, counted.c.month == new.c.month)
        written = sa.select(
            new, sa.case((sa.and_(first, unseen_year), 1), else_=0).label("new_in_year")
        ).where(unseen_month)
        session.execute(sa.insert(staged).from_select([*_STUDENT_COLUMNS, "new_in_year"], written))
        keys = [staged.c[name] for name in _SUMMARY_COLUMNS[:4]]
        for row in session.execute(
            sa.select(*keys, sa.func.count(), sa.func.sum(staged.c.new_in_year)).group_by(*keys)
        ):
            indicator_id, month, school, grade, rows, students = tuple(row)
            deltas.months[(indicator_id, month, school, grade)] += rows
            deltas.years[(indicator_id, month // 100, school, grade)] += students
        session.execute(
            sa.insert(counted).from_select(
                _STUDENT_COLUMNS, sa.select(*(staged.c[name] for name in _STUDENT_COLUMNS))
            )
        )
        session.execute(sa.delete(staged))


def _recount_students(
    session: Session,
    rules: dict[int, Rule],
    students: set[int],
    deltas: SummaryDeltas,
    month: int | None = None,
) -> None:
    """Recount the month rows of ``students`` (in ``month`` only, if given), noting what the
    rows written and deleted change in the school summaries."""
    ids = list(rules)
    counted = cast(sa.Table, StudentMonthCount.__table__)
    for chunk in chunks(students):
        # Only the rows that differ are written, and only their (school, month) pairs are
        # summarized again: a marked student's other months (most of them, after an import
        # into one month) cost a read, not a school's recount.
        kept = _student_rows(
            session,
            sa.select(*(counted.c[name] for name in _STUDENT_COLUMNS)).where(
                counted.c.indicator_id.in_(ids),
                counted.c.student_id.in_(chunk),
                *([] if month is None else [counted.c.month == month]),
            ),
        )
        fresh = _counted_rows(
            session, rules, Participation.student_id.in_(chunk), *_started_in(month)
        )
        gone, added = kept - fresh, fresh - kept
        if gone:
            key = [counted.c[name] == sa.bindparam(f"_{name}") for name in _STUDENT_KEY]
            session.execute(
                sa.delete(counted).where(*key),
                [{f"_{name}": row[i] for i, name in enumerate(_STUDENT_KEY)} for row in gone],
            )
        if added:
            session.execute(
                sa.insert(counted), [dict(zip(_STUDENT_COLUMNS, row, strict=True)) for row in added]
            )
        deltas.note(session, chunk, gone, added)


class SummaryDeltas:
    """What the month rows written and deleted change in the school summaries: per (indicator,
    month, school, grade) the rows added less those deleted; per (indicator, year, school,
    grade) the students counted in the year now and not before, less the reverse (a student
    counted in another month of the year changes nothing there). Applied once per settle, to
    the summary rows concerned only. A student's rows all carry the student's school and grade
    (changing either recounts the student whole)."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self.months: Counter[tuple[int, int, int, int]] = Counter()
        self.years: Counter[tuple[int, int, int, int]] = Counter()

    def note(
        self,
        session: Session,
        students: list[int],
        gone: set[tuple[int, ...]],
        added: set[tuple[int, ...]],
    ) -> None:
        # Rows: indicator, student, month, school, grade (_STUDENT_COLUMNS).
        net: Counter[tuple[int, int, int]] = Counter()
        before: dict[tuple[int, int, int], tuple[int, int]] = {}
        for rows, sign in ((added, 1), (gone, -1)):
            for indicator_id, student, month, school, grade in rows:
                self.months[(indicator_id, month, school, grade)] += sign
                net[(indicator_id, student, month // 100)] += sign
                if sign < 0:
                    before[(indicator_id, student, month // 100)] = (school, grade)
        if not net:
            return
        counted = StudentMonthCount
        # One expression in the select and the GROUP BY (PostgreSQL compares them as written).
        year_of = counted.month // 100
        years = sorted({key[2] for key in net})
        after = {
            (indicator_id, student, year): (n, school, grade)
            for indicator_id, student, year, school, grade, n in session.execute(
                sa.select(
                    counted.indicator_id,
                    counted.student_id,
                    year_of,
                    counted.school_id,
                    counted.grade,
                    sa.func.count(),
                )
                .where(
                    counted.indicator_id.in_(self.ids),
                    counted.student_id.in_(students),
                    sa.or_(*[counted.month.between(y * 100 + 1, y * 100 + 12) for y in years]),
                )
                .group_by(
                    counted.indicator_id,
                    counted.student_id,
                    year_of,
                    counted.school_id,
                    counted.grade,
                )
            )
        }
        for key, change in net.items():
            indicator_id, _student, year = key
            n_after, school, grade = after.get(key, (0, 0, 0))
            if n_after - change > 0:
                old_school, old_grade = before.get(key, (school, grade))
                self.years[(indicator_id, year, old_school, old_grade)] -= 1
            if n_after > 0:
                self.years[(indicator_id, year, school, grade)] += 1

    def apply(self, session: Session) -> None:
        for table, period, changes in (
            (SchoolMonthCount, "month", self.months),
            (SchoolYearCount, "year", self.years),
        ):
            _add_to(session, cast(sa.Table, table.__table__), period, self.ids, changes)


def _add_to(
    session: Session, table: sa.Table, period: str, ids: list[int], changes: Counter
) -> None:
    """Add ``changes`` {(indicator, period, school, grade): n} to the summary ``table``'s
    ``students``: rows that reach 0 go, new ones are written."""
    changes = Counter({key: n for key, n in changes.items() if n})
    if not changes:
        return
    keys = ["indicator_id", period, "school_id", "grade"]
    existing: dict[tuple[int, ...], int] = {}
    for part in _by_period({(key[1], key[2]) for key in changes}):
        rows = session.execute(
            sa.select(*(table.c[name] for name in keys), table.c.students).where(
                table.c.indicator_id.in_(ids),
                sa.or_(
                    *(
                        sa.and_(table.c[period] == value, table.c.school_id.in_(schools))
                        for value, schools in part
                    )
                ),
            )
        )
        existing.update((tuple(row[:4]), row[4]) for row in rows)
    match = [table.c[name] == sa.bindparam(f"_{name}") for name in keys]
    written: dict[str, list[dict]] = {"insert": [], "update": [], "delete": []}
    for key, n in changes.items():
        old = existing.get(key, 0)
        what = "insert" if not old else "delete" if old + n == 0 else "update"
        values = {f"_{name}": value for name, value in zip(keys, key, strict=True)}
        written[what].append({**values, "_students": old + n})
    if written["delete"]:
        session.execute(sa.delete(table).where(*match), written["delete"])
    if written["update"]:
        session.execute(
            sa.update(table).where(*match).values(students=sa.bindparam("_students")),
            written["update"],
        )
    if written["insert"]:
        session.execute(
            sa.insert(table),
            [
                {**{name: row[f"_{name}"] for name in keys}, "students": row["_students"]}
                for row in written["insert"]
            ],
        )


def _counts(rules: dict[int, Rule], *where: sa.ColumnElement[bool]) -> sa.Select:
    """Student, month, school and grade of the participations ``where`` selects, with a flag
    per rule (``counts_0``, … in the order of ``rules``): whether it counts the student that
    month — :func:`student_months` of every rule in one pass over the participations."""
    query, host, organizer = held_in()
    flags = [
        sa.func.max(sa.case((counts_participant(rule, host, organizer), 1), else_=0)).label(
            f"counts_{i}"
        )
        for i, rule in enumerate(rules.values())
    ]
    month = month_key(Activity.starts_on)
    keys = (Participation.student_id, month.label("month"), Student.school_id, Student.grade)
    return (
        query.with_only_columns(*keys, *flags)
        .join(Participation, Participation.activity_id == Activity.id)
        .join(Student, Student.id == Participation.student_id)
        .where(*where)
        .group_by(*keys)
    )


def _counted_rows(
    session: Session, rules: dict[int, Rule], *where: sa.ColumnElement[bool]
) -> set[tuple[int, ...]]:
    """The ``indicator_student_month`` rows of every one of ``rules`` for the participations
    ``where`` selects (:func:`_counts`)."""
    ids = list(rules)
    # _STUDENT_COLUMNS: indicator, student, month, school, grade.
    return {
        (ids[i], student, month_, school, grade)
        for student, month_, school, grade, *counted in session.execute(_counts(rules, *where))
        for i, flag in enumerate(counted)
        if flag
    }


def _student_rows(session: Session, query: sa.Select) -> set[tuple[int, ...]]:
    """``indicator_student_month`` rows (``_STUDENT_COLUMNS``), as tuples to compare."""
    return set(map(tuple, session.execute(query)))


def _by_period(pairs: Iterable[tuple[int, int]]) -> Iterable[list[tuple[int | None, list[int]]]]:
    """(period, school) ``pairs`` in lists short enough for a statement, each of (period,
    schools): one condition per period, not the schools of every period in every one."""
    for chunk in chunks(pairs):
        by_period: dict[int | None, list[int]] = {}
        for period, school in chunk:
            by_period.setdefault(period, []).append(school)
        yield list(by_period.items())


def _recount_headcounts(
    session: Session, rules: dict[int, Rule], schools: set[int], months: dict[int, set[int]]
) -> None:
    """Recount the headcount rows of ``schools`` (every month) and of ``months`` ({month:
    schools}, in that month only), all the months in one statement per rule (an import marks a
    few schools in each of many months)."""
    kept = HeadcountMonthCount
    # Statements of (month or None for every month, schools) pairs.
    parts: list[list[tuple[int | None, list[int]]]] = [[(None, chunk)] for chunk in chunks(schools)]
    parts += _by_period((month, school) for month, ids in months.items() for school in ids)
    for part in parts:
        old = [
            sa.and_(kept.school_id.in_(ids), *([] if month is None else [kept.month == month]))
            for month, ids in part
        ]
        session.execute(sa.delete(kept).where(kept.indicator_id.in_(list(rules)), sa.or_(*old)))
        counted = sa.or_(
            *(sa.and_(Headcount.school_id.in_(ids), *_started_in(month)) for month, ids in part)
        )
        for indicator_id, rule in rules.items():
            session.execute(
                sa.insert(kept).from_select(
                    _HEADCOUNT_COLUMNS, headcount_months(indicator_id, rule, counted)
                )
            )


def _drop(session: Session, ids: Iterable[int]) -> None:
    ids = list(ids)
    for table in TABLES:
        session.execute(sa.delete(table).where(table.indicator_id.in_(ids)))


def _build(session: Session, rules: dict[int, Rule], progress: Progress | None = None) -> None:
    """Write every counter of ``rules`` (none there yet)."""
    for indicator_id, rule in rules.items():
        if progress:
            progress(f"indicator {indicator_id}: students by month")
        session.execute(
            sa.insert(StudentMonthCount).from_select(
                _STUDENT_COLUMNS, student_months(indicator_id, rule)
            )
        )
        if progress:
            progress(f"indicator {indicator_id}: headcounts by month")
        session.execute(
            sa.insert(HeadcountMonthCount).from_select(
                _HEADCOUNT_COLUMNS, headcount_months(indicator_id, rule)
            )
        )
    if progress:
        progress("schools by month and year")
    _summarize(session, list(rules))


def rebuild(session: Session, progress: Progress | None = None) -> None:
    """Recompute every counter from the rows (flushes first; the caller commits)."""
    settle(session)
    for table in TABLES:
        session.execute(sa.delete(table))
    _build(session, student_indicators(session), progress)


# --- reading them ---


def calendar_year(period: Period) -> int | None:
    """The year ``period`` is, if it is one whole calendar year."""
    year = period.start.year
    return year if (period.start, period.end) == (date(year, 1, 1), date(year, 12, 31)) else None


def whole_months(period: Period) -> bool:
    """``period`` runs from a first of the month to a last: the counters answer it."""
    return period.start.day == 1 and (period.end + timedelta(days=1)).day == 1


def _keyed(school: type[Organization], grade, key: str):
    return {
        "municipality": school.municipality_id,
        "school": school.id,
        "grade_band": grade_band_expression(grade),
    }[key]


def _scoped(query: sa.Select, table, scope: Scope) -> tuple[sa.Select, type[Organization]]:
    school = aliased(Organization)
    query = query.join(school, school.id == table.school_id).where(
        school.kind == OrganizationKind.SCHOOL
    )
    if scope.municipality_id is not None:
        query = query.where(school.municipality_id == scope.municipality_id)
    if scope.school_id is not None:
        query = query.where(table.school_id == scope.school_id)
    return query, school


def named_counts(
    session: SessionLike, ids: list[int], period: Period, scope: Scope, key: str
) -> dict[tuple[int, object], int]:
    """Distinct students each of the indicators ``ids`` counts in ``period`` (whole months),
    per ``key`` ("municipality", "school" or "grade_band"): ``{(indicator id, key): n}``. A
    calendar year adds its school summaries; other runs of months count distinct students."""
    settle(session)
    year = calendar_year(period)
    table: type[SchoolYearCount] | type[StudentMonthCount]
    value: sa.ColumnElement[int]
    if year is not None:
        table = SchoolYearCount
        query = sa.select(table.indicator_id).where(SchoolYearCount.year == year)
        value = sa.func.sum(SchoolYearCount.students)
    else:
        table = StudentMonthCount
        query = sa.select(table.indicator_id).where(
            StudentMonthCount.month.between(month_number(period.start), month_number(period.end))
        )
        value = sa.func.count(sa.distinct(StudentMonthCount.student_id))
    query, school = _scoped(query.where(table.indicator_id.in_(ids)), table, scope)
    group = _keyed(school, table.grade, key)
    rows = session.execute(
        query.add_columns(group, value).group_by(table.indicator_id, group)
    ).all()
    return {(indicator_id, part): int(n) for indicator_id, part, n in rows if n}


def headcount_counts(
    session: SessionLike, ids: list[int], period: Period, scope: Scope, key: str
) -> dict[tuple[int, object], int]:
    """What headcounts add to each of the indicators ``ids`` in ``period`` (whole months), per
    ``key``: ``{(indicator id, key): n}``."""
    settle(session)
    table = HeadcountMonthCount
    query, school = _scoped(
        sa.select(table.indicator_id).where(
            table.indicator_id.in_(ids),
            table.month.between(month_number(period.start), month_number(period.end)),
        ),
        table,
        scope,
    )
    group = _keyed(school, table.grade, key)
    rows = session.execute(
        query.add_columns(group, sa.func.sum(table.amount)).group_by(table.indicator_id, group)
    ).all()
    return {(indicator_id, part): int(n or 0) for indicator_id, part, n in rows}


def monthly_counts(
    session: SessionLike, indicator_id: int, period: Period, scope: Scope
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Distinct students and headcounts of the indicator per month of ``period`` (whole
    months): ``({(year, month): n}, {(year, month): n})``."""
    settle(session)
    result = []
    for table, value in (
        (SchoolMonthCount, SchoolMonthCount.students),
        (HeadcountMonthCount, HeadcountMonthCount.amount),
    ):
        query, _school = _scoped(
            sa.select(table.month, sa.func.sum(value)).where(
                table.indicator_id == indicator_id,
                table.month.between(month_number(period.start), month_number(period.end)),
            ),
            table,
            scope,
        )
        rows = session.execute(query.group_by(table.month)).all()
        result.append({(month // 100, month % 100): int(n or 0) for month, n in rows})
    return result[0], result[1]


def differences(session: Session) -> list[str]:
    """How the counters differ from a recount of the rows: one line per table that differs
    (empty: they agree)."""
    return counter_differences(session, TABLES, rebuild)
