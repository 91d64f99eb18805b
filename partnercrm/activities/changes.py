"""Which counted figures a transaction may have moved, so that the counters kept of them
(``indicators/counters.py``, ``profminimum/counters.py``, ``activities/counters.py``; issue
#18) move with it.

Every flush marks the students whose counted participations may have changed (a participation
added or removed; an activity's status, date, kind, host, organizer, hours or visiting
schools; an organization's kind or municipality; the student's school, grade or ОВЗ flag), the
schools whose headcounts may have (a headcount row; a change of its activity; a student of the
school named or no longer named at an activity, since named wins) and the indicators whose
rule changed. The packages that keep counters register a *settler*; :func:`settle` hands it
the marks, and the settler recomputes the counters of those students, schools and indicators
from their rows.

Marks gather over the transaction's flushes and are settled before it commits (the
``before_commit`` listener) and before any counter is read (readers call :func:`settle`), in
the same transaction: an official figure is never behind the rows it counts. Recomputing a
marked student from their rows is exact whatever changed, so marking more than needed only
costs time, never correctness. A participation added is marked apart (``Marks.added``): it can
only add to its student's counts, so a settler may add what it counts instead of recomputing
the student (an import's thousands of rows); anything else about it is marked as above.
Rows the database deletes by ON DELETE CASCADE (an activity's participations) are read before
the flush that deletes them. Rows written behind the session's back (bulk loads, a restored
backup) are not seen: ``partnercrm counters rebuild``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from partnercrm.activities.models import Activity, Headcount, Participation, activity_school
from partnercrm.database import Model, SessionLike, savepoint
from partnercrm.directory.models import Organization
from partnercrm.localtime import month_number
from partnercrm.roadmap.models import Indicator
from partnercrm.students.models import Student

# The attributes whose change can move a figure (relationships too: setting ``host`` moves
# ``host_id`` only during the flush).
ACTIVITY_FIELDS = (
    "status",
    "starts_on",
    "kind",
    "host_id",
    "host",
    "organizer_id",
    "organizer",
    "hours",
    "schools",  # the municipalities a dashboard counts it in (activities/counters.py)
)
STUDENT_FIELDS = ("school_id", "school", "grade", "ovz")
ORGANIZATION_FIELDS = ("kind", "municipality_id", "municipality")

_MARKS = "partnercrm.counter_marks"
# Ids per IN list: well below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
CHUNK = 5000
# The PostgreSQL advisory lock key of settling ("counters" in ASCII).
SETTLE_LOCK = 0x636F756E74657273


@dataclass
class Marks:
    """What to recount. ``students`` and ``schools`` whole; ``student_months`` and
    ``school_months`` only in one month (YYYYMM) — a participation or headcount changed or
    removed moves its activity's month alone; ``indicators`` whole. The flushes gather
    ``participations`` (student, activity) and ``headcounts`` (school, activity), which
    :func:`settle` turns into months. ``added``: the participations inserted, {id: (student,
    activity)}, whose counts a settler adds (before it recounts what else is marked, which
    then starts from rows that include them)."""

    added: dict[int, tuple[int, int]] = field(default_factory=dict)
    students: set[int] = field(default_factory=set)
    schools: set[int] = field(default_factory=set)
    indicators: set[int] = field(default_factory=set)
    student_months: set[tuple[int, int]] = field(default_factory=set)
    school_months: set[tuple[int, int]] = field(default_factory=set)
    participations: set[tuple[int, int]] = field(default_factory=set)
    headcounts: set[tuple[int, int]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any(vars(self).values())

    def months(self, pairs: set[tuple[int, int]], whole: set[int]) -> dict[int, set[int]]:
        """``pairs`` (id, month) of ids not marked ``whole``, as {month: ids}."""
        by_month: dict[int, set[int]] = {}
        for key, month in pairs:
            if key not in whole:
                by_month.setdefault(month, set()).add(key)
        return by_month


Settler = Callable[[Session, Marks], None]
_SETTLERS: list[Settler] = []
Progress = Callable[[str], None]


@dataclass(frozen=True)
class KeptCounters:
    """A package's counters, for ``partnercrm counters``: ``rebuild(session, progress)``
    recomputes them all from the rows (the caller commits); ``differences(session)`` says how
    they differ from a recount, one line each (empty: they agree)."""

    name: str
    rebuild: Callable[[Session, Progress | None], None]
    differences: Callable[[Session], list[str]]


_KEPT: list[KeptCounters] = []


def register_settler(settler: Settler) -> None:
    """``settler(session, marks)`` recomputes its counters of the marked students, schools
    and indicators (a package's ``register`` calls this once per process)."""
    if settler not in _SETTLERS:
        _SETTLERS.append(settler)


def register_counters(kept: KeptCounters) -> None:
    """Make ``partnercrm counters rebuild|verify`` cover ``kept`` (once per process)."""
    if kept not in _KEPT:
        _KEPT.append(kept)


def kept_counters() -> list[KeptCounters]:
    return list(_KEPT)


def register_change_marking() -> None:
    """Listen once per process; register the counters kept in this package."""
    from partnercrm.activities.counters import register

    register()
    if sa.event.contains(Session, "before_flush", _before_flush):
        return
    sa.event.listen(Session, "before_flush", _before_flush)
    sa.event.listen(Session, "after_flush", _after_flush)
    sa.event.listen(Session, "before_commit", _before_commit)


def marks(session: Session) -> Marks:
    return session.info.setdefault(_MARKS, Marks())


def chunks(ids: Iterable, size: int = CHUNK) -> Iterable[list]:
    """``ids`` sorted, in lists short enough for an ``IN``."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def among(
    column: sa.orm.InstrumentedAttribute[int], ids: Iterable[int]
) -> Iterable[sa.ColumnElement[bool]]:
    """Conditions that ``column`` is one of ``ids``, each short enough for a statement: runs of
    consecutive ids as ``BETWEEN``, the others in an ``IN``. The rows a transaction inserts
    have mostly consecutive ids, so 20,000 of them are a few runs rather than 20,000
    parameters to bind (which SQLAlchemy expands at a cost in Python)."""
    runs: list[tuple[int, int]] = []
    for key in sorted(ids):
        if runs and runs[-1][1] == key - 1:
            runs[-1] = (runs[-1][0], key)
        else:
            runs.append((key, key))
    for part in chunks(runs, CHUNK // 2):
        singles = [low for low, high in part if low == high]
        spans = [column.between(low, high) for low, high in part if low != high]
        yield sa.or_(*([column.in_(singles)] if singles else []), *spans)


def settle(session: SessionLike) -> None:
    """Bring every counter up to the rows this transaction changed: flush, then hand the
    marks to each settler. Readers of counters call this first."""
    if isinstance(session, scoped_session):
        session = session()
    assert isinstance(session, Session)
    session.flush()
    pending = session.info.get(_MARKS)
    if not pending:
        return
    if session.in_nested_transaction():
        # These marks stay to be settled again by the outer transaction (below), and adding is
        # not idempotent (hours would be added twice): recount the added rows' months instead.
        pending.participations.update(pending.added.values())
        pending.added.clear()
    if session.get_bind().dialect.name == "postgresql":
        # One settling transaction at a time, until it ends: two that recount the same school
        # and month would each delete the rows they see and insert theirs (a duplicate key, or
        # a count missing the other's students). SQLite has one writer anyway.
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(SETTLE_LOCK)))
    _resolve(session, pending)
    for settler in _SETTLERS:
        settler(session, pending)
    # Marks settled inside a savepoint stay until the outer transaction settles them: if the
    # savepoint rolls back, the counters written in it go too and must be written again.
    if not session.in_nested_transaction():
        session.info.pop(_MARKS, None)


def _resolve(session: Session, pending: Marks) -> None:
    """Turn the flushes' participations and headcounts into months (an activity gone since:
    its student or school whole), and add the schools of marked students: named or no longer
    named at an activity, a school's headcount there counts or not. An added participant's
    school is marked only in the month of an activity where it has a headcount (named now, its
    headcount there may stop counting; elsewhere nothing of the school's changes)."""
    for added in among(Participation.id, pending.added):
        named = session.execute(
            sa.select(Headcount.school_id, Activity.starts_on)
            .distinct()
            .select_from(Participation)
            .join(Student, Student.id == Participation.student_id)
            .join(Activity, Activity.id == Participation.activity_id)
            .join(
                Headcount,
                sa.and_(
                    Headcount.activity_id == Activity.id,
                    Headcount.school_id == Student.school_id,
                ),
            )
            .where(added)
        )
        pending.school_months.update((school, month_number(day)) for school, day in named)
    activities = {activity for _key, activity in pending.participations | pending.headcounts}
    months: dict[int, int] = {}
    for ids in chunks(activities):
        months.update(
            (activity_id, month_number(day))
            for activity_id, day in session.execute(
                sa.select(Activity.id, Activity.starts_on).where(Activity.id.in_(ids))
            )
        )
    for pairs, whole, by_month in (
        (pending.participations, pending.students, pending.student_months),
        (pending.headcounts, pending.schools, pending.school_months),
    ):
        for key, activity_id in pairs:
            if activity_id in months:
                by_month.add((key, months[activity_id]))
            else:
                whole.add(key)
        pairs.clear()
    students = pending.students | {student for student, _month in pending.student_months}
    schools: dict[int, int] = {}
    for ids in chunks(students):
        rows = session.execute(sa.select(Student.id, Student.school_id).where(Student.id.in_(ids)))
        schools.update((student, school) for student, school in rows)
    pending.schools.update(schools[student] for student in pending.students if student in schools)
    pending.school_months.update(
        (schools[student], month) for student, month in pending.student_months if student in schools
    )


def counter_differences(
    session: Session, tables: Sequence[type[Model]], rebuild: Callable[[Session], None]
) -> list[str]:
    """How the counter ``tables`` differ from what ``rebuild`` writes from the rows: one line
    per table that differs (empty: they agree). The recount is written in a savepoint and
    rolled back."""
    settle(session)
    kept = {table: _rows(session, table) for table in tables}
    with savepoint(session) as transaction:
        rebuild(session)
        recounted = {table: _rows(session, table) for table in tables}
        transaction.rollback()
    found = []
    for table in tables:
        missing, extra = recounted[table] - kept[table], kept[table] - recounted[table]
        if missing or extra:
            found.append(
                f"{table.__tablename__}: {len(missing)} rows missing, {len(extra)} rows extra"
                f" (e.g. {sorted(missing or extra)[0]})"
            )
    return found


def _rows(session: Session, table: type[Model]) -> set[tuple]:
    return {tuple(row) for row in session.execute(sa.select(*table.__table__.columns))}


def _before_commit(session: Session) -> None:
    settle(session)


def _changed(obj: object, names: tuple[str, ...]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _old(obj: object, name: str) -> list:
    return [value for value in sa.inspect(obj).attrs[name].history.deleted if value is not None]


def _mark_activities(session: Session, ids: list[int], found: Marks) -> None:
    """Everyone counted at the activities ``ids``: their participants and headcount schools."""
    for chunk in chunks(ids):
        found.students.update(
            session.scalars(
                sa.select(Participation.student_id).where(Participation.activity_id.in_(chunk))
            ).all()
        )
        found.schools.update(
            session.scalars(
                sa.select(Headcount.school_id).where(Headcount.activity_id.in_(chunk))
            ).all()
        )


def _before_flush(session: Session, flush_context, instances) -> None:
    """What the rows still in the database say: the activities deleted (their participations
    go by cascade) or changed, and those of an organization whose kind changed."""
    activities = [
        obj.id for obj in session.deleted if isinstance(obj, Activity) and obj.id is not None
    ]
    activities += [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Activity) and obj.id is not None and _changed(obj, ACTIVITY_FIELDS)
    ]
    organizations = [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Organization) and _changed(obj, ORGANIZATION_FIELDS)
    ]
    if not activities and not organizations:
        return
    found = marks(session)
    with session.no_autoflush:
        for chunk in chunks(organizations):
            visited = sa.select(activity_school.c.activity_id).where(
                activity_school.c.school_id.in_(chunk)
            )
            activities += session.scalars(
                sa.select(Activity.id).where(
                    sa.or_(
                        Activity.host_id.in_(chunk),
                        Activity.organizer_id.in_(chunk),
                        Activity.id.in_(visited),
                    )
                )
            ).all()
        _mark_activities(session, activities, found)


