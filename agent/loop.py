"""One cycle of the agent: perceive → plan → act → remember, for a person, a tick or a digest.

`run_cycle(deps, trigger)` never raises for a broken step: the error becomes part of the
result as a friendly sentence (details in the log), and whatever the cycle saw, found and did
is recorded in memory in a `finally`, so a failure half-way still leaves a trace.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import assert_never

from agent.act import ActResult
from agent.analyses import SKILLS, run_goal
from agent.analyses.anomaly.calendar import holiday_within
from agent.analyses.anomaly.stories import Story, group_stories
from agent.analyses.detect import SEGMENT_DIMENSIONS, WATCHLIST
from agent.churn.campaign import campaign_context
from agent.deps import Deps
from agent.digest import answer_digest, build_digest, wants_scorecard
from agent.domain import (
    Action,
    Anomaly,
    Finding,
    FindingKind,
    Goal,
    Intent,
    Refuse,
    Window,
    format_segment,
    stable_key,
)
from agent.errors import PlanError, friendly
from agent.learning import situation_key
from agent.llm import propose_actions, understand_with_llm
from agent.loop_parts import (
    LAGGING_METRICS,
    ActionOutcome,
    Cycle,
    CycleResult,
    DigestDue,
    MonitorTick,
    PersonAsked,
    Progress,
    Trigger,
    new_movements,
)
from agent.materialise import anomaly_params, concrete, investigation_goal
from agent.observe import (
    anomaly_moved,
    anomaly_table,
    anomaly_values,
    companions_line,
    detect_anomalies,
    observe_kpis,
)
from agent.plan import PlannedAction, Signal, plan_from_signals
from agent.semantic import SemanticLayer
from agent.semantic.policies import UNRESTRICTED, Access
from agent.understand import reading_notes, understand
from agent.views import MAX_QUESTION_CHARS, Reply

log = logging.getLogger(__name__)

MAX_INVESTIGATIONS = 3  # new anomalies explained per cycle (the strongest first)
MAX_ALERTS_PER_CYCLE = 5
# The first cycle has no memory of earlier checks, so it looks back two weeks (an unusual day
# last week is still news to a team that just installed Scout); later cycles check the days
# since the last one, at most as far back as the first did.
FIRST_LOOKBACK_DAYS = 14
# Every metric × segment is read and judged week over week; the daily anomaly check runs on
# the detect analysis's watchlist and dimensions, so the monitor and "anything unusual this
# week?" see the same series (and a cycle stays within its time budget). Return rate waits
# for returns to arrive, so its recent days always look low: it is left out.
DAILY_WATCH = tuple(m for m in WATCHLIST if m not in LAGGING_METRICS)
# A question's first and last steps; its plan is these around the analysis it runs.
READING = "Reading the question…"
WRITING = "Writing up the answer…"  # proposals, memory and the reply itself


async def run_cycle(
    deps: Deps, trigger: Trigger, *, progress: Progress | None = None
) -> CycleResult:
    """Run one cycle for a person's question, a monitor tick or a due digest."""
    cycle = Cycle(deps, trigger, progress)
    try:
        match trigger:
            case PersonAsked():
                await _answer(deps, trigger, cycle)
            case MonitorTick():
                await _monitor(deps, cycle)
            case DigestDue():
                await _digest(deps, trigger, cycle)
            case _:
                assert_never(trigger)
    except Exception as error:  # a failed step is reported, never a crashed cycle
        cycle.fail("cycle", error)
    finally:
        await cycle.record()
    return cycle.result()


# --------------------------------------------------------------------------- a person asks


