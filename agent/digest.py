"""The morning digest: yesterday's KPIs in context, what moved and why, and what Scout did.

Every section is a Finding (numbers, one sentence, evidence), so the terminal and Slack render
it with their existing finding renderers. Definitions, so the numbers can be checked by hand:
  - yesterday = [day - 1, day); "same day last week" = day - 8;
  - the 4-week baseline = the mean of the metric's values on the four same weekdays before
    (day - 8, - 15, - 22, - 29), each computed exactly (a ratio from that day's parts); when
    yesterday was no retail holiday, one that was (the Black Friday stretch, Christmas) gives
    way to the next same weekday back: three weeks on, a Monday is not judged against Cyber
    Monday;
  - movers = metrics at least 10% away from that baseline (return rate excluded: its recent
    days wait for returns), the largest first, each explained by the explain analysis
    (yesterday against the same weekday last week).
On Mondays a weekly summary compares last Monday–Sunday with the week before.
The digest leads with the day's biggest business story: of the monitor's stories of the last
7 days (anomalies grouped by `group_stories`) and the movers the explain analysis found beyond
noise, the one with the most revenue at stake (per day × its days); stories with no revenue
translation (support tickets, forecast error) rank after those by their anomaly score. With
none, it says the day was quiet.
A person asking for a digest of one segment or another period ("how did the West do last
week?") gets that scorecard instead (agent/analyses/scorecard.py, via `answer_digest`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from agent.analyses import run_goal
from agent.analyses.anomaly.calendar import holiday_within, us_retail_holidays
from agent.analyses.anomaly.stories import LEAD_ORDER, group_stories
from agent.analyses.scorecard import explain_in_one_line
from agent.domain import (
    Anomaly,
    Evidence,
    Finding,
    FindingKind,
    Goal,
    Intent,
    Table,
    Window,
    format_segment,
)
from agent.materialise import anomaly_params, investigation_goal
from agent.observe import anomaly_moved, anomaly_table, anomaly_values
from agent.semantic import MetricRequest, arun_metric

if TYPE_CHECKING:
    from agent.deps import Deps
    from agent.memory import StoredAction

log = logging.getLogger(__name__)

MOVER_THRESHOLD = 0.10
MAX_MOVERS = 3
LAGGING = frozenset({"return_rate"})
FORECAST_WATCH, FORECAST_ALERT = 0.20, 0.30
SAME_DAY_LAST_WEEK = "the same day last week"  # what a mover is explained against
STORY = FindingKind.DIGEST_STORY
QUIET = "A quiet day: nothing moved beyond normal variation."
NOT_WATCHED = (
    "No KPI moved beyond normal variation overall; segments are not checked until the monitor "
    "has run (`scout run --once`)."
)
# Metrics whose move scales the segment's revenue in proportion (revenue = sessions × add to
# cart × conversion × basket value), so the revenue at stake is revenue × (1 - expected/actual).
REVENUE_DRIVERS = frozenset(LEAD_ORDER) - {"revenue"}


@dataclass(frozen=True, kw_only=True)
class KpiLine:
    """One metric yesterday against the same weekday last week and the 4-week baseline."""

    metric: str
    label: str
    yesterday: float
    last_week: float
    baseline: float
    evidence: Evidence

    @property
    def vs_last_week(self) -> float:
        return _rel(self.last_week, self.yesterday)

    @property
    def vs_baseline(self) -> float:
        return _rel(self.baseline, self.yesterday)


@dataclass(frozen=True, kw_only=True)
class Digest:
    """The digest posted on `day` (about `covers`), section by section."""

    day: date
    covers: Window
    kpis: tuple[KpiLine, ...]
    sections: tuple[Finding, ...]
    weekly: bool = False

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.sections

    @property
    def headline(self) -> str:
        return self.sections[0].summary if self.sections else "No digest today."

    @property
    def story(self) -> Finding | None:
        return next((s for s in self.sections if s.kind == STORY), None)

    def line(self, metric: str) -> KpiLine:
        for item in self.kpis:
            if item.metric == metric:
                return item
        raise KeyError(metric)


async def build_digest(deps: Deps, day: date, *, metrics: Sequence[str] | None = None) -> Digest:
    """Compute every section; a section that fails says so instead of sinking the digest."""
    yesterday = Window(start=day - timedelta(days=1), end=day, label="yesterday")
    names = [m for m in (metrics or deps.layer.metric_names) if m in deps.layer.metrics]
    lines = await kpi_lines(deps, day, names)
    movers = await _section("movers", lambda: _movers(deps, day, lines))
    anomalies = await _section("anomalies", lambda: _open_anomalies(deps, day))
    sections: list[Finding] = [_kpi_finding(deps, yesterday, lines)]
    sections += [found for found in (movers, anomalies) if found is not None]
    makers = [
        ("forecast", lambda: _forecast(deps, day)),
        ("approvals", lambda: _approvals(deps)),
        ("activity", lambda: _activity(deps)),
        ("churn", lambda: _churn(deps)),
    ]
    if day.weekday() == 0:
        makers.append(("weekly", lambda: _weekly(deps, day, names)))
    for name, make in makers:
        found = await _section(name, make)
        if found is not None:
            sections.append(found)
    story = await _section("story", lambda: _biggest_story(deps, day, lines, movers, anomalies))
    return Digest(
        day=day,
        covers=yesterday,
        kpis=tuple(lines),
        sections=(*((story,) if story is not None else ()), *sections),
        weekly=day.weekday() == 0,
    )


async def _section(name: str, make: Callable[[], Awaitable[Finding | None]]) -> Finding | None:
    try:
        return await make()
    except Exception as error:  # one broken section must not sink the digest
        log.exception("digest_section_failed section=%s", name)
        return Finding(
            kind=STORY if name == "story" else FindingKind(f"digest_{name}"),
            title="Biggest story" if name == "story" else name.capitalize(),
            summary=f"This section could not be computed ({type(error).__name__}: {error}).",
            confidence=0.0,
        )


async def kpi_lines(
    deps: Deps, day: date, metrics: Sequence[str], filters: dict[str, str] | None = None
) -> list[KpiLine]:
    """One daily query per metric over the weeks before `day` (optionally one segment)."""
    span = Window(start=day - timedelta(days=BASELINE_REACH), end=day)
    request = dict(filters or {})

    async def one(metric: str) -> KpiLine:
        result = await arun_metric(
            deps.warehouse,
            deps.layer,
            MetricRequest(metric=metric, window=span, filters=request, grain="day"),
        )
        values = {
            p: float(v) for p, v in zip(result.frame["period"], result.frame["value"], strict=True)
        }

        def at(days_back: int) -> float:
            return values.get(day - timedelta(days=days_back), math.nan)

        known = [at(d) for d in baseline_days(day) if math.isfinite(at(d))]
        return KpiLine(
            metric=metric,
            label=deps.layer.metric(metric).label,
            yesterday=at(1),
            last_week=at(8),
            baseline=sum(known) / len(known) if known else math.nan,
            evidence=result.evidence,
        )

    return list(await asyncio.gather(*(one(m) for m in metrics)))


BASELINE_REACH = 57  # days read back for the 4-week baseline: room for holidays skipped


def baseline_days(day: date) -> tuple[int, ...]:
    """Days back of the 4-week baseline's four same weekdays: 8, 15, 22, 29, except that when
    yesterday was no retail holiday, a holiday among them gives way to the next same weekday
    further back (still four, so the baseline is no noisier)."""
    holidays = us_retail_holidays({day.year - 1, day.year})
    if day - timedelta(days=1) in holidays:
        return (8, 15, 22, 29)
    ordinary = [
        d for d in range(8, BASELINE_REACH + 1, 7) if day - timedelta(days=d) not in holidays
    ]
    return tuple(ordinary[:4])


def _kpi_finding(deps: Deps, yesterday: Window, lines: Sequence[KpiLine]) -> Finding:
    fmt, layer = deps.layer.format_value, deps.layer
    rows = tuple(
        (
            line.label,
            fmt(line.metric, line.yesterday),
            fmt(line.metric, line.last_week),
            layer.format_change(line.metric, line.last_week, line.yesterday),
            fmt(line.metric, line.baseline),
            layer.format_change(line.metric, line.baseline, line.yesterday),
        )
        for line in lines
    )
    lead = [line for line in lines if line.metric in ("revenue", "orders", "conversion_rate")]
    # A week ago was Black Friday: "-47% vs last week" alone reads as a collapse.
    holiday = holiday_within(yesterday.start - timedelta(days=7), 1)
    against = f"vs last week, {holiday}" if holiday else "vs last week"
    said = "; ".join(
        f"{line.label} {fmt(line.metric, line.yesterday)} "
        f"({layer.format_change(line.metric, line.last_week, line.yesterday, inline=True)}"
        f" {against})"
        for line in lead or lines[:3]
    )
    return Finding(
        kind=FindingKind.DIGEST_KPIS,
        title=f"Yesterday ({yesterday.describe()})",
        summary=f"{said}.",
        facts={f"{line.metric}.yesterday": line.yesterday for line in lines},
        table=Table(
            columns=("metric", "yesterday", "same day last week", "change", "4-week avg", "vs avg"),
            rows=rows,
        ),
        evidence=tuple(line.evidence for line in lines),
    )


def wants_scorecard(goal: Goal, today: date) -> bool:
    """A digest request about one segment, or about a period other than yesterday, is answered
    with that segment's and period's scorecard; a plain "digest" keeps the morning digest."""
    if goal.filters:
        return True
    window = goal.window
    return window is not None and (window.start, window.end) != (today - timedelta(days=1), today)


async def answer_digest(deps: Deps, goal: Goal, today: date) -> tuple[Finding, ...]:
    """What a person asking for a digest gets: the scorecard for the segment and period they
    named, or the morning digest for yesterday."""
    if wants_scorecard(goal, today):
        return await asyncio.to_thread(run_goal, goal, deps.context())
    return (await build_digest(deps, today)).findings


async def _movers(deps: Deps, day: date, lines: Sequence[KpiLine]) -> Finding:
    movers = sorted(
        (x for x in lines if x.metric not in LAGGING and abs(x.vs_baseline) >= MOVER_THRESHOLD),
        key=lambda x: -abs(x.vs_baseline),
    )[:MAX_MOVERS]
    if not movers:
        return Finding(
            kind=FindingKind.DIGEST_MOVERS,
            title="Notable movers",
            summary=f"No KPI moved {MOVER_THRESHOLD:.0%} or more from its 4-week baseline.",
        )
    window = Window(start=day - timedelta(days=1), end=day)
    evidence: list[Evidence] = []
    sentences = []
    rows = []
    beyond: dict[str, bool] = {}
    for line in movers:
        # The line says "vs the same day last week": that day stays the baseline, however
        # unusual (explain/core.py would otherwise compare with a usual one).
        goal = Goal(
            intent=Intent.EXPLAIN,
            metric=line.metric,
            window=window,
            baseline=window.shifted(-7),
            baseline_stated=True,
        )
        try:
            explained = await deps.investigator.run(goal)
            why = explain_in_one_line(explained, SAME_DAY_LAST_WEEK)
        except ModuleNotFoundError:
            explained, why = (), "(the explain analysis is not available yet)"
        # Only a move the explain analysis judged beyond noise may be the digest's story: the
        # total's move, not one segment's departure under a total within noise (the story
        # says "forecast error fell to 43% against 52%": that must be what was unusual).
        facts = explained[0].facts if explained else {}
        beyond[f"{line.metric}.beyond_noise"] = bool(explained) and not (
            facts.get("within_noise") or facts.get("local")
        )
        change = deps.layer.format_change(line.metric, line.baseline, line.yesterday)
        # The segments are compared with the same day last week, so the reason says so and
        # gives that change: a range "every region rose 7–260%" is not against the average.
        weekly = deps.layer.format_change(line.metric, line.last_week, line.yesterday)
        why = f"against the same day last week ({weekly}): {why[:1].lower()}{why[1:]}"
        sentences.append(f"{line.label} {change} vs its 4-week average; {why}")
        rows.append((line.label, change, why))
        found = deps.investigator.findings(goal)
        evidence.extend(found[0].evidence if found else ())
    return Finding(
        kind=FindingKind.DIGEST_MOVERS,
        title="Notable movers",
        summary=" ".join(sentences),
        facts=beyond,
        table=Table(columns=("metric", "vs 4-week avg", "why"), rows=tuple(rows)),
        evidence=tuple(evidence),
    )


@dataclass(frozen=True, kw_only=True)
class _Candidate:
    """A story the digest could lead with, and the revenue it put at stake."""

    sentence: str
    signal: Anomaly  # what a reply in the digest's thread asks about: metric, segment, days
    related: tuple[Anomaly, ...]  # the monitor's anomalies of the story (none for a mover)
    revenue_per_day: float | None  # signed; None when the metric has no revenue translation
    strength: float

    @property
    def at_stake(self) -> float:
        return abs(self.revenue_per_day or 0.0) * self.signal.days


async def _biggest_story(
    deps: Deps,
    day: date,
    lines: Sequence[KpiLine],
    movers: Finding | None,
    anomalies: Finding | None,
) -> Finding:
    """The one sentence the digest leads with: the story with the most revenue at stake."""
    candidates = [
        await _anomaly_story(deps, story.lead, (story.lead, *story.companions), story.strength)
        for story in group_stories(anomalies.anomalies if anomalies is not None else ())
    ]
    beyond = movers.facts if movers is not None else {}
    candidates += [
        _mover_story(deps, day, line, lines)
        for line in lines
        if beyond.get(f"{line.metric}.beyond_noise")
    ]
    if not candidates:
        if anomalies is not None and anomalies.facts.get("monitor_ran") is False:
            # Only the company-wide KPIs were checked: a segment's move may be waiting.
            return Finding(kind=STORY, title="Biggest story", summary=NOT_WATCHED)
        return Finding(kind=STORY, title="Biggest story", summary=QUIET)
    # Money first: a story with revenue at stake outranks one without (support tickets, forecast
    # error), which rank among themselves by how unusual they are.
    top = max(candidates, key=lambda c: (c.revenue_per_day is not None, c.at_stake, c.strength))
    facts: dict[str, object] = dict(anomaly_params(top.signal))
    if top.revenue_per_day is not None:
        facts["revenue_per_day"] = top.revenue_per_day
    return Finding(
        kind=STORY,
        title="Biggest story",
        summary=f"Biggest story: {top.sentence}.",
        facts=facts,
        anomalies=top.related,
    )


def story_goal(story: Finding, today: date) -> Goal | None:
    """What a reply in the digest's thread ("why?", "break that down by region") is about:
    the biggest story's metric in its segment over its days; None on a quiet day."""
    if story.kind != STORY or "metric" not in story.facts:
        return None
    return investigation_goal(story.facts, today)


