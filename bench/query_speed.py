"""Query speed: one metric with one group-by on the default demo warehouse (~10k sessions/day).

Run: .venv/bin/python -m bench.query_speed [--runs 20] [--scale 1] [--days 180] [--warehouse PATH]
Target (issue 2): well under a second. Baseline: the same aggregate hand-written in DuckDB
SQL on the same connection, so the gap is the semantic layer's own cost.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from agent.domain import Window
from agent.semantic import MetricRequest, compile_request, load_semantic, run_metric
from agent.warehouse import DuckDBWarehouse

TODAY = date(2025, 12, 15)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: first query pays for DuckDB's catalog load
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _line(name: str, samples: list[float]) -> str:
    p50, p99 = statistics.median(samples), _percentile(samples, 0.99)
    return f"{name:<44} p50 {p50:8.2f} ms   p99 {p99:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--warehouse", help="existing DuckDB file (default: generate one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.warehouse:
            path = Path(args.warehouse)
        else:
            from agent.demo_data import generate

            started = time.perf_counter()
            path = generate(
                out=Path(tmp), seed=42, today=TODAY, days=args.days, scale=args.scale
            ).path
            print(
                f"generated demo warehouse (scale {args.scale:g}) in "
                f"{time.perf_counter() - started:.1f}s"
            )
        layer = load_semantic()
        warehouse = DuckDBWarehouse(path)
        window = Window(start=TODAY - timedelta(days=28), end=TODAY)
        sessions = warehouse.query('SELECT COUNT(*) AS n FROM "sessions"')["n"].iloc[0]
        print(f"warehouse: {path.name}, {sessions:,} sessions; window {window.describe()}")
        cases = {
            "conversion_rate by region": MetricRequest(
                "conversion_rate", window, group_by=("region",)
            ),
            "revenue by channel, per day": MetricRequest(
                "revenue", window, group_by=("channel",), grain="day"
            ),
            "revenue_per_session by device (derived)": MetricRequest(
                "revenue_per_session", window, group_by=("device",)
            ),
        }
        for name, request in cases.items():
            print(
                _line(
                    f"run_metric: {name}",
                    _time(functools.partial(run_metric, warehouse, layer, request), args.runs),
                )
            )
        request = cases["conversion_rate by region"]
        print(
            _line(
                "compile only: conversion_rate by region",
                _time(lambda: compile_request(layer, request), args.runs),
            )
        )
        hand = (
            "SELECT region, SUM(CASE WHEN converted THEN 1 ELSE 0 END) / COUNT(*) AS v "
            "FROM sessions WHERE session_date >= $s AND session_date < $e GROUP BY 1 ORDER BY 1"
        )
        params = {"s": window.start, "e": window.end}
        print(
            _line(
                "baseline: hand-written SQL, same query",
                _time(lambda: warehouse.query(hand, params), args.runs),
            )
        )
        warehouse.close()


if __name__ == "__main__":
    main()
