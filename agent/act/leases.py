"""Claims left by a process that died: handed back after a lease, never knowingly sent twice.

Sending is claim → attempt → record. A process that dies in between leaves a claim behind:
an execution `running`, a sequence step or a scheduled retry `claimed`. The due-steps job
(`Actor.run_due_steps`: the scheduler every 15 minutes, `scout sequences --run`) first sweeps
claims older than LEASE. Ten minutes is far longer than any live claim (four SMTP attempts of
at most 20 s each with their backoff take under two), so a claim that old has no owner.
What happens to it is decided from what was written before sending, never by guessing:

- The result was recorded (the process died after the send was recorded, before its step
  was settled): the step is settled as sent; nothing goes out again.
- No delivery attempt is stamped on its outbox row: nothing reached the receiver. The
  execution is closed as failed ("interrupted before sending") and the work is handed back:
  the step or retry is due again, a single email or webhook is scheduled for now, and the
  same run sends it once.
- An attempt is stamped but no answer recorded: the rare "sent but not recorded" window (the
  process died during the SMTP or HTTP exchange, or between the server's 250 and the commit).
  An SMTP server cannot be asked whether it took a message, so Scout does not resend: the
  execution is closed as "delivery unconfirmed", its spend stays reserved (the offer may be
  live), a step's sequence ends, and a person sees it in `scout outbox --failed`; `scout
  outbox --retry` sends it again, with the same Message-ID (a webhook: the same
  Idempotency-Key), so a receiver that de-duplicates drops a second copy.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from agent.act import outbox, retries
from agent.act.ledger import execution_from_row
from agent.act.records import Delivery, ExecutionRecord
from agent.act.store import audit, fetch_all, fetch_one, ts
from agent.db import Row, Session

if TYPE_CHECKING:
    from agent.act.executor import Executor

log = logging.getLogger("scout.act.leases")

LEASE = timedelta(minutes=10)

# The outbox's `delivered_via` for an attempt whose outcome was never recorded.
UNCONFIRMED = "unconfirmed"

KeyState = Literal["running", "live", "unconfirmed", "free"]


async def key_state(db: Session, key: str) -> tuple[KeyState, ExecutionRecord | None]:
    """Where the sends of one idempotency key stand: one still running (leave it to its own
    lease), one live (sent, queued), one unconfirmed (never resend), or free to run."""
    row = await fetch_one(
        db,
        "SELECT * FROM act_executions WHERE idempotency_key = ? AND dry_run = 0 "
        "AND status != 'failed'",
        (key,),
    )
    if row is not None:
        record = execution_from_row(row)
        return ("running" if record.status == "running" else "live"), record
    unconfirmed = await fetch_one(
        db,
        "SELECT 1 FROM act_executions e JOIN act_outbox o ON o.execution_id = e.id "
        "WHERE e.idempotency_key = ? AND e.dry_run = 0 AND o.delivered_via = ?",
        (key, UNCONFIRMED),
    )
    return ("unconfirmed" if unconfirmed else "free"), None


async def close_dead_executions(executor: Executor) -> list[str]:
    """Close every execution left `running` longer than the lease; what was done, one line
    each. A single email or webhook that never reached the wire is scheduled again for now."""
    now = executor.clock()
    async with executor.store.read() as db:
        rows = await fetch_all(
            db,
            "SELECT e.id, e.idempotency_key, e.kind, e.approval_id, e.dry_run, "
            "o.id AS outbox_id, o.op, o.attempted_at, s.status AS sequence_status "
            "FROM act_executions e LEFT JOIN act_outbox o ON o.execution_id = e.id "
            "LEFT JOIN act_sequences s ON s.id = e.id "
            "WHERE e.status = 'running' AND e.started_at < ? ORDER BY e.started_at",
            (ts(now - LEASE),),
        )
    done = []
    for row in rows:
        line = await _close(executor, row, now)
        if line:
            done.append(line)
    return done


async def _close(executor: Executor, row: Row, now: datetime) -> str | None:
    key, outbox_id = row["idempotency_key"], row["outbox_id"]
    status, spend = "failed", "released"
    result: str | None = None
    if row["sequence_status"] is not None:  # the steps were written: the sequence started
        status, spend, result = "executed", "spent", row["sequence_status"]
        why = "the sequence had started; its steps run on their own"
    elif outbox_id is None:
        why = "interrupted: the process stopped before it finished; nothing was sent"
    elif row["attempted_at"] is None:
        why = "interrupted before sending (the process stopped); nothing was sent"
    else:
        spend = "reserved"
        why = (
            "delivery unconfirmed — the process stopped while sending, so it may have "
            "arrived; it is not sent again automatically (`scout outbox --retry` does)"
        )
    again = retries.retried_via(row["kind"], executor.kinds, executor.integrations)
    hand_back = (
        outbox_id is not None
        and row["attempted_at"] is None
        and not row["dry_run"]
        and again is not None
    )
    async with executor.store.tx() as db:
        won = await db.execute(
            "UPDATE act_executions SET status = ?, result = ?, error = ?, finished_at = ? "
            "WHERE id = ? AND status = 'running'",
            (status, result, None if status == "executed" else why, ts(now), row["id"]),
        )
        if won != 1:  # another replica's sweep closed it
            return None
        await db.execute(
            "UPDATE act_spend SET state = ? WHERE execution_id = ?", (spend, row["id"])
        )
        if outbox_id is not None:
            via = Delivery(via=UNCONFIRMED) if row["attempted_at"] else None
            await outbox.mark(db, outbox_id, "failed", now, via)
            if row["op"] == "post":
                await outbox.forget_fingerprint_of(db, outbox_id)
        if hand_back:
            attempts = await fetch_one(
                db, "SELECT attempts FROM act_retries WHERE idempotency_key = ?", (key,)
            )
            plan = retries.RetryPlan(
                key=key,
                attempts=attempts["attempts"] if attempts else 0,
                due_at=now,
                status=f"{again} {why}; handed back, due again now",
            )
            await retries.save(db, plan, row["id"], now)
        await audit(
            db,
            at=now,
            who="scout",
            event="lease_expired",
            kind=row["kind"],
            key=key,
            approval_id=row["approval_id"],
            execution_id=row["id"],
            what=f"execution {row['id']} was still running after {LEASE}",
            why=why,
        )
    log.warning("lease.expired execution=%s key=%s outcome=%s", row["id"], key, why)
    return f"{row['id']}: {why}"
