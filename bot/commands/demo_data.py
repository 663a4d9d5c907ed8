"""`scout demo-data`: build the demo warehouse with its injected, recorded scenarios
(and, with --spark, load it into a Spark Connect server)."""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from agent.demo_data import SCENARIO_KINDS, GeneratedWarehouse, generate
from agent.domain import format_segment
from agent.errors import UserError
from agent.warehouse.spark import is_spark_url, load_duckdb_tables

_TABLES = (
    "customers",
    "products",
    "sessions",
    "orders",
    "order_items",
    "returns",
    "support_tickets",
    "inventory_forecasts",
    "scenarios",
)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2025-12-15") from None


def register(sub: Any) -> None:
    """Add the demo-data subcommand."""
    parser = sub.add_parser(
        "demo-data",
        help="generate the demo warehouse (DuckDB) with injected scenarios",
        description="Write DIR/warehouse.duckdb and DIR/scenarios.json covering "
        "[today - days, today). The same seed always gives the same data.",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--today",
        type=_date,
        default=None,
        help="first day NOT covered, YYYY-MM-DD (default: today)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--days", type=int, default=180, help="days of history (default 180)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="volume multiplier (1 = ~10k sessions/day)"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        default=None,
        metavar="KIND",
        help=f"inject only this kind (repeatable): {', '.join(SCENARIO_KINDS)}, or 'none'",
    )
    parser.add_argument(
        "--spark",
        metavar="sc://HOST:PORT",
        default=None,
        help="also load the tables into this Spark Connect server (needs the spark extra), "
        "then ask with --warehouse sc://HOST:PORT",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the warehouse and print what it holds."""
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out} exists and is not a directory.")
    if args.spark is not None and not is_spark_url(args.spark):
        raise UserError(
            f"--spark {args.spark} is not a Spark Connect URL like sc://localhost:15002."
        )
    started = time.perf_counter()
    built = generate(
        out=args.out,
        seed=args.seed,
        today=args.today or date.today(),
        days=args.days,
        scale=args.scale,
        scenarios=args.scenario,
    )
    _print_summary(built, time.perf_counter() - started)
    if args.spark is not None:
        _load_into_spark(args.spark, built)
    return 0


def _load_into_spark(url: str, built: GeneratedWarehouse) -> None:
    console = Console()
    started = time.perf_counter()
    counts = load_duckdb_tables(url, built.path, _TABLES)  # errors: the CLI's plain message
    console.print(
        f"[bold]Loaded into Spark[/] {len(counts)} tables, {sum(counts.values()):,} rows "
        f"({time.perf_counter() - started:.1f} s). Ask it with --warehouse {url}",
        soft_wrap=True,
        highlight=False,
    )


def _print_summary(built: GeneratedWarehouse, seconds: float) -> None:
    console = Console()
    con = duckdb.connect(str(built.path), read_only=True)
    try:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in _TABLES}
    finally:
        con.close()
    console.print(
        f"[bold]Demo warehouse[/] {built.path} (seed {built.seed}, up to {built.today}, "
        f"{seconds:.1f} s)",
        soft_wrap=True,
    )
    rows = Table("table", "rows")
    for name, count in counts.items():
        rows.add_row(name, f"{count:,}")
    console.print(rows)
    if not built.scenarios:
        console.print("No injected scenarios (a quiet warehouse).")
        return
    console.print("[bold]Injected scenarios[/] (effect measured from the data):")
    for s in built.scenarios:
        where = format_segment(s.where)
        console.print(
            f"  {s.kind}: {s.metric} {s.effect_size:+.1%} where {where}, "
            f"{s.start} to {s.end} (exclusive)",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"Ground truth: {built.path.parent / 'scenarios.json'}", soft_wrap=True)
