"""What Scout's application service returns and every door renders: replies, proposals, views.

Slack (bot/), the terminal and the CLI render these values; none of them decides anything.
Every value is frozen and made of domain values, so rendering stays a pure function.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

from agent.act.redact import clean_finding, clean_text
from agent.domain import (
    Action,
    Anomaly,
    Clarification,
    ClarificationOption,
    Decision,
    Finding,
    Goal,
    RefusalCode,
    stable_key,
)

Progress = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class PlanAhead:
    """The steps a cycle is about to run, in order, announced once it knows them.

    Each step is then reported through `Progress` with exactly this text as it starts, so a
    door that follows plans can mark what is done, running and still to come. A door that
    only prints steps (the terminal, a scripted core's tests) never receives this value.
    """

    steps: tuple[str, ...]


@runtime_checkable
class FollowsPlan(Protocol):
    """A progress channel that can also show the plan ahead (Slack's placeholder).

    An extension of `Progress`, not a replacement: plain step callables stay valid, and the
    core announces a plan only to channels that have `plan`.
    """

    async def __call__(self, step: str) -> None: ...

    async def plan(self, ahead: PlanAhead) -> None: ...


class StepState(StrEnum):
    DONE = "done"
    RUNNING = "running"
    TODO = "todo"


@dataclass(frozen=True, kw_only=True)
class StepView:
    title: str
    state: StepState


@dataclass(frozen=True, kw_only=True)
class ProgressView:
    """What a door shows while a cycle works: the steps reported so far and, once a plan is
    announced, every planned step with its state (the latest one reported is running)."""

    said: tuple[str, ...] = ()
    plan: tuple[str, ...] = ()

    def step(self, text: str) -> ProgressView:
        return replace(self, said=(*self.said, text))

    def planned(self, ahead: PlanAhead) -> ProgressView:
        return replace(self, plan=ahead.steps)

    @property
    def current(self) -> int:
        """The plan step running now (its index), -1 before any planned step was reported.

        The furthest one reported wins: a plan only moves forward, and a step the plan does
        not name (a note) leaves it where it is."""
        return max((self.plan.index(s) for s in self.said if s in self.plan), default=-1)

    @property
    def rows(self) -> tuple[StepView, ...]:
        if not self.plan:
            # No plan announced (a monitor cycle, a core that only reports steps): the steps
            # so far, each done, as the placeholder always showed them.
            return tuple(StepView(title=s, state=StepState.DONE) for s in self.said)
        now = self.current
        return tuple(
            StepView(
                title=title,
                state=(
                    StepState.DONE
                    if index < now
                    else StepState.RUNNING
                    if index == now
                    else StepState.TODO
                ),
            )
            for index, title in enumerate(self.plan)
        )

    @property
    def position(self) -> str:
        """Where the plan stands ("Step 2 of 4"); empty without a plan."""
        if not self.plan:
            return ""
        return f"Step {max(self.current, 0) + 1} of {len(self.plan)}"


# Questions are read on their first few thousand characters (README: deployment limits), and
# echoed from no more than that.
MAX_QUESTION_CHARS = 4000


def echoed_question(question: str) -> str:
    """The question as Scout may show it back: the part it reads, redacted. Cutting first
    keeps a pasted 900 kB log as cheap to echo as a short question."""
    return clean_text(question[:MAX_QUESTION_CHARS])


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
    EXECUTED = "executed"  # the integration accepted it
    QUEUED = "queued"  # in the outbox; no integration sent it
    DRY_RUN = "dry_run"  # recorded only: Scout runs in dry-run mode
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


@dataclass(frozen=True)
class MessageRef:
    """One posted message: its channel, its ts and the thread it sits in (its own ts when it
    is a thread's parent)."""

    channel: str
    ts: str
    thread_ts: str


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
    # Short notes shown small at the end (what is switched off here, where it was asked).
    notes: tuple[str, ...] = ()
    # What the message shows: the answer, or the SQL and parameters behind its findings.
    view: Literal["answer", "evidence"] = "answer"

    def plain_text(self) -> str:
        """The reply as plain sentences: notifications, the outbox, clients without blocks."""
        if self.view == "evidence":
            queries = [
                f"{e.description or f.title}: {e.sql}" for f in self.findings for e in f.evidence
            ]
            return "\n".join(queries) or "No SQL was needed for this answer."
        parts: list[str] = []
        if self.error:
            parts.append(self.error)
        if self.text:
            parts.append(self.text)
        parts.extend(f.summary for f in self.findings if f.summary)
        if self.clarification is not None:
            options = ", ".join(o.label for o in self.clarification.options)
            question = self.clarification.question
            parts.append(f"{question} ({options})" if options else question)
        parts.extend(f"Proposed: {p.action.kind} → {p.action.target}" for p in self.actions)
        parts.extend(self.notes)
        return "\n".join(parts)

    def cleaned(self) -> Reply:
        """This reply with every text from data made inert and redacted (what may be posted)."""
        return replace(
            self,
            text=clean_text(self.text),
            goal=_cleaned_goal(self.goal),
            error=clean_text(self.error) if self.error else None,
            notes=tuple(clean_text(n) for n in self.notes),
            findings=tuple(clean_finding(f) for f in self.findings),
            actions=tuple(
                replace(
                    p,
                    action=replace(
                        p.action,
                        reason=clean_text(p.action.reason),
                        target=clean_text(p.action.target),
                    ),
                    result=clean_text(p.result),
                )
                for p in self.actions
            ),
        )


def _cleaned_goal(goal: Goal | None) -> Goal | None:
    """The goal's values as they may be shown ("Understood as: region = …"): a filter value
    comes from the warehouse or the asker, so it is cleaned like any other text."""
    if goal is None:
        return None
    return replace(
        goal,
        filters={k: clean_text(v) for k, v in goal.filters.items()},
        compare={k: (clean_text(a), clean_text(b)) for k, (a, b) in goal.compare.items()},
        text=clean_text(goal.text),
        customer_id=clean_text(goal.customer_id) if goal.customer_id else None,
    )


@dataclass(frozen=True, kw_only=True)
class Published:
    """What became of a message Scout posts on its own (digest, investigation, notice).

    `status` is the actor's: "executed" once the integration accepted it, "dry_run" when it
    was only recorded, "refused" (paused, outside the guardrails) or "pending_approval".
    `where` is the thread the message opened or joined; None when nothing was posted.
    """

    status: str
    reason: str = ""
    where: ThreadRef | None = None
    outbox_ids: tuple[int, ...] = ()
    # The message itself (its ts), when one reached Slack.
    message: MessageRef | None = None
    # Why it was refused, as a code the adapters branch on (never the prose of `reason`).
    refusal: RefusalCode | None = None

    @property
    def delivered(self) -> bool:
        return self.message is not None


@dataclass(frozen=True, kw_only=True)
class AnswerPlace:
    """Where an answer goes: the conversation it was asked in (the thread, or none for a DM's
    top level), the placeholder it is edited into, and who asked."""

    channel: str
    thread_ts: str | None = None
    replaces: str | None = None
    asker: str | None = None
    # One per answer: a retry of the same answer is the same key, so it is posted once.
    key: str


DecisionKind = Literal[
    "executed",
    "queued",
    "rejected",
    "refused",
    "already_decided",
    "unauthorised",
    "expired",
    "failed",
    "not_found",
    "unrecorded",  # memory refused the write (busy, full, read-only): nothing happened
]


@dataclass(frozen=True, kw_only=True)
class DecisionOutcome:
    """What a click on Do it / Approve / Reject did. `action` is the state to render."""

    kind: DecisionKind
    action: ProposedAction | None = None
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class MonitorReport:
    """One monitor cycle as every door shows it: what was read, found, proposed and posted."""

    cycle_id: str
    observations: int
    confidence: float
    seconds: float
    findings: tuple[Finding, ...] = ()
    new_anomalies: tuple[Anomaly, ...] = ()
    updated_anomalies: tuple[Anomaly, ...] = ()
    movers: int = 0
    actions: tuple[ProposedAction, ...] = ()
    errors: tuple[str, ...] = ()
    published: tuple[Published, ...] = ()


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
    what_works: tuple[str, ...] = ()  # measured retention uplift, per kind and risk level
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
