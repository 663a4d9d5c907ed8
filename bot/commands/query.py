"""`scout query METRIC`: one metric over a window, optionally filtered, split and per period."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from agent.config import load_config
from agent.domain import Window, format_segment, jsonable
from agent.errors import UserError
from agent.semantic import MetricRequest, SemanticLayer, load_semantic, run_metric
from agent.warehouse import open_warehouse
from bot.commands.common import add_source_args, parse_date, today_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "query",
        help="compute one metric (default: the last 7 complete days)",
        description="Examples: scout query revenue --by region; "
        "scout query cvr --where region=NE --grain day",
    )
    parser.add_argument("metric", help="metric name or synonym (see `scout metrics`)")
    parser.add_argument("--by", action="append", default=[], metavar="DIM", help="group by")
    parser.add_argument(
        "--where", action="append", default=[], metavar="DIM=VALUE", help="filter (repeatable)"
    )
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day (inclusive)")
    parser.add_argument("--grain", choices=("day", "week", "month"), help="one row per period")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_source_args(parser)
    parser.set_defaults(func=run)


def build_request(args: argparse.Namespace, layer: SemanticLayer, today: date) -> MetricRequest:
    """Arguments -> MetricRequest, resolving synonyms for the metric and filter values."""
    metric = layer.resolve_metric(args.metric) or args.metric
    layer.metric(metric)  # friendly error for an unknown metric
    end = parse_date(args.end, "--to") + timedelta(days=1) if args.end else today
    start = parse_date(args.start, "--from") if args.start else end - timedelta(days=7)
    if end <= start:
        raise UserError(f"--from {start} is after --to {end - timedelta(days=1)}.")
    filters: dict[str, str] = {}
    for item in args.where:
        dim, sep, text = item.partition("=")
        dim = dim.strip()
        if not sep or not dim or not text.strip():
            raise UserError(f"--where {item!r} should look like dimension=value (region=NE).")
        value = layer.resolve_value(dim, text)
        if value is None:
            values = ", ".join(layer.dimension(dim).values)
            raise UserError(f"'{text}' is not a {dim} I know.", hint=f"{dim} values: {values}")
        filters[dim] = value
    return MetricRequest(
        metric=metric,
        window=Window(start=start, end=end),
        filters=filters,
        group_by=tuple(args.by),
        grain=args.grain,
    )


def run(args: argparse.Namespace) -> int:
    """Run the query and print a rich table or JSON."""
    config = load_config()  # scout.yml may name the warehouse and semantic.yml
    layer = load_semantic(args.semantic or config.semantic)
    today = today_from(args)
    request = build_request(args, layer, today)
    warehouse = open_warehouse(args.warehouse or config.warehouse, today=today)
    try:
        result = run_metric(warehouse, layer, request)
    finally:
        warehouse.close()
    frame = result.frame
    columns = list(frame.columns)
    rows = [[jsonable(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    if args.json:
        payload: dict[str, Any] = {
            "metric": request.metric,
            "window": request.window.to_json(),
            "filters": dict(request.filters),
            "columns": columns,
            "rows": rows,
            "sql": result.evidence.sql,
            "params": {k: jsonable(v) for k, v in result.evidence.params.items()},
        }
        print(json.dumps(payload, indent=2))
        return 0
    metric = layer.metric(request.metric)
    where = format_segment(request.filters)
    title = f"{metric.label} · {request.window.describe()}" + (f" · {where}" if where else "")
    table = Table(title=title)
    numeric = {"value", "numerator", "denominator", *metric.components}
    for name in columns:
        table.add_column(name, justify="right" if name in numeric else "left")
    for row in frame.itertuples(index=False, name=None):
        table.add_row(
            *(_cell(layer, request.metric, name, v) for name, v in zip(columns, row, strict=True))
        )
    console = Console()
    console.print(table)
    if frame.empty:
        console.print("[dim]No rows: nothing matched this window and these filters.[/]")
    return 0


def _cell(layer: SemanticLayer, metric: str, column: str, value: object) -> str:
    if column == "value":
        return layer.format_value(metric, value)  # type: ignore[arg-type]
    if column in layer.metrics:
        return layer.format_value(column, value)  # type: ignore[arg-type]
    if isinstance(value, float) and value != value:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return "" if value is None else str(value)
