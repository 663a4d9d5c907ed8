"""The port between the Slack adapter and Scout's core: what the adapter asks, what it renders.

The adapter (bot/app.py, bot/listeners/) only talks to a `ScoutCore`. The real implementation
wraps the agent (understand → plan → analyses → act → memory); tests use a scripted one. Every
value crossing the port is a frozen dataclass of domain values, so rendering stays pure.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Mapping
from datetime import date
from typing import Protocol, runtime_checkable

from agent.act.ports import Integration, IsAuthorised
from agent.config import ScoutConfig
from agent.errors import ConfigError
from agent.views import (
    ActionStatus,
    AlertSummary,
    AnswerPlace,
    DecisionKind,
    DecisionOutcome,
    Effectiveness,
    HomeView,
    KpiStatus,
    MessageRef,
    Progress,
    ProposedAction,
    Published,
    Reply,
    ThreadRef,
    option_token,
    parse_option_token,
)


@runtime_checkable
class ScoutCore(Protocol):
    """What the Slack adapter needs from Scout. Implementations never import Slack."""

    async def ask(
        self,
        text: str,
        *,
        thread: ThreadRef,
        user: str,
        on_progress: Progress,
        groups: frozenset[str] = frozenset(),
    ) -> Reply:
        """Answer a question (or a follow-up) asked in `thread` by `user`, who is in the Slack
        user groups `groups` (the adapter looked them up; the core places the asker by them)."""
        ...

    async def choose(
        self,
        thread: ThreadRef,
        option_value: str,
        user: str,
        on_progress: Progress,
        groups: frozenset[str] = frozenset(),
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

    async def home(self, user: str) -> HomeView:
        """Pending approvals, recent alerts, the KPI watchlist and what Scout has learned."""
        ...

    async def answer_out(self, reply: Reply, place: AnswerPlace) -> Published:
        """Send `reply` where it was asked, through the actor: decided, redacted, recorded in
        the outbox and posted once (the adapter's only road out for answers)."""
        ...


@runtime_checkable
class Scheduled(Protocol):
    """A core that runs the scheduled jobs itself, posting through its actor."""

    async def post_digest(self, day: date, *, late: bool = False) -> Published | None:
        """Post the digest for `day` once (None: already posted, or paused)."""
        ...

    async def post_weekly(self, week_start: date) -> Published | None:
        """Post the weekly summary once (None: already posted, or paused)."""
        ...

    async def run_monitor(self) -> list[Published]:
        """One monitor cycle and every message it posts."""
        ...

    async def retrain_weekly(self, week_start: date) -> str | None:
        """Retrain once per week across replicas; what was trained, or None."""
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


@runtime_checkable
class DeliveryClaims(Protocol):
    """A core with durable memory: a Slack event, command or click is handled once, across
    restarts and replicas (Slack redelivers after a slow ack; an attacker may replay)."""

    async def first_delivery(self, key: str) -> bool:
        """True the first time `key` is claimed, in any process sharing the memory."""
        ...


@runtime_checkable
class ProposalMessages(Protocol):
    """A core that remembers where each proposal was posted, so a decision from App Home
    also settles the channel message (across restarts and replicas)."""

    async def remember_proposal_message(self, approval_id: str, message: MessageRef) -> None:
        """Record the message that carries this proposal's buttons."""
        ...

    async def proposal_message(self, approval_id: str) -> MessageRef | None:
        """The message that carries this proposal's buttons, if Scout posted one."""
        ...


DEFAULT_CORE = "agent.service:build_service"


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
    "AnswerPlace",
    "DecisionKind",
    "DecisionOutcome",
    "Effectiveness",
    "HomeView",
    "KillSwitch",
    "KpiStatus",
    "MessageRef",
    "OutboundWiring",
    "ProposalMessages",
    "ProposedAction",
    "Published",
    "Reply",
    "Scheduled",
    "ScoutCore",
    "ThreadRef",
    "load_core",
    "option_token",
    "parse_option_token",
]
