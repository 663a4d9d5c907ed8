"""detect: unusual days in the KPIs, overall and per one-dimension segment.

The daily series come from the warehouse through the semantic layer, one grouped query per
metric and dimension (never one per segment value). Each series is judged against its own
history (weekly seasonality, trend, holidays) by agent.analyses.anomaly, with the false
discovery rate controlled across every series of a metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from agent.analyses.anomaly import detect_segments, us_retail_holidays
from agent.analyses.anomaly.calendar import holiday_label, is_core_holiday
from agent.analyses.anomaly.runs import MAX_RUN_DAYS
from agent.analyses.anomaly.segments import NearMiss
from agent.analyses.anomaly.stories import confirmed_outcomes
from agent.analyses.base import (
    AnalysisContext,
    coverage,
    no_data_finding,
    outside_data,
    where_text,
    window_of,
)
from agent.domain import (
    Anomaly,
    ChartSpec,
    Evidence,
    Finding,
    FindingKind,
    Goal,
    Series,
    Table,
    Window,
    format_segment,
)
from agent.semantic import MetricRequest, SemanticLayer

WATCHLIST = (
    "revenue",
    "orders",
    "sessions",
    "conversion_rate",
    "aov",
    "add_to_cart_rate",
    "support_tickets",
)
# return_rate is not watched daily: returns arrive one to three weeks after the order, so the
# last days' rate is always near zero (immature, not anomalous).
SEGMENT_DIMENSIONS = ("region", "device", "channel", "customer_type", "category", "topic")
HISTORY_DAYS = 91  # the settled level's 13 weeks (anomaly/settled.py); the detector needs 8 + 1
MAX_REPORTED = 10
# "Nothing unusual" names the strongest run under its bar when it came this close to it.
NEAR_SHARE = 0.9


@dataclass(frozen=True, kw_only=True)
class Scan:
    """Anomalies found in a window and the queries that produced the series."""

    window: Window
    since: date  # the first day a run could start: one starting here may have begun earlier
    anomalies: tuple[Anomaly, ...]
    evidence: tuple[Evidence, ...]
    series_checked: int
    # The strongest runs in the window that stayed under their bar, strongest first.
    near: tuple[NearMiss, ...] = ()


def scan(
    ctx: AnalysisContext,
    window: Window,
    *,
    metrics: Sequence[str] = WATCHLIST,
    filters: dict[str, str] | None = None,
    dimensions: Sequence[str] = SEGMENT_DIMENSIONS,
) -> Scan:
    """Check every metric's daily series (total and per segment) for unusual days in `window`,
    and for runs of days begun up to two weeks before it and still live in it: "anything
    unusual yesterday?" on a drop's fifth day names the drop, and "this week" says when it
    began, not when the week did. The window's own days are judged as if the runs were not
    there (what is read as usual before `since` shapes what is unusual after it)."""
    since = window.start - timedelta(days=MAX_RUN_DAYS - 1)
    history = Window(start=since - timedelta(days=HISTORY_DAYS), end=window.end)
    found: list[Anomaly] = []
    live: list[Anomaly] = []
    evidence: list[Evidence] = []
    checked = 0
    holidays = us_retail_holidays(range(history.start.year - 1, window.end.year + 1))
    read: dict[str, list[tuple[tuple[str, ...], pd.DataFrame, bool]]] = {}
    near: list[NearMiss] = []

    def judged(
        metric: str,
        *,
        first: date = window.start,
        missed: list[NearMiss] | None = None,
        **relaxed: Any,
    ) -> list[Anomaly]:
        out: list[Anomaly] = []
        for dims, frame, one_query in read.get(metric, []):
            anomalies = detect_segments(
                {metric: frame},
                dimensions=list(dims),
                since=first,
                holidays=holidays,
                include_total=not dims or one_query,
                share_of_rest=one_query,
                near=missed,
                **relaxed,
            )
            out.extend(_with_filters(a, filters) for a in anomalies if a.day < window.end)
        return out

    for metric in metrics:
        if metric not in ctx.layer.metric_names:
            continue
        valid = tuple(
            d
            for d in dimensions
            if d in ctx.layer.dimensions_for(metric) and d not in (filters or {})
        )
        # Sums and counts add up: one query by every dimension, the segments summed in pandas.
        # A distinct count does not, so it keeps one query per dimension.
        groupings = [valid] if additive(ctx.layer, metric) else [(), *((d,) for d in valid)]
        for dims in groupings:
            result = ctx.run(
                MetricRequest(
                    metric=metric,
                    window=history,
                    filters=dict(filters or {}),
                    group_by=dims,
                    grain="day",
                )
            )
            evidence.append(result.evidence)
            frame = result.frame.rename(columns={"period": "date"})
            if frame.empty:
                continue
            checked += (not dims or len(groupings) == 1) + sum(
                frame[d].nunique() for d in dims if len(groupings) == 1 or len(dims) == 1
            )
            read.setdefault(metric, []).append((dims, frame, len(groupings) == 1))
        found.extend(judged(metric))
        live.extend(
            a
            for a in judged(metric, first=since, missed=near)
            if a.day < window.start and a.day + timedelta(days=a.days) > window.start
        )
    # A basket-value spike is a revenue spike: confirmed the same way as the monitor does.
    found += confirmed_outcomes(found, judged)
    begun = {(a.metric, tuple(sorted(a.where.items())), a.direction) for a in live}
    # A run the window cuts at its first day is the live run, told with its real start.
    found = [
        a
        for a in found
        if a.day != window.start
        or (a.metric, tuple(sorted(a.where.items())), a.direction) not in begun
    ]
    found += live
    # What began in the window leads ("anything unusual on June 1?" is first about June 1);
    # runs still live from before it follow, strongest first.
    ranked = sorted(found, key=lambda a: (a.day < window.start, -a.score))
    in_window = [
        m
        for m in near
        if m.anomaly.day < window.end
        and m.anomaly.day + timedelta(days=m.anomaly.days) > window.start
    ]
    return Scan(
        window=window,
        since=since,
        anomalies=tuple(ranked),
        evidence=tuple(evidence),
        series_checked=checked,
        near=tuple(sorted(in_window, key=lambda m: -m.anomaly.score / m.bar)),
    )


def _holidays_without_history(ctx: AnalysisContext, metric: str, window: Window) -> str:
    """' Fri Nov 27 (Black Friday) …': the window's holidays whose last year the data lacks.

    Without last year's same day a holiday is judged only beyond a wide band around a normal
    day (anomaly.daily), so "nothing unusual" on Black Friday says little: said."""
    held = coverage(ctx, metric)
    if held is None:
        return ""
    days = us_retail_holidays(range(window.start.year, window.end.year + 1))
    blind = []
    for day in window.dates():
        name = days.get(day)
        if name is None or not is_core_holiday(name):
            continue
        if day - timedelta(days=364) >= held.start:
            continue  # last year's same holiday is in the data: judged against it
        blind.append(f"{day:%a %b} {day.day} ({holiday_label(name)})")
    if not blind:
        return ""
    listed = blind[0] if len(blind) == 1 else ", ".join(blind[:-1]) + " and " + blind[-1]
    return (
        f" The data holds no earlier year of {listed}: what is usual for a holiday is not "
        f"known, so {'it is' if len(blind) == 1 else 'they are'} flagged only far outside a "
        "normal day."
    )


def additive(layer: SemanticLayer, metric: str) -> bool:
    """Whether the metric's parts are sums or counts, so segment values add up to the total."""
    m = layer.metric(metric)
    parts = [m.measure] if m.type == "simple" else [m.numerator, m.denominator]
    return m.type != "derived" and all(p is not None and p.agg in ("sum", "count") for p in parts)


