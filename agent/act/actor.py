"""The actor: the one door every action goes through (propose, approve, reject, pause).

    actor = await Actor.open(db_path, settings, integrations={"notify": slack}, clock=...)
    result = await actor.propose(action, requested_by="scout")
    result = await actor.approve(result.approval_id, "U_APPROVER")

Every call decides with the guardrails, records the decision in the audit log, and either
executes (once), opens an approval request, or refuses with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

from agent.act import leases
from agent.act.approvals import Approvals
from agent.act.executor import Executor
from agent.act.guardrails import Guardrails
from agent.act.kinds import REGISTRY, CheckedAction, KindRegistry
from agent.act.ledger import execution_from_row
from agent.act.outbox import entries
from agent.act.ports import (
    Clock,
    Integration,
    Investigator,
    IsAuthorised,
    Sleep,
    real_sleep,
    utc_now,
)
from agent.act.records import (
    ActResult,
    ApprovalRequest,
    AuditEntry,
    ExecutionRecord,
    OutboxEntry,
    SequenceRecord,
    SequenceStep,
)
from agent.act.retries import Retry
from agent.act.rules import ActSettings, to_cents
from agent.act.store import ActStore, Decided, audit, fetch_all, fetch_one
from agent.domain import Action, Allow, NeedsApproval, RefusalCode, Refuse, describe_decision
from agent.views import Reply


@dataclass(frozen=True, kw_only=True)
class DueRun:
    """What one run of the due-steps job did: the sequence steps and the scheduled retries
    it ran, each as it stands after (a retry's status says sent, waiting or failed)."""

    steps: tuple[SequenceStep, ...]
    retries: tuple[Retry, ...]

    def lines(self) -> list[str]:
        """One status line per step and per retry run, as the scheduler logs them and
        `scout sequences --run` prints them."""
        return [f"{s.sequence_id} step {s.step}: {s.status}" for s in self.steps] + [
            f"retry of {r.execution_id}: {r.status}" for r in self.retries
        ]


class Actor:
    """Guardrails + approvals + executor over one sqlite file; implements the `Act` port."""

    def __init__(
        self,
        store: ActStore,
        settings: ActSettings,
        *,
        kinds: KindRegistry,
        integrations: Mapping[str, Integration],
        investigator: Investigator | None,
        clock: Clock,
        sleep: Sleep,
        is_authorised: IsAuthorised | None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.guardrails = Guardrails(settings, kinds)
        self.approvals = Approvals(
            store, settings.approvals, clock=clock, is_authorised=is_authorised
        )
        self.executor = Executor(
            store,
            settings,
            kinds,
            integrations=dict(integrations),
            investigator=investigator,
            clock=clock,
            sleep=sleep,
        )

    @classmethod
    async def open(
        cls,
        db_path: str | Path,
        settings: ActSettings | None = None,
        *,
        integrations: Mapping[str, Integration] | None = None,
        investigator: Investigator | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = real_sleep,
        is_authorised: IsAuthorised | None = None,
        kinds: KindRegistry = REGISTRY,
    ) -> Actor:
        """Open the store (migrating acting's tables) and wire the actor."""
        store = await ActStore.open(db_path)
        return cls(
            store,
            settings or ActSettings(),
            kinds=kinds,
            integrations=integrations or {},
            investigator=investigator,
            clock=clock,
            sleep=sleep,
            is_authorised=is_authorised,
        )

    def connect(
        self,
        *,
        integrations: Mapping[str, Integration] | None = None,
        is_authorised: IsAuthorised | None = None,
    ) -> None:
        """Wire delivery integrations (by handler name) and the approver check after opening.

        An adapter (Slack) owns the client these need and exists only after the actor is
        open; connecting replaces the named integrations, the others stay.
        """
        if integrations:
            self.executor.integrations.update(integrations)
        if is_authorised is not None:
            self.approvals.is_authorised = is_authorised

    async def close(self) -> None:
        await self.store.close()

    async def __aenter__(self) -> Actor:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ propose

    async def propose(
        self,
        action: Action,
        *,
        requested_by: str,
        context: str = "",
        content: Reply | None = None,
    ) -> ActResult:
        """Decide on an action and execute it, queue it for approval, or refuse it.

        The result carries the action as decided: costed by its kind, so what the approver
        sees, what is reserved and what is promised are one number. `content` is the rich
        answer a report carries (cleaned before delivery); an approval delivers its text.
        """
        checked = self.guardrails.check(action)
        if isinstance(checked, Refuse):
            await self._audit(action, requested_by, "decided", checked.reason, context)
            return ActResult(
                status="refused", decision=checked, reason=checked.reason, action=action
            )
        result = await self._decide(
            checked, requested_by=requested_by, context=context, content=content
        )
        return replace(result, action=checked.action)

    async def _decide(
        self, checked: CheckedAction, *, requested_by: str, context: str, content: Reply | None
    ) -> ActResult:
        action = checked.action
        usage = await self.executor.usage(checked) if to_cents(action.cost) > 0 else None
        decision = self.guardrails.evaluate(action, usage).decision
        decided = Decided(
            who=requested_by, why=describe_decision(decision), what=_audited(action, context)
        )
        if not isinstance(decision, Allow):
            await self._audit(action, requested_by, "decided", decided.why, context)
        match decision:
            case Refuse(reason=reason):
                return ActResult(status="refused", decision=decision, reason=reason)
            case NeedsApproval(reason=reason, approvers=approvers):
                live = await self.executor.find_live(action.idempotency_key)
                if live is not None:
                    return ActResult(
                        status="deduplicated",
                        decision=decision,
                        execution=live,
                        reason=f"already {live.status} as execution {live.id}",
                        approval_id=live.approval_id,
                    )
                rejected = await self.approvals.last_rejection(action.idempotency_key)
                if rejected is not None:
                    why = f"rejected earlier by {rejected.decided_by}: {rejected.decision_reason}"
                    return ActResult(
                        status="refused",
                        decision=Refuse(reason=why, code="rejected"),
                        reason=why,
                        approval_id=rejected.id,
                    )
                request, new = await self.approvals.request(
                    action, requester=requested_by, reason=reason, approvers=approvers
                )
                note = "" if new else " (already waiting)"
                return ActResult(
                    status="pending_approval",
                    decision=decision,
                    reason=reason + note,
                    approval_id=request.id,
                )
            case Allow():
                return await self.executor.execute(
                    checked, decision, requested_by=requested_by, content=content, decided=decided
                )

    # ------------------------------------------------------------------ approvals

    async def approve(self, approval_id: str, user_id: str) -> ActResult:
        """Approve and execute once; refusals (expired, not authorised…) come with a reason."""
        request = await self.approvals.get(approval_id)
        if request.state != "pending" or self.clock() >= request.expires_at:
            return await self._settled(request)
        kind = request.action.kind
        if not await self.approvals.authorised(user_id, kind):
            return await self._deny(
                request,
                user_id,
                f"{user_id} is not authorised to approve {kind} actions",
                "not_authorised",
            )
        if self.settings.approvals.four_eyes and user_id == request.requester:
            return await self._deny(
                request,
                user_id,
                "four-eyes: the requester cannot approve their own request",
                "four_eyes",
            )
        checked = self.guardrails.check(request.action)
        if isinstance(checked, Refuse):
            return await self._deny(request, user_id, checked.reason, checked.code)
        paused = await self.store.paused()
        if paused and (checked.kind.outbound or to_cents(request.action.cost) > 0):
            return await self._deny(
                request,
                user_id,
                f"Scout is paused (by {paused[0]}); the request stays pending",
                "paused",
            )
        usage = await self.executor.usage(checked)
        verdict = self.guardrails.evaluate(request.action, usage)
        if isinstance(verdict.decision, Refuse):
            refusal = verdict.decision
            return await self._deny(request, user_id, refusal.reason, refusal.code)
        won = await self.approvals.transition(
            approval_id, "approved", by=user_id, why=request.reason
        )
        if not won:
            return await self._settled(await self.approvals.get(approval_id))
        decision = Allow(reason=f"approved by {user_id} ({request.reason})")
        result = await self.executor.execute(
            checked, decision, requested_by=request.requester, approval_id=approval_id
        )
        return replace(result, action=checked.action)

    async def reject(self, approval_id: str, user_id: str, reason: str) -> ActResult:
        """Reject a pending request; the same proposal is then refused when proposed again."""
        request = await self.approvals.get(approval_id)
        if request.state != "pending" or self.clock() >= request.expires_at:
            return await self._settled(request)
        if not await self.approvals.authorised(user_id, request.action.kind):
            return await self._deny(
                request,
                user_id,
                f"{user_id} is not authorised to decide {request.action.kind} actions",
                "not_authorised",
            )
        why = reason.strip() or "no reason given"
        if not await self.approvals.transition(approval_id, "rejected", by=user_id, why=why):
            return await self._settled(await self.approvals.get(approval_id))
        refusal = Refuse(reason=f"rejected by {user_id}: {why}", code="rejected")
        return ActResult(
            status="refused", decision=refusal, reason=refusal.reason, approval_id=approval_id
        )

    async def retry(self, execution_id: str, user_id: str) -> ActResult:
        """Send a dead letter again: the failed execution's action, with the same idempotency
        key, through the same guardrails and executor (kill switch, dry-run, spend caps).

        A retry is refused when the action was sent since, or when the execution did not
        fail. An action that needed an approval keeps it, but only an approver of its kind
        may send it again: the retry is a second effect in the world, decided by a person.
        """
        record = await self.execution(execution_id)
        if record is None:
            return _refused(f"there is no execution {execution_id}", "error")
        action = record.action
        if record.status != "failed":
            return _refused(
                f"execution {execution_id} did not fail (it is {record.status}); nothing to retry",
                "already_decided",
            )
        live = await self.executor.find_live(action.idempotency_key)
        if live is not None:
            return _refused(
                f"already {live.status} as execution {live.id}; it is not sent twice",
                "already_decided",
                execution=live,
            )
        if record.approval_id and not await self.approvals.authorised(user_id, action.kind):
            return _refused(
                f"{user_id} is not authorised to send {action.kind} actions again",
                "not_authorised",
            )
        checked = self.guardrails.check(action)
        if isinstance(checked, Refuse):
            return _refused(checked.reason, checked.code)
        usage = await self.executor.usage(checked) if to_cents(action.cost) > 0 else None
        decision = self.guardrails.evaluate(checked.action, usage).decision
        if isinstance(decision, Refuse):
            return _refused(decision.reason, decision.code)
        if isinstance(decision, NeedsApproval) and not record.approval_id:
            # The rules changed since it ran: it now needs a person, so it goes back to one.
            return _refused(
                f"it now needs approval ({decision.reason}); propose it again", "guardrail"
            )
        why = f"retry of {execution_id} by {user_id}"
        await self._audit(action, user_id, "retry_requested", why, "")
        allow = Allow(
            reason=why + (f" (approved as {record.approval_id})" if record.approval_id else "")
        )
        result = await self.executor.execute(
            checked, allow, requested_by=user_id, approval_id=record.approval_id
        )
        return replace(result, action=checked.action)

    async def execution(self, execution_id: str) -> ExecutionRecord | None:
        """One execution record by id (None when there is none)."""
        async with self.store.read() as db:
            row = await fetch_one(db, "SELECT * FROM act_executions WHERE id = ?", (execution_id,))
        return execution_from_row(row) if row else None

    async def pending(self) -> list[ApprovalRequest]:
        """Pending approval requests, oldest first (expired ones are marked and left out)."""
        return await self.approvals.pending()

    async def approval(self, approval_id: str) -> ApprovalRequest:
        """One approval request by id (raises ApprovalNotFound)."""
        return await self.approvals.get(approval_id)

    # ------------------------------------------------------------------ kill switch

    async def pause(self, by: str, reason: str = "") -> None:
        """Stop every outbound effect, in every process sharing this database."""
        await self.store.set_paused(True, by=by, at=self.clock(), why=reason or "paused")

    async def resume(self, by: str, reason: str = "") -> None:
        """Allow outbound effects again."""
        await self.store.set_paused(False, by=by, at=self.clock(), why=reason or "resumed")

    async def is_paused(self) -> bool:
        return await self.store.paused() is not None

    # ------------------------------------------------------------------ records

    async def audit(
        self, *, approval_id: str | None = None, key: str | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        """The audit log (who, when, what, why), oldest first."""
        return await self.store.audit_entries(approval_id=approval_id, key=key, limit=limit)

    async def outbox(
        self, *, limit: int = 100, execution_id: str | None = None
    ) -> list[OutboxEntry]:
        """What was sent or would have been sent, oldest first."""
        async with self.store.read() as db:
            return await entries(db, limit=limit, execution_id=execution_id)

    async def executions(
        self, *, key: str | None = None, limit: int = 100
    ) -> list[ExecutionRecord]:
        """Execution records, oldest first, optionally for one idempotency key."""
        where, args = ("WHERE idempotency_key = ?", (key, limit)) if key else ("", (limit,))
        async with self.store.read() as db:
            rows = await fetch_all(
                db,
                f"SELECT * FROM (SELECT * FROM act_executions {where} "
                f"ORDER BY started_at DESC, rowid DESC LIMIT ?) ORDER BY started_at, rowid",
                args,
            )
        return [execution_from_row(r) for r in rows]

    async def run_due_steps(self) -> DueRun:
        """The due-steps job: sweep claims a dead process left (older than the lease), send
        the single emails and webhooks due again, then run every sequence step due now. Each
        is claimed first, so it runs once across replicas; what this run did is returned."""
        cutoff = self.clock() - leases.LEASE
        await leases.close_dead_executions(self.executor)
        await self.executor.retries.reclaim(cutoff)
        await self.executor.sequences.reclaim(cutoff)
        retried = await self.executor.retries.run_due()
        steps = await self.executor.sequences.run_due()
        return DueRun(steps=tuple(steps), retries=tuple(retried))

    async def retries(self, *, scheduled: bool = False, limit: int | None = 100) -> list[Retry]:
        """Single emails and webhooks tried again on a schedule, the soonest due first;
        `scheduled`: only those still waiting for their next try (limit None: all of them)."""
        return await self.executor.retries.list(scheduled=scheduled, limit=limit)

    async def sequences(self, *, active: bool = False, limit: int = 100) -> list[SequenceRecord]:
        """Sequences (win-backs) with their steps and statuses, newest first."""
        return await self.executor.sequences.list(active=active, limit=limit)

    def preview(self, action: Action) -> CheckedAction | Refuse:
        """Validate an action's kind and schema without recording anything."""
        return self.guardrails.check(action)

    # ------------------------------------------------------------------ helpers

    async def _settled(self, request: ApprovalRequest) -> ActResult:
        """The answer for a request that is no longer open."""
        if request.state == "pending":  # overdue: mark it, then report it as expired
            await self.approvals.transition(request.id, "expired", by="scout", why="expired")
            request = await self.approvals.get(request.id)
        if request.state == "approved":
            execution = await self.executor.find_live(request.action.idempotency_key)
            return ActResult(
                status="deduplicated",
                decision=Allow(reason=f"approved by {request.decided_by}"),
                reason=f"already approved by {request.decided_by}",
                approval_id=request.id,
                execution=execution,
            )
        code: RefusalCode
        if request.state == "rejected":
            why = f"already rejected by {request.decided_by}: {request.decision_reason}"
            code = "already_decided"
        else:
            why = f"approval {request.id} expired at {request.expires_at:%Y-%m-%d %H:%M} UTC"
            code = "expired"
        return ActResult(
            status="refused",
            decision=Refuse(reason=why, code=code),
            reason=why,
            approval_id=request.id,
        )

    async def _deny(
        self, request: ApprovalRequest, user_id: str, why: str, code: RefusalCode
    ) -> ActResult:
        """Refuse this attempt; the request stays pending (another approver, later, may).
        A double click can lose to its twin: the twin's spend then counts against this one,
        and the clicker must hear that the request was approved and ran, not "spend cap"."""
        current = await self.approvals.get(request.id)
        if current.state != "pending":
            return await self._settled(current)
        await self.approvals.note(request.id, who=user_id, event="approval_denied", why=why)
        return ActResult(
            status="refused",
            decision=Refuse(reason=why, code=code),
            reason=why,
            approval_id=request.id,
        )

    async def _audit(self, action: Action, who: str, event: str, why: str, context: str) -> None:
        async with self.store.tx() as db:
            await audit(
                db,
                at=self.clock(),
                who=who,
                event=event,
                kind=action.kind,
                key=action.idempotency_key,
                what=_audited(action, context),
                why=why,
            )


def _audited(action: Action, context: str) -> dict[str, object]:
    """What the audit log keeps of a proposal: the action, and the context it came with."""
    what: dict[str, object] = {"action": action.to_json()}
    if context:
        what["context"] = context
    return what


def _refused(why: str, code: RefusalCode, *, execution: ExecutionRecord | None = None) -> ActResult:
    return ActResult(
        status="refused", decision=Refuse(reason=why, code=code), reason=why, execution=execution
    )
