"""Benchmark: the region's профминимум hours report against one hand-written SQL query (DESIGN §8).

Builds the indicators benchmark's region (bench/indicators.py: 22 municipalities, 200 schools,
130,000 students, 1,000,000 named participations plus headcounts) and gives its activities
hours as the default rule would (2 h for the two-hour ones, 6 a day for the 14-day camp shifts,
none for parent meetings); then adds, for every class of grades 6–9, a weekly one-hour series
(«Россия — мои горизонты», Thursdays from September to May) with every student of the class a
participant unless absent (about one in ten, at random), and a level for a third of the schools.
Data loaded so, behind the app's back, are not in its counters: :func:`build_counters` builds
them (the indicators' and the hours'), as ``partnercrm counters rebuild`` would. Then times

(a) the app's report: ``queries.summaries(session, Y, REGION, By.MUNICIPALITY)``, the figures of
    ``partnercrm hours --school-year Y`` (students, reached, bands and headcount student-hours
    per municipality), read from the counters, and
(b) ONE hand-written SQL query that computes the same numbers,

checks that both agree, and times them in interleaved rounds (app, hand, app, hand, …),
reporting the best and the median of each and the ratio of the medians. Target: ≤ 1.5.

    python bench/hours.py --db sqlite|postgresql [--url URL] [--scale 1.0] [--year 2021]
                          [--repeat 5] [--seed 2021] [--keep]

On PostgreSQL the data live in a schema of their own (``bench_hours_<pid>``), dropped at the end
unless ``--keep``. ``generate_hours``, ``build_counters`` and ``compare`` are imported by
tests/test_bench_hours.py, which keeps the hand-written query honest at a tiny scale.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.indicators import (  # noqa: E402
    DEFAULT_PG_URL,
    Loader,
    _next_id,
    _pg_drop_schema,
    _pg_schema_url,
    analyze,
    fast_sqlite_writes,
    generate,
    log,
)
from bench.timing import interleaved, stopwatch, summary  # noqa: E402
from partnercrm.activities.models import Activity, Participation  # noqa: E402
from partnercrm.directory.models import Organization  # noqa: E402
from partnercrm.indicators import counters as indicator_counters  # noqa: E402
from partnercrm.localtime import to_utc  # noqa: E402
from partnercrm.profminimum import counters as hours_counters  # noqa: E402
from partnercrm.profminimum import queries  # noqa: E402
from partnercrm.profminimum.models import ProfminimumLevel  # noqa: E402
from partnercrm.profminimum.rules import BANDS, school_year_period  # noqa: E402
from partnercrm.students.models import Student  # noqa: E402

SERIES_GRADES = (6, 9)
SERIES_TITLE = "Россия — мои горизонты"
THURSDAY = 3


def generate_hours(connection: sa.Connection, *, year: int, seed: int, progress: bool = True):
    """On the indicators benchmark's data: hours on its activities, the weekly series of
    school year ``year`` for every class of grades 6–9, and levels. Returns counts."""
    rng = random.Random(seed)
    activity = Activity.__table__
    connection.execute(
        activity.update()
        .where(activity.c.kind != "parent_meeting", activity.c.all_day.is_(False))
        .values(hours=Decimal(2))
    )
    connection.execute(
        activity.update()
        .where(activity.c.kind != "parent_meeting", activity.c.all_day.is_(True))
        .values(hours=Decimal(84))
    )
    loader = Loader(connection, progress)
    now = datetime(year + 1, 6, 15, 9, 0, tzinfo=UTC)
    classes: dict[tuple[int, int, str], list[int]] = {}
    for student_id, school_id, grade, letter in connection.execute(
        sa.select(Student.id, Student.school_id, Student.grade, Student.class_letter)
        .where(Student.grade.between(*SERIES_GRADES))
        .order_by(Student.id)
    ):
        classes.setdefault((school_id, grade, letter), []).append(student_id)
    first = date(year, 9, 1)
    first += timedelta(days=(THURSDAY - first.weekday()) % 7)
    days = [
        first + timedelta(weeks=n)
        for n in range(40)
        if first + timedelta(weeks=n) <= date(year + 1, 5, 31)
    ]

    activity_id = _next_id(connection, activity)
    rows, members = [], []
    for (school_id, _grade, _letter), students in sorted(classes.items()):
        for day in days:
            starts_at = to_utc(datetime(day.year, day.month, day.day, 8, 0))
            status = "cancelled" if rng.random() < 0.03 else "held"
            rows.append(
                (
                    activity_id,
                    "career_event",
                    SERIES_TITLE,
                    starts_at,
                    starts_at + timedelta(hours=1),
                    False,
                    day,
                    school_id,
                    school_id,
                    status,
                    False,
                    0,
                    Decimal(1),
                    now,
                    now,
                )
            )
            members.append((activity_id, students))
            activity_id += 1
    counts = {
        "series activities": loader.load(
            activity,
            (
                "id",
                "kind",
                "title",
                "starts_at",
                "ends_at",
                "all_day",
                "starts_on",
                "host_id",
                "organizer_id",
                "status",
                "public",
                "sequence",
                "hours",
                "created_at",
                "updated_at",
            ),
            rows,
        )
    }
    del rows
    participation_id = _next_id(connection, Participation.__table__)

    def participations():
        nonlocal participation_id
        for aid, students in members:
            for sid in students:
                if rng.random() < 0.1:  # absent
                    continue
                yield (participation_id, aid, sid, now)
                participation_id += 1

    counts["series participations"] = loader.load(
        Participation.__table__, ("id", "activity_id", "student_id", "created_at"), participations()
    )
    schools = connection.scalars(
        sa.select(Organization.id).where(Organization.kind == "school").order_by(Organization.id)
    ).all()
    level_id = _next_id(connection, ProfminimumLevel.__table__)
    levels = []
    for school_id in schools:
        if rng.random() < 1 / 3:
            levels.append((level_id, school_id, year, rng.choice(("main", "advanced"))))
            level_id += 1
        elif rng.random() < 0.2:  # set for the year before only: basic this year
            levels.append((level_id, school_id, year - 1, "advanced"))
            level_id += 1
    counts["profminimum_level"] = loader.load(
        ProfminimumLevel.__table__, ("id", "school_id", "school_year", "level"), levels
    )
    return counts


def build_counters(session, progress: bool = True) -> None:
    """The app's counters of the rows loaded behind its back (indicators and hours); commits."""
    report = log if progress else None
    indicator_counters.rebuild(session, report)
    hours_counters.rebuild(session, report)
    session.commit()