def detect(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """'Anything unusual this week?': the unusual days, the strongest first, with a chart."""
    window = window_of(goal, ctx.today, default_days=7)
    metrics = (goal.metric,) if goal.metric else WATCHLIST
    if outside_data(ctx, metrics[0], window):
        return (no_data_finding(ctx, metrics[0], window),)
    result = scan(ctx, window, metrics=metrics, filters=dict(goal.filters))
    shown = result.anomalies[:MAX_REPORTED]
    where = where_text(goal.filters)
    unknown = _holidays_without_history(ctx, metrics[0], window)
    if not shown:
        summary = (
            f"Nothing unusual{where} {_during(window)}: I checked {result.series_checked} daily "
            f"series ({', '.join(ctx.layer.metric(m).label.lower() for m in metrics)}, overall "
            "and by segment) against their usual weekly "
            "pattern, trend and holidays." + _closest(ctx, result) + unknown
        )
        return (
            Finding(
                kind=FindingKind.DETECT,
                title=f"No anomalies{where}, {window.describe()}",
                summary=summary,
                facts={"series_checked": result.series_checked, "anomalies": 0},
                evidence=result.evidence,
                confidence=0.8,
            ),
        )
    lines = [_sentence(ctx, a, at_least=a.day <= result.since) for a in shown[:3]]
    summary = (
        f"{len(result.anomalies)} anomal{'y' if len(result.anomalies) == 1 else 'ies'}{where} {_during(window)} across "
        f"{result.series_checked} series. " + " ".join(lines) + unknown
    )
    top = shown[0]
    return (
        Finding(
            kind=FindingKind.DETECT,
            title=f"Anomalies{where}, {window.describe()}",
            summary=summary,
            facts={
                "series_checked": result.series_checked,
                "anomalies": len(result.anomalies),
                "top_metric": top.metric,
                "top_day": top.day,
            },
            anomalies=shown,
            table=Table(
                columns=("metric", "segment", "since", "days", "actual", "expected", "score"),
                rows=tuple(
                    (
                        ctx.layer.metric(a.metric).label,
                        format_segment(a.where, style="words") or "overall",
                        a.day,
                        a.days,
                        _per_day(ctx, a, a.actual),
                        _per_day(ctx, a, a.expected),
                        f"{a.score:.1f}",
                    )
                    for a in shown
                ),
            ),
            evidence=result.evidence,
            confidence=min(0.95, 0.6 + top.score / 20),
            chart=_chart(ctx, top, window),
        ),
    )


def _closest(ctx: AnalysisContext, result: Scan) -> str:
    """' The closest to unusual: …': the strongest run under its bar, so "nothing unusual" in
    the middle of a four-day drop that scores 5.4 where a two-dimension segment needs 5.5 says
    what it nearly called."""
    if not result.near or result.near[0].anomaly.score < NEAR_SHARE * result.near[0].bar:
        return ""
    miss = result.near[0]
    a = miss.anomaly
    depth = {0: "the total", 1: "a segment"}.get(len(a.where), "a two-dimension segment")
    short = (
        f"{depth} needs {miss.bar:g}"
        if a.score < miss.bar
        else f"not enough with {result.series_checked} series checked at once"
    )
    return (
        f" The closest to unusual: {_sentence(ctx, a, at_least=a.day <= result.since)[:-1]}, "
        f"score {a.score:.1f} ({short})."
    )


def _with_filters(anomaly: Anomaly, filters: dict[str, str] | None) -> Anomaly:
    if not filters:
        return anomaly
    return Anomaly(
        metric=anomaly.metric,
        where={**filters, **anomaly.where},
        day=anomaly.day,
        actual=anomaly.actual,
        expected=anomaly.expected,
        score=anomaly.score,
        direction=anomaly.direction,
        days=anomaly.days,
    )


def _per_day(ctx: AnalysisContext, anomaly: Anomaly, value: float) -> str:
    """A value as people read it; a run's values are daily averages, and say so."""
    text = ctx.layer.format_value(anomaly.metric, value)
    if anomaly.days <= 1:
        return text
    # A count or a sum is per day; a rate's (or an average's) daily mean is not "per day".
    metric = ctx.layer.metric(anomaly.metric)
    measure = metric.measure if metric.type == "simple" else None
    per_day = measure is not None and measure.agg in ("sum", "count")
    return f"{text}/day" if per_day else f"{text} avg"


def _sentence(ctx: AnalysisContext, anomaly: Anomaly, *, at_least: bool = False) -> str:
    """One anomaly as a sentence; `at_least` when the run reaches back to the first day read,
    so it may have begun before it."""
    fmt = ctx.layer.format_value
    label = ctx.layer.metric(anomaly.metric).label
    segment = f" ({format_segment(anomaly.where, style='words')})" if anomaly.where else ""
    if anomaly.days > 1:
        word = "has been up" if anomaly.direction == "up" else "has been down"
        span = (
            f"for at least {anomaly.days} days, since {anomaly.day:%a %b %-d} or earlier"
            if at_least
            else f"since {anomaly.day:%a %b %-d} ({anomaly.days} days)"
        )
        return (
            f"{label}{segment} {word} {span}: "
            f"{fmt(anomaly.metric, anomaly.actual)} a day on average against an expected "
            f"{fmt(anomaly.metric, anomaly.expected)}."
        )
    word = "spiked" if anomaly.direction == "up" else "dropped"
    return (
        f"{label}{segment} {word} on {anomaly.day:%a %b %-d}: {fmt(anomaly.metric, anomaly.actual)} "
        f"against an expected {fmt(anomaly.metric, anomaly.expected)}."
    )


def _chart(ctx: AnalysisContext, anomaly: Anomaly, window: Window) -> ChartSpec:
    """The top anomaly's series over four weeks, the unusual day highlighted."""
    span = Window(start=window.end - timedelta(days=28), end=window.end)
    result = ctx.run(
        MetricRequest(metric=anomaly.metric, window=span, filters=dict(anomaly.where), grain="day")
    )
    frame = result.frame if not result.frame.empty else pd.DataFrame({"period": [], "value": []})
    label = ctx.layer.metric(anomaly.metric).label
    segment = f" — {format_segment(anomaly.where, style='words')}" if anomaly.where else ""
    return ChartSpec(
        kind="line",
        title=f"{label}{segment}",
        subtitle=f"daily; {anomaly.day:%b %-d} is unusual (expected {ctx.layer.format_value(anomaly.metric, anomaly.expected)})",
        series=(Series(name=label, x=tuple(frame["period"]), y=tuple(frame["value"])),),
        y_label=label,
        unit=ctx.layer.metric(anomaly.metric).format,
        highlight=(anomaly.day,),
    )


def _during(window: Window) -> str:
    """'on Wed Nov 11, 2026' for one day, 'in Nov 16 – Nov 22, 2026' for a span."""
    return ("on " if window.days == 1 else "in ") + window.describe()