async def _answer(deps: Deps, ask: PersonAsked, cycle: Cycle) -> None:
    await cycle.say(READING)
    thread = await deps.memory.load_thread(ask.thread_key)
    context = thread.goal if thread else None
    today = deps.today()
    text = ask.text
    if len(text) > MAX_QUESTION_CHARS:
        # A pasted log or document is not a question; reading all of it would take minutes.
        cycle.notes.append(
            f"Your message is long ({len(text):,} characters); "
            f"I read its first {MAX_QUESTION_CHARS:,}."
        )
        text = text[:MAX_QUESTION_CHARS]
    goal = ask.goal
    if goal is None:
        # Off the event loop: other people's acks must not wait for this parse.
        goal = await asyncio.to_thread(
            understand, text, layer=deps.layer, today=today, context=context
        )
    if ask.goal is None and deps.llm is not None:
        # The model only reads what the rules could not pin down; its goal is validated
        # against the layer, and any failure leaves the rules' goal standing.
        goal = await understand_with_llm(
            text, layer=deps.layer, today=today, llm=deps.llm, fallback=goal
        )
    cycle.goal = goal
    if goal.needs_clarification:
        return
    if ask.goal is None and context is not None:
        # A follow-up read one of two ways ("drop the filter": the last one) says which.
        cycle.notes += await asyncio.to_thread(
            reading_notes, text, layer=deps.layer, today=today, context=context, goal=goal
        )
    if goal.left_out:
        cycle.notes.append(
            f"I answered the first question. The other I can't answer: {goal.left_out}"
        )
    elif goal.unanswered:
        cycle.notes.append(
            f"I answered the first question; ask the other on its own: “{goal.unanswered}”"
        )
    # The asker's policy: the service places them by user id and Slack user groups before the
    # cycle (`deps.access`); a cycle run without it (tests, benches) is placed by user id, so
    # nobody is left unrestricted by a policies file. The goal gains its row filters (or is
    # refused), and every context built from these deps carries the access into `ctx.run`.
    access = deps.access if deps.access is not UNRESTRICTED else deps.access_for(ask.user)
    if access.limited:
        goal = access.admit(goal, deps.layer)
        cycle.goal = goal
        deps = deps.limited_to(access)
        if access.note():
            cycle.notes.append(access.note())
    skill = SKILLS.get(goal.intent)
    digest = goal.intent is Intent.DIGEST
    label = "the digest" if digest and not wants_scorecard(goal, today) else None
    running = f"Running {label or (skill.label if skill else 'the digest')}…"
    # The goal is understood, so the rest of the way is known: shown ahead, then step by step.
    await cycle.announce(READING, running, WRITING)
    await cycle.say(running)
    if digest:
        # "How are we doing in the West?", "how did Black Friday go?": that segment's and
        # period's scorecard, not the company-wide digest under a misleading heading.
        if deps.access.limited and not wants_scorecard(goal, today):
            cycle.findings += await digest_for_access(deps, today)
        else:
            cycle.findings += await answer_digest(deps, goal, today)
    else:
        # The churn rules and, for a campaign, Scout's own contact history (async records).
        ctx = await campaign_context(deps, goal)
        cycle.findings += await asyncio.to_thread(run_goal, goal, ctx)
    await _learn(deps, cycle, goal)
    await cycle.say(WRITING)
    for finding in cycle.findings:
        for action in finding.proposed_actions:
            cycle.actions.append(await propose(deps, action, requested_by=ask.user))


async def _learn(deps: Deps, cycle: Cycle, goal: Goal) -> None:
    """Recall what explained this move before, then remember what explained it now."""
    for finding in cycle.findings:
        direction = str(finding.facts.get("direction", ""))
        if finding.kind != "explain" or not goal.metric or direction not in ("up", "down"):
            continue
        if not finding.root_causes:  # within normal variation: nothing to recall or remember
            continue
        where = dict(goal.filters)
        recalled = await deps.memory.recall_sentence(
            goal.metric, where, direction, excluding=finding.summary
        )
        if recalled:
            cycle.notes.append(recalled)
        await deps.memory.remember_cause(
            metric=goal.metric,
            direction=direction,
            where=where,
            finding=finding,
            thread_key=cycle.thread_key,
        )


# --------------------------------------------------------------------------- the monitor


