"""Timing in interleaved rounds, shared by the benchmarks.

Each case runs once per round, in turn (a, b, a, b, …), so a slow moment of a shared machine
slows every case alike and the ratio between them does not flip with the load, as it did when
all runs of one case came before all runs of the other.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")


def interleaved(
    cases: Mapping[str, Callable[[], T]],
    rounds: int,
    *,
    warm_up: bool = True,
    progress: Callable[[int], object] | None = None,
) -> dict[str, list[T]]:
    """What each case returns, per round. ``warm_up`` runs every case once first, untimed
    (caches, statement compilation); ``progress`` is told each round's number."""
    if warm_up:
        for case in cases.values():
            case()
    results: dict[str, list[T]] = {label: [] for label in cases}
    for number in range(1, rounds + 1):
        if progress:
            progress(number)
        for label, case in cases.items():
            results[label].append(case())
    return results


def stopwatch(fn: Callable[[], object]) -> Callable[[], float]:
    """``fn`` as a case that returns its wall time in seconds."""

    def timed() -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    return timed


def wall_and_cpu(fn: Callable[[], object]) -> Callable[[], tuple[float, float]]:
    """``fn`` as a case that returns its wall time and its CPU time (user and system, of this
    process and of the child processes it waited for), in seconds. CPU time is less swayed by a
    shared machine's load than wall time, which waits for the cores."""

    def timed() -> tuple[float, float]:
        started, before = time.perf_counter(), os.times()
        fn()
        after = os.times()
        cpu = sum(after[:4]) - sum(before[:4])
        return time.perf_counter() - started, cpu

    return timed


def summary(runs: list[float]) -> dict[str, object]:
    """Best, median and every run, in seconds, as the benchmarks' JSON reports them."""
    return {
        "best_s": round(min(runs), 4),
        "median_s": round(statistics.median(runs), 4),
        "runs_s": [round(t, 4) for t in runs],
    }