async def _anomaly_story(
    deps: Deps, lead: Anomaly, related: tuple[Anomaly, ...], strength: float
) -> _Candidate:
    layer = deps.layer
    where = format_segment(lead.where, style="words")
    subject = layer.metric(lead.metric).label + (f" in {where}" if where else "")
    # A run's day count is in its values ("over 6 days"); "since" says it is still running.
    moved = (
        anomaly_moved(lead)
        if lead.days <= 1
        else f"has been {lead.direction} since {lead.day:%a %b %-d}"
    )
    window = Window(start=lead.day, end=lead.day + timedelta(days=lead.days))
    per_day = await _revenue_effect(deps, lead, window)
    sentence = f"{subject} {moved} ({anomaly_values(layer, lead)})"
    if lead.metric != "revenue":  # a revenue story's own numbers already say what it cost
        sentence += _at_stake_words(deps, per_day, lead.days)
    return _Candidate(
        sentence=sentence,
        signal=lead,
        related=related,
        revenue_per_day=per_day,
        strength=strength,
    )


async def _revenue_effect(deps: Deps, anomaly: Anomaly, window: Window) -> float | None:
    """Revenue per day the move added (+) or cost (-) in its segment over its days.

    Revenue's own move is its deviation; a driver's (conversion, traffic, basket value) scales
    the segment's actual revenue by expected/actual, the others held; anything else has none.
    """
    if anomaly.metric == "revenue":
        return anomaly.actual - anomaly.expected
    layer = deps.layer
    if (
        anomaly.metric not in REVENUE_DRIVERS
        or "revenue" not in layer.metrics
        or not set(anomaly.where) <= set(layer.dimensions_for("revenue"))
        or not anomaly.actual > 0
    ):
        return None
    result = await arun_metric(
        deps.warehouse,
        layer,
        MetricRequest(metric="revenue", window=window, filters=dict(anomaly.where)),
    )
    if result.frame.empty:
        return None
    revenue = float(result.frame["value"].iloc[0]) / window.days
    if not math.isfinite(revenue):
        return None
    return revenue * (1 - anomaly.expected / anomaly.actual)


