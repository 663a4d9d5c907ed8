"""A scripted ScoutCore for the Slack adapter's unit tests (never for end-to-end claims).

Questions map to prepared replies; an unexpected question fails loudly (the adapter turns it
into its polite error, which the test then sees). Decisions keep the real core's promise:
exactly once per approval id, under concurrency.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from agent.act import Actor, Integration
from agent.act.answers import send_answer
from agent.act.ports import IsAuthorised
from agent.domain import (
    Action,
    Allow,
    ChartSpec,
    Clarification,
    ClarificationOption,
    Evidence,
    Finding,
    FindingKind,
    Goal,
    Intent,
    NeedsApproval,
    RootCause,
    Series,
    Window,
)
from bot.core import (
    ActionStatus,
    AnswerPlace,
    DecisionOutcome,
    HomeView,
    KpiStatus,
    Progress,
    ProposedAction,
    Published,
    Reply,
    ThreadRef,
    parse_option_token,
)

DECIDED_AT = datetime(2025, 12, 15, 10, 30, tzinfo=UTC)
WINDOW = Window(start=date(2025, 12, 8), end=date(2025, 12, 15))


def conversion_finding() -> Finding:
    """An explain finding shaped like the analyses' output, with a chart and evidence."""
    days = tuple(WINDOW.previous().dates() + WINDOW.dates())
    rates = tuple(0.031 if d < date(2025, 12, 10) else 0.024 for d in days)
    return Finding(
        kind=FindingKind.EXPLAIN,
        title="Conversion rate fell in the Northeast",
        summary="Conversion fell from 3.1% to 2.6% (-0.5 pts); Northeast mobile explains 82% <of it>.",
        facts={
            "baseline": 0.031,
            "current": 0.026,
            "conversion_rate_change": -0.005,
            "sessions": 120345,
        },
        root_causes=(
            RootCause(
                where={"region": "Northeast", "device": "mobile"},
                baseline=0.032,
                current=0.019,
                change=-0.013,
                explains=0.82,
                rate_effect=-0.011,
                mix_effect=-0.002,
            ),
        ),
        evidence=(
            Evidence(
                sql="SELECT region, device, SUM(orders)/SUM(sessions) FROM sessions GROUP BY 1, 2",
                params={"start": "2025-12-08"},
                description="conversion by region and device",
            ),
        ),
        confidence=0.86,
        chart=ChartSpec(
            kind="line",
            title="Conversion rate, Northeast",
            unit="%",
            series=(Series(name="conversion", x=days, y=rates),),
            highlight=(date(2025, 12, 10),),
        ),
    )


def answer(text: str = "", *, chart: bool = True) -> Reply:
    """An explain answer; without the chart when a test is not about charts (rendering costs)."""
    goal = Goal(
        intent=Intent.EXPLAIN, metric="conversion_rate", window=WINDOW, baseline=WINDOW.previous()
    )
    finding = conversion_finding()
    if not chart:
        finding = replace(finding, chart=None)
    return Reply(text=text, goal=goal, findings=(finding,))


def clarifying() -> Reply:
    options = tuple(
        ClarificationOption(label=label, goal=Goal(intent=Intent.LOOKUP, metric=metric))
        for label, metric in (("Revenue", "revenue"), ("Orders", "orders"))
    )
    return Reply(
        clarification=Clarification(question="Which 'sales' do you mean?", options=options)
    )


def proposing(*, needs_approval: bool, approval_id: str = "apr-1") -> tuple[Reply, ProposedAction]:
    decision = NeedsApproval(reason="costs money") if needs_approval else Allow()
    proposed = ProposedAction(
        approval_id=approval_id,
        action=Action(
            kind="retention_offer",
            target="segment:at_risk",
            cost=500.0,
            reason="At-risk customers are churning",
        ),
        decision=decision,
        status=ActionStatus.PENDING if needs_approval else ActionStatus.PROPOSED,
    )
    return Reply(text="I propose an action.", actions=(proposed,)), proposed


