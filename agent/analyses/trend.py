"""trend: a daily (or weekly) series, its fitted direction, and whether that is more than noise."""

from __future__ import annotations

import math

from agent.analyses.base import (
    AnalysisContext,
    metric_of,
    no_data_finding,
    outside_data,
    where_text,
    window_of,
)
from agent.analyses.stats import linear_trend
from agent.domain import ChartSpec, Finding, FindingKind, Goal, Series, Table
from agent.semantic import MetricRequest

ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly"}


def trend(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """The series over the window with a least-squares trend line."""
    metric = metric_of(goal)
    window = window_of(goal, ctx.today, default_days=30)
    grain = goal.grain or ("week" if window.days > 120 else "day")
    definition = ctx.layer.metric(metric)
    result = ctx.run(
        MetricRequest(metric=metric, window=window, filters=dict(goal.filters), grain=grain)
    )
    frame = result.frame.dropna(subset=["value"])
    if frame.empty or outside_data(ctx, metric, window):
        return (no_data_finding(ctx, metric, window, result.evidence),)
    values = [float(v) for v in frame["value"]]
    slope, p_value = linear_trend(values)
    mean = sum(values) / len(values)
    per_step = slope / mean if mean and not math.isnan(slope) else math.nan
    significant = p_value < 0.05 and not math.isnan(slope)
    direction = "flat" if not significant else ("rising" if slope > 0 else "falling")
    first, last = values[0], values[-1]
    fmt = ctx.layer.format_value
    where = where_text(goal.filters)
    if significant:
        sentence = (
            f"{definition.label}{where} is {direction} over {window.describe()}: about "
            f"{per_step * 100:+.1f}% of its average per {grain} (p={p_value:.3f})."
        )
    else:
        sentence = (
            f"{definition.label}{where} shows no clear trend over {window.describe()} "
            f"(p={p_value:.2f}); it moved from {fmt(metric, first)} to {fmt(metric, last)} "
            f"within normal variation."
        )
    fitted_start = mean - slope * (len(values) - 1) / 2 if not math.isnan(slope) else mean
    fitted = (
        tuple(fitted_start + slope * i for i in range(len(values))) if not math.isnan(slope) else ()
    )
    periods = tuple(frame["period"])
    series = [Series(name=definition.label, x=periods, y=tuple(values))]
    if fitted:
        series.append(Series(name="trend", x=periods, y=fitted, style="dashed"))
    peak = int(max(range(len(values)), key=values.__getitem__))
    trough = int(min(range(len(values)), key=values.__getitem__))
    return (
        Finding(
            kind=FindingKind.TREND,
            title=f"{definition.label}{where}, {ADJECTIVE[grain]} trend",
            summary=sentence,
            facts={
                "direction": direction,
                "slope_per_period": slope,
                "relative_slope_per_period": per_step,
                "p_value": p_value,
                "mean": mean,
                "first": first,
                "last": last,
                "peak": values[peak],
                "peak_period": periods[peak],
                "trough": values[trough],
                "trough_period": periods[trough],
                "periods": len(values),
                "grain": grain,
            },
            table=Table(
                columns=("period", metric),
                rows=tuple((p, v) for p, v in zip(periods, values, strict=True)),
            ),
            evidence=(result.evidence,),
            confidence=0.9 if len(values) >= 14 else 0.7,
            chart=ChartSpec(
                kind="line",
                title=f"{definition.label}{where}",
                subtitle=f"{ADJECTIVE[grain]}, {window.describe()}; dashed: linear trend",
                series=tuple(series),
                y_label=definition.label,
                unit=definition.format,
            ),
        ),
    )
