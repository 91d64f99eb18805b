"""Benchmark: the yearly indicator report against one hand-written SQL query (DESIGN §5).

Generates region-scale data (22 municipalities, 200 schools, 130,000 students, 20,000
activities, 1,000,000 named participations plus headcounts) in SQLite or PostgreSQL, then times

(a) the app's report: ``queries.compute(session, Period.year(Y), REGION)``, all seven
    indicators with their per-municipality breakdowns, and
(b) ONE hand-written SQL query, the floor, that computes the same numbers (indicator 1 and the
    named and headcount parts of indicators 2, 3, 4 and 6, per municipality; the region's
    figures are the sums of the municipalities', as every student belongs to one school):
    ``HAND_SQL`` on SQLite, ``HAND_SQL_POSTGRESQL`` on PostgreSQL,

checks that both give identical numbers, then times them in interleaved rounds (app, floor, app,
floor, …; bench/timing.py) and prints the best and the median of each and the ratios (a)/(b) of
the medians and of the bests, for the region and for one municipality. Target: the region's
ratio of the medians ≤ 1.5. Then it times (c) the whole command, ``partnercrm indicators --year
Y`` in a fresh process against the same database, interleaved with (b) in this process (issue 18:
the command at or below the query; reported, not part of the exit status), and (d) the stack
alone: a fresh process that imports SQLAlchemy's ORM and the driver, connects and runs
``SELECT 1`` — the least any command on this stack takes, so what (c) adds to it is the app's.

    python bench/indicators.py --db sqlite|postgresql [--url URL] [--scale 1.0] [--year 2021]
                               [--repeat 3] [--seed 2021] [--years 3] [--keep]

The data bypass the ORM and the audit trail (Core executemany; COPY on PostgreSQL), so the
app's counters are built afterwards (``build_counters``, timed: a restored database's build). On
PostgreSQL everything lives in a schema of its own (``bench_indicators_<pid>``), dropped at the
end unless ``--keep``. The functions ``generate`` and ``compare`` are imported by
tests/test_bench_indicators.py, which keeps the hand-written query honest at a tiny scale.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.timing import interleaved, stopwatch, summary, wall_and_cpu  # noqa: E402
from partnercrm.activities.changes import kept_counters  # noqa: E402
from partnercrm.activities.models import (  # noqa: E402
    Activity,
    CampShift,
    Headcount,
    ParentMeeting,
    Participation,
    activity_school,
)
from partnercrm.directory.models import Municipality, Organization  # noqa: E402
from partnercrm.indicators import queries  # noqa: E402
from partnercrm.indicators.models import MunicipalPlan  # noqa: E402
from partnercrm.localtime import (  # noqa: E402
    Period,  # noqa: E402
    start_of_local_day,
    to_utc,
)
from partnercrm.students.models import Student  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 50_000

# Region-scale sizes at --scale 1.0 (DESIGN §5).
SCHOOLS, STUDENTS, ACTIVITIES, PARTICIPATIONS = 200, 130_000, 20_000, 1_000_000
YEARS = 3  # of history, the activities and participations above spread over them
KALININGRAD = "Калининград"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Data generation
# --------------------------------------------------------------------------------------------


@dataclass
class Generated:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class Loader:
    """Bulk inserts on one connection: COPY on PostgreSQL, executemany in batches elsewhere."""

    def __init__(self, connection: sa.Connection, progress: bool = True) -> None:
        self.connection = connection
        self.postgresql = connection.dialect.name == "postgresql"
        self.progress = progress

    def load(self, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        if self.postgresql:
            return self._copy(table, columns, rows)
        statement = table.insert()
        done, batch = 0, []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) >= BATCH:
                self.connection.execute(statement, batch)
                done += len(batch)
                batch = []
                self._report(table, done)
        if batch:
            self.connection.execute(statement, batch)
            done += len(batch)
        return done

    def _copy(self, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        raw = self.connection.connection.driver_connection
        names = ", ".join(f'"{name}"' for name in columns)
        done = 0
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                # UTCDateTime columns hold naive UTC.
                copy.write_row(
                    [
                        v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v
                        for v in row
                    ]
                )
                done += 1
                if done % BATCH == 0:
                    self._report(table, done)
        return done

    def _report(self, table: sa.Table, done: int) -> None:
        if self.progress and done % (BATCH * 4) == 0:
            log(f"  {table.name}: {done:,} rows")


def _next_id(connection: sa.Connection, table: sa.Table) -> int:
    return (connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1


def _spread(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, exactly (largest remainders)."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[
        : total - sum(parts)
    ]:
        parts[i] += 1
    return parts


def generate(
    connection: sa.Connection,
    *,
    scale: float = 1.0,
    year: int = 2021,
    seed: int = 2021,
    years: int = YEARS,
    progress: bool = True,
) -> Generated:
    """Region-scale data on a schema whose municipalities and roadmap are seeded and whose other
    tables are empty. Deterministic for a given seed and scale. ``years`` of history end with
    the year after ``year`` (one year: ``year`` alone); each year holds as many activities and
    participations as a year of the default three."""
    started = time.perf_counter()
    rng = random.Random(seed)
    loader = Loader(connection, progress)
    now = datetime(year + 1, 1, 15, 9, 0, tzinfo=UTC)
    result = Generated()

    municipalities = dict(connection.execute(sa.select(Municipality.name, Municipality.id)).all())
    kgd = municipalities[KALININGRAD]
    others = sorted(mid for name, mid in municipalities.items() if name != KALININGRAD)

    # Organizations ---------------------------------------------------------------------------
    n_schools = max(10, round(SCHOOLS * scale))
    org_id = _next_id(connection, Organization.__table__)
    orgs: list[tuple] = []
    kinds: dict[str, list[int]] = {}
    municipality_of: dict[int, int] = {}

    def organization(kind: str, municipality_id: int) -> int:
        nonlocal org_id
        oid, org_id = org_id, org_id + 1
        orgs.append(
            (
                oid,
                kind,
                f"bench-{kind}-{oid}",
                f"{kind} {oid}",
                municipality_id,
                "approved" if kind == "employer" else None,
                now,
                now,
            )
        )
        kinds.setdefault(kind, []).append(oid)
        municipality_of[oid] = municipality_id
        return oid

    # Kaliningrad has about a third of the schools; the rest are spread unevenly.
    weights = [rng.uniform(0.5, 2.0) for _ in others]
    per_municipality = [round(n_schools * 0.35)] + _spread(
        n_schools - round(n_schools * 0.35), weights
    )
    school_places = [kgd] + others
    for mid, count in zip(school_places, per_municipality, strict=True):
        for _ in range(count):
            organization("school", mid)

    def place(kgd_share: float) -> int:
        return kgd if rng.random() < kgd_share else rng.choice(others)

    for _ in range(max(6, round(400 * scale))):
        organization("employer", place(0.5))
    for _ in range(max(3, round(25 * scale))):
        organization("college", place(0.4))
    for _ in range(max(2, round(6 * scale))):
        organization("university", kgd if rng.random() < 0.8 else place(0.0))
    organization("employment_center", kgd)  # the regional centre
    for _ in range(max(1, round(12 * scale))):
        organization("employment_center", rng.choice(others))
    for _ in range(max(2, round(15 * scale))):
        organization("camp", place(0.2))
    organization("authority", kgd)

    org_table = Organization.__table__
    result.counts["organization"] = loader.load(
        org_table,
        (
            "id",
            "kind",
            "code",
            "name",
            "municipality_id",
            "approval_state",
            "created_at",
            "updated_at",
        ),
        orgs,
    )

    # Students: contiguous ids per school, sorted by grade (classes sit together) -------------
    schools = kinds["school"]
    sizes = _spread(
        max(len(schools), round(STUDENTS * scale)),
        [
            rng.uniform(1.5, 3.0) if municipality_of[s] == kgd else rng.uniform(0.4, 1.6)
            for s in schools
        ],
    )
    student_id = _next_id(connection, Student.__table__)
    school_students: dict[int, tuple[int, int]] = {}  # school -> [first id, last id + 1)
    student_rows: list[tuple] = []
    for school, size in zip(schools, sizes, strict=True):
        first = student_id
        grade_sizes = _spread(size, [rng.uniform(0.8, 1.2) for _ in range(11)])
        for grade, n in enumerate(grade_sizes, start=1):
            for i in range(n):
                student_rows.append(
                    (
                        student_id,
                        school,
                        str(student_id).zfill(8),
                        f"Ученик {student_id}",
                        grade,
                        "АБВГ"[i % 4],
                        rng.random() < 0.03,
                        now,
                        now,
                    )
                )
                student_id += 1
        school_students[school] = (first, student_id)
    result.counts["student"] = loader.load(
        Student.__table__,
        (
            "id",
            "school_id",
            "local_id",
            "full_name",
            "grade",
            "class_letter",
            "ovz",
            "created_at",
            "updated_at",
        ),
        student_rows,
    )
    del student_rows

    # Activities over the years of history (by default three, the report year in the middle) --
    last_year = year + 1 if years > 1 else year
    first_day, last_day = date(last_year - years + 1, 1, 1), date(last_year, 12, 31)
    per_year = years / YEARS
    span = (last_day - first_day).days
    kind_weights = {
        "excursion": 35,
        "career_event": 20,
        "profproba": 15,
        "open_day": 12,
        "parent_meeting": 10,
        "camp_shift": 8,
    }
    host_kinds = {
        "excursion": {
            "employer": 60,
            "college": 20,
            "university": 10,
            "employment_center": 5,
            "school": 5,
        },
        "career_event": {
            "school": 50,
            "employer": 15,
            "college": 15,
            "university": 10,
            "employment_center": 10,
        },
        "profproba": {"employer": 50, "college": 40, "university": 10},
        "open_day": {"college": 60, "university": 40},
        "camp_shift": {"camp": 80, "school": 20},
        "parent_meeting": {"school": 100},
    }
    schools_in: dict[int, list[int]] = {}
    for s in schools:
        schools_in.setdefault(municipality_of[s], []).append(s)

    def pick(weights: dict[str, int]) -> str:
        return rng.choices(list(weights), list(weights.values()))[0]

    activity_id = _next_id(connection, Activity.__table__)
    activity_rows, visit_rows, meeting_rows, camp_rows = [], [], [], []
    named_pairs: list[tuple[int, int]] = []  # (activity, school) with named participants
    planned_pairs: list[tuple[int, int]] = []
    head_pairs: list[tuple[int, int, bool]] = []  # (activity, school, names too: ignored)
    n_activities = max(20, round(ACTIVITIES * scale * per_year))
    for n in range(n_activities):
        kind = rng.choices(list(kind_weights), list(kind_weights.values()))[0]
        host = rng.choice(kinds[pick(host_kinds[kind])])
        # About one in twenty activities sits on a year boundary, in local time.
        if n % 20 == 0:
            boundary = date(rng.choice((year, last_year)), 1, 1)
            day = boundary - timedelta(days=rng.choice((0, 1)))
        else:
            day = first_day + timedelta(days=rng.randrange(span + 1))
        roll = rng.random()
        status = "held" if roll < 0.82 else "planned" if roll < 0.93 else "cancelled"
        # Visiting schools: the host school itself, or schools mostly near the host.
        if kinds["school"] and host in school_students:
            visiting = [host]
        else:
            near = schools_in.get(municipality_of[host]) or schools
            visiting = [rng.choice(near if rng.random() < 0.7 else schools)]
        for _ in range(rng.choices((0, 1, 2), (60, 30, 10))[0]):
            other = rng.choice(schools_in.get(municipality_of[visiting[0]]) or schools)
            if other not in visiting:
                visiting.append(other)
        if kind == "career_event" and host in school_students and rng.random() < 0.4:
            organizer = rng.choice(kinds["college"] + kinds["university"])  # indicator 6, not 2
        else:
            organizer = visiting[0] if rng.random() < 0.7 else host
        all_day = kind == "camp_shift"
        if all_day:
            starts_at, ends_at, ends_on = start_of_local_day(day), None, day + timedelta(days=13)
        else:
            # Boundary activities start just after local midnight or just before it: the UTC
            # date differs from the local one.
            hour, minute = (
                rng.choice(((0, 30), (23, 30))) if n % 20 == 0 else (rng.randint(9, 17), 0)
            )
            starts_at = to_utc(datetime(day.year, day.month, day.day, hour, minute))
            ends_at, ends_on = starts_at + timedelta(hours=2), None
        activity_rows.append(
            (
                activity_id,
                kind,
                f"{kind} {activity_id}",
                starts_at,
                ends_at,
                all_day,
                day,
                ends_on,
                host,
                organizer,
                status,
                False,
                0,
                now,
                now,
            )
        )
        if kind == "parent_meeting":
            meeting_rows.append((activity_id, rng.randint(10, 60)))
        if kind == "camp_shift":
            camp_rows.append(
                (
                    activity_id,
                    "school" if host in school_students else "country",
                    rng.choice((None, 30, 60, 120)),
                )
            )
        for school in visiting:
            visit_rows.append((activity_id, school))
            if kind == "parent_meeting" or status == "cancelled":
                continue
            mode = rng.random()
            if mode < 0.08:
                head_pairs.append((activity_id, school, False))  # headcount only
                continue
            (planned_pairs if status == "planned" else named_pairs).append((activity_id, school))
            if mode > 0.96:
                head_pairs.append((activity_id, school, True))  # named wins over it
        activity_id += 1

    result.counts["activity"] = loader.load(
        Activity.__table__,
        (
            "id",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "all_day",
            "starts_on",
            "ends_on",
            "host_id",
            "organizer_id",
            "status",
            "public",
            "sequence",
            "created_at",
            "updated_at",
        ),
        activity_rows,
    )
    result.counts["activity_school"] = loader.load(
        activity_school, ("activity_id", "school_id"), visit_rows
    )
    result.counts["parent_meeting"] = loader.load(
        ParentMeeting.__table__, ("activity_id", "parents_count"), meeting_rows
    )
    result.counts["camp_shift"] = loader.load(
        CampShift.__table__, ("activity_id", "camp_type", "capacity"), camp_rows
    )
    held_kind = {row[0]: row[1] for row in activity_rows}
    del activity_rows, visit_rows

    # Named participations: unique per activity and student, students of the visiting school.
    pairs = named_pairs + planned_pairs
    caps = [school_students[s][1] - school_students[s][0] for _a, s in pairs]
    target = max(1, round(PARTICIPATIONS * scale * per_year))
    sizes = _spread(
        target,
        [
            rng.uniform(0.3, 1.7) * (0.3 if i >= len(named_pairs) else 1.0)
            for i in range(len(pairs))
        ],
    )
    sizes = [min(size, cap) for size, cap in zip(sizes, caps, strict=True)]
    deficit = target - sum(sizes)
    while deficit > 0:
        room = [i for i in range(len(pairs)) if sizes[i] < caps[i]]
        if not room:
            break
        for i in room:
            add = min(caps[i] - sizes[i], deficit, max(1, deficit // len(room)))
            sizes[i] += add
            deficit -= add
            if not deficit:
                break

    participation_id = _next_id(connection, Participation.__table__)

    def participations():
        nonlocal participation_id
        for (aid, school), size in zip(pairs, sizes, strict=True):
            if not size:
                continue
            lo, hi = school_students[school]
            n = hi - lo
            window = min(n, 2 * size)
            start = lo + rng.randrange(n - window + 1)
            for sid in sorted(rng.sample(range(start, start + window), size)):
                yield (participation_id, aid, sid, now)
                participation_id += 1

    result.counts["participation"] = loader.load(
        Participation.__table__,
        ("id", "activity_id", "student_id", "created_at"),
        participations(),
    )

    # Headcounts: schools that gave numbers only, overlaps that names win, and a few rows of
    # non-schools (never counted). A row is unique per (activity, school, grade): an activity
    # with several visiting schools gets at most one non-school row, since a second one could
    # draw the same college with the same grade.
    headcount_id = _next_id(connection, Headcount.__table__)
    head_rows = []
    non_schools = kinds["college"]
    with_non_school: set[int] = set()
    for aid, school, _ignored in head_pairs:
        for grade in sorted(rng.sample(range(0, 12), rng.choice((1, 1, 2, 3)))):
            count = rng.randint(5, 30)
            head_rows.append((headcount_id, aid, school, grade, count, rng.choice((0, 0, 0, 1, 2))))
            headcount_id += 1
        if (
            rng.random() < 0.05
            and held_kind[aid] != "parent_meeting"
            and aid not in with_non_school
        ):
            with_non_school.add(aid)
            head_rows.append((headcount_id, aid, rng.choice(non_schools), 0, 12, 1))
            headcount_id += 1
    result.counts["headcount"] = loader.load(
        Headcount.__table__,
        ("id", "activity_id", "school_id", "grade", "count", "ovz_count"),
        head_rows,
    )

    # Indicator 1: most municipalities approved a plan in time, one late, some none.
    plan_id = _next_id(connection, MunicipalPlan.__table__)
    plan_rows = []
    for mid in [kgd] + others:
        roll = rng.random()
        if roll < 0.15:
            continue
        approved = date(year, rng.randint(1, 12), 1) if roll < 0.9 else date(year + 1, 1, 20)
        plan_rows.append((plan_id, mid, year, approved, now))
        plan_id += 1
    result.counts["municipal_plan"] = loader.load(
        MunicipalPlan.__table__,
        ("id", "municipality_id", "year", "approved_on", "created_at"),
        plan_rows,
    )
    result.seconds = time.perf_counter() - started
    return result


def build_counters(session: Session) -> float:
    """Build the app's counters of the data ``generate`` loaded behind its back (as for a restored
    database: ``partnercrm counters rebuild``) and commit; the seconds it took."""
    started = time.perf_counter()
    for kept in kept_counters():
        kept.rebuild(session, None)
    session.commit()
    return time.perf_counter() - started


def analyze(engine: sa.Engine) -> None:
    """Planner statistics, as autovacuum (PostgreSQL) or ``PRAGMA optimize`` would leave them."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )


# --------------------------------------------------------------------------------------------
# The hand-written query
# --------------------------------------------------------------------------------------------

# SQLite's floor. ``counted`` flags each held activity of the period with the indicators it
# counts for; ``per_student`` gives each student of a school the indicators they count in
# (distinct student); ``heads`` sums the headcount rows of schools that named nobody at that
# activity (named wins). Region figures are the sums of the municipalities'. (PostgreSQL's
# floor up to issue 18: it flattered the app there, see HAND_SQL_POSTGRESQL.)
# Both floors end alike: headcount rows where the school named nobody, then one row per
# municipality.
_HEADCOUNT_ROWS_AND_ANSWER = """
    FROM headcount hc
    JOIN counted c ON c.activity_id = hc.activity_id
    JOIN organization sc ON sc.id = hc.school_id
    WHERE sc.kind = 'school' {school_scope}
      AND NOT EXISTS (
          SELECT 1 FROM participation p JOIN student s ON s.id = p.student_id
          WHERE p.activity_id = hc.activity_id AND s.school_id = hc.school_id
      )
    GROUP BY sc.municipality_id
)
SELECT m.id,
       CASE WHEN EXISTS (
           SELECT 1 FROM municipal_plan mp
           WHERE mp.municipality_id = m.id AND mp.year = :year AND mp.approved_on <= :end
       ) THEN 1 ELSE 0 END AS i1,
       COALESCE(n.n2, 0), COALESCE(h.h2, 0),
       COALESCE(n.n3, 0), COALESCE(h.h3, 0),
       COALESCE(n.n4, 0), COALESCE(h.h4, 0),
       COALESCE(n.n6, 0), COALESCE(h.h6, 0)
FROM municipality m
LEFT JOIN named n ON n.municipality_id = m.id
LEFT JOIN heads h ON h.municipality_id = m.id
{municipality_scope}
ORDER BY m.id
"""

