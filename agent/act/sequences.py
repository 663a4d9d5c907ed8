"""Sequences: one approval, several sends over days (a win-back's emails on days 0, 3 and 7).

Starting a sequence writes every step with its due time into the store. A step is run by
whoever finds it due (the approval itself for day 0; later the scheduler's job or
`scout sequences --run`, in any replica): it is claimed with a conditional UPDATE, so one
runner wins; the warehouse is asked whether the customer opted out or ordered since the
sequence began (either cancels what is left); then the step is executed as its own action
through the executor — kill switch, outbox row, audit, exactly once under its own
idempotency key. A crash after the claim leaves the step `claimed` until the due-steps
job's sweep finds it older than the lease (agent.act.leases): settled as sent when its send was
recorded, handed back when nothing reached the wire, ended when that cannot be known.

Each step and the sequence carry a status that says what happened: "sent (250 …)",
"scheduled: step 2 of 3 on Dec 7", "failed — will retry at …" (a 4xx, a refused connection,
a timeout), "failed permanently — …" (a 5xx), "cancelled — customer ordered on Dec 5".
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from agent.act import leases
from agent.act.contacts import Contact, Reaches
from agent.act.email import unreachable
from agent.act.kinds import CheckedAction
from agent.act.ports import Clock
from agent.act.records import SequenceRecord, SequenceStep
from agent.act.redact import clean_text, injection_flags
from agent.act.retries import RETRY_AFTER, day_text, moment_text, run_each_due
from agent.act.store import ActStore, audit, fetch_all, fetch_one, parse_ts, ts
from agent.db import Row, Session
from agent.domain import Action, Allow, Decision
from agent.errors import PermanentActionError, TransientActionError

if TYPE_CHECKING:  # the executor starts sequences and sequences execute through it
    from agent.act.executor import Executor

log = logging.getLogger("scout.act.sequences")


def _printable(name: str | None) -> str:
    """A product name fit to put in front of a customer, or "" (generic copy instead).

    Every email field is cleaned anyway; a name that needed cleaning (markup, a card
    number, a link) is not named at all, rather than sent with placeholders in it.
    """
    if not name:
        return ""
    return name if clean_text(name) == name and not injection_flags(name) else ""


class Sequences:
    """Starts sequences, runs their due steps, and reports where each stands."""

    def __init__(self, store: ActStore, executor: Executor, *, clock: Clock) -> None:
        self.store = store
        self.executor = executor
        self.clock = clock

    # ------------------------------------------------------------------ start

    def runs(self, checked: CheckedAction) -> bool:
        """Whether this action runs here as a sequence of steps.

        Only when its kind declares steps, no integration of its own takes it whole (a
        webhook), and something can deliver the steps (the email integration); otherwise
        it is one delivery, or queued in the outbox like any kind with no integration.
        """
        kind, integrations = checked.kind, self.executor.integrations
        return (
            kind.step_kind is not None
            and bool(checked.params.sequence_days())
            and kind.name not in integrations
            and (kind.step_kind in integrations or kind.handler in integrations)
        )

    async def start(
        self,
        checked: CheckedAction,
        decision: Decision,
        *,
        execution_id: str,
        requested_by: str,
        approval_id: str | None,
    ) -> str:
        """Write every step, run the first, and return the sequence's status.

        Raises PermanentActionError when the sequence ends at once (cancelled, or the first
        email refused for good), so the starting execution is recorded as not done.
        """
        kind, params = checked.kind, checked.params
        assert kind.step_kind is not None
        days = params.sequence_days() or (0,)
        customer = params.customer() or checked.action.target
        now = self.clock()
        since = getattr(params, "as_of", None) or now.date().isoformat()
        async with self.store.tx() as db:
            await db.execute(
                "INSERT INTO act_sequences(id, kind, step_kind, customer_id, requested_by, "
                "approval_id, approved_by, since, started_at, state, status, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,'active',?,?)",
                (
                    execution_id,
                    kind.name,
                    kind.step_kind,
                    customer,
                    requested_by,
                    approval_id,
                    decision.reason,
                    since,
                    ts(now),
                    f"scheduled: step 1 of {len(days)} now",
                    ts(now),
                ),
            )
            for number, offset in enumerate(days, start=1):
                due = now + timedelta(days=offset)
                await db.execute(
                    "INSERT INTO act_sequence_steps(sequence_id, step, total, due_at, state, "
                    "status, updated_at) VALUES (?,?,?,?,'scheduled',?,?)",
                    (
                        execution_id,
                        number,
                        len(days),
                        ts(due),
                        f"scheduled: step {number} of {len(days)} on {day_text(due)}",
                        ts(now),
                    ),
                )
            await audit(
                db,
                at=now,
                who=requested_by,
                event="sequence_started",
                kind=kind.name,
                key=checked.action.idempotency_key,
                approval_id=approval_id,
                execution_id=execution_id,
                what=f"{len(days)} {kind.step_kind} steps on days {list(days)} for {customer}",
                why=decision.reason,
            )
        await self._run_step(execution_id, 1)
        record = await self.get(execution_id)
        if record.state in ("cancelled", "failed"):
            raise PermanentActionError(record.status)
        return record.status

    # ------------------------------------------------------------------ run

    async def run_due(self, *, limit: int = 200) -> list[SequenceStep]:
        """Run every step that is due now, oldest first; the steps as they stand after."""
        return await run_each_due(
            self.store,
            "SELECT sequence_id, step FROM act_sequence_steps WHERE state = 'scheduled' "
            "AND due_at <= ? ORDER BY due_at, sequence_id, step LIMIT ?",
            (ts(self.clock()), limit),
            lambda row: self._run_step(row["sequence_id"], row["step"]),
        )

    async def _run_step(self, sequence_id: str, number: int) -> SequenceStep | None:
        """Claim one due step and run it; None when another runner had it (or not due)."""
        now = self.clock()
        async with self.store.tx() as db:
            claimed = await db.execute(
                "UPDATE act_sequence_steps SET state = 'claimed', claimed_by = ?, "
                "claimed_at = ?, updated_at = ? WHERE sequence_id = ? AND step = ? "
                "AND state = 'scheduled' AND due_at <= ?",
                ("run_" + secrets.token_hex(4), ts(now), ts(now), sequence_id, number, ts(now)),
            )
            if claimed != 1:
                return None
            seq = await fetch_one(db, "SELECT * FROM act_sequences WHERE id = ?", (sequence_id,))
            assert seq is not None
            step = await _step_row(db, sequence_id, number)
        if seq["state"] != "active":  # cancelled between listing and claiming
            return await self._settle(seq, step, "cancelled", seq["status"])
        total = step["total"]
        label = f"email {number} of {total}"
        kind = self.executor.kinds.get(seq["kind"])
        integrations = self.executor.integrations
        reacher = integrations.get(seq["step_kind"]) or (
            integrations.get(kind.handler) if kind else None
        )
        contact: Contact | None = None
        if isinstance(reacher, Reaches):
            try:
                contact = await reacher.reach(seq["customer_id"])
            except TransientActionError as error:
                return await self._retry_later(seq, step, label, str(error))
            stop = _cancellation(seq, contact)
            if stop:
                return await self._cancel(seq, step, stop)
        action = Action(
            kind=seq["step_kind"],
            target=seq["customer_id"],
            params={
                "customer_id": seq["customer_id"],
                "sequence_id": sequence_id,
                "step": number,
                "of": total,
                "product": _printable(contact.last_product if contact else None)[:200],
            },
            reason=f"{label} of the win-back sequence {sequence_id}",
            key=_step_key(sequence_id, number),
        )
        checked = self.executor.kinds.check(action)
        if isinstance(checked, str):
            return await self._fail(seq, step, label, checked)
        # The approval was for the whole sequence; its execution stays the approval's record.
        approved = Allow(reason=f"{label} of sequence {sequence_id}; {seq['approved_by']}")
        result = await self.executor.execute(
            checked, approved, requested_by=seq["requested_by"], approval_id=None
        )
        execution = result.execution.id if result.execution else None
        match result.status:
            case "executed":
                return await self._settle(
                    seq, step, "sent", f"{label} {result.reason}", execution=execution
                )
            case "queued" | "dry_run":
                return await self._settle(
                    seq, step, "queued", f"{label}: {result.reason}", execution=execution
                )
            case "deduplicated":  # another runner executed this key: report what it holds
                held = result.execution
                state = "sent" if held and held.status == "executed" else "queued"
                return await self._settle(seq, step, state, f"{label}: {result.reason}")
            case "refused" if result.code == "paused":
                return await self._wait(seq, step, f"{label} waits: {result.reason}")
            case "failed" if result.retryable:
                return await self._retry_later(seq, step, label, result.reason)
            case _:
                return await self._fail(seq, step, label, result.reason, execution=execution)

    async def reclaim(self, cutoff: datetime) -> list[SequenceStep]:
        """Steps claimed before `cutoff` by a process that died (agent.act.leases): settled by
        what their send recorded, or handed back to run again in this run."""
        async with self.store.read() as db:
            rows = await fetch_all(
                db,
                "SELECT sequence_id, step FROM act_sequence_steps WHERE state = 'claimed' "
                "AND claimed_at < ? ORDER BY claimed_at",
                (ts(cutoff),),
            )
        out = []
        for row in rows:
            async with self.store.read() as db:
                seq = await fetch_one(
                    db, "SELECT * FROM act_sequences WHERE id = ?", (row["sequence_id"],)
                )
                assert seq is not None
                step = await _step_row(db, row["sequence_id"], row["step"])
                state, live = await leases.key_state(db, _step_key(seq["id"], step["step"]))
            label = f"email {step['step']} of {step['total']}"
            match state:
                case "running":  # its execution's own lease comes first
                    continue
                case "live":
                    assert live is not None
                    sent = "sent" if live.status == "executed" else "queued"
                    why = live.result or live.status
                    out.append(
                        await self._settle(seq, step, sent, f"{label} {why}", execution=live.id)
                    )
                case "unconfirmed":
                    why = "delivery unconfirmed (the process stopped while sending); not resent"
                    out.append(await self._fail(seq, step, label, why))
                case "free":
                    out.append(await self._hand_back(seq, step, label, cutoff))
        return out

    async def _hand_back(self, seq: Row, step: Row, label: str, cutoff: datetime) -> SequenceStep:
        status = f"{label} handed back: the run that claimed it stopped; due again now"
        async with self.store.tx() as db:
            await db.execute(
                "UPDATE act_sequence_steps SET state = 'scheduled', claimed_by = NULL, "
                "status = ?, updated_at = ? WHERE sequence_id = ? AND step = ? "
                "AND state = 'claimed' AND claimed_at < ?",
                (status, ts(self.clock()), seq["id"], step["step"], ts(cutoff)),
            )
        log.warning("sequence.handed_back id=%s step=%s", seq["id"], step["step"])
        return await self._step(seq["id"], step["step"])

    # ------------------------------------------------------------------ outcomes

    async def _retry_later(self, seq: Row, step: Row, label: str, why: str) -> SequenceStep:
        tries = step["attempts"] + 1
        if tries > len(RETRY_AFTER):
            return await self._fail(seq, step, label, f"gave up after {tries} tries: {why}")
        again = self.clock() + RETRY_AFTER[tries - 1]
        status = f"{label} failed — will retry at {moment_text(again)} ({why})"
        log.warning(
            "sequence.retry id=%s step=%s at=%s why=%s", seq["id"], step["step"], again, why
        )
        async with self.store.tx() as db:
            await db.execute(
                "UPDATE act_sequence_steps SET state = 'scheduled', attempts = ?, due_at = ?, "
                "status = ?, updated_at = ? WHERE sequence_id = ? AND step = ?",
                (tries, ts(again), status, ts(self.clock()), seq["id"], step["step"]),
            )
            await self._refresh(db, seq["id"], status)
        return await self._step(seq["id"], step["step"])

    async def _wait(self, seq: Row, step: Row, status: str) -> SequenceStep:
        """Paused: the step stays due and goes out at the first run after `scout resume`."""
        async with self.store.tx() as db:
            await db.execute(
                "UPDATE act_sequence_steps SET state = 'scheduled', status = ?, updated_at = ? "
                "WHERE sequence_id = ? AND step = ?",
                (status, ts(self.clock()), seq["id"], step["step"]),
            )
            await self._refresh(db, seq["id"], status)
        return await self._step(seq["id"], step["step"])

    async def _fail(
        self, seq: Row, step: Row, label: str, why: str, *, execution: str | None = None
    ) -> SequenceStep:
        status = f"{label} failed permanently — {why}"
        done = await self._settle(seq, step, "failed", status, execution=execution)
        await self._cancel_rest(seq, "failed", status)
        return done

    async def _cancel(self, seq: Row, step: Row, status: str) -> SequenceStep:
        done = await self._settle(seq, step, "cancelled", status)
        await self._cancel_rest(seq, "cancelled", status)
        return done

    async def _settle(
        self,
        seq: Row,
        step: Row,
        state: str,
        status: str,
        *,
        execution: str | None = None,
    ) -> SequenceStep:
        async with self.store.tx() as db:
            await db.execute(
                "UPDATE act_sequence_steps SET state = ?, status = ?, updated_at = ?, "
                "execution_id = COALESCE(?, execution_id) WHERE sequence_id = ? AND step = ?",
                (state, status, ts(self.clock()), execution, seq["id"], step["step"]),
            )
            await self._refresh(db, seq["id"], status)
        return await self._step(seq["id"], step["step"])

    async def _cancel_rest(self, seq: Row, state: str, status: str) -> None:
        """End the sequence: its remaining steps are cancelled with the reason."""
        now = self.clock()
        async with self.store.tx() as db:
            await db.execute(
                "UPDATE act_sequence_steps SET state = 'cancelled', status = ?, updated_at = ? "
                "WHERE sequence_id = ? AND state = 'scheduled'",
                (f"cancelled — {status}" if state == "failed" else status, ts(now), seq["id"]),
            )
            await db.execute(
                "UPDATE act_sequences SET state = ?, status = ?, updated_at = ? WHERE id = ?",
                (state, status, ts(now), seq["id"]),
            )
            await audit(
                db,
                at=now,
                who="scout",
                event=f"sequence_{state}",
                kind=seq["kind"],
                execution_id=seq["id"],
                approval_id=seq["approval_id"],
                what=f"sequence {seq['id']} for {seq['customer_id']}",
                why=status,
            )

    async def _refresh(self, db: Session, sequence_id: str, latest: str) -> None:
        """The sequence's status: the latest step's outcome, then what comes next."""
        rows = await fetch_all(
            db,
            "SELECT * FROM act_sequence_steps WHERE sequence_id = ? ORDER BY step",
            (sequence_id,),
        )
        seq = await fetch_one(db, "SELECT state FROM act_sequences WHERE id = ?", (sequence_id,))
        if seq is None or seq["state"] != "active":
            return
        state, status = "active", latest
        upcoming = [r for r in rows if r["state"] == "scheduled"]
        if upcoming:
            nxt = upcoming[0]
            due = parse_ts(nxt["due_at"]) or self.clock()
            if nxt["status"] != latest:  # a retry's own status already says when
                status = (
                    f"{latest}; scheduled: step {nxt['step']} of {nxt['total']} on {day_text(due)}"
                )
        elif all(r["state"] in ("sent", "queued") for r in rows):
            sent = sum(r["state"] == "sent" for r in rows)
            state = "completed"
            status = f"completed: {sent} of {len(rows)} emails sent; the last: {latest}"
        await db.execute(
            "UPDATE act_sequences SET state = ?, status = ?, updated_at = ? WHERE id = ?",
            (state, status, ts(self.clock()), sequence_id),
        )

    # ------------------------------------------------------------------ read

    async def _step(self, sequence_id: str, number: int) -> SequenceStep:
        async with self.store.read() as db:
            return _to_step(await _step_row(db, sequence_id, number))

    async def get(self, sequence_id: str) -> SequenceRecord:
        """One sequence with its steps (KeyError when unknown)."""
        found = await self.list(sequence_id=sequence_id)
        if not found:
            raise KeyError(sequence_id)
        return found[0]

    async def list(
        self, *, sequence_id: str | None = None, active: bool = False, limit: int = 100
    ) -> list[SequenceRecord]:
        """Sequences, newest first, optionally one or only the active ones."""
        where, args = [], []
        if sequence_id:
            where.append("id = ?")
            args.append(sequence_id)
        if active:
            where.append("state = 'active'")
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        async with self.store.read() as db:
            seqs = await fetch_all(
                db,
                f"SELECT * FROM act_sequences {clause} ORDER BY started_at DESC, id LIMIT ?",
                (*args, limit),
            )
            out = []
            for s in seqs:
                steps = await fetch_all(
                    db,
                    "SELECT * FROM act_sequence_steps WHERE sequence_id = ? ORDER BY step",
                    (s["id"],),
                )
                out.append(
                    SequenceRecord(
                        id=s["id"],
                        kind=s["kind"],
                        customer_id=s["customer_id"],
                        approval_id=s["approval_id"],
                        started_at=parse_ts(s["started_at"]) or datetime.min,
                        state=s["state"],
                        status=s["status"],
                        steps=tuple(_to_step(r) for r in steps),
                    )
                )
        return out


def _cancellation(seq: Row, contact: Contact | None) -> str | None:
    """Why the rest of the sequence must not go out, or None."""
    problem = unreachable(seq["customer_id"], contact)
    if problem:
        return f"cancelled — {problem}"
    assert contact is not None
    since = date.fromisoformat(seq["since"])
    if contact.last_order is not None and contact.last_order >= since:
        return f"cancelled — customer ordered on {day_text(contact.last_order)}"
    return None


def _step_key(sequence_id: str, number: int) -> str:
    """The idempotency key of one step's email: the same on every try."""
    return f"{sequence_id}:step{number}"


async def _step_row(db: Session, sequence_id: str, number: int) -> Row:
    row = await fetch_one(
        db,
        "SELECT * FROM act_sequence_steps WHERE sequence_id = ? AND step = ?",
        (sequence_id, number),
    )
    assert row is not None
    return row


def _to_step(row: Row) -> SequenceStep:
    return SequenceStep(
        sequence_id=row["sequence_id"],
        step=row["step"],
        total=row["total"],
        due_at=parse_ts(row["due_at"]) or datetime.min,
        state=row["state"],
        attempts=row["attempts"],
        status=row["status"],
        execution_id=row["execution_id"],
    )