async def _monitor(deps: Deps, cycle: Cycle) -> None:
    today = deps.today()
    await cycle.say("Reading every KPI, overall and by segment…")
    days = await _days_to_check(deps, today)
    snapshot = await observe_kpis(
        deps.warehouse, deps.layer, today, clock=deps.clock, check_days=days
    )
    cycle.observe(snapshot)
    since = today - timedelta(days=days)
    await cycle.say(f"Looking for unusual days since {since:%b %-d}…")
    anomalies = await asyncio.to_thread(
        detect_anomalies, snapshot, since=since, metrics=DAILY_WATCH, dimensions=SEGMENT_DIMENSIONS
    )
    # The alerts channel's policy: what it may not show stays unseen, neither alerted nor
    # planned on (a later, wider policy still hears of it).
    anomalies = [a for a in anomalies if deps.access.allows(a.metric, a.where)]
    new: list[Anomaly] = []
    for anomaly in anomalies:
        seen = await deps.memory.seen_anomaly(anomaly.fingerprint, ref=cycle.id)
        (cycle.updated_anomalies if seen else new).append(anomaly)
    cycle.new_anomalies = new
    if new or cycle.updated_anomalies:
        cycle.findings += (anomalies_finding(deps, new, cycle.updated_anomalies),)
    signals = [Signal.from_anomaly(a) for a in new]
    movements, movers = await new_movements(deps, snapshot)
    signals += [s for s in movements if deps.access.allows(s.metric, s.where)]
    movers = [r for r in movers if deps.access.allows(r.metric, r.where)]
    cycle.movers = movers
    stories = group_stories(new)
    for anomaly in [story.lead for story in stories[:MAX_INVESTIGATIONS]]:
        await cycle.say(f"Investigating: {anomaly_lines(deps.layer, anomaly)[0]}…")
        goal = investigation_goal(anomaly_params(anomaly), today)
        try:
            found = await deps.investigator.run(goal)
        except Exception as error:  # one failed investigation must not stop the others
            cycle.fail(f"investigating {anomaly.metric}", error)
            continue
        cycle.findings += found
        for finding in found:
            await deps.memory.remember_cause(
                metric=anomaly.metric,
                direction=anomaly.direction,
                where=dict(anomaly.where),
                finding=finding,
                thread_key=cycle.thread_key,
            )
    await _plan_and_act(deps, cycle, signals)
    await _alert_new_anomalies(deps, cycle, stories)


async def _alert_new_anomalies(deps: Deps, cycle: Cycle, stories: list[Story]) -> None:
    """One alert per new story (to planning.targets' `alert`), the strongest first.

    Alert fatigue is why people mute bots: one event (a conversion drop, and the orders and
    revenue it cost) is one message, and only the strongest few get one; the rest are
    recorded (so never re-alerted) and listed by "anything unusual?". Each alert's key is its
    lead anomaly's fingerprint, so cycles, restarts and replicas propose it once.
    """
    target = deps.config.planning.targets.get("alert", "")
    if not target:
        return
    today = deps.today()
    for story in stories[:MAX_ALERTS_PER_CYCLE]:
        anomaly = story.lead
        found = deps.investigator.findings(investigation_goal(anomaly_params(anomaly), today))
        action = alert_action(deps.layer, story, target=target, found=found or ())
        outcome = await propose(deps, action, requested_by="scout")
        situation = situation_key(anomaly.metric, anomaly.direction, anomaly.where)
        cycle.actions.append(replace(outcome, situation=situation))


def alert_action(
    layer: SemanticLayer, story: Story, *, target: str, found: Sequence[Finding] = ()
) -> Action:
    """The alert one story proposes: its lead's numbers, what the move cost, the first
    investigation's answer; the reason (what an approver reads) is the move in words."""
    anomaly = story.lead
    title, line = anomaly_lines(layer, anomaly)
    also = companions_line(layer, story.companions)
    why = [investigation_line(anomaly, f) for f in found[:1]]
    text = " ".join([line, *([also] if also else []), *why])
    return Action(
        kind="alert",
        target=target,
        params={
            "channel": target,
            "title": title,
            "text": text[:3000],
            "severity": "high" if abs(anomaly.score) >= 5 else "medium",
            "fingerprint": anomaly.fingerprint,
        },
        priority=60,
        reason=f"{title}: {line}",
        key=stable_key("monitor-alert", anomaly.fingerprint),
    )


