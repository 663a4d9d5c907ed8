"""`scout parse TEXT`: what Scout understands from a message, as a Goal (JSON or a panel)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING

from agent.domain import Goal
from agent.errors import UserError
from agent.semantic import load_semantic
from agent.understand import understand

if TYPE_CHECKING:
    from rich.panel import Panel


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("parse", help="show the Goal Scout understands from a message")
    parser.add_argument("text", nargs="+", help="the message, as typed in Slack")
    parser.add_argument("--today", help="pretend today is YYYY-MM-DD (default: the real today)")
    parser.add_argument("--semantic", help="path to semantic.yml (default: SCOUT_SEMANTIC or repo)")
    parser.add_argument("--json", action="store_true", help="print the Goal as JSON")
    parser.set_defaults(func=run)


def _today(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"'{value}' is not a date.", hint="Write --today as YYYY-MM-DD, e.g. 2025-12-15."
        ) from None


def run(args: argparse.Namespace) -> int:
    """Parse the message and print the goal; exit 0 even when Scout would ask a question."""
    today = _today(args.today)
    text = " ".join(args.text)
    if not text.strip():
        raise UserError(
            "There is no message to parse.", hint='Try: scout parse "revenue yesterday"'
        )
    goal = understand(text, layer=load_semantic(args.semantic), today=today)
    if args.json:
        print(json.dumps(goal.to_json(), indent=2))
    else:
        from rich.console import Console  # only for the panel: --json stays light

        Console().print(render(goal))
    return 0


def render(goal: Goal) -> Panel:
    """A compact panel: one row per field, the question and its options when there is one."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    data = goal.to_json()
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key in ("intent", "metric", "filters", "compare", "group_by", "grain", "customer_id"):
        value = data[key]
        if value not in (None, {}, []):
            table.add_row(key, escape(value if isinstance(value, str) else json.dumps(value)))
    if goal.window:
        table.add_row("window", f"{goal.window.describe()}  [dim]{_span(data['window'])}[/]")
    if goal.baseline:
        table.add_row("baseline", f"{goal.baseline.describe()}  [dim]{_span(data['baseline'])}[/]")
    table.add_row("confidence", f"{goal.confidence:.2f}")
    if goal.clarification:
        table.add_row("question", escape(goal.clarification.question))
        for i, option in enumerate(goal.clarification.options, 1):
            table.add_row(f"  option {i}", escape(option.label))
    return Panel(table, title=f"[bold]{escape(goal.text)}[/]", title_align="left", expand=False)


def _span(window: dict[str, str]) -> str:
    return f"[{window['start']}, {window['end']})"
