"""`scout digest [--today D]`: the morning digest (yesterday's KPIs, movers, anomalies, actions)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rich.console import Console

from agent.loop_parts import DigestDue
from bot.commands.agent_args import add_agent_args, deps_from
from bot.terminal import render_cycle, run_with_status


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("digest", help="print the morning digest (weekly summary on Mondays)")
    add_agent_args(parser)
    parser.add_argument("--charts", metavar="DIR", help="write chart PNGs here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        deps = await deps_from(args)
        console = Console()
        try:
            day = deps.today()
            result = await run_with_status(
                deps, DigestDue(day=day), Console(stderr=True), label="Writing the digest…"
            )
        finally:
            await deps.close()
        console.print(f"[bold]Scout digest — {day:%A %B %-d, %Y}[/]", highlight=False)
        render_cycle(console, result, charts_dir=Path(args.charts) if args.charts else None)
        return 0

    return asyncio.run(main())