def investigation_line(anomaly: Anomaly, finding: Finding) -> str:
    """The investigation's summary, saying which baseline it compares with.

    The alert's expectation is the detector's (a weekday profile on a robust level, against
    the store-wide index); an investigation compares the unusual days with the same weekdays
    before, so its numbers differ from "expected": the line says so instead of leaving two
    baselines side by side. If it moved the other way (a segment is unusual against the
    store-wide level, so in a store-wide surge it can fall behind while still rising week
    over week), the line says that, not a contradicting explanation."""
    moved = finding.facts.get("direction")
    if moved not in ("up", "down") or moved == anomaly.direction:
        against = finding.facts.get("baseline_window")
        if not isinstance(against, str):
            return finding.summary
        weekdays = "weekday" if anomaly.days <= 1 else "weekdays"
        return (
            f"Investigated against the same {weekdays} before ({against}), not the expected "
            f"level above: {finding.summary}"
        )
    relative = finding.facts.get("relative_change")
    change = f" ({relative:+.1%})" if isinstance(relative, float) else ""
    verb = "rose" if moved == "up" else "fell"
    holiday = holiday_within(anomaly.day, anomaly.days)
    if anomaly.where:
        # A segment is judged against the store-wide level: rising while judged low (or
        # falling while judged high) means the rest of the store moved further.
        when = f" on {holiday}" if holiday else ""
        return (
            f"Against the same weekdays before, it {verb}{change}, less than the rest of the "
            f"store{when}: it is unusual against the store-wide level, not in its own change."
        )
    if holiday is not None:
        # The total's expectation carries the holiday's usual lift (or dip); the weekdays
        # before do not, so the plain comparison points the other way.
        return (
            f"This was {holiday}, and the expected level carries what {holiday} usually "
            f"brings: against the same weekdays before it {verb}{change}, less than "
            f"{holiday} usually does."
        )
    return (
        f"Against the same weekdays before, it {verb}{change}: it is unusual against its "
        "usual level for those weekdays, not against the week before."
    )


def anomaly_lines(layer: SemanticLayer, anomaly: Anomaly) -> tuple[str, str]:
    """An alert's title ("Revenue in West dropped on Tue Dec 9") and its numbers.

    A run reads "has been down since Tue Dec 9 (3 days)" with per-day averages, rounded.
    """
    label = layer.metric(anomaly.metric).label
    where = format_segment(anomaly.where, style="words")
    title = f"{label}{f' in {where}' if where else ''} {anomaly_moved(anomaly)}"
    return title, anomaly_values(layer, anomaly) + "."


def anomalies_finding(deps: Deps, new: list[Anomaly], updated: list[Anomaly]) -> Finding:
    """The cycle's unusual days (new first), kept under the 'monitor' thread for the digest."""
    layer = deps.layer
    lines = [": ".join(anomaly_lines(layer, a)) for a in new[:3]]
    summary = f"{len(new)} new unusual day(s), {len(updated)} already reported. " + " ".join(lines)
    return Finding(
        kind=FindingKind.ANOMALIES,
        title="Unusual days",
        summary=summary.strip(),
        facts={"new": len(new), "already_reported": len(updated)},
        anomalies=(*new, *updated),
        table=anomaly_table(layer, (*new, *updated)),
        confidence=0.9,
    )


async def _days_to_check(deps: Deps, today: date) -> int:
    """Days since the last monitor cycle checked (at least yesterday; 14 on the first run)."""
    last = await deps.memory.recent_observations(source="monitor", limit=1)
    if not last:
        return FIRST_LOOKBACK_DAYS
    try:
        through = date.fromisoformat(str(last[0].data.get("checked_through", "")))
    except ValueError:
        return FIRST_LOOKBACK_DAYS
    return max(1, min(FIRST_LOOKBACK_DAYS, (today - through).days))


