"""`scout approvals | approve | reject | pause | resume | outbox`: decide risky actions in a terminal.

`scout outbox` marks a failed row that is scheduled to be tried again with its retry time (in
the terminal's local time); `scout outbox --failed` lists the executions whose delivery
failed; `scout outbox --retry EXECUTION --as USER` sends one again through the actor, under
the same idempotency key, so a receiver that saw the first try de-duplicates the second.

They open the same sqlite memory the bot uses (`--memory`, else scout.yml `memory:`, else
`data_dir()/memory.sqlite3`), so a request proposed in Slack an hour ago, before a restart,
can be approved here. Approving from the terminal delivers through the outbox (and prints
the message); the user named by `--as` must be a configured approver.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from agent.act import Actor, ActResult, ActSettings
from agent.act.records import ExecutionRecord
from agent.act.rules import format_money, to_cents
from agent.config import ScoutConfig, data_dir, load_config
from agent.db import postgres_url
from agent.errors import ConfigError, UserError
from bot.commands.common import add_now, clock_from


def memory_path(args: argparse.Namespace) -> str | Path:
    """Where the memory database is: --memory, scout.yml `memory:`, or the data dir.

    A PostgreSQL URL stays a string: `Path()` would fold its `//` and make it a file name.
    (agent.deps.default_memory_path says the same for scout.yml; it is not imported here
    because it pulls in the warehouse and pandas, which these commands never need.)
    """
    given = getattr(args, "memory", None)
    if given:
        try:  # the flag says what scout.yml's `memory:` says: one rule for both
            ScoutConfig(memory=given)
        except ValidationError as error:
            problems = [f"--memory: {e['msg']}" for e in error.errors()]
            raise ConfigError(problems, source="the command line") from None
    else:
        given = load_config(getattr(args, "config", None)).memory
    if not given:
        return data_dir() / "memory.sqlite3"
    return given if postgres_url(given) else Path(given).expanduser()


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory",
        metavar="PATH|URL",
        help="Scout's memory: a sqlite file path or PostgreSQL URL (default: scout.yml memory:)",
    )
    parser.add_argument("--config", metavar="PATH", help="scout.yml (default: SCOUT_CONFIG)")
    add_now(parser)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the approval and kill-switch commands."""
    p = sub.add_parser("approvals", help="list actions waiting for approval")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _common(p)
    p.set_defaults(func=run_list)

    p = sub.add_parser("approve", help="approve a pending action (it then executes once)")
    p.add_argument("approval_id", metavar="ID")
    p.add_argument("--as", dest="user", required=True, metavar="USER", help="your approver id")
    _common(p)
    p.set_defaults(func=run_approve)

    p = sub.add_parser("reject", help="reject a pending action")
    p.add_argument("approval_id", metavar="ID")
    p.add_argument("--as", dest="user", required=True, metavar="USER", help="your approver id")
    p.add_argument("--reason", required=True, help="why (kept in the audit log)")
    _common(p)
    p.set_defaults(func=run_reject)

    for name, helptext in (
        ("pause", "stop all outbound effects (kill switch)"),
        ("resume", "allow outbound effects again"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--as", dest="user", required=True, metavar="USER")
        p.add_argument("--reason", default="", help="why (kept in the audit log)")
        _common(p)
        p.set_defaults(func=run_pause if name == "pause" else run_resume)

    p = sub.add_parser("outbox", help="show what Scout sent or would have sent")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--failed", action="store_true", help="only actions whose delivery failed, with why"
    )
    p.add_argument(
        "--retry",
        metavar="EXECUTION",
        help="send a failed action again (same idempotency key); needs --as",
    )
    p.add_argument("--as", dest="user", metavar="USER", help="who retries (kept in the audit log)")
    _common(p)
    p.set_defaults(func=run_outbox)


def _with_actor(args: argparse.Namespace, work: Callable[[Actor], Awaitable[int]]) -> int:
    config = load_config(getattr(args, "config", None))
    settings = ActSettings.from_config(config)
    path = memory_path(args)

    async def main() -> int:
        # No Slack here: Slack kinds approved from the CLI wait in the outbox, and say so.
        from bot.commands.sequences import configured_integrations

        clock = clock_from(args)
        integrations, warehouse = configured_integrations(config, clock)
        actor = await Actor.open(path, settings, integrations=integrations, clock=clock)
        try:
            return await work(actor)
        finally:
            await actor.close()
            if warehouse is not None:
                warehouse.close()

    return asyncio.run(main())


def _local_time(moment: datetime) -> str:
    """'Dec 15 04:15 EST': a moment in the terminal's own time zone."""
    local = moment.astimezone()
    return f"{local:%b} {local.day} {local:%H:%M %Z}"


def _ago(moment: datetime, now: datetime) -> str:
    minutes = int((moment - now).total_seconds() // 60)
    sign = "in " if minutes >= 0 else ""
    minutes = abs(minutes)
    text = f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
    return sign + text + ("" if sign else " ago")


def run_list(args: argparse.Namespace) -> int:
    """Print pending approval requests."""

    async def work(actor: Actor) -> int:
        pending = await actor.pending()
        console = Console()
        if args.json:
            console.print_json(json.dumps([p.to_json() for p in pending]))
            return 0
        if not pending:
            console.print("No actions are waiting for approval.")
            return 0
        now = actor.clock()
        table = Table(title=f"{len(pending)} action(s) waiting for approval")
        table.add_column("id", no_wrap=True, min_width=len(pending[0].id))
        for column in ("action", "why", "requested by", "expires", "approvers"):
            table.add_column(column, overflow="fold")
        for p in pending:
            cost = f" ({format_money(to_cents(p.action.cost))})" if p.action.cost else ""
            table.add_row(
                p.id,
                f"{p.action.kind} → {p.action.target}{cost}",
                p.reason,
                p.requester,
                _ago(p.expires_at, now),
                ", ".join(p.approvers) or "(none configured)",
            )
        console.print(table)
        return 0

    return _with_actor(args, work)


def _print_failed(runs: list[ExecutionRecord], args: argparse.Namespace) -> int:
    """The dead letters: executions whose integration failed for good, newest first."""
    # A failure whose key was sent since (a retry) is no longer a dead letter.
    sent = {r.idempotency_key for r in runs if r.status != "failed" and not r.dry_run}
    failed = [r for r in runs if r.status == "failed" and r.idempotency_key not in sent]
    failed = failed[::-1][: args.limit]
    console = Console()
    if args.json:
        console.print_json(json.dumps([r.to_json() for r in failed]))
        return 0
    if not failed:
        console.print("No action has failed.")
        return 0
    table = Table(title=f"{len(failed)} action(s) that failed")
    for column in ("execution", "when", "kind", "target", "attempts", "why"):
        table.add_column(column, overflow="fold")
    for r in failed:
        when = f"{r.finished_at or r.started_at:%m-%d %H:%M}"
        table.add_row(r.id, when, r.action.kind, r.action.target, str(r.attempts), r.error or "")
    console.print(table)
    return 0


def _report(result: ActResult, console: Console) -> int:
    if result.status in ("refused", "failed"):
        raise UserError(f"Not done: {result.reason}", hint=_HINTS.get(result.code or "", ""))
    if result.status == "deduplicated":  # approving a request someone already decided
        raise UserError(f"Nothing to do: {result.reason}.")
    console.print(
        f"[bold green]{result.status.replace('_', ' ')}[/]: {result.reason}", highlight=False
    )
    return 0


def _report_retry(result: ActResult, console: Console) -> int:
    """What a retry did, in the words the outbox uses: sent only once the receiver took it."""
    if result.status == "failed":
        raise UserError(
            f"failed — {result.reason}", hint="It stays in `scout outbox --failed` to retry later."
        )
    if result.status == "executed":
        console.print(f"[bold green]sent[/]: {result.reason}", highlight=False)
        return 0
    return _report(result, console)


_HINTS = {
    "not_authorised": "Approvers are set in scout.yml under approvals.approvers "
    "(or slack.approvers).",
    "expired": "Ask Scout to propose the action again if it is still wanted.",
    "paused": "`scout resume --as USER` lifts the kill switch.",
}


def run_approve(args: argparse.Namespace) -> int:
    """Approve one request as `--as USER`."""

    async def work(actor: Actor) -> int:
        return _report(await actor.approve(args.approval_id, args.user), Console())

    return _with_actor(args, work)


def run_reject(args: argparse.Namespace) -> int:
    """Reject one request as `--as USER` with a reason."""

    async def work(actor: Actor) -> int:
        result = await actor.reject(args.approval_id, args.user, args.reason)
        if result.status == "refused" and result.code == "rejected":
            Console().print(
                f"[bold]rejected[/]: {args.approval_id} ({args.reason})", highlight=False
            )
            return 0
        return _report(result, Console())

    return _with_actor(args, work)


def run_pause(args: argparse.Namespace) -> int:
    """Turn the kill switch on."""

    async def work(actor: Actor) -> int:
        await actor.pause(args.user, args.reason)
        Console().print("Paused: Scout will send nothing until `scout resume`.")
        return 0

    return _with_actor(args, work)


def run_resume(args: argparse.Namespace) -> int:
    """Turn the kill switch off."""

    async def work(actor: Actor) -> int:
        await actor.resume(args.user, args.reason)
        Console().print("Resumed: outbound actions are allowed again.")
        return 0

    return _with_actor(args, work)


def run_outbox(args: argparse.Namespace) -> int:
    """Print the latest outbox rows."""

    if args.retry and not args.user:
        raise UserError("Say who retries it: `scout outbox --retry ID --as USER`.")

    async def work(actor: Actor) -> int:
        if args.retry:
            return _report_retry(await actor.retry(args.retry, args.user), Console())
        if args.failed:
            return _print_failed(await actor.executions(limit=10_000), args)
        rows = await actor.outbox(limit=args.limit)
        console = Console()
        if args.json:
            console.print_json(json.dumps([r.to_json() for r in rows]))
            return 0
        # A failed send the due-steps job will try again says when, not just "failed".
        retry_at = {
            r.execution_id: r.due_at for r in await actor.retries(scheduled=True, limit=None)
        }
        table = Table(title="outbox (what was sent, or would have been)")
        for column in ("#", "when", "kind", "op", "to", "status", "text"):
            table.add_column(column, overflow="fold")
        for r in rows:
            to = (f"#{r.channel} " if r.channel else "") + ", ".join(r.recipients)
            op = f"update #{r.update_of}" if r.update_of is not None else r.op
            status = r.status + (" (dry run)" if r.dry_run and r.status != "dry_run" else "")
            if r.status == "failed" and r.execution_id in retry_at:
                status = f"failed, retry at {_local_time(retry_at[r.execution_id])}"
            table.add_row(str(r.id), f"{r.created_at:%m-%d %H:%M}", r.kind, op, to, status, r.text)
        console.print(table)
        return 0

    return _with_actor(args, work)