HAND_SQL = (
    """
WITH counted AS (
    SELECT a.id AS activity_id,
           CASE WHEN a.kind <> 'parent_meeting'
                 AND h.kind IN ('employer', 'college', 'university', 'employment_center')
                THEN 1 ELSE 0 END AS i2,
           CASE WHEN a.kind = 'profproba' THEN 1 ELSE 0 END AS i3,
           CASE WHEN a.kind <> 'parent_meeting' THEN 1 ELSE 0 END AS i4,
           CASE WHEN a.kind <> 'parent_meeting'
                 AND (h.kind IN ('college', 'university') OR o.kind IN ('college', 'university'))
                THEN 1 ELSE 0 END AS i6
    FROM activity a
    JOIN organization h ON h.id = a.host_id
    JOIN organization o ON o.id = a.organizer_id
    WHERE a.status = 'held' AND a.starts_on BETWEEN :start AND :end
),
per_student AS (
    SELECT sc.municipality_id,
           MAX(c.i2) AS i2,
           MAX(c.i3) AS i3,
           MAX(CASE WHEN s.ovz THEN c.i4 ELSE 0 END) AS i4,
           MAX(c.i6) AS i6
    FROM participation p
    JOIN counted c ON c.activity_id = p.activity_id
    JOIN student s ON s.id = p.student_id
    JOIN organization sc ON sc.id = s.school_id
    WHERE sc.kind = 'school' {school_scope}
    GROUP BY p.student_id, sc.municipality_id
),
named AS (
    SELECT municipality_id, SUM(i2) AS n2, SUM(i3) AS n3, SUM(i4) AS n4, SUM(i6) AS n6
    FROM per_student
    GROUP BY municipality_id
),
heads AS (
    SELECT sc.municipality_id,
           SUM(c.i2 * hc.count) AS h2,
           SUM(c.i3 * hc.count) AS h3,
           SUM(c.i4 * hc.ovz_count) AS h4,
           SUM(c.i6 * hc.count) AS h6
"""
    + _HEADCOUNT_ROWS_AND_ANSWER
)


