"""`scout run --once`: one monitor cycle — read the KPIs, find what is new, act, remember."""

from __future__ import annotations

import argparse
import asyncio
import json

from rich.console import Console

from agent.domain import jsonable
from agent.loop_parts import MonitorTick
from bot.commands.agent_args import add_agent_args, deps_from
from bot.terminal import render_cycle, run_with_status


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the monitor cycle (once)")
    add_agent_args(parser)
    parser.add_argument("--once", action="store_true", help="one cycle, then exit (the default)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        deps = await deps_from(args)
        console = Console()
        try:
            result = await run_with_status(
                deps, MonitorTick(at=deps.clock()), Console(stderr=True), label="Monitoring…"
            )
        finally:
            await deps.close()
        if args.json:
            print(
                json.dumps(
                    {
                        "cycle": result.cycle_id,
                        "observations": result.observations,
                        "confidence": round(result.confidence, 3),
                        "new_anomalies": [a.to_json() for a in result.new_anomalies],
                        "updated_anomalies": [a.to_json() for a in result.updated_anomalies],
                        "actions": [
                            {"action": o.action.to_json(), "result": o.result.to_json()}
                            for o in result.actions
                        ],
                        "errors": list(result.errors),
                    },
                    default=jsonable,
                    indent=2,
                )
            )
            return 0
        console.print(
            f"[bold]Monitor cycle[/] {result.cycle_id}: {result.observations} observations "
            f"(confidence {result.confidence:.0%}), {len(result.new_anomalies)} new anomalies, "
            f"{len(result.updated_anomalies)} already reported, {len(result.actions)} actions, "
            f"{result.seconds:.1f} s.",
            highlight=False,
        )
        if not result.new_anomalies and not result.actions:
            console.print("Nothing new since the last check.")
        render_cycle(console, result)
        return 0

    return asyncio.run(main())