async def _plan_and_act(deps: Deps, cycle: Cycle, signals: list[Signal]) -> None:
    planning = deps.config.planning
    seed = random.Random(deps.today().toordinal()) if planning.ranking == "thompson" else None
    try:
        plan = plan_from_signals(
            signals, planning, bandit=await deps.memory.bandit(), rng=seed, layer=deps.layer
        )
    except PlanError as error:
        cycle.fail("planning", error)
        return
    if deps.llm is not None:
        # Model proposals join through the planner's validated path (schema, kinds, ids,
        # dependencies, hostile text), never above the rules' priority; guardrails still decide.
        extra = await propose_actions(
            cycle.findings,
            llm=deps.llm,
            known_ids=[a.id for a in plan.actions],
            allowed_kinds=deps.config.guardrails.allowed_kinds,
        )
        if extra:
            seed = random.Random(deps.today().toordinal()) if seed is not None else None
            try:
                plan = plan_from_signals(
                    signals,
                    planning,
                    bandit=await deps.memory.bandit(),
                    rng=seed,
                    extra=extra,
                    layer=deps.layer,
                )
            except PlanError as error:
                cycle.fail("planning the model's proposals", error)
    cycle.plan = plan
    chosen = plan.select(planning.max_actions_per_cycle)
    await deps.memory.record_planned(plan.actions, cycle=cycle.id)
    for planned in chosen:
        await cycle.say(
            f"Proposing {planned.action.kind.replace('_', ' ')}: {planned.action.reason}"
        )
        cycle.actions.append(await execute_planned(deps, planned))


async def execute_planned(deps: Deps, planned: PlannedAction) -> ActionOutcome:
    """Fill a planned action from its investigation, propose it, record its status."""
    today = deps.today()
    found = deps.investigator.findings(investigation_goal(planned.action.params, today))
    action = concrete(planned, layer=deps.layer, today=today, finding=found[0] if found else None)
    outcome = await propose(deps, action, requested_by="scout", planned=planned)
    await deps.memory.set_action_status(planned.key, outcome.result.status, outcome.result.reason)
    return outcome


async def propose(
    deps: Deps,
    action: Action,
    *,
    requested_by: str,
    planned: PlannedAction | None = None,
    content: Reply | None = None,
) -> ActionOutcome:
    """Hand one action to the actor; an error there is a failed outcome, not a crash."""
    try:
        result = await deps.act.propose(action, requested_by=requested_by, content=content)
    except Exception as error:
        log.exception("propose_failed kind=%s key=%s", action.kind, action.idempotency_key)
        why = friendly(error)
        result = ActResult(status="failed", decision=Refuse(reason=why, code="error"), reason=why)
    return ActionOutcome(
        action=result.action or action,
        result=result,
        planned_id=planned.id if planned else "",
        situation=planned.situation if planned else "",
    )


# --------------------------------------------------------------------------- the digest


async def _digest(deps: Deps, due: DigestDue, cycle: Cycle) -> None:
    await cycle.say(f"Writing the digest for {due.day:%a %b %-d}…")
    if deps.access.limited:
        cycle.findings += await digest_for_access(deps, due.day)
        if deps.access.note():
            cycle.notes.append(deps.access.note().replace("your", "this channel's"))
        return
    digest = await build_digest(deps, due.day)
    cycle.digest = digest
    cycle.findings += digest.findings


async def digest_for_access(deps: Deps, day: date) -> tuple[Finding, ...]:
    """The morning digest as `deps.access` may see it.

    The company-wide digest reads the warehouse outside `ctx.run`, so it cannot be limited to
    a policy's rows: a row-limited reader gets their segment's scorecard for yesterday. A
    policy that only hides metrics or customer data gets the digest without those sections.
    """
    access = deps.access
    if access.row_filters:
        yesterday = Window(start=day - timedelta(days=1), end=day, label="yesterday")
        goal = Goal(intent=Intent.DIGEST, filters=dict(access.row_filters), window=yesterday)
        return await asyncio.to_thread(run_goal, goal, deps.context())
    visible = [m for m in deps.layer.metric_names if m not in access.hidden_metrics]
    # The movers and anomaly scans search every dimension they can see: not the hidden ones.
    seen = replace(deps, layer=access.view(deps.layer)) if access.hidden_columns else deps
    digest = await build_digest(seen, day, metrics=visible)
    return tuple(f for f in digest.findings if _visible(access, f))


def _visible(access: Access, finding: Finding) -> bool:
    if finding.kind == FindingKind.DIGEST_CHURN and not access.customer_data:
        return False
    if finding.kind == FindingKind.DIGEST_FORECAST and "forecast_error" in access.hidden_metrics:
        return False
    return all(access.allows(a.metric, a.where) for a in finding.anomalies)