# PostgreSQL's floor: one pass over the period's participations. The activities' flags are
# inlined wherever they are used (a CTE referenced twice is materialised, and a scan of it keeps
# the plan off parallel workers); participations are reduced to one row per student (parallel
# partial aggregation) before the student and the school are joined, and the municipalities'
# figures are FILTER aggregates over those rows.
HAND_SQL_POSTGRESQL = (
    """
WITH counted AS NOT MATERIALIZED (
    SELECT a.id AS activity_id,
           a.kind <> 'parent_meeting'
               AND h.kind IN ('employer', 'college', 'university', 'employment_center') AS i2,
           a.kind = 'profproba' AS i3,
           a.kind <> 'parent_meeting' AS i4,
           a.kind <> 'parent_meeting'
               AND (h.kind IN ('college', 'university') OR o.kind IN ('college', 'university'))
               AS i6
    FROM activity a
    JOIN organization h ON h.id = a.host_id
    JOIN organization o ON o.id = a.organizer_id
    WHERE a.status = 'held' AND a.starts_on BETWEEN :start AND :end
),
per_student AS (
    SELECT p.student_id, bool_or(c.i2) AS i2, bool_or(c.i3) AS i3, bool_or(c.i4) AS i4,
           bool_or(c.i6) AS i6
    FROM participation p
    JOIN counted c ON c.activity_id = p.activity_id
    {student_scope}
    GROUP BY p.student_id
),
named AS (
    SELECT sc.municipality_id,
           COUNT(*) FILTER (WHERE ps.i2) AS n2,
           COUNT(*) FILTER (WHERE ps.i3) AS n3,
           COUNT(*) FILTER (WHERE ps.i4 AND s.ovz) AS n4,
           COUNT(*) FILTER (WHERE ps.i6) AS n6
    FROM per_student ps
    JOIN student s ON s.id = ps.student_id
    JOIN organization sc ON sc.id = s.school_id
    WHERE sc.kind = 'school' {school_scope}
    GROUP BY sc.municipality_id
),
heads AS (
    SELECT sc.municipality_id,
           SUM(hc.count) FILTER (WHERE c.i2) AS h2,
           SUM(hc.count) FILTER (WHERE c.i3) AS h3,
           SUM(hc.ovz_count) FILTER (WHERE c.i4) AS h4,
           SUM(hc.count) FILTER (WHERE c.i6) AS h6
"""
    + _HEADCOUNT_ROWS_AND_ANSWER
)


