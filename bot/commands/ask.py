"""`scout ask TEXT`: understand the question, run the analysis, print the findings."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rich.console import Console

from agent.analyses import run_goal
from agent.domain import Finding
from agent.understand import understand
from bot.commands.common import add_source_args, context_from
from bot.console import goal_line, print_findings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("ask", help="ask a question; print the answer with its evidence")
    parser.add_argument("text", help='e.g. "why did conversion drop in the Northeast?"')
    add_source_args(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--charts", metavar="DIR", help="write chart PNGs here")
    parser.add_argument("--sql", action="store_true", help="show the SQL behind every number")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out_dir = Path(args.charts) if args.charts else None
    ctx = context_from(args, out_dir=out_dir)
    goal = understand(args.text, layer=ctx.layer, today=ctx.today)
    findings: tuple[Finding, ...] = ()
    if not goal.needs_clarification:
        findings = run_goal(goal, ctx)
    charts = write_charts(findings, out_dir) if out_dir else {}
    if args.json:
        payload = {
            "goal": goal.to_json(),
            "findings": [
                f.to_json() | {"chart_path": charts.get(i)} for i, f in enumerate(findings)
            ],
        }
        print(json.dumps(payload, indent=2, default=str))
        return 0
    console = Console()
    console.print(f"[bold]Goal:[/] {goal_line(goal)}", highlight=False)
    if goal.clarification:
        console.print(f"[yellow]{goal.clarification.question}[/]")
        for number, option in enumerate(goal.clarification.options, start=1):
            console.print(f"  {number}. {option.label}")
        return 0
    print_findings(console, findings, charts, show_sql=args.sql)
    return 0


def write_charts(findings: tuple[Finding, ...], out_dir: Path) -> dict[int, str]:
    """Render each finding's chart to PNG; returns finding index → path."""
    from bot.charts import render_chart  # matplotlib is only loaded when charts are wanted

    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[int, str] = {}
    for index, finding in enumerate(findings):
        if finding.chart is None:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", finding.title.lower()).strip("-")[:60] or "chart"
        path = out_dir / f"{index + 1:02d}-{slug}.png"
        path.write_bytes(render_chart(finding.chart))
        paths[index] = str(path)
    return paths
