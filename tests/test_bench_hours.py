"""The профминимум hours benchmark (bench/hours.py) at a tiny scale: its data generator runs and
its hand-written SQL query gives the same numbers as the app's report (read from the counters
the benchmark builds after its bulk load), so the benchmark compares like with like. Not a timing
test."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from partnercrm.extensions import db

BENCH = Path(__file__).resolve().parent.parent / "bench" / "hours.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_hours", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_hand_written_query_agrees_with_the_app(bench, seeded):
    from bench.indicators import generate

    connection = db.session.connection()
    generate(connection, scale=0.002, year=2021, seed=2021, progress=False)
    counts = bench.generate_hours(connection, year=2021, seed=2021, progress=False)
    db.session.commit()
    bench.build_counters(db.session, progress=False)
    assert counts["series activities"] > 100 and counts["series participations"] > 1000
    numbers = bench.compare(db.session, 2021)
    students = sum(row[1] for row in numbers)
    reached = sum(row[2] for row in numbers)
    assert 0 < reached < students  # levels and absences tell students apart
    assert sum(row[8] for row in numbers) > 0  # headcount student-hours
    bench.compare(db.session, 2020)  # the year before: other activities, other levels


def test_the_comparison_notices_a_difference(bench, seeded):
    from bench.indicators import generate

    connection = db.session.connection()
    generate(connection, scale=0.002, year=2021, seed=2021, progress=False)
    bench.generate_hours(connection, year=2021, seed=2021, progress=False)
    db.session.commit()
    bench.build_counters(db.session, progress=False)
    rows = bench.run_hand(db.session, 2021)
    app = bench.app_numbers(bench.run_app(db.session, 2021))
    assert bench.hand_numbers(rows) == app
    changed = [(*rows[0][:2], rows[0][2] + 1, *rows[0][3:]), *rows[1:]]
    assert bench.hand_numbers(changed) != app