def hand_query(
    period: Period, scope: queries.Scope = queries.REGION, dialect: str = "sqlite"
) -> sa.TextClause:
    if scope.school_id is not None:
        raise ValueError("the benchmark compares the region and municipality scopes")
    scoped = scope.municipality_id is not None
    sql = (HAND_SQL_POSTGRESQL if dialect == "postgresql" else HAND_SQL).format(
        school_scope="AND sc.municipality_id = :municipality_id" if scoped else "",
        municipality_scope="WHERE m.id = :municipality_id" if scoped else "",
        student_scope=(
            "JOIN student s ON s.id = p.student_id"
            " JOIN organization sc ON sc.id = s.school_id"
            " WHERE sc.municipality_id = :municipality_id"
        )
        if scoped
        else "",
    )
    statement = sa.text(sql).bindparams(
        sa.bindparam("start", period.start, type_=sa.Date),
        sa.bindparam("end", period.end, type_=sa.Date),
        sa.bindparam("year", period.report_year, type_=sa.Integer),
    )
    if scoped:
        statement = statement.bindparams(
            sa.bindparam("municipality_id", scope.municipality_id, type_=sa.Integer)
        )
    return statement


def run_hand(session, period: Period, scope: queries.Scope = queries.REGION) -> list[tuple]:
    dialect = session.get_bind().dialect.name
    return session.execute(hand_query(period, scope, dialect)).all()


