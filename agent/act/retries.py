"""Scheduled retries of single sends: a failure that may pass is tried again later.

A one-off customer email (a retention offer: an SMTP 4xx, a refused connection, a timeout) or
a kind's webhook (a 5xx, 429, a timeout, a refused connection) that still fails after the
executor's short in-process backoff is not a dead letter yet: its execution says
"webhook failed — will retry at Dec 15 09:15 UTC (…)" and a row here makes it due again at
that time. A webhook's other 4xx is the receiver saying no: it fails permanently at once.

The due-steps job (the scheduler every 15 minutes, `scout sequences --run`) claims each due
row with a conditional UPDATE, so one replica runs it, and executes the same action under the
same idempotency key (a webhook's Idempotency-Key, an email's Message-ID) and the same
approval through the executor: kill switch, spend caps, outbox row, exactly once. After the
last try it fails permanently and stays in `scout outbox --failed` for a person. Sequence
steps keep their own schedule (agent.act.sequences) on the same intervals; both tables are
walked by one due loop, `run_each_due`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, TypeVar

from agent.act import leases
from agent.act.kinds import KindRegistry
from agent.act.ledger import execution_from_row
from agent.act.store import ActStore, audit, fetch_all, fetch_one, parse_ts, ts
from agent.act.webhooks import WebhookIntegration
from agent.db import Row, Session
from agent.domain import Allow

if TYPE_CHECKING:  # the executor schedules retries and retries execute through it
    from agent.act.executor import Executor
    from agent.act.ports import Clock, Integration

log = logging.getLogger("scout.act.retries")

# Later tries of a send that failed for a reason that may pass; after the last one it fails
# permanently. Shared by single sends (emails, webhooks) and sequence steps.
RETRY_AFTER = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))

RetryState = Literal["scheduled", "claimed", "done", "failed"]

# What is tried again, as a status names it: "webhook failed — will retry at …".
RetryVia = Literal["email", "webhook"]

T = TypeVar("T")


def day_text(moment: datetime | date) -> str:
    """'Dec 7': how a status names a day."""
    return f"{moment:%b} {moment.day}"


def moment_text(moment: datetime) -> str:
    """'Dec 7 09:15 UTC': how a status names a retry time."""
    return f"{day_text(moment)} {moment:%H:%M} UTC"


@dataclass(frozen=True, kw_only=True)
class RetryPlan:
    """What happens after a failure that may pass: the next try, or none left."""

    key: str
    attempts: int  # scheduled tries used, this failure included
    due_at: datetime | None  # None: no try left, it failed permanently
    status: str


@dataclass(frozen=True, kw_only=True)
class Retry:
    """One single send's retry schedule, as stored."""

    key: str
    execution_id: str  # the latest failed execution (the action, requester, approval)
    attempts: int
    due_at: datetime
    state: RetryState
    status: str


def retried_via(
    kind_name: str, kinds: KindRegistry, integrations: Mapping[str, Integration]
) -> RetryVia | None:
    """How a failure of this kind that may pass is tried again on this schedule, or None.

    A kind's own webhook, or else a single customer email. A Slack post is not (a person
    re-runs it), nor a sequence's step (its sequence keeps the step's schedule).
    """
    kind = kinds.get(kind_name)
    is_step = any((k := kinds.get(n)) and k.step_kind == kind_name for n in kinds.names())
    if kind is None or is_step:
        return None
    own = integrations.get(kind_name)
    if own is not None:  # a kind's own integration takes it whole, whatever its handler
        return "webhook" if isinstance(own, WebhookIntegration) else None
    return "email" if kind.handler == "email" else None


async def run_each_due(
    store: ActStore,
    sql: str,
    args: tuple[object, ...],
    run_one: Callable[[Row], Awaitable[T | None]],
) -> list[T]:
    """List what is due in one read, then run each row in turn; what ran, as it stands after.

    `run_one` claims its row with a conditional UPDATE and returns None when another runner
    had it, so listing outside the claim is safe. Scheduled retries and sequence steps share
    this loop over their own tables.
    """
    async with store.read() as db:
        rows = await fetch_all(db, sql, args)
    ran = []
    for row in rows:
        done = await run_one(row)
        if done is not None:
            ran.append(done)
    return ran


async def plan(db: Session, key: str, why: str, now: datetime, via: RetryVia) -> RetryPlan:
    """The next try of `key` after a failure that may pass (read inside the caller's tx)."""
    row = await fetch_one(db, "SELECT attempts FROM act_retries WHERE idempotency_key = ?", (key,))
    tries = (row["attempts"] if row else 0) + 1
    if tries > len(RETRY_AFTER):
        return RetryPlan(
            key=key,
            attempts=tries,
            due_at=None,
            status=f"{via} failed permanently — gave up after {tries} tries: {why}",
        )
    due = now + RETRY_AFTER[tries - 1]
    return RetryPlan(
        key=key,
        attempts=tries,
        due_at=due,
        status=f"{via} failed — will retry at {moment_text(due)} ({why})",
    )


async def save(db: Session, plan: RetryPlan, execution_id: str, now: datetime) -> None:
    """Write the schedule for `plan.key` (one row per key; a later failure moves it on)."""
    await db.execute(
        "INSERT INTO act_retries(idempotency_key, execution_id, attempts, due_at, state, "
        "status, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(idempotency_key) DO UPDATE SET "
        "execution_id = excluded.execution_id, attempts = excluded.attempts, "
        "due_at = excluded.due_at, state = excluded.state, claimed_at = NULL, "
        "status = excluded.status, updated_at = excluded.updated_at",
        (
            plan.key,
            execution_id,
            plan.attempts,
            ts(plan.due_at or now),
            "scheduled" if plan.due_at else "failed",
            plan.status,
            ts(now),
        ),
    )


