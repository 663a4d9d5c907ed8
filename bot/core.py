"""The port between the Slack adapter and Scout's core: what the adapter asks, what it renders.

The adapter (bot/app.py, bot/listeners/) only talks to a `ScoutCore`. The real implementation
wraps the agent (understand → plan → analyses → act → memory); tests use a scripted one. Every
value crossing the port is a frozen dataclass of domain values, so rendering stays pure.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

from agent.act.ports import Integration, IsAuthorised
from agent.config import ScoutConfig
from agent.domain import Action, Clarification, ClarificationOption, Decision, Finding, Goal
from agent.errors import ConfigError

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


@runtime_checkable
class ScoutCore(Protocol):
    """What the Slack adapter needs from Scout. Implementations never import Slack."""

    async def ask(self, text: str, *, thread: ThreadRef, user: str, on_progress: Progress) -> Reply:
        """Answer a question (or a follow-up) asked in `thread`."""
        ...

    async def choose(
        self, thread: ThreadRef, option_value: str, user: str, on_progress: Progress
    ) -> Reply:
        """Continue the thread's pending goal with the clarification option `option_value`."""
        ...

    async def decide(
        self, approval_id: str, user: str, approve: bool, reason: str = ""
    ) -> DecisionOutcome:
        """Record a decision and execute at most once; `user` is already authenticated."""
        ...

    async def action_state(self, approval_id: str) -> ProposedAction | None:
        """The current state of a proposal (authorisation reads it, never the button)."""
        ...

    async def feedback(self, thread: ThreadRef, user: str, positive: bool) -> None:
        """Record 👍/👎 on the latest answer in the thread."""
        ...

    async def knows_thread(self, thread: ThreadRef) -> bool:
        """Whether Scout answered in this thread, so follow-ups need no mention."""
        ...

    async def attach_thread(self, reply: Reply, thread: ThreadRef) -> None:
        """Tell the core where a scheduled reply (alert, digest) was posted."""
        ...

    async def home(self, user: str) -> HomeView:
        """Pending approvals, recent alerts, the KPI watchlist and what Scout has learned."""
        ...

    async def digest(self, day: date) -> Reply:
        """The morning digest for `day`."""
        ...

    async def weekly(self, week_start: date) -> Reply:
        """The weekly summary of the Monday–Sunday week starting `week_start`."""
        ...

    async def monitor(self) -> list[Reply]:
        """One monitor cycle; each reply is an alert to post."""
        ...


@runtime_checkable
class DigestClaims(Protocol):
    """Exactly-once posting of scheduled messages across restarts and replicas."""

    async def claim_digest(self, key: str) -> bool:
        """True for the first caller of `key` ever; False afterwards."""
        ...


def option_token(index: int, option: ClarificationOption) -> str:
    """The button value of a clarification option: its index plus a check of its label.

    The core stores the pending clarification per thread and maps the token back; the check
    makes a click on an outdated question fail instead of choosing the wrong option.
    """
    from agent.domain import stable_key

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


@runtime_checkable
class Retrainer(Protocol):
    """A core whose models learn from new labels on a schedule (the churn model)."""

    async def retrain(self) -> str:
        """Retrain and return one line saying what was trained."""
        ...


@runtime_checkable
class KillSwitch(Protocol):
    """`/scout pause`: stop every outbound effect, in every process sharing the memory."""

    async def pause(self, user: str, reason: str = "") -> None:
        """Pause outbound effects; `user` is already authorised by the adapter."""
        ...

    async def resume(self, user: str, reason: str = "") -> None:
        """Allow outbound effects again."""
        ...

    async def is_paused(self) -> bool:
        """Whether the kill switch is on."""
        ...


@runtime_checkable
class OutboundWiring(Protocol):
    """A core that acts: the adapter hands it the delivery integration and the approver check.

    Serving wires Slack here once the app's WebClient exists, so the actor's "notify"
    integration and authorisation are the very client and check the listeners use.
    """

    def connect_outbound(
        self, *, integrations: Mapping[str, Integration], is_authorised: IsAuthorised
    ) -> None:
        """Replace the actor's integrations by name and its approver check."""
        ...


DEFAULT_CORE = "bot.agent_core:build_core"


async def load_core(config: ScoutConfig, spec: str | None = None) -> ScoutCore:
    """Build the core from `module:factory` (SCOUT_CORE env, else the agent's default).

    The factory is called with the ScoutConfig and may be async (it may open memory). This is how `scout serve` stays decoupled
    from how the agent is assembled, and how tests run the server with a scripted core.
    """
    target = spec or os.environ.get("SCOUT_CORE") or DEFAULT_CORE
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        factory = getattr(module, attr or "build_core")
    except (ImportError, AttributeError) as error:
        raise ConfigError(
            [f"cannot load Scout's core from '{target}' ({error}); set SCOUT_CORE=module:factory"],
            source="scout serve",
        ) from None
    core = factory(config)
    if inspect.isawaitable(core):
        core = await core
    if not isinstance(core, ScoutCore):
        raise ConfigError([f"'{target}' did not return a ScoutCore"], source="scout serve")
    return core


__all__ = [
    "ActionStatus",
    "AlertSummary",
    "DecisionOutcome",
    "DigestClaims",
    "Effectiveness",
    "HomeView",
    "KillSwitch",
    "KpiStatus",
    "OutboundWiring",
    "ProposedAction",
    "Reply",
    "ScoutCore",
    "ThreadRef",
    "load_core",
    "option_token",
    "parse_option_token",
]
