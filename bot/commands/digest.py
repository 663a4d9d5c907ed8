"""`scout digest [--today D]`: the morning digest (yesterday's KPIs, movers, anomalies, actions).

It prints the reply the scheduled digest posts (`ScoutService.digest`), without posting it.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rich.console import Console

from bot.commands.agent_args import add_agent_args, service_from
from bot.terminal import render_reply


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("digest", help="print the morning digest (weekly summary on Mondays)")
    add_agent_args(parser)
    parser.add_argument("--charts", metavar="DIR", help="write chart PNGs here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        service = await service_from(args)
        console = Console()
        try:
            day = service.deps.today()
            with Console(stderr=True).status("Writing the digest…"):
                reply = await service.digest(day)
        finally:
            await service.aclose()
        console.print(f"[bold]Scout digest — {day:%A %B %-d, %Y}[/]", highlight=False)
        render_reply(console, reply, charts_dir=Path(args.charts) if args.charts else None)
        return 0

    return asyncio.run(main())