def run_app(session, period: Period, scope: queries.Scope = queries.REGION) -> list:
    return queries.compute(session, period, scope)


# The comparable shape: {indicator: (value, named, headcount, ((municipality, named, head), …))}
Numbers = dict[int, tuple]


def app_numbers(results: list) -> Numbers:
    numbers = {}
    for r in results:
        if r.number not in (1, 2, 3, 4, 6):
            continue
        parts = tuple(sorted((p.key, p.named, p.headcount) for p in r.by_municipality))
        numbers[r.number] = (r.value, r.named, r.headcount, parts)
    return numbers


def hand_numbers(rows: list[tuple]) -> Numbers:
    numbers: Numbers = {}
    rows = [tuple(int(v) for v in row) for row in rows]
    numbers[1] = (sum(r[1] for r in rows), None, None, tuple((r[0], r[1], 0) for r in rows))
    for offset, number in ((2, 2), (4, 3), (6, 4), (8, 6)):
        parts = tuple((r[0], r[offset], r[offset + 1]) for r in rows)
        named = sum(p[1] for p in parts)
        heads = sum(p[2] for p in parts)
        numbers[number] = (named + heads, named, heads, parts)
    return numbers


def compare(session, period: Period, scope: queries.Scope = queries.REGION) -> Numbers:
    """Run both; raise if they differ; return the numbers."""
    app = app_numbers(run_app(session, period, scope))
    hand = hand_numbers(run_hand(session, period, scope))
    if app != hand:
        diff = {
            n: (app.get(n), hand.get(n))
            for n in app.keys() | hand.keys()
            if app.get(n) != hand.get(n)
        }
        raise AssertionError(f"app and hand-written SQL differ: {diff}")
    return app


