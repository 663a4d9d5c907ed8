"""The outbox: exactly what was (or would have been) sent, to whom, when, under which decision.

It is the embedded default integration — with nothing else wired, an outbound action is
"delivered" by being written here — and the record every other integration is checked
against. Alert fingerprints (de-duplication) and the per-channel rate limit are derived
from it inside the claiming transaction.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Literal

from rich.console import Console

from agent.act.guardrails import Blocked
from agent.act.kinds import CheckedAction, params_json
from agent.act.records import (
    Decision,
    Delivery,
    OutboundMessage,
    OutboxEntry,
    decision_from_json,
    decision_to_json,
    dumps,
)
from agent.act.redact import clean_value, sanitise
from agent.act.rules import GuardrailSettings
from agent.act.store import fetch_all, fetch_one, parse_ts, ts
from agent.db import Row, Session
from agent.domain import stable_key


async def alerts_posted_since(db: Session, channel: str, since: datetime, dry_run: bool) -> int:
    """New rate-limited posts to `channel` since `since` (updates and failures don't count)."""
    row = await fetch_one(
        db,
        "SELECT COUNT(*) FROM act_outbox WHERE channel = ? AND rate_limited = 1 AND op = 'post' "
        "AND status != 'failed' AND dry_run = ? AND created_at > ?",
        (channel, int(dry_run), ts(since)),
    )
    return int(row[0]) if row else 0


async def live_fingerprint(
    db: Session, fingerprint: str, dry_run: bool, since: datetime
) -> tuple[int, str | None] | None:
    """(first outbox id, its delivery ref) if this fingerprint was seen after `since`."""
    row = await fetch_one(
        db,
        "SELECT f.first_outbox_id, o.delivery_ref FROM act_fingerprints f "
        "JOIN act_outbox o ON o.id = f.first_outbox_id "
        "WHERE f.fingerprint = ? AND f.dry_run = ? AND f.last_at > ?",
        (fingerprint, int(dry_run), ts(since)),
    )
    return (int(row[0]), row[1]) if row else None


async def touch_fingerprint(
    db: Session,
    fingerprint: str,
    dry_run: bool,
    outbox_id: int,
    at: datetime,
    *,
    new: bool,
) -> None:
    """Start a fingerprint at a new post, or extend its window after an update."""
    if new:
        await db.execute(
            "INSERT INTO act_fingerprints(fingerprint, dry_run, first_outbox_id, first_at, last_at) "
            "VALUES (?,?,?,?,?) ON CONFLICT(fingerprint, dry_run) DO UPDATE SET "
            "first_outbox_id = excluded.first_outbox_id, first_at = excluded.first_at, "
            "last_at = excluded.last_at, updates = 0",
            (fingerprint, int(dry_run), outbox_id, ts(at), ts(at)),
        )
    else:
        await db.execute(
            "UPDATE act_fingerprints SET last_at = ?, updates = updates + 1 "
            "WHERE fingerprint = ? AND dry_run = ?",
            (ts(at), fingerprint, int(dry_run)),
        )


async def forget_fingerprint_of(db: Session, outbox_id: int) -> None:
    """A post that failed must not suppress the next attempt."""
    await db.execute("DELETE FROM act_fingerprints WHERE first_outbox_id = ?", (outbox_id,))


async def insert(
    db: Session,
    *,
    execution_id: str,
    message: OutboundMessage,
    fingerprint: str | None,
    rate_limited: bool,
    decision_json: str,
    approval_id: str | None,
    dry_run: bool,
    at: datetime,
    flags: tuple[str, ...],
) -> int:
    """Write an outbox row (pending, or dry_run) and return its id."""
    return await db.insert(
        "INSERT INTO act_outbox(execution_id, kind, op, update_of, channel, recipients, severity, "
        "text, fingerprint, rate_limited, decision, approval_id, status, dry_run, created_at, flags) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            execution_id,
            message.kind,
            message.op,
            message.update_of,
            message.channel,
            json.dumps(list(message.recipients)),
            message.severity,
            message.text,
            fingerprint,
            int(rate_limited),
            decision_json,
            approval_id,
            "dry_run" if dry_run else "pending",
            int(dry_run),
            ts(at),
            json.dumps(list(flags)),
        ),
    )


async def mark(
    db: Session,
    outbox_id: int,
    status: Literal["sent", "failed"],
    at: datetime,
    delivery: Delivery | None,
) -> None:
    """Record how delivery of an outbox row ended."""
    await db.execute(
        "UPDATE act_outbox SET status = ?, delivered_at = ?, delivered_via = ?, delivery_ref = ? "
        "WHERE id = ?",
        (
            status,
            ts(at) if status == "sent" else None,
            delivery.via if delivery else None,
            delivery.ref if delivery else None,
            outbox_id,
        ),
    )