def _mover_story(deps: Deps, day: date, line: KpiLine, lines: Sequence[KpiLine]) -> _Candidate:
    """A company-wide KPI that moved beyond noise yesterday, against its 4-week average."""
    layer = deps.layer
    up = line.yesterday >= line.baseline
    revenue_line = next((x for x in lines if x.metric == "revenue"), None)
    revenue = revenue_line.yesterday if revenue_line else math.nan
    # What revenue itself did against its own 4-week average: a driver's share of it is an
    # estimate (the other drivers held), and never more than what revenue actually did.
    revenue_moved = revenue_line.yesterday - revenue_line.baseline if revenue_line else math.nan
    per_day: float | None = None
    stake = ""
    if line.metric == "revenue":
        per_day = line.yesterday - line.baseline
    elif line.metric in REVENUE_DRIVERS and line.yesterday > 0 and math.isfinite(revenue):
        per_day = revenue * (1 - line.baseline / line.yesterday)
        if math.isfinite(revenue_moved) and abs(revenue_moved) < abs(per_day):
            # Sessions +44% with revenue per session down: revenue rose less than the
            # sessions alone would have added, or fell; say what revenue did.
            per_day = revenue_moved if revenue_moved * per_day > 0 else None
            way = "up" if revenue_moved >= 0 else "down"
            amount = layer.format_value("revenue", float(f"{abs(revenue_moved):.2g}"))
            stake = f", while revenue was {way} about {amount} on its own 4-week average"
        else:
            stake = _at_stake_words(deps, per_day, 1)
    change = layer.format_change(line.metric, line.baseline, line.yesterday, inline=True)
    sentence = (
        f"{line.label} {'rose' if up else 'fell'} to {layer.format_value(line.metric, line.yesterday)}"
        f" yesterday against its 4-week average of {layer.format_value(line.metric, line.baseline)}"
        f" ({change}){stake}"
    )
    signal = Anomaly(
        metric=line.metric,
        where={},
        day=day - timedelta(days=1),
        actual=line.yesterday,
        expected=line.baseline,
        score=0.0,
        direction="up" if up else "down",
    )
    return _Candidate(
        sentence=sentence, signal=signal, related=(), revenue_per_day=per_day, strength=0.0
    )


