"""Memory speed: batched observation writes vs one transaction each, thread-context loads.

Run: .venv/bin/python -m bench.memory_speed [--observations 20000] [--threads 10000]
[--loads 2000] [--dedup 2000]
Targets (issue 5): thousands of observations per second batched; a thread loads in < 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from agent.domain import Goal, Intent, Observation, Window
from agent.memory import Memory


def _observations(n: int) -> list[Observation]:
    start = datetime(2025, 12, 15, tzinfo=UTC)
    regions = ["Northeast", "West", "South", "Midwest"]
    return [
        Observation(
            source=f"kpi.metric{i % 13}",
            at=start + timedelta(milliseconds=i),
            data={"current": i * 1.1, "baseline": i * 1.05, "where": {"region": regions[i % 4]}},
            confidence=1.0,
            context={"window": "2025-12-08/2025-12-15"},
        )
        for i in range(n)
    ]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench_observations(path: Path, n: int, batch: int) -> float:
    """Observations per second when written in batches of `batch` (1 = one commit each)."""
    mem = await Memory.open(path)
    rows = _observations(n)
    started = time.perf_counter()
    for i in range(0, n, batch):
        await mem.record_observations(rows[i : i + batch], cycle="bench")
    elapsed = time.perf_counter() - started
    await mem.close()
    return n / elapsed


async def bench_threads(path: Path, threads: int, loads: int) -> dict[str, float]:
    """Wall and CPU milliseconds (p50, p99, max) to load one of `threads` stored contexts.

    CPU time (this thread's) is reported beside wall time because on a shared, loaded
    machine the wall-clock tail is mostly the process being descheduled.
    """
    mem = await Memory.open(path)
    goal = Goal(
        intent=Intent.EXPLAIN,
        metric="conversion_rate",
        filters={"region": "Northeast"},
        window=Window(start=date(2025, 12, 8), end=date(2025, 12, 15)),
        baseline=Window(start=date(2025, 12, 1), end=date(2025, 12, 8)),
        text="why did conversion drop in the NE?",
    )
    for i in range(threads):
        await mem.save_thread(f"C0123:{i}.000100", goal, [i, i + 1, i + 2])
    rng = random.Random(7)
    wall, cpu = [], []
    for _ in range(loads):
        key = f"C0123:{rng.randrange(threads)}.000100"
        started, started_cpu = time.perf_counter(), time.thread_time()
        ctx = await mem.load_thread(key)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        assert ctx is not None
    await mem.close()
    return {
        "p50": _percentile(wall, 0.5),
        "p99": _percentile(wall, 0.99),
        "max": max(wall),
        "cpu_p50": _percentile(cpu, 0.5),
        "cpu_p99": _percentile(cpu, 0.99),
    }


def bench_threads_raw(path: Path, threads: int, loads: int) -> tuple[float, float, float]:
    """Baseline: the same point query with blocking sqlite3 (no event-loop hop, no parsing)."""
    rng = random.Random(7)
    timings = []
    with sqlite3.connect(path) as raw:
        for _ in range(loads):
            key = f"C0123:{rng.randrange(threads)}.000100"
            started = time.perf_counter()
            row = raw.execute(
                "SELECT goal, finding_ids, updated FROM threads WHERE thread_key = ?", (key,)
            ).fetchone()
            timings.append((time.perf_counter() - started) * 1000)
            assert row is not None
    return _percentile(timings, 0.5), _percentile(timings, 0.99), max(timings)


async def bench_dedup(path: Path, n: int) -> float:
    """Milliseconds per `seen_anomaly` (one atomic upsert + commit)."""
    mem = await Memory.open(path)
    started = time.perf_counter()
    for i in range(n):
        await mem.seen_anomaly(f"fp{i % (n // 2)}")
    elapsed = time.perf_counter() - started
    await mem.close()
    return elapsed / n * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--observations", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=2_000)
    parser.add_argument("--dedup", type=int, default=2_000, help="seen_anomaly calls (≥ 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        batched = await bench_observations(root / "a.sqlite", args.observations, 5_000)
        single_n = min(args.observations, 2_000)
        single = await bench_observations(root / "b.sqlite", single_n, 1)
        load = await bench_threads(root / "c.sqlite", args.threads, args.loads)
        raw50, raw99, raw_worst = bench_threads_raw(root / "c.sqlite", args.threads, args.loads)
        dedup = await bench_dedup(root / "d.sqlite", max(2, args.dedup))
    print(
        f"observations, batched 5,000 per transaction: {batched:,.0f} obs/s ({args.observations:,} rows)"
    )
    print(f"observations, one transaction each (baseline): {single:,.0f} obs/s ({single_n:,} rows)")
    print(f"  speed-up: {batched / single:,.1f}x")
    print(
        f"thread context load ({args.threads:,} threads, {args.loads:,} loads): "
        f"p50 {load['p50']:.3f} ms, p99 {load['p99']:.3f} ms, max {load['max']:.3f} ms wall; "
        f"CPU p50 {load['cpu_p50']:.3f} ms, p99 {load['cpu_p99']:.3f} ms (target < 5 ms)"
    )
    print(
        f"  baseline, blocking sqlite3 point query: p50 {raw50:.3f} ms, p99 {raw99:.3f} ms, "
        f"max {raw_worst:.3f} ms"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"anomaly de-dup check (seen_anomaly): {dedup:.3f} ms per call")


if __name__ == "__main__":
    asyncio.run(main())
