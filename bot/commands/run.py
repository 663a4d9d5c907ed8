"""`scout run --once`: one monitor cycle — read the KPIs, find what is new, act, remember.

It is the served monitor's cycle (`ScoutService.check_kpis`): the same alerts and proposals,
through the same actor. Without a Slack connection the actor keeps each message in the
outbox, and the output says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict

from rich.console import Console

from agent.domain import jsonable
from bot.commands.agent_args import add_agent_args, service_from
from bot.terminal import render_report


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the monitor cycle (once)")
    add_agent_args(parser)
    parser.add_argument("--once", action="store_true", help="one cycle, then exit (the default)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    async def main() -> int:
        service = await service_from(args)
        try:
            with Console(stderr=True).status("Monitoring…"):
                report = await service.check_kpis()
        finally:
            await service.aclose()
        if args.json:
            summary = {
                "cycle": report.cycle_id,
                "observations": report.observations,
                "confidence": round(report.confidence, 3),
                "new_anomalies": [a.to_json() for a in report.new_anomalies],
                "updated_anomalies": [a.to_json() for a in report.updated_anomalies],
                "actions": [
                    {
                        "action": p.action.to_json(),
                        "status": p.status.value,
                        "result": p.result,
                        "approval_id": p.approval_id,
                    }
                    for p in report.actions
                ],
                "published": [asdict(p) for p in report.published],
                "errors": list(report.errors),
            }
            print(json.dumps(summary, default=jsonable, indent=2))
            return 0
        render_report(Console(), report)
        return 0

    return asyncio.run(main())