def _at_stake_words(deps: Deps, per_day: float | None, days: int) -> str:
    """', costing about $3,200 a day in revenue' (two significant figures: an estimate)."""
    if per_day is None or per_day == 0 or "revenue" not in deps.layer.metrics:
        return ""
    amount = deps.layer.format_value("revenue", float(f"{abs(per_day):.2g}"))
    verb = "costing" if per_day < 0 else "adding"
    return f", {verb} about {amount}{' a day' if days > 1 else ''} in revenue"


async def _open_anomalies(deps: Deps, day: date) -> Finding:
    stored = await deps.memory.thread_findings("monitor", limit=50)
    seen: dict[tuple[str, str, str], Anomaly] = {}
    for item in stored:
        for raw in item.finding.get("anomalies") or ():
            anomaly = _anomaly(raw)
            # Open while any of its days is in the last week: a drop that began eight days
            # ago and ran through yesterday is the week's story, not last week's.
            last = anomaly.day + timedelta(days=max(anomaly.days, 1) - 1)
            if last >= day - timedelta(days=7):
                seen.setdefault(
                    (anomaly.metric, str(sorted(anomaly.where.items())), str(anomaly.day)), anomaly
                )
    anomalies = tuple(sorted(seen.values(), key=lambda a: -a.score))
    if not anomalies:
        # A cycle that found nothing stores no finding, only its observation of what it checked.
        ran = bool(stored) or bool(await deps.memory.recent_observations(source="monitor", limit=1))
        note = "" if ran else " (the monitor has not run yet: `scout run --once`)"
        return Finding(
            kind=FindingKind.DIGEST_ANOMALIES,
            title="Open anomalies",
            summary="None in the last 7 days" + note + ".",
            facts={"monitor_ran": ran},
        )
    top = anomalies[0]
    return Finding(
        kind=FindingKind.DIGEST_ANOMALIES,
        title="Open anomalies",
        summary=f"{len(anomalies)} {'anomaly' if len(anomalies) == 1 else 'anomalies'} "
        "open in the last 7 days; the strongest: "
        f"{deps.layer.metric(top.metric).label} {_where(top.where)} {anomaly_moved(top)} "
        f"({anomaly_values(deps.layer, top)}).",
        anomalies=anomalies,
        table=anomaly_table(deps.layer, anomalies),
    )


