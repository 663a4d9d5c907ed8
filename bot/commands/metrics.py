"""`scout metrics`: the metric catalog from semantic.yml (name, type, label, unit, dims)."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from agent.config import load_config
from agent.semantic import load_semantic


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("metrics", help="list the metrics Scout knows (from semantic.yml)")
    parser.add_argument("--semantic", help="path to semantic.yml (default: SCOUT_SEMANTIC or repo)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the catalog; a broken semantic.yml surfaces as a ConfigError listing problems."""
    layer = load_semantic(args.semantic or load_config().semantic)
    rows = [
        {
            "name": m.name,
            "type": m.type,
            "label": m.label,
            "unit": m.unit or m.format,
            "dimensions": list(layer.dimensions_for(m.name)),
            "synonyms": list(m.synonyms),
        }
        for m in layer.metrics.values()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(title=f"Metrics ({layer.source})", show_lines=False)
    for column in ("name", "type", "label", "unit"):
        table.add_column(column, no_wrap=True)
    table.add_column("dimensions", overflow="fold")
    table.add_column("synonyms", overflow="fold")
    for row in rows:
        table.add_row(
            str(row["name"]),
            str(row["type"]),
            str(row["label"]),
            str(row["unit"]),
            ", ".join(row["dimensions"]),  # type: ignore[arg-type]
            ", ".join(row["synonyms"]),  # type: ignore[arg-type]
        )
    Console().print(table)
    return 0
