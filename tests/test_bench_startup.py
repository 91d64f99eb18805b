"""The start-up benchmark (bench/startup.py) runs: one round, its database made, every case
timed, and a start that loads none of the libraries kept out of it. Not a timing test (the
target is set out of reach)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "startup.py"


def test_the_startup_benchmark_runs(tmp_path):
    output = tmp_path / "startup.json"
    done = subprocess.run(  # noqa: S603 — this interpreter, the benchmark script
        [sys.executable, str(BENCH), "--rounds", "1", "--target", "1000", "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "verdict: PASS" in done.stdout
    results = json.loads(output.read_text())
    assert set(results["processes"]) == {
        "python -c pass",
        "frameworks alone",
        "a report's framework",
        "partnercrm --help",
        "partnercrm indicators --year 2021",
        "worker start (create_app)",
    }
    assert results["worker"]["heavy_imported"] == []