# --------------------------------------------------------------------------------------------
# The hand-written query
# --------------------------------------------------------------------------------------------

# One statement for both dialects: each student's hours of held activities of the school year,
# the students counted with their school's target, summed per municipality; the headcount rows'
# student-hours (grades 6–11 or none given, schools that named nobody there) beside them.
HAND_SQL = """
WITH given AS (
    SELECT p.student_id, SUM(a.hours) AS hours
    FROM participation p
    JOIN activity a ON a.id = p.activity_id
    WHERE a.status = 'held' AND a.starts_on BETWEEN :start AND :end
      AND a.kind <> 'parent_meeting' AND a.hours IS NOT NULL
    GROUP BY p.student_id
),
counted AS (
    SELECT sc.municipality_id,
           COALESCE(g.hours, 0) AS hours,
           CASE l.level WHEN 'main' THEN 60 WHEN 'advanced' THEN 80 ELSE 40 END AS target
    FROM student s
    JOIN organization sc ON sc.id = s.school_id
    LEFT JOIN given g ON g.student_id = s.id
    LEFT JOIN profminimum_level l ON l.school_id = s.school_id AND l.school_year = :year
    WHERE sc.kind = 'school' AND s.archived_at IS NULL AND s.grade BETWEEN 6 AND 11
),
named AS (
    SELECT municipality_id,
           COUNT(*) AS students,
           SUM(CASE WHEN hours >= target THEN 1 ELSE 0 END) AS reached,
           SUM(CASE WHEN hours <= 0 THEN 1 ELSE 0 END) AS b0,
           SUM(CASE WHEN hours > 0 AND hours < 40 THEN 1 ELSE 0 END) AS b1,
           SUM(CASE WHEN hours >= 40 AND hours < 60 THEN 1 ELSE 0 END) AS b40,
           SUM(CASE WHEN hours >= 60 AND hours < 80 THEN 1 ELSE 0 END) AS b60,
           SUM(CASE WHEN hours >= 80 THEN 1 ELSE 0 END) AS b80
    FROM counted
    GROUP BY municipality_id
),
heads AS (
    SELECT sc.municipality_id, SUM(hc.count * a.hours) AS hours
    FROM headcount hc
    JOIN activity a ON a.id = hc.activity_id
    JOIN organization sc ON sc.id = hc.school_id
    WHERE a.status = 'held' AND a.starts_on BETWEEN :start AND :end
      AND a.kind <> 'parent_meeting' AND a.hours IS NOT NULL
      AND sc.kind = 'school' AND (hc.grade = 0 OR hc.grade BETWEEN 6 AND 11)
      AND NOT EXISTS (
          SELECT 1 FROM participation p JOIN student s ON s.id = p.student_id
          WHERE p.activity_id = hc.activity_id AND s.school_id = hc.school_id
      )
    GROUP BY sc.municipality_id
)
SELECT m.id,
       COALESCE(n.students, 0), COALESCE(n.reached, 0),
       COALESCE(n.b0, 0), COALESCE(n.b1, 0), COALESCE(n.b40, 0), COALESCE(n.b60, 0),
       COALESCE(n.b80, 0), COALESCE(h.hours, 0)
FROM municipality m
LEFT JOIN named n ON n.municipality_id = m.id
LEFT JOIN heads h ON h.municipality_id = m.id
ORDER BY m.name
"""


