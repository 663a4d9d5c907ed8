"""lookup: a metric over a window, against its baseline, with a small daily chart."""

from __future__ import annotations

import math

from agent.analyses.base import (
    AnalysisContext,
    baseline_of,
    direction_word,
    metric_of,
    no_data_finding,
    outside_data,
    relative_change,
    total,
    where_text,
    window_of,
)
from agent.domain import ChartSpec, Evidence, Finding, Goal, Series, Window
from agent.semantic import MetricRequest


def lookup(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """The value for the window and the change against the baseline period."""
    metric = metric_of(goal)
    window = window_of(goal, ctx.today, default_days=1)
    baseline = baseline_of(goal, window)
    definition = ctx.layer.metric(metric)
    current = total(ctx, metric, window, goal.filters)
    if math.isnan(current.value) or outside_data(ctx, metric, window):
        return (no_data_finding(ctx, metric, window, current.evidence),)
    before = total(ctx, metric, baseline, goal.filters)
    change = current.value - before.value
    relative = relative_change(before.value, current.value)
    fmt = ctx.layer.format_value
    where = where_text(goal.filters)
    moved = direction_word(relative)
    comparison = (
        f"{moved} {ctx.layer.format_change(metric, before.value, current.value).lstrip('+-')} from "
        f"{fmt(metric, before.value)} in {baseline.describe()}"
        if not math.isnan(before.value)
        else "with no data for the baseline period"
    )
    summary = f"{definition.label}{where} was {fmt(metric, current.value)} {_during(window)}, {comparison}."
    facts: dict[str, object] = {
        "value": current.value,
        "baseline": before.value,
        "change": change,
        "relative_change": relative,
        "window": window.describe(),
        "baseline_window": baseline.describe(),
    }
    if current.numerator is not None:
        facts |= {"numerator": current.numerator, "denominator": current.denominator}
    chart, daily_evidence = _daily_chart(ctx, metric, goal, window, baseline)
    return (
        Finding(
            kind="lookup",
            title=f"{definition.label}{where}, {window.describe()}",
            summary=summary,
            facts=facts,
            evidence=(current.evidence, before.evidence, daily_evidence),
            confidence=0.95,
            chart=chart,
        ),
    )


def _during(window: Window) -> str:
    return f"on {window.describe()}" if window.days == 1 else f"in {window.describe()}"


def _daily_chart(
    ctx: AnalysisContext, metric: str, goal: Goal, window: Window, baseline: Window
) -> tuple[ChartSpec | None, Evidence]:
    """Daily values across baseline and current windows, the current one highlighted."""
    start = min(window.start, baseline.start)
    span = Window(start=start, end=max(window.end, baseline.end))
    if span.days > 400:
        span = Window(start=window.start, end=window.end)
    result = ctx.run(
        MetricRequest(metric=metric, window=span, filters=dict(goal.filters), grain="day")
    )
    frame = result.frame
    label = ctx.layer.metric(metric).label
    chart = ChartSpec(
        kind="line",
        title=f"{label}{where_text(goal.filters)}, daily",
        subtitle=f"{window.describe()} highlighted",
        series=(Series(name=label, x=tuple(frame["period"]), y=tuple(frame["value"])),),
        y_label=label,
        unit=ctx.layer.metric(metric).format,
        highlight=(window.start, window.end),
    )
    return chart, result.evidence