async def _forecast(deps: Deps, day: date) -> Finding | None:
    if "forecast_error" not in deps.layer.metrics:
        return None
    window = Window(start=day - timedelta(days=7), end=day)
    by = ("category",) if "category" in deps.layer.dimensions_for("forecast_error") else ()
    result = await arun_metric(
        deps.warehouse,
        deps.layer,
        MetricRequest(metric="forecast_error", window=window, group_by=by),
    )
    overall = await arun_metric(
        deps.warehouse, deps.layer, MetricRequest(metric="forecast_error", window=window)
    )
    fmt = deps.layer.format_value
    rows = []
    worst: tuple[str, float] | None = None
    for _, row in result.frame.iterrows():
        name, value = str(row[by[0]]) if by else "all", float(row["value"])
        rows.append((name, fmt("forecast_error", value), _health(value)))
        if worst is None or value > worst[1]:
            worst = (name, value)
    total = float(overall.frame["value"].iloc[0]) if not overall.frame.empty else math.nan
    summary = (
        f"Forecast error (WAPE) over the last 7 days is {fmt('forecast_error', total)} overall"
    )
    if worst is not None:
        summary += f"; worst: {worst[0]} at {fmt('forecast_error', worst[1])} ({_health(worst[1])})"
    return Finding(
        kind=FindingKind.DIGEST_FORECAST,
        title="Forecast health",
        summary=summary + ".",
        facts={
            "overall": total,
            **{r[0]: float(v) for r, v in zip(rows, result.frame["value"], strict=True)},
        },
        table=Table(columns=("category", "WAPE", "status"), rows=tuple(rows)),
        evidence=(result.evidence, overall.evidence),
    )