def _entry(row: Row) -> OutboxEntry:
    decision: Decision = decision_from_json(json.loads(row["decision"]))
    return OutboxEntry(
        id=row["id"],
        execution_id=row["execution_id"],
        kind=row["kind"],
        op=row["op"],
        update_of=row["update_of"],
        channel=row["channel"],
        recipients=tuple(json.loads(row["recipients"])),
        severity=row["severity"],
        text=row["text"],
        fingerprint=row["fingerprint"],
        decision=decision,
        approval_id=row["approval_id"],
        status=row["status"],
        dry_run=bool(row["dry_run"]),
        created_at=parse_ts(row["created_at"]) or datetime.min,
        delivered_via=row["delivered_via"],
        delivery_ref=row["delivery_ref"],
        flags=tuple(json.loads(row["flags"])),
    )


async def entries(
    db: Session, *, limit: int = 100, execution_id: str | None = None
) -> list[OutboxEntry]:
    """Outbox rows, oldest first (the last `limit`), optionally for one execution."""
    where = "WHERE execution_id = ?" if execution_id else ""
    args: tuple[object, ...] = (execution_id, limit) if execution_id else (limit,)
    rows = await fetch_all(
        db,
        f"SELECT * FROM (SELECT * FROM act_outbox {where} ORDER BY id DESC LIMIT ?) ORDER BY id",
        args,
    )
    return [_entry(r) for r in rows]


def since(moment: datetime, minutes: float) -> datetime:
    """The start of a look-back window."""
    return moment - timedelta(minutes=minutes)


async def write_message(
    db: Session,
    checked: CheckedAction,
    decision: Decision,
    *,
    execution_id: str,
    approval_id: str | None,
    now: datetime,
    dry: bool,
    rules: GuardrailSettings,
) -> OutboundMessage:
    """Sanitise, de-duplicate and rate-limit an outbound message, then write its row."""
    kind, params = checked.kind, checked.params
    title, body = params.message_parts()
    safe_title, safe_body = sanitise(title), sanitise(body)
    text = f"*{safe_title.text}*" + (f"\n{safe_body.text}" if safe_body.text else "")
    flags = tuple(dict.fromkeys(safe_title.flags + safe_body.flags))
    channel = params.channel_name()
    parts = params.fingerprint_parts() if kind.deduplicated else None
    fingerprint = stable_key(kind.name, *parts) if parts else None
    op: Literal["post", "update"] = "post"
    update_of, update_ref = None, params.replaces_ref()
    if update_ref:
        op = "update"  # an answer edited into the placeholder that stood in for it
    elif fingerprint and rules.dedup_minutes > 0:
        live = await live_fingerprint(db, fingerprint, dry, since(now, rules.dedup_minutes))
        if live:
            op, (update_of, update_ref) = "update", live
    if op == "post" and kind.rate_limited and channel:
        posted = await alerts_posted_since(db, channel, since(now, 60), dry)
        if posted >= rules.alerts_per_channel_per_hour:
            raise Blocked(
                f"rate limit: #{channel} already had {posted} alerts in the last hour "
                f"(limit {rules.alerts_per_channel_per_hour})",
                "rate_limit",
            )
    draft = OutboundMessage(
        outbox_id=0,
        kind=kind.name,
        op=op,
        channel=channel,
        recipients=params.recipient_ids(),
        severity=params.severity_level(),
        text=text,
        idempotency_key=checked.action.idempotency_key,
        update_of=update_of,
        update_ref=update_ref,
        thread=params.reply_under(),
        params=clean_value(dict(params_json(params))),
        decision=decision_to_json(decision),
    )
    outbox_id = await insert(
        db,
        execution_id=execution_id,
        message=draft,
        fingerprint=fingerprint,
        rate_limited=kind.rate_limited,
        decision_json=dumps(decision_to_json(decision)),
        approval_id=approval_id,
        dry_run=dry,
        at=now,
        flags=flags,
    )
    if fingerprint:
        await touch_fingerprint(db, fingerprint, dry, outbox_id, now, new=op == "post")
    return OutboundMessage(**{**draft.__dict__, "outbox_id": outbox_id})


class TerminalNotifier:
    """Prints outbound messages to a terminal: what `scout chat` and the demo show."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()

    async def deliver(self, message: OutboundMessage) -> Delivery:
        """Print the message (its text is already safe) and report delivery."""
        where = f"#{message.channel}" if message.channel else "direct"
        to = f" → {', '.join(message.recipients)}" if message.recipients else ""
        verb = f"updates #{message.update_of}" if message.update_of is not None else "posts"
        self.console.print(
            f"[bold]{message.kind}[/] ({message.severity}) {verb} to {where}{to}",
            highlight=False,
        )
        self.console.print(message.text, markup=False, highlight=False)
        return Delivery(via="terminal", ref=f"outbox:{message.outbox_id}")
