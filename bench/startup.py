"""Benchmark: how long the app takes to start (issue 18, "Fast start": well under half a second).

Every command of ``partnercrm`` and every gunicorn worker starts by importing the app and
running ``create_app()``. This times, each in a fresh process, in rounds that alternate them so
a busy machine slows them alike:

- ``python -c pass``: the interpreter alone;
- the frameworks alone: importing Flask, SQLAlchemy and the Flask extensions the app is built
  on, the floor no change to the app itself can go below;
- a report's framework: SQLAlchemy's ORM alone, what the reports' commands (``partnercrm
  indicators``, ``hours``), which run without Flask (``partnercrm.console``), are built on: their
  floor;
- ``partnercrm --help``: the app built to list its commands;
- ``partnercrm indicators --year Y``: a real command, on a seeded SQLite database (a yearly
  report of an empty year: the time is the start);
- a worker's start: ``from partnercrm.app import create_app; create_app()``, timed inside the
  process (import, then build), with the heavy libraries the start has loaded.

Process wall time (best and median) and CPU time (user + system, median) are reported; the
verdict compares each command's median wall time with ``--target`` (0.5 s). The database lives
in a temporary instance folder, made by ``partnercrm db upgrade`` and ``partnercrm seed``.

    python bench/startup.py [--rounds 7] [--target 0.5] [--year 2021] [--env development]
                            [--output bench/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.timing import interleaved  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "startup.json"
# Libraries a start should not import (the reason each is imported where it is used, or only by
# the `db` commands or the first request for /admin: docs/performance.md, "Start-up").
HEAVY = ("alembic", "flask_admin", "openpyxl", "pypdf", "icalendar", "zxcvbn", "email_validator")
FRAMEWORKS = (
    "import flask, flask_babel, flask_bootstrap, flask_limiter, flask_login, flask_mailman, "
    "flask_sqlalchemy, flask_wtf, sqlalchemy.orm"
)
REPORT_FRAMEWORKS = "import sqlalchemy.orm"
WORKER_START = f"""
import json, sys, time
started = time.perf_counter()
from partnercrm.app import create_app
imported = time.perf_counter()
create_app()
built = time.perf_counter()
print(json.dumps({{
    "import": imported - started,
    "create_app": built - imported,
    "heavy": [name for name in {HEAVY!r} if name in sys.modules],
}}))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def command(name: str) -> str:
    """A console script of this environment (``.venv/bin/partnercrm``)."""
    return str(Path(sys.executable).parent / name)


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system of the process) and standard output of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 — the command lines of this script
        argv, env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def environment(instance: str, env_name: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "FLASK_APP", "PARTNERCRM_ENV"}
    }
    env.update(PARTNERCRM_ENV=env_name, PARTNERCRM_INSTANCE_PATH=instance)
    if env_name == "production":
        env.setdefault("SECRET_KEY", os.urandom(32).hex())
    return env


def measure(rounds: int, year: int, env_name: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="partnercrm-startup-") as instance:
        env = environment(instance, env_name)
        log(f"database: {instance}/partnercrm.sqlite3 (db upgrade, seed)")
        run([command("partnercrm"), "db", "upgrade"], env)
        run([command("partnercrm"), "seed"], env)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "frameworks alone": [sys.executable, "-c", FRAMEWORKS],
            "a report's framework": [sys.executable, "-c", REPORT_FRAMEWORKS],
            "partnercrm --help": [command("partnercrm"), "--help"],
            f"partnercrm indicators --year {year}": [
                command("partnercrm"),
                "indicators",
                "--year",
                str(year),
            ],
            "worker start (create_app)": [sys.executable, "-c", WORKER_START],
        }
        runs = interleaved(
            {name: partial(run, argv, env) for name, argv in cases.items()},
            rounds,
            warm_up=False,  # a fresh process each time: no cache of ours to warm
            progress=lambda number: log(f"round {number}/{rounds}"),
        )
        walls = {name: [wall for wall, _cpu, _out in runs[name]] for name in cases}
        cpus = {name: [cpu for _wall, cpu, _out in runs[name]] for name in cases}
        inside = [
            json.loads(out) for name in cases if name.startswith("worker") for *_, out in runs[name]
        ]
    return {
        "rounds": rounds,
        "env": env_name,
        "load_average": os.getloadavg(),
        "processes": {
            name: {
                "best": min(walls[name]),
                "median": statistics.median(walls[name]),
                "cpu_median": statistics.median(cpus[name]),
            }
            for name in cases
        },
        "worker": {
            "import_median": statistics.median(run["import"] for run in inside),
            "create_app_median": statistics.median(run["create_app"] for run in inside),
            "heavy_imported": sorted({name for run in inside for name in run["heavy"]}),
        },
    }


def report(results: dict, target: float) -> bool:
    print(
        f"Start-up, {results['rounds']} rounds, PARTNERCRM_ENV={results['env']}, load average "
        + " ".join(f"{load:.1f}" for load in results["load_average"])
    )
    print(f"{'':40} {'best':>7} {'median':>7} {'CPU':>7}")
    for name, times in results["processes"].items():
        print(
            f"{name:40} {times['best']:6.3f}s {times['median']:6.3f}s {times['cpu_median']:6.3f}s"
        )
    worker = results["worker"]
    print(
        f"worker start, inside the process: import {worker['import_median']:.3f} s, "
        f"create_app() {worker['create_app_median']:.3f} s (medians); heavy libraries loaded: "
        + (", ".join(worker["heavy_imported"]) or "none")
    )
    commands = {
        name: times for name, times in results["processes"].items() if name.startswith("partnercrm")
    }
    ok = all(times["median"] <= target for times in commands.values())
    # A report's command (its name has a year) is built on SQLAlchemy alone, not on the app.
    floors = {
        name: results["processes"][
            "a report's framework" if "--year" in name else "frameworks alone"
        ]["cpu_median"]
        for name in commands
    }
    print(
        "the app's own share (median CPU above its frameworks): "
        + ", ".join(
            f"{name} {times['cpu_median'] - floors[name]:.3f} s" for name, times in commands.items()
        )
    )
    print(
        f"verdict: {'PASS' if ok else 'FAIL'} — every command's median start "
        f"{'within' if ok else 'NOT within'} {target:.2f} s"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--target", type=float, default=0.5, help="seconds (default 0.5)")
    parser.add_argument("--year", type=int, default=2021)
    parser.add_argument(
        "--env", choices=("development", "production"), default="development", dest="env_name"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = measure(args.rounds, args.year, args.env_name)
    ok = report(results, args.target)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({**results, "target": args.target, "pass": ok}, indent=2))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
