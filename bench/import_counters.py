"""Benchmark: what keeping the counters (issue 18) adds to a 20,000-row participation import.

Builds the indicators benchmark's region (bench/indicators.py: ``generate``, then the counters
built as after a restore), gives ``--activities`` held activities of ``--year`` a ref, and makes
a ``participants`` file of ``--rows`` rows (activity ref, school code, local id) naming students
of each activity's visiting school who were not there yet. Then it times, in interleaved rounds
(bench/timing.py), the import as the app runs it — ``run_import`` (check, then write with a
flush every 2,000 rows) and ``settle``, what the commit runs first — in two cases:

- **counters kept**: as the app runs;
- **settlers unregistered**: ``partnercrm.activities.changes._SETTLERS`` emptied for the run, so
  the rows are marked but no counter is recomputed (what the import cost before the counters,
  but for the marking, which is cheap).

Each run is rolled back afterwards (not timed; the commit's own write is left out of both, so
the ratio is if anything larger than a user's). Target: counters kept ≤ 1.25 × unregistered, of
the medians.

    python bench/import_counters.py --db sqlite|postgresql [--url URL] [--scale 1.0]
                                    [--year 2021] [--rows 20000] [--activities 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.indicators import (  # noqa: E402
    DEFAULT_PG_URL,
    _pg_drop_schema,
    _pg_schema_url,
    analyze,
    build_counters,
    fast_sqlite_writes,
    generate,
    log,
)
from bench.pages import restart_sequences  # noqa: E402
from bench.timing import interleaved, summary  # noqa: E402
from partnercrm.activities import changes  # noqa: E402
from partnercrm.activities.models import Activity, Participation, activity_school  # noqa: E402
from partnercrm.directory.models import Organization  # noqa: E402
from partnercrm.imports.readers import read_table  # noqa: E402
from partnercrm.students.models import Student  # noqa: E402

TARGET = 1.25


def participants_file(session, year: int, rows: int, activities: int) -> bytes:
    """A CSV of ``rows`` new participants spread over ``activities`` held activities of
    ``year`` (students of each one's first visiting school not yet named there), the activities
    given refs (``bench-<id>``) behind the app's back: a ref counts for nothing."""
    chosen = session.execute(
        sa.select(Activity.id, sa.func.min(activity_school.c.school_id))
        .join(activity_school, activity_school.c.activity_id == Activity.id)
        .where(
            Activity.status == "held",
            Activity.kind != "parent_meeting",
            Activity.starts_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .group_by(Activity.id)
        .order_by(Activity.id)
        .limit(activities)
    ).all()
    session.execute(
        sa.update(Activity)
        .where(Activity.id.in_([activity_id for activity_id, _ in chosen]))
        .values(ref=sa.literal("bench-") + sa.cast(Activity.id, sa.String))
    )
    session.commit()
    per_activity = -(-rows // len(chosen))
    lines = ["activity_ref,school_code,local_id"]
    for activity_id, school_id in chosen:
        named = sa.select(Participation.student_id).where(Participation.activity_id == activity_id)
        found = session.execute(
            sa.select(Organization.code, Student.local_id)
            .join(Organization, Organization.id == Student.school_id)
            .where(Student.school_id == school_id, Student.id.not_in(named))
            .order_by(Student.id)
            .limit(min(per_activity, rows - len(lines) + 1))
        ).all()
        lines += [f"bench-{activity_id},{code},{local_id}" for code, local_id in found]
        if len(lines) > rows:
            break
    if len(lines) <= rows:
        raise SystemExit(f"only {len(lines) - 1} new participants: give more --activities")
    return ("\n".join(lines) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="PostgreSQL: the database in which a schema is made")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=2021)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved timed rounds")
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args(argv)

    os.environ.setdefault("PARTNERCRM_ENV", "development")
    os.environ.setdefault("PARTNERCRM_INSTANCE_PATH", tempfile.mkdtemp(prefix="partnercrm-bench-"))
    from partnercrm.app import create_app
    from partnercrm.directory.services import seed_municipalities
    from partnercrm.extensions import db
    from partnercrm.imports.services import run_import
    from partnercrm.roadmap.services import seed_roadmap

    schema = None
    if args.db == "postgresql":
        schema = f"bench_import_counters_{os.getpid()}"
        url = _pg_schema_url(args.url or DEFAULT_PG_URL, schema)
    else:
        path = ROOT / "bench" / "results" / f"import-counters-{args.scale:g}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    report: dict = {"db": args.db, "scale": args.scale, "rows": args.rows, "repeat": args.repeat}
    try:
        with app.app_context():
            engine, session = db.engine, db.session
            log(f"database: {engine.dialect.name} {engine.dialect.server_version_info}")
            if engine.dialect.name == "sqlite":
                sa.event.listen(engine, "connect", fast_sqlite_writes)
                engine.dispose()
            db.create_all()
            seed_roadmap()
            seed_municipalities()
            session.commit()
            with engine.begin() as connection:
                generate(connection, scale=args.scale, year=args.year, seed=args.seed)
            if engine.dialect.name == "postgresql":
                restart_sequences(engine)  # COPY wrote the ids: the import's inserts follow them
            analyze(engine)
            log(f"counters built in {build_counters(session):.1f} s")
            analyze(engine)
            table = read_table(participants_file(session, args.year, args.rows, args.activities))
            log(f"a participants file of {len(table.rows):,} rows")

            def run(kept: bool) -> tuple[float, float]:
                """Seconds of the import and of the settling, then roll it back."""
                saved = list(changes._SETTLERS)
                if not kept:
                    changes._SETTLERS.clear()
                try:
                    started = time.perf_counter()
                    result = run_import("participants", table)
                    imported = time.perf_counter()
                    changes.settle(session)
                    settled = time.perf_counter()
                finally:
                    changes._SETTLERS[:] = saved
                    session.rollback()
                if result.errors or result.created != args.rows:
                    raise SystemExit(f"the import failed: {result.summary()} {result.errors[:3]}")
                return settled - started, settled - imported

            runs = interleaved(
                {
                    "counters kept": lambda: run(True),
                    "settlers unregistered": lambda: run(False),
                },
                args.repeat,
                progress=lambda number: log(f"round {number}/{args.repeat}"),
            )
            report["timings"] = {
                label: {
                    **summary([total for total, _settle in times]),
                    "settle": summary([settle for _total, settle in times]),
                }
                for label, times in runs.items()
            }
            kept, bare = (
                report["timings"]["counters kept"],
                report["timings"]["settlers unregistered"],
            )
            report["ratio"] = round(kept["median_s"] / bare["median_s"], 2)
            report["ratio_best"] = round(kept["best_s"] / bare["best_s"], 2)
            report["load_average"] = [round(load, 2) for load in os.getloadavg()]
            session.remove()
    finally:
        if schema:
            _pg_drop_schema(args.url or DEFAULT_PG_URL, schema)

    print(
        f"Import with counters — {args.db}, scale {args.scale:g}, {args.rows:,} participants, "
        f"{args.repeat} interleaved rounds, load average "
        + " ".join(f"{load:.1f}" for load in report["load_average"])
    )
    print(f"{'':24} {'best':>8} {'median':>8} {'settle (median)':>16}")
    for label, t in report["timings"].items():
        print(
            f"{label:24} {t['best_s']:7.2f}s {t['median_s']:7.2f}s {t['settle']['median_s']:15.2f}s"
        )
    verdict = "PASS" if report["ratio"] <= TARGET else "FAIL"
    print(
        f"ratio: {report['ratio']:.2f}× medians, {report['ratio_best']:.2f}× best"
        f" (target ≤ {TARGET}× of the medians): {verdict}"
    )
    out = ROOT / "bench" / "results" / f"import-counters-{args.db}-{args.scale:g}.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"(also in {out.relative_to(ROOT)})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