class Retries:
    """Runs the single sends that are due again, and lists where each stands."""

    def __init__(self, store: ActStore, executor: Executor, *, clock: Clock) -> None:
        self.store = store
        self.executor = executor
        self.clock = clock

    async def run_due(self, *, limit: int = 200) -> list[Retry]:
        """Try again every send due now, oldest first; each as it stands after."""
        return await run_each_due(
            self.store,
            "SELECT idempotency_key FROM act_retries WHERE state = 'scheduled' "
            "AND due_at <= ? ORDER BY due_at, idempotency_key LIMIT ?",
            (ts(self.clock()), limit),
            lambda row: self._run(row["idempotency_key"]),
        )

    def _via(self, kind_name: str) -> RetryVia:
        """How a retry of this kind is named now (the configuration may have changed since)."""
        executor = self.executor
        return retried_via(kind_name, executor.kinds, executor.integrations) or "email"

    async def _run(self, key: str) -> Retry | None:
        """Claim one due retry and run it; None when another runner had it."""
        now = self.clock()
        async with self.store.tx() as db:
            claimed = await db.execute(
                "UPDATE act_retries SET state = 'claimed', claimed_at = ?, updated_at = ? "
                "WHERE idempotency_key = ? AND state = 'scheduled' AND due_at <= ?",
                (ts(now), ts(now), key, ts(now)),
            )
            if claimed != 1:
                return None
            row = await fetch_one(
                db,
                "SELECT e.* FROM act_retries r JOIN act_executions e ON e.id = r.execution_id "
                "WHERE r.idempotency_key = ?",
                (key,),
            )
        assert row is not None
        failed = execution_from_row(row)
        via = self._via(failed.action.kind)
        live = await self.executor.find_live(key)
        if live is not None:  # sent since (a person's retry, a re-proposal): nothing to do
            return await self.settle(key, "done", f"already {live.status} as execution {live.id}")
        checked = self.executor.kinds.check(failed.action)
        if isinstance(checked, str):
            return await self.settle(key, "failed", f"{via} failed permanently — {checked}")
        approved = f" (approved as {failed.approval_id})" if failed.approval_id else ""
        result = await self.executor.execute(
            checked,
            Allow(reason=f"scheduled retry of {failed.id}{approved}"),
            requested_by=failed.requested_by,
            approval_id=failed.approval_id,
        )
        current = await self.get(key)
        if current.state != "claimed":  # the executor moved the schedule on, or gave up
            return current
        match result.status:
            case "refused" if result.code == "paused":  # due again at the first run after resume
                return await self.settle(key, "scheduled", f"{via} waits: {result.reason}")
            case "executed" | "queued" | "deduplicated" | "dry_run":
                return await self.settle(key, "done", result.reason)
            case _:
                return await self.settle(
                    key, "failed", f"{via} failed permanently — {result.reason}"
                )

    async def reclaim(self, cutoff: datetime) -> list[Retry]:
        """Retries claimed before `cutoff` by a process that died (agent.act.leases): settled
        by what their sends recorded, or handed back to run again."""
        async with self.store.read() as db:
            rows = await fetch_all(
                db,
                "SELECT r.idempotency_key, e.kind FROM act_retries r "
                "JOIN act_executions e ON e.id = r.execution_id "
                "WHERE r.state = 'claimed' AND r.claimed_at < ?",
                (ts(cutoff),),
            )
        out = []
        for row in rows:
            key, via = row["idempotency_key"], self._via(row["kind"])
            async with self.store.read() as db:
                state, live = await leases.key_state(db, key)
            match state:
                case "running":  # its execution's own lease comes first
                    continue
                case "live":
                    assert live is not None
                    out.append(await self.settle(key, "done", live.result or live.status))
                case "unconfirmed":
                    why = (
                        f"{via} delivery unconfirmed (the process stopped while sending); "
                        "not resent"
                    )
                    out.append(await self.settle(key, "failed", why))
                case "free":
                    out.append(await self.settle(key, "scheduled", f"{via} handed back: due now"))
        return out

    async def settle(self, key: str, state: RetryState, status: str) -> Retry:
        """End (or park) a claimed retry with what happened."""
        now = self.clock()
        async with self.store.tx() as db:
            await db.execute(
                "UPDATE act_retries SET state = ?, status = ?, claimed_at = NULL, updated_at = ? "
                "WHERE idempotency_key = ?",
                (state, status, ts(now), key),
            )
            await audit(
                db, at=now, who="scout", event=f"retry_{state}", key=key, what=status, why=""
            )
        log.info("retry.%s key=%s status=%s", state, key, status)
        return await self.get(key)

    async def get(self, key: str) -> Retry:
        async with self.store.read() as db:
            row = await fetch_one(db, "SELECT * FROM act_retries WHERE idempotency_key = ?", (key,))
        assert row is not None
        return _to_retry(row)

    async def list(self, *, scheduled: bool = False, limit: int | None = 100) -> list[Retry]:
        """Retry schedules, the soonest due first; `scheduled`: only those waiting for their
        next try; `limit` None: all of them."""
        where = "WHERE state = 'scheduled' " if scheduled else ""
        cap, args = ("LIMIT ?", (limit,)) if limit is not None else ("", ())
        async with self.store.read() as db:
            rows = await fetch_all(
                db, f"SELECT * FROM act_retries {where}ORDER BY due_at, idempotency_key {cap}", args
            )
        return [_to_retry(r) for r in rows]


def _to_retry(row: Row) -> Retry:
    return Retry(
        key=row["idempotency_key"],
        execution_id=row["execution_id"],
        attempts=row["attempts"],
        due_at=parse_ts(row["due_at"]) or datetime.min,
        state=row["state"],
        status=row["status"],
    )