def _after_flush(session: Session, flush_context) -> None:
    """What the flushed objects say (their ids known now; history is still the flush's)."""
    found = marks(session)
    for group in ("new", "dirty", "deleted"):
        for obj in getattr(session, group):
            if isinstance(obj, Participation) and group == "new":
                found.added[obj.id] = (obj.student_id, obj.activity_id)
            elif isinstance(obj, Participation):
                found.participations.update(_pairs(obj, "student_id"))
            elif isinstance(obj, Headcount):
                found.headcounts.update(_pairs(obj, "school_id"))
            elif isinstance(obj, Student):
                # A new student has taken part in nothing yet.
                if group == "new" or (group == "dirty" and not _changed(obj, STUDENT_FIELDS)):
                    continue
                found.students.add(obj.id)
                found.schools.update([obj.school_id, *_old(obj, "school_id")])
            elif isinstance(obj, Indicator) and (group != "dirty" or _changed(obj, ("rule",))):
                # Deleted too: its counters go with it.
                found.indicators.add(obj.id)
    found.students.discard(None)
    found.schools.discard(None)


def _pairs(row: Participation | Headcount, key: str) -> set[tuple[int, int]]:
    """(student or school, activity) of a participation or headcount, before and after."""
    keys = {getattr(row, key), *_old(row, key)}
    activities = {row.activity_id, *_old(row, "activity_id")}
    return {(k, a) for k in keys for a in activities if k is not None and a is not None}
