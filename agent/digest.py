"""The morning digest: yesterday's KPIs in context, what moved and why, and what Scout did.

Every section is a Finding (numbers, one sentence, evidence), so the terminal and Slack render
it with their existing finding renderers. Definitions, so the numbers can be checked by hand:
  - yesterday = [day - 1, day); "same day last week" = day - 8;
  - the 4-week baseline = the mean of the metric's values on the four same weekdays before
    (day - 8, - 15, - 22, - 29), each computed exactly (a ratio from that day's parts);
  - movers = metrics at least 10% away from that baseline (return rate excluded: its recent
    days wait for returns), the largest first, each explained by the explain analysis
    (yesterday against the same weekday last week).
On Mondays a weekly summary compares last Monday–Sunday with the week before.
A person asking for a digest of one segment or another period ("how did the West do last
week?") gets that scorecard instead (agent/analyses/scorecard.py, via `answer_digest`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from agent.analyses import run_goal
from agent.analyses.scorecard import explain_in_one_line
from agent.domain import Anomaly, Evidence, Finding, Goal, Intent, Table, Window, format_segment
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
    sections: list[Finding] = [_kpi_finding(deps, yesterday, lines)]
    makers = [
        ("movers", lambda: _movers(deps, day, lines)),
        ("anomalies", lambda: _open_anomalies(deps, day)),
        ("forecast", lambda: _forecast(deps, day)),
        ("approvals", lambda: _approvals(deps)),
        ("activity", lambda: _activity(deps)),
    ]
    makers.append(("churn", lambda: _churn(deps)))
    if day.weekday() == 0:
        makers.append(("weekly", lambda: _weekly(deps, day, names)))
    for name, make in makers:
        try:
            found = await make()
        except Exception as error:  # one broken section must not sink the digest
            log.exception("digest_section_failed section=%s", name)
            found = Finding(
                kind=f"digest_{name}",
                title=name.capitalize(),
                summary=f"This section could not be computed ({type(error).__name__}: {error}).",
                confidence=0.0,
            )
        if found is not None:
            sections.append(found)
    return Digest(
        day=day,
        covers=yesterday,
        kpis=tuple(lines),
        sections=tuple(sections),
        weekly=day.weekday() == 0,
    )


async def kpi_lines(
    deps: Deps, day: date, metrics: Sequence[str], filters: dict[str, str] | None = None
) -> list[KpiLine]:
    """One daily query per metric over the 29 days before `day` (optionally one segment)."""
    span = Window(start=day - timedelta(days=29), end=day)
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

        weeks = [at(d) for d in (8, 15, 22, 29)]
        known = [w for w in weeks if math.isfinite(w)]
        return KpiLine(
            metric=metric,
            label=deps.layer.metric(metric).label,
            yesterday=at(1),
            last_week=at(8),
            baseline=sum(known) / len(known) if known else math.nan,
            evidence=result.evidence,
        )

    return list(await asyncio.gather(*(one(m) for m in metrics)))


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
    said = "; ".join(
        f"{line.label} {fmt(line.metric, line.yesterday)} "
        f"({layer.format_change(line.metric, line.last_week, line.yesterday)} vs last week)"
        for line in lead or lines[:3]
    )
    return Finding(
        kind="digest_kpis",
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
            kind="digest_movers",
            title="Notable movers",
            summary=f"No KPI moved {MOVER_THRESHOLD:.0%} or more from its 4-week baseline.",
        )
    window = Window(start=day - timedelta(days=1), end=day)
    evidence: list[Evidence] = []
    sentences = []
    rows = []
    for line in movers:
        goal = Goal(
            intent=Intent.EXPLAIN, metric=line.metric, window=window, baseline=window.shifted(-7)
        )
        try:
            why = explain_in_one_line(await deps.investigator.run(goal), SAME_DAY_LAST_WEEK)
        except ModuleNotFoundError:
            why = "(the explain analysis is not available yet)"
        change = deps.layer.format_change(line.metric, line.baseline, line.yesterday)
        sentences.append(f"{line.label} {change} vs its 4-week average: {why}")
        rows.append((line.label, change, why))
        found = deps.investigator.findings(goal)
        evidence.extend(found[0].evidence if found else ())
    return Finding(
        kind="digest_movers",
        title="Notable movers",
        summary=" ".join(sentences),
        table=Table(columns=("metric", "vs 4-week avg", "why"), rows=tuple(rows)),
        evidence=tuple(evidence),
    )


async def _open_anomalies(deps: Deps, day: date) -> Finding:
    stored = await deps.memory.thread_findings("monitor", limit=50)
    seen: dict[tuple[str, str, str], Anomaly] = {}
    for item in stored:
        for raw in item.finding.get("anomalies") or ():
            anomaly = _anomaly(raw)
            if anomaly.day >= day - timedelta(days=7):
                seen.setdefault(
                    (anomaly.metric, str(sorted(anomaly.where.items())), str(anomaly.day)), anomaly
                )
    anomalies = tuple(sorted(seen.values(), key=lambda a: -a.score))
    if not anomalies:
        note = "" if stored else " (the monitor has not run yet: `scout run --once`)"
        return Finding(
            kind="digest_anomalies",
            title="Open anomalies",
            summary="None in the last 7 days" + note + ".",
        )
    top = anomalies[0]
    return Finding(
        kind="digest_anomalies",
        title="Open anomalies",
        summary=f"{len(anomalies)} unusual day(s) in the last 7 days; the strongest: "
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
        kind="digest_forecast",
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
        kind="digest_approvals",
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
        kind="digest_activity",
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
        kind="digest_churn",
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
        kind="digest_weekly",
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
