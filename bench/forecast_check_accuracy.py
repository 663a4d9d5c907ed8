"""Does forecast_check find the injected forecast bias? Over many seeds of the demo data.

For each seed: generate a small demo warehouse with only the forecast_bias scenario, run the
forecast_check analysis, and count how often the recorded biased category is the worst,
its bias direction is right, and the drift start is within ±3 days of the recorded start.
Side by side: the same change point located on the plain daily bias (no smoothing), and a
quiet warehouse (no scenario) to count false drift reports.

    .venv/bin/python -m bench.forecast_check_accuracy [--seeds 20] [--scale 0.25]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from agent.analyses import AnalysisContext
from agent.analyses.forecast_check import daily_bias, drift_history, forecast_check
from agent.analyses.forecast_stats import change_point
from agent.demo_data import generate
from agent.domain import Goal, Intent
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse

TODAY = date(2025, 12, 15)
GOAL = Goal(intent=Intent.FORECAST_CHECK, metric="forecast_error")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args()
    layer = load_semantic()
    worst = direction = drift_ok = raw_ok = quiet_false = 0
    errors: list[int] = []
    seconds: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            out = Path(tmp) / f"s{seed}"
            built = generate(
                out=out,
                seed=seed,
                today=TODAY,
                days=args.days,
                scale=args.scale,
                scenarios=["forecast_bias"],
            )
            truth = built.scenario("forecast_bias")
            with_ctx = _ctx(built.path, layer)
            started = time.perf_counter()
            main_finding = forecast_check(GOAL, with_ctx)[0]
            seconds.append(time.perf_counter() - started)
            facts = main_finding.facts
            worst += facts["worst_category"] == truth.where["category"]
            direction += (facts["worst_category_bias"] > 0) == (truth.effect_size > 0)
            start = facts["drift_start"]
            if start is not None:
                errors.append((start - truth.start).days)
                drift_ok += abs((start - truth.start).days) <= 3
            daily, _ = daily_bias(
                with_ctx, truth.where["category"], drift_history(with_ctx, _window()), {}
            )
            raw = change_point(list(daily["day"]), list(daily["bias"]))
            raw_ok += raw is not None and abs((raw.start - truth.start).days) <= 3
            with_ctx.warehouse.close()
            quiet = generate(
                out=Path(tmp) / f"q{seed}",
                seed=seed,
                today=TODAY,
                days=args.days,
                scale=args.scale,
                scenarios=[],
            )
            quiet_ctx = _ctx(quiet.path, layer)
            quiet_false += forecast_check(GOAL, quiet_ctx)[0].facts["drift_start"] is not None
            quiet_ctx.warehouse.close()
    n = args.seeds
    print(f"seeds: {n} (scale {args.scale}, {args.days} days, today {TODAY})")
    print(f"biased category is the worst forecast:   {worst}/{n} ({worst / n:.0%})")
    print(f"bias direction right:                    {direction}/{n} ({direction / n:.0%})")
    print(f"drift start within ±3 days (Scout):      {drift_ok}/{n} ({drift_ok / n:.0%})")
    print(f"drift start within ±3 days (raw bias):   {raw_ok}/{n} ({raw_ok / n:.0%})")
    print(f"drift start error, days (Scout):         {sorted(errors)}")
    print(f"false drift on quiet warehouses:         {quiet_false}/{n}")
    print(
        f"forecast_check time per run: median {np.median(seconds):.2f} s, "
        f"max {max(seconds) if seconds else math.nan:.2f} s"
    )


def _window():  # type: ignore[no-untyped-def]
    from agent.analyses.base import window_of

    return window_of(GOAL, TODAY, default_days=30)


def _ctx(path: Path, layer) -> AnalysisContext:  # type: ignore[no-untyped-def]
    return AnalysisContext(warehouse=DuckDBWarehouse(path), layer=layer, today=TODAY)


if __name__ == "__main__":
    main()
