"""The values acting produces: results, execution records, approvals, outbox and audit entries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from agent.domain import Action, Allow, Decision, NeedsApproval, Refuse

if TYPE_CHECKING:  # agent.views is built on acting's values; only the type is needed here
    from agent.views import Reply

# "queued": recorded in the outbox because no integration for its kind is configured; nothing
# left Scout, and nobody is told it was done.
Status = Literal[
    "executed", "queued", "pending_approval", "refused", "deduplicated", "failed", "dry_run"
]
ExecutionStatus = Literal["running", "executed", "queued", "failed", "dry_run"]
ApprovalState = Literal["pending", "approved", "rejected", "expired"]


def decision_to_json(decision: Decision) -> dict[str, Any]:
    """A decision as JSON (kind, reason, approvers)."""
    match decision:
        case Allow(reason=reason):
            return {"kind": "allow", "reason": reason}
        case NeedsApproval(reason=reason, approvers=approvers):
            return {"kind": "needs_approval", "reason": reason, "approvers": list(approvers)}
        case Refuse(reason=reason, code=code):
            return {"kind": "refuse", "reason": reason, "code": code}
    raise TypeError(f"not a decision: {decision!r}")


def decision_from_json(data: dict[str, Any]) -> Decision:
    """Rebuild a decision saved by `decision_to_json`."""
    kind = data.get("kind")
    if kind == "allow":
        return Allow(reason=data.get("reason", ""))
    if kind == "needs_approval":
        return NeedsApproval(reason=data["reason"], approvers=tuple(data.get("approvers", ())))
    return Refuse(reason=data.get("reason", "unknown decision"), code=data.get("code", "guardrail"))


@dataclass(frozen=True, kw_only=True)
class ExecutionRecord:
    """One attempt-series at executing an action, as stored in act_executions."""

    id: str
    idempotency_key: str
    action: Action
    decision: Decision
    status: ExecutionStatus
    requested_by: str
    approval_id: str | None
    dry_run: bool
    attempts: int
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    result: str | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "idempotency_key": self.idempotency_key,
            "action": self.action.to_json(),
            "decision": decision_to_json(self.decision),
            "status": self.status,
            "requested_by": self.requested_by,
            "approval_id": self.approval_id,
            "dry_run": self.dry_run,
            "attempts": self.attempts,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_ms": self.duration_ms,
            "result": self.result,
            "error": self.error,
        }


@dataclass(frozen=True, kw_only=True)
class ApprovalRequest:
    """A risky action waiting for (or decided by) a person."""

    id: str
    action: Action
    requester: str
    reason: str
    approvers: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    state: ApprovalState
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    execution_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action.to_json(),
            "requester": self.requester,
            "reason": self.reason,
            "approvers": list(self.approvers),
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "state": self.state,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decision_reason": self.decision_reason,
            "execution_id": self.execution_id,
        }


@dataclass(frozen=True, kw_only=True)
class OutboundMessage:
    """Exactly what an integration is asked to send; text is already safe."""

    outbox_id: int
    kind: str
    op: Literal["post", "update"]
    channel: str | None
    recipients: tuple[str, ...]
    severity: str
    text: str
    idempotency_key: str
    update_of: int | None = None
    update_ref: str | None = None
    thread: str | None = None  # reply under this delivery reference (a Slack ts)
    # The full answer behind `text` (findings, tables, charts, buttons), already cleaned of
    # data-borne markup and personal data, for an integration that can render more than
    # text. It lives only for this delivery; the outbox records `text`.
    content: Reply | None = None
    # The action's validated parameters (cleaned like the text) and the decision that let it
    # go: what a webhook receiver acts on.
    params: Mapping[str, Any] = field(default_factory=dict)
    decision: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """What an integration reports back: who delivered it and its reference (e.g. a Slack ts)."""

    via: str
    ref: str | None = None
    # The conversation the message now sits in, when it is one people can reply in (a Slack
    # channel id); None for a DM to recipients, an email, a webhook.
    where: str | None = None


@dataclass(frozen=True, kw_only=True)
class OutboxEntry:
    """A row of the outbox: what would have been (or was) sent, to whom, when, under what."""

    id: int
    execution_id: str
    kind: str
    op: Literal["post", "update"]
    update_of: int | None
    channel: str | None
    recipients: tuple[str, ...]
    severity: str
    text: str
    fingerprint: str | None
    decision: Decision
    approval_id: str | None
    status: Literal["pending", "sent", "dry_run", "failed"]
    dry_run: bool
    created_at: datetime
    delivered_via: str | None
    delivery_ref: str | None
    flags: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "execution_id": self.execution_id,
            "kind": self.kind,
            "op": self.op,
            "update_of": self.update_of,
            "channel": self.channel,
            "recipients": list(self.recipients),
            "severity": self.severity,
            "text": self.text,
            "fingerprint": self.fingerprint,
            "decision": decision_to_json(self.decision),
            "approval_id": self.approval_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "created_at": self.created_at.isoformat(),
            "delivered_via": self.delivered_via,
            "delivery_ref": self.delivery_ref,
            "flags": list(self.flags),
        }


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """Who did what, when, and why."""

    id: int
    at: datetime
    who: str
    event: str
    kind: str | None
    idempotency_key: str | None
    approval_id: str | None
    execution_id: str | None
    what: str
    why: str


SequenceState = Literal["active", "completed", "cancelled", "failed"]
StepState = Literal["scheduled", "claimed", "sent", "queued", "failed", "cancelled"]


@dataclass(frozen=True, kw_only=True)
class SequenceStep:
    """One step of a sequence: when it is due, where it stands, and its honest status."""

    sequence_id: str
    step: int
    total: int
    due_at: datetime
    state: StepState
    attempts: int
    status: str
    execution_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class SequenceRecord:
    """A multi-step action (a win-back's emails) as stored, with its steps in order."""

    id: str
    kind: str
    customer_id: str
    approval_id: str | None
    started_at: datetime
    state: SequenceState
    status: str
    steps: tuple[SequenceStep, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "customer_id": self.customer_id,
            "approval_id": self.approval_id,
            "started_at": self.started_at.isoformat(),
            "state": self.state,
            "status": self.status,
            "steps": [
                {
                    "step": s.step,
                    "of": s.total,
                    "due_at": s.due_at.isoformat(),
                    "state": s.state,
                    "attempts": s.attempts,
                    "status": s.status,
                    "execution_id": s.execution_id,
                }
                for s in self.steps
            ],
        }


@dataclass(frozen=True, kw_only=True)
class ActResult:
    """The outcome of proposing, approving or rejecting an action."""

    status: Status
    decision: Decision
    reason: str = ""
    approval_id: str | None = None
    execution: ExecutionRecord | None = None
    outbox_ids: tuple[int, ...] = ()
    # The action as the guardrails costed and decided it (money taken from its params).
    action: Action | None = None
    # A failure worth trying again later (a timeout, a 4xx from a mail server): the
    # integration never accepted it, and nothing says it will not.
    retryable: bool = False
    # What the integration reported when it accepted the message (who, and its reference).
    delivery: Delivery | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "decision": decision_to_json(self.decision),
            "reason": self.reason,
            "approval_id": self.approval_id,
            "execution": self.execution.to_json() if self.execution else None,
            "outbox_ids": list(self.outbox_ids),
        }

    @property
    def code(self) -> str | None:
        """The refusal's code when refused (see agent.domain.RefusalCode)."""
        return self.decision.code if isinstance(self.decision, Refuse) else None

    def describe(self) -> str:
        """One line for a terminal or a Slack fallback text."""
        head = self.status.replace("_", " ")
        tail = f" ({self.reason})" if self.reason else ""
        ref = f" [approval {self.approval_id}]" if self.approval_id else ""
        return f"{head}{tail}{ref}"


def dumps(value: Any) -> str:
    """Compact, stable JSON for the store."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
