"""Benchmark: how fast, and in how much memory, oversized import files are refused (issue #14:
"refusal of any oversized file within 2 s, whatever its row count; memory bounded").

Builds 300,000-row files — an XLSX that declares its dimension, one that declares none (as
openpyxl's write-only mode writes them), one whose dimension claims two rows, a CSV — and two
ZIP bombs (an entry declaring 3 GB, a sheet inflating a thousandfold), then times
``read_table(data, max_rows=IMPORT_MAX_ROWS)`` on each (the median of ``--repeat`` runs) and
traces its peak memory in a separate run. For comparison it also times reading files of exactly
the limit, which are accepted.

    python bench/imports.py [--rows 300000] [--limit 20000] [--repeat 3]

The exit status is 1 when a refusal takes longer than 2 s. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from partnercrm.imports.readers import FileProblem, read_table  # noqa: E402
from tests.import_files import (  # noqa: E402
    STUDENT_HEADER,
    csv_file,
    declare_size,
    sheet_xml,
    student_rows,
    xlsx,
)

GOAL_SECONDS = 2.0


def files(rows: int, limit: int) -> dict[str, tuple[bytes, bool]]:
    """name → (file, refused?)."""
    table = [STUDENT_HEADER, *student_rows(rows)]
    small = xlsx([STUDENT_HEADER, *student_rows(3)])
    padded = sheet_xml(table[:4]).replace("<sheetData>", "<sheetData>" + " " * 50_000_000)
    within = [STUDENT_HEADER, *student_rows(limit)]
    return {
        f"xlsx, {rows} rows, dimension": (xlsx(table), True),
        f"xlsx, {rows} rows, no dimension": (xlsx(table, dimension=None), True),
        f"xlsx, {rows} rows, dimension A1:D2": (xlsx(table, dimension="A1:D2"), True),
        f"csv, {rows} rows": (csv_file(student_rows(rows)), True),
        "xlsx, sheet declaring 3 GB": (
            declare_size(small, "xl/worksheets/sheet1.xml", 3_000_000_000),
            True,
        ),
        "xlsx, sheet of 50 MB inflating 1000×": (xlsx([], first_sheet=padded), True),
        f"xlsx, {limit} rows (accepted)": (xlsx(within), False),
        f"csv, {limit} rows (accepted)": (csv_file(student_rows(limit)), False),
    }


def read(data: bytes, limit: int) -> str:
    try:
        table = read_table(data, max_rows=limit)
    except FileProblem as problem:
        return f"refused: {problem}"
    return f"read {len(table.rows)} rows"


def peak_memory(data: bytes, limit: int) -> int:
    tracemalloc.start()
    try:
        read(data, limit)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--limit", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"building the files ({args.rows} rows)…", file=sys.stderr)
    slow = []
    print(f"{'file':42} {'size':>9} {'median s':>9} {'peak MB':>8}  outcome")
    for name, (data, refused) in files(args.rows, args.limit).items():
        times, outcome = [], ""
        for _ in range(args.repeat):
            start = time.perf_counter()
            outcome = read(data, args.limit)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        peak = peak_memory(data, args.limit) / 1e6
        size = f"{len(data) / 1e6:.1f} MB"
        print(f"{name:42} {size:>9} {median:9.3f} {peak:8.1f}  {outcome[:70]}")
        if refused and (median > GOAL_SECONDS or not outcome.startswith("refused")):
            slow.append(name)
    if slow:
        print(f"over {GOAL_SECONDS} s or not refused: {', '.join(slow)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