class ScriptedCore:
    """ScoutCore with scripted replies and a faithful exactly-once `decide`."""

    def __init__(
        self,
        script: dict[str, Reply] | None = None,
        *,
        steps: tuple[str, ...] = (),
        delay: float = 0.0,
        default: Reply | None = None,
    ) -> None:
        self.script = dict(script or {})
        self.steps, self.delay, self.default = steps, delay, default
        self.asked: list[tuple[str, ThreadRef, str]] = []
        self.chosen: list[tuple[ThreadRef, str, str]] = []
        self.decisions: list[tuple[str, str, bool]] = []
        self.executions: list[str] = []
        self.feedbacks: list[tuple[ThreadRef, str, bool]] = []
        self.digests: list[date] = []
        self.proposals: dict[str, ProposedAction] = {}
        self._threads: set[str] = set()
        self._pending: dict[str, tuple[ClarificationOption, ...]] = {}
        self._claims: set[str] = set()
        self._lock = asyncio.Lock()
        # Answers leave through Scout's real actor (over a throwaway store), with the
        # adapter's Slack notifier: only the analysis is scripted, never the road out.
        self.integrations: dict[str, Integration] = {}
        self._store = tempfile.TemporaryDirectory(prefix="scripted-act-")

    @property
    def act_store(self) -> Path:
        return Path(self._store.name) / "act.sqlite3"

    def connect_outbound(
        self, *, integrations: Mapping[str, Integration], is_authorised: IsAuthorised
    ) -> None:
        self.integrations = dict(integrations)

    async def answer_out(self, reply: Reply, place: AnswerPlace) -> Published:
        # Opened per answer and closed after: a store left open keeps its worker thread, and
        # a process (a bench, a served test) would wait for it forever at exit.
        async with await Actor.open(self.act_store, integrations=self.integrations) as actor:
            return await send_answer(actor, reply, place)

    async def aclose(self) -> None:
        self._store.cleanup()

    def _remember(self, thread: ThreadRef, reply: Reply) -> Reply:
        self._threads.add(thread.key)
        if reply.clarification is not None:
            self._pending[thread.key] = reply.clarification.options
        for proposed in reply.actions:
            self.proposals.setdefault(proposed.approval_id, proposed)
        return reply

    async def _work(self, on_progress: Progress) -> None:
        for step in self.steps:
            await on_progress(step)
        if self.delay:
            await asyncio.sleep(self.delay)

    async def ask(
        self,
        text: str,
        *,
        thread: ThreadRef,
        user: str,
        on_progress: Progress,
        groups: frozenset[str] = frozenset(),
    ) -> Reply:
        self.asked.append((text, thread, user))
        await self._work(on_progress)
        reply = self.script.get(text.lower(), self.default)
        if reply is None:
            raise AssertionError(f"unexpected question: {text!r}")
        return self._remember(thread, reply)

    async def choose(
        self,
        thread: ThreadRef,
        option_value: str,
        user: str,
        on_progress: Progress,
        groups: frozenset[str] = frozenset(),
    ) -> Reply:
        self.chosen.append((thread, option_value, user))
        options = self._pending.get(thread.key, ())
        index = parse_option_token(option_value, options)
        if index is None:
            return Reply(error="That question has moved on; ask again.")
        await self._work(on_progress)
        label = options[index].label
        return self._remember(
            thread, self.script.get(label.lower(), Reply(text=f"You chose {label}."))
        )

    async def action_state(self, approval_id: str) -> ProposedAction | None:
        return self.proposals.get(approval_id)

    async def decide(
        self, approval_id: str, user: str, approve: bool, reason: str = ""
    ) -> DecisionOutcome:
        self.decisions.append((approval_id, user, approve))
        async with self._lock:
            proposed = self.proposals.get(approval_id)
            if proposed is None:
                return DecisionOutcome(kind="not_found", message="No such proposal.")
            if not proposed.open:
                return DecisionOutcome(kind="already_decided", action=proposed)
            await asyncio.sleep(0.01)  # executing takes a moment; a second click lands here
            if approve:
                self.executions.append(approval_id)
            status = ActionStatus.EXECUTED if approve else ActionStatus.REJECTED
            done = replace(
                proposed,
                status=status,
                decided_by=user,
                decided_at=DECIDED_AT,
                result="offer sent to 42 customers" if approve else "",
            )
            self.proposals[approval_id] = done
            return DecisionOutcome(kind="executed" if approve else "rejected", action=done)

    async def feedback(self, thread: ThreadRef, user: str, positive: bool) -> None:
        self.feedbacks.append((thread, user, positive))

    async def knows_thread(self, thread: ThreadRef) -> bool:
        return thread.key in self._threads

    async def home(self, user: str) -> HomeView:
        pending = tuple(p for p in self.proposals.values() if p.open and p.needs_approval)
        watch = (
            KpiStatus(
                metric="revenue", label="Revenue", value=123456.0, change=-0.12, status="alert"
            ),
        )
        return HomeView(pending=pending, watchlist=watch)


def build_core(_config: Any) -> ScriptedCore:
    """Factory for `SCOUT_CORE=tests.bot.scripted_core:build_core` (the subprocess test)."""
    return ScriptedCore(default=answer(), steps=("Understood the question", "Ran 3 queries"))
