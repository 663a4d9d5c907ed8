"""What Scout's application service returns and every door renders: replies, proposals, views.

Slack (bot/), the terminal and the CLI render these values; none of them decides anything.
Every value is frozen and made of domain values, so rendering stays a pure function.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from agent.domain import (
    Action,
    Clarification,
    ClarificationOption,
    Decision,
    Finding,
    Goal,
    stable_key,
)

Progress = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class ThreadRef:
    """A Slack conversation thread: the channel and the ts of its first message."""

    channel: str
    thread_ts: str
    team: str = ""

    @property
    def key(self) -> str:
        """A stable string key (memory rows, logs)."""
        return f"{self.channel}:{self.thread_ts}"


class ActionStatus(StrEnum):
    PROPOSED = "proposed"  # allowed by guardrails; waits for someone to press "Do it"
    PENDING = "pending"  # needs an approver
    EXECUTED = "executed"
    REJECTED = "rejected"
    REFUSED = "refused"  # guardrails said no; shown with the reason, no buttons
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True, kw_only=True)
class ProposedAction:
    """An action as the adapter shows it: the decision, its state and who decided when."""

    approval_id: str  # opaque token the core maps back; never an identity
    action: Action
    decision: Decision
    status: ActionStatus
    decided_by: str | None = None
    decided_at: datetime | None = None
    result: str = ""  # what executing it did, or why it failed

    @property
    def needs_approval(self) -> bool:
        return self.decision.kind == "needs_approval"

    @property
    def open(self) -> bool:
        """Still waiting for a click."""
        return self.status in (ActionStatus.PROPOSED, ActionStatus.PENDING)


@dataclass(frozen=True, kw_only=True)
class Reply:
    """Everything one answer shows: findings, a question back, proposals or a friendly error."""

    text: str = ""
    goal: Goal | None = None
    findings: tuple[Finding, ...] = ()
    clarification: Clarification | None = None
    actions: tuple[ProposedAction, ...] = ()
    error: str | None = None  # friendly; details are in the logs, never here
    # Where the actor already posted this alert (scheduled replies only): the adapter threads
    # the reply under that message instead of posting a second one.
    posted: ThreadRef | None = None


DecisionKind = Literal[
    "executed", "rejected", "already_decided", "unauthorised", "expired", "failed", "not_found"
]


@dataclass(frozen=True, kw_only=True)
class DecisionOutcome:
    """What a click on Do it / Approve / Reject did. `action` is the state to render."""

    kind: DecisionKind
    action: ProposedAction | None = None
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class AlertSummary:
    title: str
    status: str  # e.g. "investigating", "action pending", "resolved"
    at: datetime
    thread: ThreadRef | None = None


@dataclass(frozen=True, kw_only=True)
class KpiStatus:
    metric: str
    label: str
    value: float | None
    change: float | None = None  # relative change against the baseline, e.g. -0.12
    unit: str = ""
    status: Literal["ok", "watch", "alert"] = "ok"


@dataclass(frozen=True, kw_only=True)
class Effectiveness:
    """What Scout has learned about an action kind: how often it worked."""

    action_kind: str
    tried: int
    worked: int
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class HomeView:
    pending: tuple[ProposedAction, ...] = ()
    alerts: tuple[AlertSummary, ...] = ()
    watchlist: tuple[KpiStatus, ...] = ()
    learned: tuple[Effectiveness, ...] = ()
    paused: bool = False


def option_token(index: int, option: ClarificationOption) -> str:
    """The button value of a clarification option: its index plus a check of its label.

    The core stores the pending clarification per thread and maps the token back; the check
    makes a click on an outdated question fail instead of choosing the wrong option.
    """
    return f"{index}.{stable_key(option.label)[:6]}"


def parse_option_token(token: str, options: tuple[ClarificationOption, ...]) -> int | None:
    """The option index for `token`, or None when it does not match the pending question."""
    head, _, _ = token.partition(".")
    if not head.isdigit():
        return None
    index = int(head)
    if index >= len(options) or option_token(index, options[index]) != token:
        return None
    return index
