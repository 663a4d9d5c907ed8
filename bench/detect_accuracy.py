"""Accuracy and speed of the daily KPI scan (agent.analyses.detect.scan) over demo seeds.

For each seed: a warehouse with every scenario and a quiet one (scenarios=[]). Reported:
- conversion drop: a scan of conversion_rate over the last 7 days reports a drop in a segment
  contained in the injected `where` (one dimension of it, for a two-dimension scenario),
  starting within a day of the injected start;
- revenue anomaly: a scan of revenue and aov over the anomaly's week reports the injected
  day in a segment contained in its `where`;
- quiet: anomalies reported by a scan of the whole watchlist over the last 7 days;
- seconds per whole-watchlist scan.

Run: .venv/bin/python -m bench.detect_accuracy [--seeds 12] [--days 90] [--scale 0.25]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from agent.analyses import AnalysisContext
from agent.analyses.detect import scan
from agent.demo_data import generate
from agent.domain import Window
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse

TODAY = date(2025, 12, 15)
LAST_WEEK = Window(start=TODAY - timedelta(days=7), end=TODAY)


def _ctx(path: Path) -> tuple[AnalysisContext, DuckDBWarehouse]:
    warehouse = DuckDBWarehouse(path)
    return AnalysisContext(warehouse=warehouse, layer=load_semantic(), today=TODAY), warehouse


def run_seed(seed: int, days: int, scale: float) -> tuple[int, bool, bool, int, float, str]:
    """(seed, drop found, revenue anomaly found, quiet false alarms, scan seconds, note)."""
    with tempfile.TemporaryDirectory(prefix=f"scout-detect-{seed}-") as tmp:
        full = generate(out=Path(tmp) / "f", seed=seed, today=TODAY, days=days, scale=scale)
        quiet = generate(
            out=Path(tmp) / "q", seed=seed, today=TODAY, days=days, scale=scale, scenarios=[]
        )
        ctx, wh = _ctx(full.path)
        drop = full.scenario("conversion_drop")
        found = scan(ctx, LAST_WEEK, metrics=("conversion_rate",)).anomalies
        drop_ok = any(
            a.where
            and set(a.where.items()) <= set(drop.where.items())
            and a.direction == "down"
            and abs((a.day - drop.start).days) <= 1
            for a in found
        )
        spike = full.scenario("revenue_anomaly")
        week = Window(start=spike.start - timedelta(days=3), end=spike.start + timedelta(days=4))
        found = scan(ctx, week, metrics=("revenue", "aov")).anomalies
        spike_ok = any(
            a.where and set(a.where.items()) <= set(spike.where.items()) and a.day == spike.start
            for a in found
        )
        wh.close()
        qctx, qwh = _ctx(quiet.path)
        started = time.perf_counter()
        alarms = scan(qctx, LAST_WEEK).anomalies
        seconds = time.perf_counter() - started
        qwh.close()
    note = (
        f"drop {dict(drop.where)} {drop.effect_size:+.0%}; spike {dict(spike.where)} "
        f"{spike.effect_size:+.0%}; quiet: "
        + (", ".join(f"{a.metric} {dict(a.where)} {a.day}" for a in alarms) or "none")
    )
    return seed, drop_ok, spike_ok, len(alarms), seconds, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(run_seed, seeds, [args.days] * len(seeds), [args.scale] * len(seeds)))
    for seed, drop_ok, spike_ok, alarms, seconds, note in rows:
        print(
            f"seed {seed:3d} drop={'Y' if drop_ok else 'n'} spike={'Y' if spike_ok else 'n'} "
            f"quiet_alarms={alarms} scan={seconds:.2f}s  {note}"
        )
    n = len(rows)
    print(f"\nscale {args.scale}, {args.days} days, {n} seeds")
    print(
        f"conversion drop detected (segment within where, start +-1 day): "
        f"{sum(r[1] for r in rows)}/{n}"
    )
    print(
        f"revenue anomaly detected (right day, segment within where):      "
        f"{sum(r[2] for r in rows)}/{n}"
    )
    print(
        f"quiet seeds: false alarms per 7-day watchlist scan: mean "
        f"{sum(r[3] for r in rows) / n:.2f}, seeds with >1: {sum(r[3] > 1 for r in rows)}/{n}"
    )
    print(
        f"scan seconds (whole watchlist, quiet warehouse): mean {sum(r[4] for r in rows) / n:.2f}"
    )


if __name__ == "__main__":
    main()