def hand_query(first_year: int) -> sa.TextClause:
    period = school_year_period(first_year)
    return sa.text(HAND_SQL).bindparams(
        sa.bindparam("start", period.start, type_=sa.Date),
        sa.bindparam("end", period.end, type_=sa.Date),
        sa.bindparam("year", first_year, type_=sa.Integer),
    )


def run_hand(session, first_year: int) -> list[tuple]:
    return session.execute(hand_query(first_year)).all()


def run_app(session, first_year: int) -> list[queries.Summary]:
    return queries.summaries(session, first_year, queries.REGION, queries.By.MUNICIPALITY)


def app_numbers(parts: list[queries.Summary]) -> list[tuple]:
    return [
        (
            part.key,
            part.students,
            part.reached,
            *(part.bands[name] for name, _lowest in BANDS),
            Decimal(part.unnamed_hours).quantize(Decimal("0.01")),
        )
        for part in parts
    ]


def hand_numbers(rows: list[tuple]) -> list[tuple]:
    return [
        (*(int(v) for v in row[:8]), Decimal(str(row[8])).quantize(Decimal("0.01"))) for row in rows
    ]


def compare(session, first_year: int) -> list[tuple]:
    """Run both; raise if they differ; return the numbers."""
    app = app_numbers(run_app(session, first_year))
    hand = hand_numbers(run_hand(session, first_year))
    if app != hand:
        diff = [(a, h) for a, h in zip(app, hand, strict=False) if a != h]
        raise AssertionError(
            f"app and hand-written SQL differ: {diff[:5]} ({len(app)}/{len(hand)})"
        )
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="database URL (see bench/indicators.py)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=2021, help="the school year's first year")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved timed rounds")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--keep", action="store_true", help="keep the data afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="SQLite: time the data of an earlier run (bench/results/hours-<scale>.sqlite3)",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("PARTNERCRM_ENV", "development")
    from partnercrm.app import create_app
    from partnercrm.directory.services import seed_municipalities
    from partnercrm.extensions import db
    from partnercrm.roadmap.services import seed_roadmap

    schema, reuse = None, False
    if args.db == "postgresql":
        base_url = args.url or DEFAULT_PG_URL
        schema = f"bench_hours_{os.getpid()}"
        url = _pg_schema_url(base_url, schema)
    else:
        results = ROOT / "bench" / "results"
        results.mkdir(parents=True, exist_ok=True)
        path = results / f"hours-{args.scale:g}.sqlite3"
        reuse = args.reuse and path.exists()
        if not args.url and not reuse:
            path.unlink(missing_ok=True)
        url = args.url or f"sqlite:///{path}"
    os.environ.setdefault("PARTNERCRM_INSTANCE_PATH", tempfile.mkdtemp(prefix="partnercrm-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    report: dict = {"db": args.db, "scale": args.scale, "school_year": args.year}
    try:
        with app.app_context():
            engine = db.engine
            log(f"database: {engine.dialect.name} {engine.dialect.server_version_info}")
            if engine.dialect.name == "sqlite":
                sa.event.listen(engine, "connect", fast_sqlite_writes)
                engine.dispose()
            started = time.perf_counter()
            if args.db == "sqlite" and reuse:
                log("reusing the data of an earlier run")
                report["generated"], report["generation_s"] = {"reused": 1}, 0.0
            else:
                db.create_all()
                seed_roadmap()
                seed_municipalities()
                db.session.commit()
                log("generating …")
                with engine.begin() as connection:
                    counts = generate(
                        connection, scale=args.scale, year=args.year, seed=args.seed
                    ).counts
                    counts |= generate_hours(connection, year=args.year, seed=args.seed)
                analyze(engine)
                report["generated"] = counts
                report["generation_s"] = round(time.perf_counter() - started, 1)
                log(f"generated in {report['generation_s']} s: {counts}")
                started = time.perf_counter()
                build_counters(db.session)
                report["counters_s"] = round(time.perf_counter() - started, 1)
                log(f"counters built in {report['counters_s']} s")

            session = db.session
            numbers = compare(session, args.year)
            log("app and hand-written SQL agree")
            times = interleaved(
                {
                    "app": stopwatch(lambda: run_app(session, args.year)),
                    "hand": stopwatch(lambda: run_hand(session, args.year)),
                },
                args.repeat,
            )
            report["timings"] = {label: summary(runs) for label, runs in times.items()}
            t = report["timings"]
            report["ratio_median"] = round(t["app"]["median_s"] / t["hand"]["median_s"], 2)
            report["ratio_best"] = round(t["app"]["best_s"] / t["hand"]["best_s"], 2)
            report["region"] = {
                "students": sum(row[1] for row in numbers),
                "reached": sum(row[2] for row in numbers),
            }
            session.remove()
            engine.dispose()
    finally:
        if schema and not args.keep:
            _pg_drop_schema(args.url or DEFAULT_PG_URL, schema)

    t = report["timings"]
    print(f"Профминимум hours benchmark — {args.db}, scale {args.scale:g}, school year {args.year}")
    print("data: " + ", ".join(f"{k} {v:,}" for k, v in report["generated"].items()))
    print(f"generation:          {report['generation_s']:8.1f} s")
    for label in ("app", "hand"):
        print(
            f"{label:>4}: best {t[label]['best_s']:7.3f} s, median {t[label]['median_s']:7.3f} s"
            f" ({args.repeat} interleaved rounds)"
        )
    print(f"ratio (medians):     {report['ratio_median']:8.2f}×  (target ≤ 1.5×)")
    print(f"ratio (best):        {report['ratio_best']:8.2f}×")
    print(f"region: {report['region']}")
    out = ROOT / "bench" / "results" / f"hours-{args.db}-{args.scale:g}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"(also in {out.relative_to(ROOT)})")
    return 0 if report["ratio_median"] <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
