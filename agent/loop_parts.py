"""The loop's values and its recorder: triggers, results, and what one cycle writes to memory.

Kept apart from agent/loop.py so the loop itself reads in one screen.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from agent.act import ActResult
from agent.domain import Action, Anomaly, Finding, Goal, Intent, Observation, stable_key
from agent.errors import MemoryUnavailable, UserError, friendly
from agent.observe import KpiRead, KpiSnapshot
from agent.plan import Plan, Signal, matches
from agent.views import FollowsPlan, PlanAhead

if TYPE_CHECKING:
    from agent.deps import Deps
    from agent.digest import Digest

log = logging.getLogger("agent.loop")

Progress = Callable[[str], Awaitable[None]]

# Return rate is counted by order date and returns arrive weeks later, so its recent weeks
# always look low: a week-over-week change of it is data latency, not news.
LAGGING_METRICS = frozenset({"return_rate"})
REPEAT_DAYS = 6  # a movement seen within this many days is an update, not news


# --------------------------------------------------------------------------- triggers


@dataclass(frozen=True, kw_only=True)
class PersonAsked:
    """Someone asked in a thread; `goal` skips understanding (a clarification was chosen)."""

    text: str
    thread_key: str
    user: str = "someone"
    goal: Goal | None = None


@dataclass(frozen=True, kw_only=True)
class MonitorTick:
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class DigestDue:
    day: date  # the day the digest is posted; it covers the day before


Trigger = PersonAsked | MonitorTick | DigestDue


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, kw_only=True)
class ActionOutcome:
    """An action handed to the actor and what the actor did with it."""

    action: Action
    result: ActResult
    planned_id: str = ""
    situation: str = ""


@dataclass(frozen=True, kw_only=True)
class CycleResult:
    """What a cycle understood, found, did and could not do (errors as friendly text)."""

    cycle_id: str
    trigger: Trigger
    goal: Goal | None = None
    findings: tuple[Finding, ...] = ()
    finding_ids: tuple[int, ...] = ()
    actions: tuple[ActionOutcome, ...] = ()
    new_anomalies: tuple[Anomaly, ...] = ()
    updated_anomalies: tuple[Anomaly, ...] = ()
    movers: tuple[KpiRead, ...] = ()
    plan: Plan | None = None
    observations: int = 0
    failed_sources: tuple[Observation, ...] = ()
    confidence: float = 1.0
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    # One kind per error, in the same order ("warehouse_down", "sources_failing",
    # "investigating", "planning", "memory", "cycle"): alerting de-duplicates on it.
    error_kinds: tuple[str, ...] = ()
    digest: Digest | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


class Cycle:
    """A cycle in progress: what it accumulates, recorded in one go at the end."""

    def __init__(self, deps: Deps, trigger: Trigger, progress: Progress | None) -> None:
        self.deps = deps
        self.trigger = trigger
        self.progress = progress
        self.started = deps.clock()
        self.id = "cy_" + stable_key("cycle", self.started.isoformat(), repr(trigger))[:10]
        self.thread_key = trigger.thread_key if isinstance(trigger, PersonAsked) else ""
        if isinstance(trigger, MonitorTick):
            self.thread_key = "monitor"
        elif isinstance(trigger, DigestDue):
            self.thread_key = f"digest:{trigger.day.isoformat()}"
        self.goal: Goal | None = None
        self.findings: tuple[Finding, ...] = ()
        self.finding_ids: tuple[int, ...] = ()
        self.actions: list[ActionOutcome] = []
        self.observations: list[Observation] = []
        self.failed: tuple[Observation, ...] = ()
        self.confidence = 1.0
        self.new_anomalies: list[Anomaly] = []
        self.updated_anomalies: list[Anomaly] = []
        self.movers: list[KpiRead] = []
        self.plan: Plan | None = None
        self.notes: list[str] = []
        self.errors: list[str] = []
        self.error_kinds: list[str] = []
        self.digest: Digest | None = None

    async def say(self, text: str) -> None:
        if self.progress is not None:
            try:
                await self.progress(text)
            except Exception:  # a broken progress channel must not stop the work
                log.warning("progress_failed cycle=%s", self.id, exc_info=True)

    async def announce(self, *steps: str) -> None:
        """Show the steps ahead where the progress channel follows plans; each is then
        reported with `say` as it starts. Plain step channels only ever get `say`."""
        if isinstance(self.progress, FollowsPlan):
            try:
                await self.progress.plan(PlanAhead(steps=steps))
            except Exception:  # like `say`: the plan is shown for people, the work goes on
                log.warning("plan_failed cycle=%s", self.id, exc_info=True)

    def fail(self, where: str, error: BaseException) -> None:
        if isinstance(error, UserError):
            log.info("cycle_user_error cycle=%s where=%s error=%s", self.id, where, error)
        else:
            log.error("cycle_error cycle=%s where=%s", self.id, where, exc_info=error)
        self.errors.append(friendly(error))
        self.error_kinds.append(where.split(" ", 1)[0] or "cycle")

    def observe(self, snapshot: KpiSnapshot) -> None:
        self.observations.extend(snapshot.observations)
        self.failed = snapshot.failed
        self.confidence = snapshot.confidence
        if snapshot.failed:
            first = snapshot.failed[0].error or "unknown error"
            down = len(snapshot.failed) == snapshot.queries
            self.error_kinds.append("warehouse_down" if down else "sources_failing")
            self.errors.append(
                f"{len(snapshot.failed)} of {snapshot.queries} KPI reads failed, so this check "
                f"is partial (confidence {snapshot.confidence:.0%}). First error: {first}"
            )
        self.observations.append(
            Observation(
                source="monitor",
                at=self.deps.clock(),
                data={"checked_through": snapshot.today.isoformat()},
                confidence=snapshot.confidence,
            )
        )

    async def record(self) -> None:
        """Persist the cycle: observations in one batch, findings, the thread, an audit line."""
        memory = self.deps.memory
        try:
            await memory.record_observations(self.observations, cycle=self.id)
            goal = self.goal or Goal(intent=_intent_of(self.trigger))
            ids = [await memory.record_finding(self.thread_key, goal, f) for f in self.findings]
            self.finding_ids = tuple(ids)
            if (
                isinstance(self.trigger, PersonAsked)
                and self.goal
                and not self.goal.needs_clarification
            ):
                await memory.save_thread(self.thread_key, self.goal, ids)
            await memory.audit(
                "cycle",
                ref=self.id,
                detail={
                    "trigger": type(self.trigger).__name__,
                    "thread": self.thread_key,
                    "findings": len(self.findings),
                    "actions": [a.result.status for a in self.actions],
                    "errors": self.errors,
                },
            )
        except Exception as error:  # memory trouble is reported with the answer, not instead
            log.exception("cycle_record_failed cycle=%s", self.id)
            why = str(error) if isinstance(error, MemoryUnavailable) else type(error).__name__
            self.errors.append(f"I could not save this to memory ({why})")
            self.error_kinds.append("memory")

    def result(self) -> CycleResult:
        return CycleResult(
            cycle_id=self.id,
            trigger=self.trigger,
            goal=self.goal,
            findings=self.findings,
            finding_ids=self.finding_ids,
            actions=tuple(self.actions),
            new_anomalies=tuple(self.new_anomalies),
            updated_anomalies=tuple(self.updated_anomalies),
            movers=tuple(self.movers),
            plan=self.plan,
            observations=len(self.observations),
            failed_sources=self.failed,
            confidence=self.confidence,
            notes=tuple(self.notes),
            errors=tuple(self.errors),
            error_kinds=tuple(self.error_kinds),
            digest=self.digest,
            seconds=(self.deps.clock() - self.started).total_seconds(),
        )


def _intent_of(trigger: Trigger) -> Intent:
    return Intent.DIGEST if isinstance(trigger, DigestDue) else Intent.DETECT


# --------------------------------------------------------------------------- movements


async def new_movements(deps: Deps, snapshot: KpiSnapshot) -> tuple[list[Signal], list[KpiRead]]:
    """Week-over-week changes and levels worth a rule, minus those already seen this week.

    Overall changes and levels go to the rules as they are (a rule decides what is too much);
    a segment's change only when it is notable against its own history. A movement seen in the
    last few days is counted (an update) but not planned again.
    """
    rules = deps.config.planning.rules
    level_metrics = {r.when.metric for r in rules if r.when.signal == "level"}
    period = f"{snapshot.today.isoformat()}/7d"
    candidates: list[Signal] = []
    movers = [
        r for r in snapshot.reads if r.notable and r.where and r.metric not in LAGGING_METRICS
    ]
    for read in snapshot.reads:
        if read.metric in LAGGING_METRICS:
            continue
        if (not read.where or read.notable) and math.isfinite(read.change):
            candidates.append(
                Signal.change(
                    read.metric, read.last_7, read.prev_7, where=read.where, period=period
                )
            )
        if (read.metric in level_metrics or None in level_metrics) and math.isfinite(read.last_7):
            candidates.append(
                Signal.level(read.metric, read.last_7, where=read.where, period=period)
            )
    fresh: list[Signal] = []
    now = deps.clock()
    for signal in candidates:
        if not any(matches(rule.when, signal) for rule in rules):
            continue
        key = stable_key(
            "movement", signal.metric, signal.kind, dict(signal.where), signal.direction
        )
        known = await deps.memory.alert(key)
        await deps.memory.seen_anomaly(key)
        if known is None or (now - known.last_seen).days >= REPEAT_DAYS:
            fresh.append(replace(signal, ref=f"{key}:{period}"))
    movers.sort(key=lambda r: -abs(r.z))
    return fresh, movers
