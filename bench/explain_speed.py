"""Speed of explain on a big demo warehouse: SQL pushed down vs the same drill-down in pandas.

Both sides answer "why did conversion rate move, last 7 days vs the 7 before" with the same
engine. Scout's path (`agent.analyses.explain.explain`) sends two grouped queries (the leaves
of each window) and one daily query (the noise history) to DuckDB and gets ~1,000 rows
back. The pandas path loads the session rows of the same span (both windows and the history
weeks), groups them in pandas, then runs the same engine and verdict.

Run: .venv/bin/python -m bench.explain_speed [--scale 10] [--days 180] [--repeat 3] [--out DIR]
(the warehouse is generated once into <DIR>/explain-speed-s<scale>-d<days>/ and reused; DIR
defaults to the git-ignored bench/out/).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb

from agent.analyses import AnalysisContext
from agent.analyses.explain import explain
from agent.analyses.explain.leaves import HISTORY_PERIODS
from agent.analyses.explain.verdict import Against, explain_leaves
from agent.demo_data import generate
from agent.domain import Goal, Intent
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse

TODAY = date(2025, 12, 15)
DIMS = ["region", "device", "channel", "customer_type", "landing_category"]
OUT = Path(__file__).resolve().parent / "out"


def _warehouse(scale: float, days: int, out: Path = OUT) -> Path:
    folder = out / f"explain-speed-s{scale:g}-d{days}"
    if not (folder / "warehouse.duckdb").exists():
        started = time.perf_counter()
        generate(out=folder, seed=7, today=TODAY, days=days, scale=scale)
        print(f"generated {folder} in {time.perf_counter() - started:.0f} s")
    return folder / "warehouse.duckdb"


def scout_path(ctx: AnalysisContext) -> tuple[dict[str, str] | None, int]:
    (finding,) = explain(Goal(intent=Intent.EXPLAIN, metric="conversion_rate"), ctx)
    return finding.facts["top_cause"], int(finding.facts["leaves"])


def pandas_path(path: Path) -> tuple[dict[str, str] | None, int]:
    """Load rows, group in pandas, same engine and verdict."""
    start, cur_start = TODAY - timedelta(days=14), TODAY - timedelta(days=7)
    hist_start = cur_start - timedelta(days=7 * HISTORY_PERIODS + 7)
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT session_date, " + ", ".join(DIMS) + ", converted FROM sessions "
            "WHERE session_date >= ? AND session_date < ?",
            [hist_start, TODAY],
        ).df()
    rows["conv"] = rows["converted"].astype("int64")
    day = rows["session_date"].dt.date
    window = rows[day >= start]
    period = (window["session_date"].dt.date >= cur_start).map({True: "cur", False: "base"})
    grouped = (
        window.assign(period=period)
        .groupby([*DIMS, "period"], observed=True)["conv"]
        .agg(["sum", "count"])
        .unstack("period", fill_value=0)
    )
    grouped.columns = [
        f"{'numerator' if s == 'sum' else 'denominator'}_{p}" for s, p in grouped.columns
    ]
    leaves = grouped.reset_index().fillna(0.0)
    daily = rows[day < cur_start].groupby(day[day < cur_start])["conv"].agg(["sum", "count"])
    weeks: list[float | None] = []
    for k in range(HISTORY_PERIODS + 1):
        lo = cur_start - timedelta(days=7 * (k + 1))
        part = daily[(daily.index >= lo) & (daily.index < lo + timedelta(days=7))]
        # A week before the data starts has no rate, as on Scout's side (leaves.noise_history).
        sessions = part["count"].sum()
        weeks.append(part["sum"].sum() / sessions if sessions else None)
    history = tuple(
        (after - before) / before
        for after, before in itertools.pairwise(weeks)
        if after is not None and before
    )
    judged = explain_leaves(
        leaves,
        DIMS,
        ("numerator", "denominator"),
        against=Against.PERIODS,
        history=history,
        proportion=True,
    ).result
    top = dict(judged.root_causes[0].where) if judged.root_causes else None
    return top, len(leaves)


Answer = tuple[dict[str, str] | None, int]


def _time(fn: Callable[[], Answer], repeat: int) -> tuple[list[float], Answer]:
    times: list[float] = []
    out: Answer = (None, 0)
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return times, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT, help="where the warehouse is kept")
    args = parser.parse_args()
    path = _warehouse(args.scale, args.days, args.out)
    with duckdb.connect(str(path), read_only=True) as con:
        total = con.execute("SELECT count(*) FROM sessions").fetchone()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"sessions: {total[0] if total else 0:,}"
    )
    warehouse = DuckDBWarehouse(path)
    ctx = AnalysisContext(warehouse=warehouse, layer=load_semantic(), today=TODAY)
    scout_times, scout_out = _time(lambda: scout_path(ctx), args.repeat)
    warehouse.close()
    pandas_times, pandas_out = _time(lambda: pandas_path(path), args.repeat)
    s, p = statistics.median(scout_times), statistics.median(pandas_times)
    print("| path | first run | median of runs | top cause | leaves |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| Scout (SQL pushed down to DuckDB) | {scout_times[0]:.2f} s | {s:.2f} s | "
        f"{scout_out[0]} | {scout_out[1]} |"
    )
    print(
        f"| pandas (load rows, group in pandas) | {pandas_times[0]:.2f} s | {p:.2f} s | "
        f"{pandas_out[0]} | {pandas_out[1]} |"
    )
    print(f"ratio pandas / Scout: {p / s:.1f}x; target Scout < 2 s: {'met' if s < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