def _health(wape: float) -> str:
    return "alert" if wape >= FORECAST_ALERT else "watch" if wape >= FORECAST_WATCH else "ok"


async def _approvals(deps: Deps) -> Finding:
    pending = await deps.act.pending()
    rows = tuple(
        (p.id, p.action.kind, p.action.target, p.reason, f"{p.expires_at:%b %-d %H:%M}")
        for p in pending
    )
    summary = (
        f"{len(pending)} action(s) wait for approval." if pending else "Nothing waits for approval."
    )
    return Finding(
        kind=FindingKind.DIGEST_APPROVALS,
        title="Pending approvals",
        summary=summary,
        table=Table(columns=("id", "kind", "target", "why", "expires"), rows=rows)
        if rows
        else None,
    )


async def _activity(deps: Deps) -> Finding:
    since = deps.clock() - timedelta(days=1)
    done = [
        a
        for a in await deps.memory.planned_actions(limit=200)
        if a.updated >= since and a.status != "planned"
    ]
    insights = await deps.memory.insights()
    counts: dict[str, int] = {}
    for item in done:
        counts[item.status] = counts.get(item.status, 0) + 1
    said = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(counts.items()))
    summary = f"Since the last digest I acted {len(done)} time(s)" + (f": {said}." if said else ".")
    if insights:
        summary += " What I've learned: " + "; ".join(i.describe() for i in insights[:3]) + "."
    return Finding(
        kind=FindingKind.DIGEST_ACTIVITY,
        title="What Scout did",
        summary=summary,
        table=Table(
            columns=("action", "status", "detail"),
            rows=tuple(
                (_action_words(a), a.status.replace("_", " "), a.detail[:120]) for a in done[:15]
            ),
        )
        if done
        else None,
    )


