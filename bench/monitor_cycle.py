"""Monitor cycle speed on the default demo warehouse (seed 42, 180 days, scale 1).

Prints: the KPI observation (every metric × every one-dimension segment), the daily anomaly
check, a full first cycle (7 days checked, investigations, plan, actions, memory writes), a
steady-state cycle (yesterday only), memory write throughput, and a thread's context load.
Run: .venv/bin/python -m bench.monitor_cycle [--scale 1] [--days 180]
[--observations 20000] [--loads 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from agent.analyses.detect import SEGMENT_DIMENSIONS
from agent.config import ScoutConfig
from agent.demo_data import generate
from agent.deps import open_deps
from agent.domain import Observation
from agent.loop import DAILY_WATCH, run_cycle
from agent.loop_parts import MonitorTick, PersonAsked
from agent.observe import detect_anomalies, observe_kpis, plan_queries
from agent.warehouse import DuckDBWarehouse

TODAY = date(2025, 12, 15)


async def run(work: Path, scale: float, days: int, observations: int, loads: int) -> None:
    built = generate(out=work / "wh", seed=42, today=TODAY, days=days, scale=scale)
    deps = await open_deps(
        ScoutConfig(),
        warehouse=DuckDBWarehouse(built.path),
        today=TODAY,
        memory_path=work / "m.sqlite3",
    )
    try:
        layer = deps.layer
        print(f"series read: {len(plan_queries(layer))} queries, metrics={len(layer.metric_names)}")
        t = time.perf_counter()
        snap = await observe_kpis(deps.warehouse, layer, TODAY)
        observe_s = time.perf_counter() - t
        print(f"observe_kpis: {observe_s:.2f} s ({len(snap.reads)} series reads)")
        for label, kwargs in (
            (
                "detect (watchlist, 7 days)",
                {"metrics": DAILY_WATCH, "dimensions": SEGMENT_DIMENSIONS},
            ),
            ("detect (every series, 7 days)", {}),
        ):
            t = time.perf_counter()
            found = detect_anomalies(snap, since=TODAY - timedelta(days=7), **kwargs)  # type: ignore[arg-type]
            print(f"{label}: {time.perf_counter() - t:.2f} s, {len(found)} anomalies")
        t = time.perf_counter()
        first = await run_cycle(deps, MonitorTick())
        print(f"first monitor cycle: {time.perf_counter() - t:.2f} s "
              f"({len(first.new_anomalies)} new, {len(first.actions)} actions)")  # fmt: skip
        t = time.perf_counter()
        second = await run_cycle(deps, MonitorTick())
        print(f"steady-state cycle: {time.perf_counter() - t:.2f} s "
              f"({len(second.new_anomalies)} new, {len(second.updated_anomalies)} updated)")  # fmt: skip
        rows = [
            Observation(
                source="bench", at=datetime.now(UTC), data={"i": i, "v": i * 0.5}, confidence=1.0
            )
            for i in range(observations)
        ]
        t = time.perf_counter()
        await deps.memory.record_observations(rows, cycle="bench")
        rate = len(rows) / (time.perf_counter() - t)
        print(f"memory batch write: {rate:,.0f} observations/s")
        await run_cycle(deps, PersonAsked(text="revenue by region last week", thread_key="bench:1"))
        samples = []
        for _ in range(loads):
            t = time.perf_counter()
            await deps.memory.load_thread("bench:1")
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        print(f"thread context load: median {statistics.median(samples):.3f} ms, "
              f"p99 {samples[int(len(samples) * 0.99)]:.3f} ms")  # fmt: skip
    finally:
        await deps.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--observations", type=int, default=20_000, help="memory batch size")
    parser.add_argument("--loads", type=int, default=500, help="thread context loads")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scout-bench-") as work:
        asyncio.run(run(Path(work), args.scale, args.days, args.observations, args.loads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
