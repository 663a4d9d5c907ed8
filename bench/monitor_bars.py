"""Which anomaly bar? The monitor's first morning cycle at several `DEPTH_Z` settings.

For the protocol of bench/monitor_recall.py: bars are chosen on tuning seeds (1-12), never on
the seeds the figures are reported on. Each seed's warehouses (every scenario, and a quiet
twin) are read once through `observe_kpis`, what the monitor reads; each bar is then judged
by `detect_anomalies` with the monitor's watchlist and dimensions (agent/loop.py `_monitor`),
so only the bar differs between rows.

Run: nice .venv/bin/python -m bench.monitor_bars [--seeds 1-12] [--days 120] [--scale 1.0]
[--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from agent.analyses.anomaly import segments
from agent.analyses.detect import SEGMENT_DIMENSIONS
from agent.config import ScoutConfig
from agent.demo_data import generate
from agent.deps import open_deps
from agent.domain import Anomaly
from agent.loop import DAILY_WATCH
from agent.observe import KpiSnapshot, detect_anomalies, observe_kpis
from agent.warehouse import DuckDBWarehouse
from bench.monitor_recall import TODAY, _seeds

BARS = (
    (3.5, 4.5, 5.5),
    (3.5, 4.25, 5.5),
    (3.5, 4.0, 5.5),
    (3.5, 4.25, 5.25),
    (3.5, 4.0, 5.0),
    (3.5, 3.75, 5.5),
)
LOOKBACK = 14  # the first cycle's days


async def _snapshot(path: Path, today: date, memory: Path) -> KpiSnapshot:
    deps = await open_deps(
        ScoutConfig(), warehouse=DuckDBWarehouse(path), today=today, memory_path=memory
    )
    try:
        return await observe_kpis(deps.warehouse, deps.layer, today, check_days=LOOKBACK)
    finally:
        # The memory's connection thread must stop before asyncio.run closes the loop.
        await deps.close()


def _found(snapshot: KpiSnapshot) -> list[Anomaly]:
    since = snapshot.today - timedelta(days=LOOKBACK)
    return detect_anomalies(
        snapshot, since=since, metrics=DAILY_WATCH, dimensions=SEGMENT_DIMENSIONS
    )


def run_seed(seed: int, days: int = 120, scale: float = 1.0) -> list[tuple[bool, bool, int]]:
    """Per bar: the revenue spike found on its day and segment, the conversion drop found in
    its segment from its start (±1 day), and the quiet twin's anomalies."""
    with tempfile.TemporaryDirectory(prefix=f"scout-bars-{seed}-") as tmp:
        work = Path(tmp)
        full = generate(out=work / "f", seed=seed, today=TODAY, days=days, scale=scale)
        quiet = generate(
            out=work / "q", seed=seed, today=TODAY, days=days, scale=scale, scenarios=[]
        )
        spike, drop = full.scenario("revenue_anomaly"), full.scenario("conversion_drop")
        after = asyncio.run(_snapshot(full.path, spike.start + timedelta(days=1), work / "m1"))
        last = asyncio.run(_snapshot(full.path, TODAY, work / "m2"))
        calm = asyncio.run(_snapshot(quiet.path, TODAY, work / "m3"))
    rows = []
    kept = segments.DEPTH_Z
    try:
        for bar in BARS:
            segments.DEPTH_Z = bar
            spiked = any(
                a.metric == "revenue"
                and dict(a.where) == dict(spike.where)
                and a.day == spike.start
                for a in _found(after)
            )
            dropped = any(
                a.metric == "conversion_rate"
                and dict(a.where) == dict(drop.where)
                and a.direction == "down"
                and abs((a.day - drop.start).days) <= 1
                for a in _found(last)
            )
            rows.append((spiked, dropped, len(_found(calm))))
    finally:
        segments.DEPTH_Z = kept
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-12", help="tuning seeds, e.g. 1-12")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--scale", type=float, default=1.0, help="sessions per day / 10k")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = _seeds(args.seeds)
    n = len(seeds)
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_seed, seeds, [args.days] * n, [args.scale] * n))
    print(
        f"{n} seeds ({args.seeds}), scale {args.scale:g}, {args.days} days, today {TODAY}, "
        f"first cycle ({LOOKBACK} days)"
    )
    print("DEPTH_Z            spike  drop  false alarms per quiet week")
    for i, bar in enumerate(BARS):
        spiked = sum(r[i][0] for r in results)
        dropped = sum(r[i][1] for r in results)
        weekly = sum(r[i][2] for r in results) / n / (LOOKBACK / 7)
        print(f"{bar!s:18} {spiked:2d}/{n}  {dropped:2d}/{n}  {weekly:.2f}")


if __name__ == "__main__":
    main()