async def _churn(deps: Deps) -> Finding | None:
    """Customers at risk, when the churn analysis is part of this build (an optional hook)."""
    try:
        found = await asyncio.to_thread(run_goal, Goal(intent=Intent.CHURN), deps.context())
    except ModuleNotFoundError:
        return None
    if not found:
        return None
    first = found[0]
    return Finding(
        kind=FindingKind.DIGEST_CHURN,
        title="Customers at risk",
        summary=first.summary,
        facts=first.facts,
        evidence=first.evidence,
        proposed_actions=(),
    )


async def weekly_summary(deps: Deps, week_start: date) -> Finding:
    """The weekly summary of the Monday–Sunday week starting `week_start`."""
    return await _weekly(deps, week_start + timedelta(days=7), deps.layer.metric_names)


async def _weekly(deps: Deps, day: date, metrics: Sequence[str]) -> Finding:
    """Monday: last Monday–Sunday against the week before, one weekly query per metric."""
    last = Window(start=day - timedelta(days=7), end=day, label="last week")
    before = last.previous()
    span = Window(start=before.start, end=last.end)
    fmt, layer = deps.layer.format_value, deps.layer
    rows, evidence = [], []
    for metric in metrics:
        result = await arun_metric(
            deps.warehouse, deps.layer, MetricRequest(metric=metric, window=span, grain="week")
        )
        evidence.append(result.evidence)
        values = {
            p: float(v) for p, v in zip(result.frame["period"], result.frame["value"], strict=True)
        }
        old, new = values.get(before.start, math.nan), values.get(last.start, math.nan)
        rows.append(
            (
                layer.metric(metric).label,
                fmt(metric, new),
                fmt(metric, old),
                layer.format_change(metric, old, new),
            )
        )
    revenue = next((r for r in rows if r[0] == "Revenue"), rows[0] if rows else None)
    summary = f"Week of {last.describe()} against the week before."
    if revenue:
        summary += f" {revenue[0]}: {revenue[1]} vs {revenue[2]} ({revenue[3]})."
    return Finding(
        kind=FindingKind.DIGEST_WEEKLY,
        title="Weekly summary",
        summary=summary,
        table=Table(columns=("metric", "last week", "week before", "change"), rows=tuple(rows)),
        evidence=tuple(evidence),
    )


def _anomaly(raw: dict[str, object]) -> Anomaly:
    return Anomaly(
        metric=str(raw["metric"]),
        where={str(k): str(v) for k, v in dict(raw.get("where") or {}).items()},  # type: ignore[call-overload]
        day=date.fromisoformat(str(raw["day"])),
        actual=float(raw["actual"]),  # type: ignore[arg-type]
        expected=float(raw["expected"]),  # type: ignore[arg-type]
        score=float(raw["score"]),  # type: ignore[arg-type]
        direction="up" if raw.get("direction") == "up" else "down",
        days=int(raw.get("days") or 1),  # type: ignore[call-overload]
    )


def _action_words(stored: StoredAction) -> str:
    """'escalate → U_CHECKOUT_OWNER': what was done and to whom, not the plan's internal id."""
    target = str(stored.action.get("target") or "")
    kind = stored.kind.replace("_", " ")
    return f"{kind} → {target}" if target else kind


def _where(where: object) -> str:
    items = dict(where or {})  # type: ignore[call-overload]
    return "in " + format_segment(items, style="words") if items else "overall"


def _rel(old: float, new: float) -> float:
    if not (math.isfinite(old) and math.isfinite(new)) or old == 0:
        return math.nan
    return (new - old) / abs(old)
