"""`scout sequences [--run]`: win-back sequences and their steps; `--run` sends the due ones.

The served bot runs the due-steps job on a schedule; `--run` is the same call from a terminal
(cron, a one-off after an outage). The job also tries again the single emails and webhooks
whose retry is due, so `--run` prints those as well as the sequence steps. It opens the memory
the bot uses and, when `integrations.email` is set, the warehouse for the customers' contact
details.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.table import Table

from agent.act import Actor, ActSettings, Integration
from agent.act.email import email_integrations
from agent.act.ports import utc_now
from agent.act.records import SequenceRecord
from agent.act.webhooks import webhook_integrations
from agent.config import ScoutConfig, load_config
from agent.semantic import load_semantic
from agent.semantic.contacts import WarehouseContacts
from agent.warehouse import Warehouse, open_warehouse
from bot.commands.approvals import memory_path
from bot.commands.common import add_now, clock_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sequences", help="win-back sequences: steps, statuses; --run sends due ones"
    )
    p.add_argument("--run", action="store_true", help="send the steps that are due now")
    p.add_argument("--active", action="store_true", help="only sequences still running")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.add_argument("--memory", metavar="PATH", help="Scout's sqlite memory database")
    p.add_argument("--config", metavar="PATH", help="scout.yml (default: SCOUT_CONFIG)")
    add_now(p)
    p.set_defaults(func=run)


def configured_integrations(
    config: ScoutConfig, clock: Callable[[], datetime] = utc_now
) -> tuple[dict[str, Integration], Warehouse | None]:
    """The webhooks and email that scout.yml configures, for a CLI actor (no Slack here).

    Email needs the warehouse (addresses, opt-outs); it is opened only when email is set,
    and returned so the caller closes it.
    """
    integrations: dict[str, Integration] = dict(webhook_integrations(config.integrations))
    if config.integrations.email is None:
        return integrations, None
    warehouse = open_warehouse(config.warehouse)
    contacts = WarehouseContacts(warehouse, load_semantic(config.semantic))
    integrations.update(email_integrations(config.integrations.email, contacts, clock=clock))
    return integrations, warehouse


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)

    async def main() -> int:
        clock = clock_from(args)
        integrations, warehouse = configured_integrations(config, clock)
        actor = await Actor.open(
            memory_path(args),
            ActSettings.from_config(config),
            integrations=integrations,
            clock=clock,
        )
        try:
            console = Console()
            if args.run:
                for line in await _run_due(actor):
                    console.print(line, highlight=False)
            records = await actor.sequences(active=args.active, limit=args.limit)
            if args.json:
                console.print_json(json.dumps([r.to_json() for r in records]))
                return 0
            if not args.run or records:
                _print(console, records)
            return 0
        finally:
            await actor.close()
            if warehouse is not None:
                warehouse.close()

    return asyncio.run(main())


async def _run_due(actor: Actor) -> list[str]:
    """Run the due-steps job; one line per sequence step and per scheduled retry it ran."""
    lines = (await actor.run_due_steps()).lines()
    return lines or ["Nothing is due: no sequence step, no retry of a failed send."]


def _print(console: Console, records: list[SequenceRecord]) -> None:
    if not records:
        console.print("No sequences yet (an approved win-back starts one).")
        return
    table = Table(title="sequences (newest first)")
    for column in ("sequence", "customer", "state", "steps", "status"):
        table.add_column(column, overflow="fold")
    for r in records:
        steps = " · ".join(f"{s.step}:{s.state} {s.due_at:%b %d}" for s in r.steps)
        table.add_row(r.id, r.customer_id, r.state, steps, r.status)
    console.print(table)
