"""Accuracy of explain (and friends) on the demo generator's recorded scenarios, over seeds.

For each seed: a warehouse with every scenario, and a quiet one (scenarios=[]), generated in a
temp dir. Reported in one table:
- conversion drop: `explain` of conversion_rate, last 7 days vs the 7 before, names the
  injected segment (exact `where`) as its top root cause;
- quiet: the same question says "within normal variation";
- drop_auto / quiet_auto: the same two questions with no period named (what `scout ask "why
  did conversion drop?"` does): Scout compares from where the move began (explain/onset.py),
  so the drop must still be named and quiet data must still be quiet;
- revenue anomaly: the daily segment detector (agent.analyses.anomaly.detect_segments, run
  on one- and two-dimension segments of daily revenue) ranks the injected segment and day
  first among the last 14 days' anomalies;
- forecast bias: the biased category has the worst forecast error (WAPE) over 30 days.

Run: .venv/bin/python -m bench.explain_accuracy [--seeds 30] [--days 60] [--scale 0.5]
Iterating: `--seed-list 3,8,12` picks seeds, `--checks drop,quiet` skips the slow checks and
`--cache DIR` keeps the generated warehouses for the next run (same seed, days and scale).
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from agent.analyses import AnalysisContext
from agent.analyses.anomaly import detect_segments
from agent.analyses.explain import explain
from agent.demo_data import GeneratedWarehouse, generate
from agent.demo_data.generate import SCENARIOS_FILE, WAREHOUSE_FILE
from agent.demo_data.scenarios import load_scenarios
from agent.domain import Goal, Intent, Window
from agent.semantic import MetricRequest, load_semantic
from agent.warehouse import DuckDBWarehouse

TODAY = date(2025, 12, 15)
SEGMENT_DIMS = ("region", "device", "channel", "customer_type")
CHECKS = ("drop", "quiet", "drop_auto", "quiet_auto", "anomaly", "forecast")


@dataclass(frozen=True)
class SeedResult:
    seed: int
    drop_where: dict[str, str]
    drop_found: dict[str, str] | None
    drop_note: str
    quiet_within: bool
    quiet_note: str
    auto_found: dict[str, str] | None
    auto_note: str
    quiet_auto_within: bool
    quiet_auto_note: str
    anomaly_ok: bool
    anomaly_note: str
    forecast_ok: bool
    forecast_note: str


def _ctx(path: Path) -> tuple[AnalysisContext, DuckDBWarehouse]:
    warehouse = DuckDBWarehouse(path / "warehouse.duckdb")
    return AnalysisContext(warehouse=warehouse, layer=load_semantic(), today=TODAY), warehouse


def _ask(
    ctx: AnalysisContext, metric: str, *, stated: bool = True
) -> tuple[dict[str, str] | None, bool, str]:
    goal = Goal(intent=Intent.EXPLAIN, metric=metric, window_stated=stated)
    (finding,) = explain(goal, ctx)
    top = finding.facts.get("top_cause")
    onset = finding.facts.get("onset")
    since = f"[since {onset['start']} in {onset['where'] or 'the total'}] " if onset else ""
    return top, bool(finding.facts.get("within_noise")), since + finding.summary


def _anomaly(path: Path, where: dict[str, str], day: date) -> tuple[bool, str]:
    since = TODAY - timedelta(days=14)
    with duckdb.connect(str(path / "warehouse.duckdb"), read_only=True) as con:
        frame = con.execute(
            "SELECT order_date AS date, " + ", ".join(SEGMENT_DIMS) + ", SUM(revenue) AS value "
            "FROM orders GROUP BY ALL"
        ).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    # Two-dimension segments as their own columns, so the detector sees them too.
    dims = list(SEGMENT_DIMS)
    for a, b in itertools.combinations(SEGMENT_DIMS, 2):
        frame[f"{a}&{b}"] = frame[a] + "&" + frame[b]
        dims.append(f"{a}&{b}")
    found = detect_segments({"revenue": frame}, dimensions=dims, since=since, include_total=False)
    if not found:
        return False, "nothing detected"
    top = found[0]
    (key, value), *_ = top.where.items()
    got = dict(zip(key.split("&"), value.split("&"), strict=True))
    ok = got == where and top.day == day
    return ok, f"top {got} on {top.day} (score {top.score:.1f})"


def _forecast(ctx: AnalysisContext, category: str) -> tuple[bool, str]:
    window = Window(start=TODAY - timedelta(days=30), end=TODAY)
    frame = ctx.run(
        MetricRequest(metric="forecast_error", window=window, group_by=("category",))
    ).frame
    worst = str(frame.sort_values("value", ascending=False)["category"].iloc[0])
    return worst == category, f"worst {worst} ({frame['value'].max():.0%})"


def _warehouse(
    out: Path, seed: int, days: int, scale: float, scenarios: list[str] | None
) -> GeneratedWarehouse:
    """Generate, or reuse what a cached run left in `out` (written last, so complete)."""
    if (out / SCENARIOS_FILE).exists() and (out / WAREHOUSE_FILE).exists():
        return GeneratedWarehouse(
            path=out / WAREHOUSE_FILE,
            scenarios=load_scenarios(out / SCENARIOS_FILE),
            today=TODAY,
            seed=seed,
        )
    return generate(out=out, seed=seed, today=TODAY, days=days, scale=scale, scenarios=scenarios)


def run_seed(
    seed: int,
    days: int,
    scale: float,
    checks: tuple[str, ...] = CHECKS,
    cache: str | None = None,
) -> SeedResult:
    """Generate both warehouses of a seed, ask, and score against the recorded truth."""
    with tempfile.TemporaryDirectory(prefix=f"scout-explain-{seed}-") as tmp:
        root = Path(cache) / f"seed{seed}-d{days}-s{scale:g}" if cache else Path(tmp)
        full = _warehouse(root / "full", seed, days, scale, None)
        drop = full.scenario("conversion_drop")
        anomaly = full.scenario("revenue_anomaly")
        bias = full.scenario("forecast_bias")
        found, drop_note = None, "skipped"
        anomaly_ok, anomaly_note = False, "skipped"
        forecast_ok, forecast_note = False, "skipped"
        ctx, wh = _ctx(full.path.parent)
        auto, auto_note = None, "skipped"
        if "drop" in checks:
            found, _, drop_note = _ask(ctx, "conversion_rate")
        if "drop_auto" in checks:
            auto, _, auto_note = _ask(ctx, "conversion_rate", stated=False)
        if "anomaly" in checks:
            anomaly_ok, anomaly_note = _anomaly(
                full.path.parent, dict(anomaly.where), anomaly.start
            )
        if "forecast" in checks:
            forecast_ok, forecast_note = _forecast(ctx, bias.where["category"])
        wh.close()
        within, quiet_note = False, "skipped"
        auto_within, quiet_auto_note = False, "skipped"
        if "quiet" in checks or "quiet_auto" in checks:
            quiet = _warehouse(root / "quiet", seed, days, scale, [])
            qctx, qwh = _ctx(quiet.path.parent)
            if "quiet" in checks:
                _, within, quiet_note = _ask(qctx, "conversion_rate")
            if "quiet_auto" in checks:
                _, auto_within, quiet_auto_note = _ask(qctx, "conversion_rate", stated=False)
            qwh.close()
    return SeedResult(
        seed=seed,
        drop_where=dict(drop.where),
        drop_found=found,
        drop_note=f"{drop.start}..{drop.end} {drop.effect_size:+.0%}: {drop_note}",
        quiet_within=within,
        quiet_note=quiet_note,
        auto_found=auto,
        auto_note=f"{drop.start}..{drop.end} {drop.effect_size:+.0%}: {auto_note}",
        quiet_auto_within=auto_within,
        quiet_auto_note=quiet_auto_note,
        anomaly_ok=anomaly_ok,
        anomaly_note=f"truth {dict(anomaly.where)} on {anomaly.start}: {anomaly_note}",
        forecast_ok=forecast_ok,
        forecast_note=f"truth {bias.where['category']}: {forecast_note}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed-list", help="comma-separated seeds (overrides --seeds)")
    parser.add_argument("--checks", default=",".join(CHECKS), help="subset of " + ",".join(CHECKS))
    parser.add_argument("--cache", help="keep generated warehouses here and reuse them")
    args = parser.parse_args()
    seeds = (
        [int(s) for s in args.seed_list.split(",")]
        if args.seed_list
        else list(range(args.first_seed, args.first_seed + args.seeds))
    )
    checks = tuple(c for c in args.checks.split(",") if c)
    unknown = set(checks) - set(CHECKS)
    if unknown:
        parser.error(f"unknown check(s): {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    n = len(seeds)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(
            pool.map(
                run_seed, seeds, [args.days] * n, [args.scale] * n, [checks] * n, [args.cache] * n
            )
        )
    drop_hits = sum(r.drop_found == r.drop_where for r in results)
    quiet_hits = sum(r.quiet_within for r in results)
    auto_hits = sum(r.auto_found == r.drop_where for r in results)
    quiet_auto_hits = sum(r.quiet_auto_within for r in results)
    anomaly_hits = sum(r.anomaly_ok for r in results)
    forecast_hits = sum(r.forecast_ok for r in results)
    print(
        f"explain accuracy: {n} seeds ({_seed_text(seeds)}), days={args.days}, "
        f"scale={args.scale}, {time.perf_counter() - started:.0f} s"
    )
    print("| check | target | hits | rate |")
    print("| --- | --- | --- | --- |")
    rows = [
        ("drop", "conversion drop is the top root cause (exact where)", "≥ 95%", drop_hits),
        ("quiet", "quiet seeds: within normal variation", "≥ 90%", quiet_hits),
        ("drop_auto", "no period named: conversion drop is the top root cause", "≥ 95%", auto_hits),
        (
            "quiet_auto",
            "no period named: quiet seeds within normal variation",
            "≥ 90%",
            quiet_auto_hits,
        ),
        ("anomaly", "revenue anomaly: top anomaly is the right day and segment", "—", anomaly_hits),
        (
            "forecast",
            "forecast bias: biased category has the worst WAPE (30 days)",
            "—",
            forecast_hits,
        ),
    ]
    for check, name, target, hits in rows:
        if check in checks:
            print(f"| {name} | {target} | {hits}/{n} | {hits / n:.1%} |")
    for r in results:
        if "drop" in checks and r.drop_found != r.drop_where:
            print(
                f"miss drop seed {r.seed}: truth {r.drop_where}, found {r.drop_found}; {r.drop_note}"
            )
        if "quiet" in checks and not r.quiet_within:
            print(f"miss quiet seed {r.seed}: {r.quiet_note}")
        if "drop_auto" in checks and r.auto_found != r.drop_where:
            print(
                f"miss drop_auto seed {r.seed}: truth {r.drop_where}, found {r.auto_found}; {r.auto_note}"
            )
        if "quiet_auto" in checks and not r.quiet_auto_within:
            print(f"miss quiet_auto seed {r.seed}: {r.quiet_auto_note}")
        if "anomaly" in checks and not r.anomaly_ok:
            print(f"miss anomaly seed {r.seed}: {r.anomaly_note}")
        if "forecast" in checks and not r.forecast_ok:
            print(f"miss forecast seed {r.seed}: {r.forecast_note}")


def _seed_text(seeds: list[int]) -> str:
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}..{seeds[-1]}"
    return ",".join(map(str, seeds))


if __name__ == "__main__":
    main()
