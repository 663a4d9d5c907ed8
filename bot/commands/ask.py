"""`scout ask TEXT`: the answer Slack would give, printed with its evidence.

The question goes through the application service (`ScoutService.ask`), so the goal, the
findings and any proposed action are the ones a mention in Slack gets; each run is a new
thread (a follow-up needs `scout chat`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import uuid
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from agent.domain import Finding
from agent.views import Reply, ThreadRef
from bot.commands.agent_args import add_agent_args, service_from
from bot.terminal import progress_on, render_reply


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("ask", help="ask a question; print the answer with its evidence")
    parser.add_argument("text", help='e.g. "why did conversion drop in the Northeast?"')
    add_agent_args(parser)
    parser.add_argument("--as", dest="user", default="cli", help="who asks (default: cli)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--charts", metavar="DIR", help="write chart PNGs here")
    parser.add_argument("--sql", action="store_true", help="show the SQL behind every number")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out_dir = Path(args.charts) if args.charts else None
    reply = asyncio.run(_ask(args, out_dir))
    if reply.error and not reply.findings:
        Console(stderr=True).print(f"[bold red]Scout:[/] {escape(reply.error)}", highlight=False)
        return 2
    if args.json:
        charts = write_charts(reply.findings, out_dir) if out_dir else {}
        payload = {
            "goal": reply.goal.to_json() if reply.goal else None,
            "findings": [
                f.to_json() | {"chart_path": charts.get(i)} for i, f in enumerate(reply.findings)
            ],
            "actions": [
                {"action": p.action.to_json(), "status": p.status.value, "result": p.result}
                for p in reply.actions
            ],
            "notes": reply.text.splitlines(),
        }
        print(json.dumps(payload, indent=2, default=str))
        return 0
    render_reply(Console(), reply, charts_dir=out_dir, show_sql=args.sql)
    return 0


async def _ask(args: argparse.Namespace, out_dir: Path | None) -> Reply:
    service = await service_from(args, out_dir=out_dir)
    thread = ThreadRef(channel="cli", thread_ts=uuid.uuid4().hex[:12])
    try:
        async with progress_on(Console(stderr=True, quiet=not sys.stderr.isatty())) as progress:
            return await service.ask(args.text, thread=thread, user=args.user, on_progress=progress)
    finally:
        await service.aclose()


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
