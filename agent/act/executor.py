"""The executor: claim → execute → verify → record, exactly once per idempotency key.

Claiming is one write transaction (serialised with every other writer, in any replica:
see agent.db) that checks the kill switch, inserts the
execution row (the partial UNIQUE index turns a second claim into a duplicate), reserves
spend against the caps re-read inside the same transaction, and writes the outbox row
(an `update` of the first alert when the fingerprint is live, refused when the channel is
over its hourly limit). Delivery runs outside any transaction, with bounded backoff for
transient failures; the outcome is recorded in a second transaction. A crash between the
two leaves a `running` row that blocks re-execution until the due-steps job's sweep
(agent.act.leases) closes it after a lease: each delivery attempt is stamped on its outbox row
before it starts, so a claim that never reached the wire is handed back and one that did is
not sent again. A single email or a kind's webhook that fails for a reason that may pass is
tried again on a schedule (agent.act.retries).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, replace
from typing import Literal

from agent.act import outbox, retries
from agent.act.guardrails import Blocked, SpendUsage, spend_problem
from agent.act.kinds import CheckedAction, KindRegistry, WaitParams, params_json
from agent.act.ledger import execution_from_row, spend_usage
from agent.act.ports import Clock, Integration, Investigator, Sleep
from agent.act.records import (
    ActResult,
    Decision,
    Delivery,
    ExecutionRecord,
    ExecutionStatus,
    OutboundMessage,
    decision_to_json,
    dumps,
)
from agent.act.retries import Retries
from agent.act.rules import ActSettings, to_cents
from agent.act.sequences import Sequences
from agent.act.store import ActStore, Decided, audit, fetch_one, ts
from agent.db import Session
from agent.domain import Refuse
from agent.errors import PermanentActionError, TransientActionError
from agent.views import Reply

log = logging.getLogger("scout.act")


@dataclass(frozen=True, kw_only=True)
class _Claim:
    execution_id: str
    message: OutboundMessage | None
    # Runs as a sequence: each step writes its own outbox row when it is sent.
    sequence: bool = False


class Executor:
    """Runs allowed or approved actions through integrations, recording every step."""

    def __init__(
        self,
        store: ActStore,
        settings: ActSettings,
        kinds: KindRegistry,
        *,
        integrations: dict[str, Integration],
        investigator: Investigator | None,
        clock: Clock,
        sleep: Sleep,
    ) -> None:
        self.store = store
        self.settings = settings
        self.kinds = kinds
        self.integrations = integrations
        self.investigator = investigator
        self.clock = clock
        self.sleep = sleep
        self.sequences = Sequences(store, self, clock=clock)
        self.retries = Retries(store, self, clock=clock)

    @property
    def dry_run(self) -> bool:
        return self.settings.guardrails.dry_run

    def holds(self, checked: CheckedAction) -> bool:
        """Whether a dry run records this action instead of sending it: everything outbound,
        except an answer to the person who asked (a dry run tries out what Scout would do)."""
        return self.dry_run and checked.kind.outbound and not checked.kind.to_asker

    async def usage(self, checked: CheckedAction) -> SpendUsage:
        """Current spend against this action's caps (a read; the claim re-checks)."""
        async with self.store.read() as db:
            return await self._usage(db, checked)

    async def _usage(self, db: Session, checked: CheckedAction) -> SpendUsage:
        return await spend_usage(
            db,
            customer=checked.params.customer(),
            campaign=checked.params.campaign_name(),
            day=self.clock().date(),
            window_days=self.settings.guardrails.spend.per_customer_window_days,
            dry_run=self.dry_run,
        )

    async def find_live(self, key: str) -> ExecutionRecord | None:
        """The execution that already holds this key (not failed), if any."""
        async with self.store.read() as db:
            row = await fetch_one(
                db,
                "SELECT * FROM act_executions WHERE idempotency_key = ? AND dry_run = ? "
                "AND status != 'failed'",
                (key, int(self.dry_run)),
            )
        return execution_from_row(row) if row else None

    async def execute(
        self,
        checked: CheckedAction,
        decision: Decision,
        *,
        requested_by: str,
        approval_id: str | None = None,
        content: Reply | None = None,
        decided: Decided | None = None,
    ) -> ActResult:
        """Execute once: a duplicate, a pause, a cap or a rate limit stops it with a reason.

        `content` is the rich answer behind a report; it is cleaned here, on the one road out,
        whoever built it. A single customer email or a kind's webhook that fails for a reason
        that may pass is scheduled to be tried again (agent.act.retries).
        """
        action = checked.action
        try:
            claim = await self._claim(checked, decision, requested_by, approval_id, decided)
        except Blocked as blocked:
            reason = str(blocked)
            async with self.store.tx() as db:
                if decided is not None:  # the claim's transaction, which held it, rolled back
                    await decided.write(
                        db, at=self.clock(), kind=action.kind, key=action.idempotency_key
                    )
                await audit(
                    db,
                    at=self.clock(),
                    who=requested_by,
                    event="refused",
                    kind=action.kind,
                    key=action.idempotency_key,
                    approval_id=approval_id,
                    what=action.to_json(),
                    why=reason,
                )
            return ActResult(
                status="refused",
                decision=Refuse(reason=reason, code=blocked.code),
                reason=reason,
                approval_id=approval_id,
            )
        if isinstance(claim, ExecutionRecord):
            return ActResult(
                status="deduplicated",
                decision=decision,
                approval_id=approval_id,
                reason=f"already {claim.status} as execution {claim.id}",
                execution=claim,
            )
        if claim.message is not None and content is not None:
            claim = replace(claim, message=replace(claim.message, content=content.cleaned()))
        ids = (claim.message.outbox_id,) if claim.message else ()
        # Dry run holds back what leaves Scout; an investigation only reads the warehouse,
        # and runs, so the outbox shows what Scout would have said about each alert.
        if self.holds(checked):
            record = await self._finish(
                claim,
                "dry_run",
                result=self._describe(checked, claim, Delivery(via="dry_run")),
                error=None,
                attempts=0,
                started=time.perf_counter(),
                delivery=None,
                who=requested_by,
            )
            return ActResult(
                status="dry_run",
                decision=decision,
                approval_id=approval_id,
                reason="dry run: recorded, nothing sent",
                execution=record,
                outbox_ids=ids,
            )
        started = time.perf_counter()
        status, result, error, attempts, delivery, retryable = await self._run(
            checked, claim, decision, requested_by, approval_id
        )
        scheduled = (
            retries.retried_via(checked.kind.name, self.kinds, self.integrations)
            if retryable and claim.message is not None
            else None
        )
        record = await self._finish(
            claim,
            status,
            result=result,
            error=error,
            attempts=attempts,
            started=started,
            delivery=delivery,
            who=requested_by,
            retry=scheduled,
        )
        if scheduled:  # the next try is stated (or none is left): that is what people read
            error = record.error
            retryable = await self._retry_pending(checked.action.idempotency_key)
        if status in ("failed", "queued"):  # nothing was sent: the reason says why
            why = error if status == "failed" else result
            return ActResult(
                status=status,
                decision=decision,
                approval_id=approval_id,
                reason=why or f"{status} (see the outbox)",
                execution=record,
                outbox_ids=ids,
                retryable=retryable,
            )
        if claim.message and claim.message.update_of is not None:
            return ActResult(
                status="deduplicated",
                decision=decision,
                approval_id=approval_id,
                reason=f"updated alert #{claim.message.update_of} instead of posting again",
                execution=record,
                outbox_ids=ids,
            )
        return ActResult(
            status="executed",
            decision=decision,
            approval_id=approval_id,
            reason=result or "",
            execution=record,
            outbox_ids=ids,
            delivery=delivery,
        )

    async def _retry_pending(self, key: str) -> bool:
        async with self.store.read() as db:
            row = await fetch_one(
                db, "SELECT state FROM act_retries WHERE idempotency_key = ?", (key,)
            )
        return row is not None and row["state"] == "scheduled"

    # ------------------------------------------------------------------ claim

    async def _claim(
        self,
        checked: CheckedAction,
        decision: Decision,
        requested_by: str,
        approval_id: str | None,
        decided: Decided | None,
    ) -> _Claim | ExecutionRecord:
        action, kind, params = checked.action, checked.kind, checked.params
        now, dry = self.clock(), self.holds(checked)
        cents = to_cents(action.cost)
        key = action.idempotency_key
        execution_id = "ex_" + secrets.token_hex(6)
        rules = self.settings.guardrails
        async with self.store.tx() as db:
            if decided is not None:
                await decided.write(db, at=now, kind=action.kind, key=key)
            if kind.outbound or cents > 0:
                paused = await self.store.paused(db)
                if paused:
                    raise Blocked(
                        f"Scout is paused (by {paused[0]} at {paused[1]}); nothing is sent",
                        "paused",
                    )
            existing = await fetch_one(
                db,
                "SELECT * FROM act_executions WHERE idempotency_key = ? AND dry_run = ? "
                "AND status != 'failed'",
                (key, int(dry)),
            )
            if existing is not None:
                return execution_from_row(existing)
            await db.execute(
                "INSERT INTO act_executions(id, idempotency_key, kind, action, decision, "
                "requested_by, approval_id, dry_run, status, started_at) "
                "VALUES (?,?,?,?,?,?,?,?,'running',?)",
                (
                    execution_id,
                    key,
                    kind.name,
                    dumps(action.to_json()),
                    dumps(decision_to_json(decision)),
                    requested_by,
                    approval_id,
                    int(dry),
                    ts(now),
                ),
            )
            if cents > 0:
                usage = await self._usage(db, checked)
                problem = spend_problem(
                    rules.spend,
                    cents,
                    usage,
                    customer=params.customer(),
                    campaign=params.campaign_name(),
                )
                if problem:
                    raise Blocked(problem, "spend_cap")
                await db.execute(
                    "INSERT INTO act_spend(execution_id, idempotency_key, customer_id, campaign, "
                    "day, amount_cents, state, dry_run, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        execution_id,
                        key,
                        params.customer(),
                        params.campaign_name(),
                        now.date().isoformat(),
                        cents,
                        "reserved",
                        int(dry),
                        ts(now),
                    ),
                )
            message = None
            sequence = self.sequences.runs(checked) and not dry
            if kind.outbound and not sequence:
                message = await outbox.write_message(
                    db,
                    checked,
                    decision,
                    execution_id=execution_id,
                    approval_id=approval_id,
                    now=now,
                    dry=dry,
                    rules=rules,
                )
            await audit(
                db,
                at=now,
                who=requested_by,
                event="execution_started",
                kind=kind.name,
                key=key,
                approval_id=approval_id,
                execution_id=execution_id,
                what=action.to_json(),
                why=decision_to_json(decision).get("reason", ""),
            )
        return _Claim(execution_id=execution_id, message=message, sequence=sequence)

    # ------------------------------------------------------------------ run

    async def _run(
        self,
        checked: CheckedAction,
        claim: _Claim,
        decision: Decision,
        requested_by: str,
        approval_id: str | None,
    ) -> tuple[ExecutionStatus, str | None, str | None, int, Delivery | None, bool]:
        """Dispatch by kind with bounded exponential backoff on transient failures.

        The last value says whether a failure may pass (retrying later could succeed).
        """
        if claim.sequence:
            # The sequence records and retries each step itself; it is started once.
            try:
                status = await self.sequences.start(
                    checked,
                    decision,
                    execution_id=claim.execution_id,
                    requested_by=requested_by,
                    approval_id=approval_id,
                )
            except PermanentActionError as error:
                return "failed", None, str(error), 1, None, False
            return (
                "executed",
                status,
                None,
                1,
                Delivery(via="sequence", ref=claim.execution_id),
                False,
            )
        retry = self.settings.guardrails.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                if claim.message is not None:
                    if await self.store.paused():
                        raise PermanentActionError("paused before delivery; nothing was sent")
                    await self._attempting(claim.message.outbox_id)
                result, delivery = await self._dispatch(checked, claim)
                if delivery is not None and delivery.via == "outbox":
                    return "queued", result, None, attempt, delivery, False
                return "executed", result, None, attempt, delivery, False
            except TransientActionError as error:
                if attempt >= retry.max_attempts:
                    return (
                        "failed",
                        None,
                        f"gave up after {attempt} attempts: {error}",
                        attempt,
                        None,
                        True,
                    )
                delay = min(retry.base_delay_s * 2 ** (attempt - 1), retry.max_delay_s)
                log.warning(
                    "act.retry kind=%s key=%s attempt=%d delay=%.2fs error=%s",
                    checked.kind.name,
                    checked.action.idempotency_key,
                    attempt,
                    delay,
                    error,
                )
                await self.sleep(delay)
            except Exception as error:  # permanent, or a bug in an integration
                log.error(
                    "act.failed kind=%s key=%s error=%r",
                    checked.kind.name,
                    checked.action.idempotency_key,
                    error,
                )
                # An integration's refusal is already a sentence; a bug is named by its type.
                why = (
                    str(error)
                    if isinstance(error, PermanentActionError)
                    else (f"{type(error).__name__}: {error}")
                )
                return "failed", None, why, attempt, None, False

    async def _attempting(self, outbox_id: int) -> None:
        """Stamp the outbox row before the message goes on the wire: a claim left by a dead
        process without this stamp never reached the receiver, and may be handed back."""
        async with self.store.tx() as db:
            await db.execute(
                "UPDATE act_outbox SET attempted_at = ? WHERE id = ?", (ts(self.clock()), outbox_id)
            )

    async def _dispatch(self, checked: CheckedAction, claim: _Claim) -> tuple[str, Delivery | None]:
        kind = checked.kind
        if kind.handler == "investigate":
            if self.investigator is None:
                raise PermanentActionError("no investigator is wired into this actor")
            # The investigator sees the validated params (target folded in), same key.
            action = replace(
                checked.action,
                params=dict(params_json(checked.params)),
                key=checked.action.idempotency_key,
            )
            return await self.investigator.investigate(action), None
        if kind.handler == "wait":
            minutes = checked.params.minutes if isinstance(checked.params, WaitParams) else 0
            return f"waiting {minutes} min before looking again", None
        assert claim.message is not None
        # A kind's own integration (a webhook) wins over its handler's (Slack, email).
        integration = self.integrations.get(kind.name) or self.integrations.get(kind.handler)
        if integration is None:
            # Nothing can send it: the outbox row waits, and the result says so plainly.
            return (
                f"queued in the outbox (#{claim.message.outbox_id}); nothing was sent: "
                f"no '{kind.handler}' integration is configured",
                Delivery(via="outbox"),
            )
        delivery = await integration.deliver(claim.message)
        return self._describe(checked, claim, delivery), delivery

    def _describe(self, checked: CheckedAction, claim: _Claim, delivery: Delivery) -> str:
        message = claim.message
        if message is None:
            return f"{checked.kind.name} recorded"
        if delivery.via == "webhook":
            return (
                f"{checked.kind.name} sent by webhook ({delivery.ref}; outbox #{message.outbox_id})"
            )
        if delivery.via == "email":  # the server's own reply: what it accepted, and as what
            to = checked.params.customer() or checked.action.target
            return f"sent ({delivery.ref}) to {to} by email (outbox #{message.outbox_id})"
        where = f"#{message.channel}" if message.channel else "direct"
        to = f" for {', '.join(message.recipients)}" if message.recipients else ""
        verb = "updated" if message.op == "update" else "posted"
        return f"{checked.kind.name} {verb} to {where}{to} (outbox #{message.outbox_id})"

    async def _finish(
        self,
        claim: _Claim,
        status: ExecutionStatus,
        *,
        result: str | None,
        error: str | None,
        attempts: int,
        started: float,
        delivery: Delivery | None,
        who: str,
        retry: retries.RetryVia | None = None,
    ) -> ExecutionRecord:
        now = self.clock()
        duration = int((time.perf_counter() - started) * 1000)
        spend_state = {"failed": "released", "queued": "reserved"}.get(status, "spent")
        async with self.store.tx() as db:
            if retry:  # in the same transaction: a failure is never left without its schedule
                key = (await self._key_of(db, claim.execution_id)) or ""
                plan = await retries.plan(db, key, error or "failed", now, retry)
                error = plan.status
                await retries.save(db, plan, claim.execution_id, now)
            await db.execute(
                "UPDATE act_executions SET status = ?, result = ?, error = ?, attempts = ?, "
                "finished_at = ?, duration_ms = ? WHERE id = ?",
                (status, result, error, attempts, ts(now), duration, claim.execution_id),
            )
            await db.execute(
                "UPDATE act_spend SET state = ? WHERE execution_id = ?",
                (spend_state, claim.execution_id),
            )
            if claim.message is not None and status not in ("dry_run", "queued"):
                sent: Literal["sent", "failed"] = "failed" if status == "failed" else "sent"
                await outbox.mark(db, claim.message.outbox_id, sent, now, delivery)
                if status == "failed" and claim.message.op == "post":
                    await outbox.forget_fingerprint_of(db, claim.message.outbox_id)
            row = await fetch_one(
                db, "SELECT * FROM act_executions WHERE id = ?", (claim.execution_id,)
            )
            assert row is not None
            record = execution_from_row(row)
            if record.approval_id:
                await db.execute(
                    "UPDATE act_approvals SET execution_id = ? WHERE id = ?",
                    (record.id, record.approval_id),
                )
            await audit(
                db,
                at=now,
                who=who,
                event=status,
                kind=record.action.kind,
                key=record.idempotency_key,
                approval_id=record.approval_id,
                execution_id=record.id,
                what=result or "",
                why=error or "",
            )
        return record

    @staticmethod
    async def _key_of(db: Session, execution_id: str) -> str | None:
        row = await fetch_one(
            db, "SELECT idempotency_key FROM act_executions WHERE id = ?", (execution_id,)
        )
        return row["idempotency_key"] if row else None