def run_command(url: str, year: int) -> str:
    """``partnercrm indicators --year Y`` in a fresh process against the database at ``url``
    (process start included, as a user waits for it): its JSON output."""
    env = {**os.environ, "DATABASE_URL": url, "PARTNERCRM_ENV": "development"}
    done = subprocess.run(  # noqa: S603 — this environment's own console script
        [str(Path(sys.executable).parent / "partnercrm"), "indicators", "--year", str(year)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"partnercrm indicators failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


# The least any command on this stack does: start Python, import SQLAlchemy's ORM and the
# database's driver and dialect, connect and ask one trivial question (with the garbage
# collector paused, as the command's start pauses it). What the command does beyond it is the
# app's own share.
STACK_ALONE = """
import gc
gc.disable()
import os, sqlalchemy, sqlalchemy.orm
engine = sqlalchemy.create_engine(os.environ["DATABASE_URL"])
with engine.connect() as connection:
    connection.exec_driver_sql("SELECT 1").all()
"""


def run_stack_alone(url: str) -> None:
    """A fresh process that does only :data:`STACK_ALONE` against the database at ``url``."""
    subprocess.run(  # noqa: S603 — this interpreter, a fixed program
        [sys.executable, "-c", STACK_ALONE],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


def command_totals(output: str) -> dict[int, tuple]:
    """The region's figures in the command's JSON: ``{indicator: (value, named, headcount)}``."""
    return {
        row["number"]: (row["value"], row.get("named"), row.get("headcount"))
        for row in json.loads(output)["indicators"]
        if row["number"] in (1, 2, 3, 4, 6)
    }


# --------------------------------------------------------------------------------------------
# Timing and the command line
# --------------------------------------------------------------------------------------------


def fast_sqlite_writes(dbapi_connection, _record) -> None:
    """A "connect" listener for bulk loading into SQLite: the bench's data can be made again."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def years_tag(years: int) -> str:
    """Part of a result's file name: none for the default history."""
    return "" if years == YEARS else f"-{years}y"


def _pg_schema_url(url: str, schema: str) -> str:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return (
        sa.make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def _pg_drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--url",
        help="database URL (SQLite: a file URL; PostgreSQL: a database"
        " in which a schema of its own is created and dropped)",
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=2021)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved timed rounds")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--years", type=int, default=YEARS, help="of history, ending the year after --year"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data afterwards")
    args = parser.parse_args(argv)

    os.environ.setdefault("PARTNERCRM_ENV", "development")
    from partnercrm.app import create_app
    from partnercrm.directory.services import seed_municipalities
    from partnercrm.extensions import db
    from partnercrm.roadmap.services import seed_roadmap

    schema = None
    if args.db == "postgresql":
        base_url = args.url or DEFAULT_PG_URL
        schema = f"bench_indicators_{os.getpid()}"
        url = _pg_schema_url(base_url, schema)
        where = f"{sa.make_url(base_url).render_as_string()} schema {schema}"
    else:
        if args.url:
            url = args.url
        else:
            results = ROOT / "bench" / "results"
            results.mkdir(parents=True, exist_ok=True)
            path = results / f"indicators-{args.scale:g}{years_tag(args.years)}.sqlite3"
            path.unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        where = url
    instance = tempfile.mkdtemp(prefix="partnercrm-bench-")
    os.environ.setdefault("PARTNERCRM_INSTANCE_PATH", instance)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    period = Period.year(args.year)
    report: dict = {
        "db": args.db,
        "scale": args.scale,
        "year": args.year,
        "years": args.years,
        "repeat": args.repeat,
    }
    try:
        with app.app_context():
            engine = db.engine
            log(f"database: {where} ({engine.dialect.name} {engine.dialect.server_version_info})")
            if engine.dialect.name == "sqlite":
                sa.event.listen(engine, "connect", fast_sqlite_writes)
                engine.dispose()
            started = time.perf_counter()
            db.create_all()
            seed_roadmap()
            seed_municipalities()
            db.session.commit()
            log("generating …")
            with engine.begin() as connection:
                generated = generate(
                    connection, scale=args.scale, year=args.year, seed=args.seed, years=args.years
                )
            analyze(engine)
            generation = time.perf_counter() - started
            report["generated"] = generated.counts
            report["generation_s"] = round(generation, 2)
            log(
                f"generated in {generation:.1f} s: "
                + ", ".join(f"{k} {v:,}" for k, v in generated.counts.items())
            )
            session = db.session
            log("building the counters (the data went in behind the app's back) …")
            report["counters_s"] = round(build_counters(session), 2)
            analyze(engine)
            log(f"counters built in {report['counters_s']:.1f} s")

            region = compare(session, period)
            kgd = session.scalar(sa.select(Municipality.id).where(Municipality.name == KALININGRAD))
            municipality = queries.Scope(municipality_id=kgd)
            compare(session, period, municipality)
            log("app and hand-written SQL agree (region and Калининград)")

            # Interleaved: app, hand, app, hand, … (bench/timing.py).
            times = interleaved(
                {
                    "app_region": stopwatch(lambda: run_app(session, period)),
                    "hand_region": stopwatch(lambda: run_hand(session, period)),
                    "app_municipality": stopwatch(lambda: run_app(session, period, municipality)),
                    "hand_municipality": stopwatch(lambda: run_hand(session, period, municipality)),
                },
                args.repeat,
                progress=lambda number: log(f"round {number}/{args.repeat}"),
            )
            timings = {label: summary(runs) for label, runs in times.items()}
            report["timings"] = timings
            for scope in ("region", "municipality"):
                app_t, hand_t = timings[f"app_{scope}"], timings[f"hand_{scope}"]
                report[f"ratio_{scope}"] = round(app_t["median_s"] / hand_t["median_s"], 2)
                report[f"ratio_{scope}_best"] = round(app_t["best_s"] / hand_t["best_s"], 2)
            report["load_average"] = [round(load, 2) for load in os.getloadavg()]

            # The whole command, process start included, against the floor: the hand-written
            # query alone, in this process on a warm connection (no interpreter, no app).
            hand_totals = {n: v[:3] for n, v in region.items()}
            if command_totals(run_command(url, args.year)) != hand_totals:
                raise AssertionError("partnercrm indicators and hand-written SQL differ")
            log("partnercrm indicators agrees; timing it against the hand-written query …")
            pairs = interleaved(
                {
                    "command": wall_and_cpu(lambda: run_command(url, args.year)),
                    "hand_region": wall_and_cpu(lambda: run_hand(session, period)),
                    "stack_alone": wall_and_cpu(lambda: run_stack_alone(url)),
                },
                args.repeat,
                progress=lambda number: log(f"command round {number}/{args.repeat}"),
            )
            command = report["command"] = {}
            for label, runs in pairs.items():
                command[label] = summary([wall for wall, _ in runs])
                command[f"{label}_cpu"] = summary([cpu for _, cpu in runs])
            # PostgreSQL's query spends its CPU time in the server: no CPU ratio there.
            for suffix in ("", "_cpu") if args.db == "sqlite" else ("",):
                mine, floor = command[f"command{suffix}"], command[f"hand_region{suffix}"]
                command[f"ratio{suffix}"] = round(mine["median_s"] / floor["median_s"], 2)
                command[f"ratio{suffix}_best"] = round(mine["best_s"] / floor["best_s"], 2)
            command["stack_ratio"] = round(
                command["stack_alone"]["median_s"] / command["hand_region"]["median_s"], 2
            )
            report["command"]["load_average"] = [round(load, 2) for load in os.getloadavg()]
            report["values"] = {
                n: {"value": v[0], "named": v[1], "headcount": v[2]} for n, v in region.items()
            }
            session.remove()
            if args.db == "sqlite" and not args.keep and not args.url:
                engine.dispose()
    finally:
        if schema and not args.keep:
            _pg_drop_schema(args.url or DEFAULT_PG_URL, schema)

    t = report["timings"]
    print(
        f"Indicators benchmark — {args.db}, scale {args.scale:g}, year {args.year} of"
        f" {args.years} years, "
        f"{args.repeat} interleaved rounds, load average "
        + " ".join(f"{load:.1f}" for load in report["load_average"])
    )
    print("data: " + ", ".join(f"{k} {v:,}" for k, v in report["generated"].items()))
    print(f"generation: {report['generation_s']:.2f} s")
    print(f"counters built (partnercrm counters rebuild): {report['counters_s']:.2f} s")
    print(f"{'':28} {'best':>8} {'median':>8}")
    for label, name in (
        ("app_region", "app report, region"),
        ("hand_region", "hand-written SQL, region"),
        ("app_municipality", "app report, Калининград"),
        ("hand_municipality", "hand-written, Калининград"),
    ):
        print(f"{name:28} {t[label]['best_s']:7.3f}s {t[label]['median_s']:7.3f}s")
    print(
        f"ratio, region:         {report['ratio_region']:5.2f}× medians, "
        f"{report['ratio_region_best']:5.2f}× best  (target ≤ 1.5× of the medians)"
    )
    print(
        f"ratio, Калининград:    {report['ratio_municipality']:5.2f}× medians, "
        f"{report['ratio_municipality_best']:5.2f}× best"
    )
    c = report["command"]
    print(
        "whole command, process start included (load average "
        + " ".join(f"{load:.1f}" for load in c["load_average"])
        + "):"
    )
    for label, name in (
        ("command", "partnercrm indicators"),
        ("hand_region", "hand-written SQL, region"),
        ("stack_alone", "the stack alone"),
        ("command_cpu", "  its CPU time"),
        ("hand_region_cpu", "  the query's CPU time"),
    ):
        if label.endswith("_cpu") and "ratio_cpu" not in c:
            continue
        print(f"{name:28} {c[label]['best_s']:7.3f}s {c[label]['median_s']:7.3f}s")
    print(
        f"ratio, command:        {c['ratio']:5.2f}× medians, {c['ratio_best']:5.2f}× best"
        "  (target ≤ 1× of the medians)"
    )
    print(
        f"ratio, the stack alone: {c['stack_ratio']:5.2f}× medians  (Python, SQLAlchemy, the"
        " driver and one connection: the least any command here takes)"
    )
    if "ratio_cpu" in c:
        print(
            f"ratio, CPU time:        {c['ratio_cpu']:5.2f}× medians, "
            f"{c['ratio_cpu_best']:5.2f}× best"
        )
    print(
        "values: "
        + ", ".join(
            f"{n}: {v['value']}"
            + (f" ({v['named']} named + {v['headcount']})" if v["named"] is not None else "")
            for n, v in sorted(report["values"].items())
        )
    )
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"indicators-{args.db}-{args.scale:g}{years_tag(args.years)}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"(also in {out.relative_to(ROOT)})")
    return 0 if report["ratio_region"] <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
