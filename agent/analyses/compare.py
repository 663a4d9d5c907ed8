"""compare: two segments side by side, the difference, and whether it is more than noise."""

from __future__ import annotations

import math

from agent.analyses.base import (
    AnalysisContext,
    metric_of,
    no_data_finding,
    outside_data,
    relative_change,
    require_dimension,
    total,
    where_text,
    window_of,
)
from agent.analyses.lookup import lookup
from agent.analyses.stats import TestResult, two_proportions, welch
from agent.domain import ChartSpec, Finding, FindingKind, Goal, Series, Table
from agent.semantic import MetricRequest


def compare(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Segment A against segment B over the same window (or a period against its baseline)."""
    if not goal.compare:
        return lookup(goal, ctx)
    metric = metric_of(goal)
    definition = ctx.layer.metric(metric)
    dimension, (first, second) = next(iter(goal.compare.items()))
    require_dimension(ctx, metric, dimension)
    window = window_of(goal, ctx.today, default_days=7)
    sides = []
    for value in (first, second):
        filters = {**goal.filters, dimension: value}
        sides.append((value, filters, total(ctx, metric, window, filters)))
    (name_a, filters_a, a), (name_b, filters_b, b) = sides
    if outside_data(ctx, metric, window):
        return (no_data_finding(ctx, metric, window, a.evidence),)
    daily_a = ctx.run(MetricRequest(metric=metric, window=window, filters=filters_a, grain="day"))
    daily_b = ctx.run(MetricRequest(metric=metric, window=window, filters=filters_b, grain="day"))
    test = difference_test(definition.type, definition.format, a, b, daily_a.frame, daily_b.frame)
    fmt = ctx.layer.format_value
    gap = relative_change(b.value, a.value)
    verdict = (
        "with one day on a side there is no daily spread to test the difference against"
        if math.isnan(test.p_value)
        else f"a statistically meaningful difference ({test.method}, p={test.p_value:.3f})"
        if test.significant
        else f"not a statistically meaningful difference ({test.method}, p={test.p_value:.2f})"
    )
    summary = (
        f"{definition.label}{where_text(goal.filters)} in {window.describe()}: {name_a} "
        f"{fmt(metric, a.value)} vs {name_b} {fmt(metric, b.value)} "
        f"({ctx.layer.format_change(metric, b.value, a.value, inline=True)} for {name_a}); {verdict}."
    )
    periods = tuple(daily_a.frame["period"])
    merged_b = dict(zip(daily_b.frame["period"], daily_b.frame["value"], strict=True))
    return (
        Finding(
            kind=FindingKind.COMPARE,
            title=f"{definition.label}: {name_a} vs {name_b}",
            summary=summary,
            facts={
                name_a: a.value,
                name_b: b.value,
                "difference": a.value - b.value,
                "relative_difference": gap,
                "p_value": None if math.isnan(test.p_value) else test.p_value,
                "significant": test.significant,
                "test": test.method,
            },
            table=Table(
                columns=(dimension, metric, "numerator", "denominator"),
                rows=(
                    (name_a, a.value, a.numerator, a.denominator),
                    (name_b, b.value, b.numerator, b.denominator),
                ),
            ),
            evidence=(a.evidence, b.evidence, daily_a.evidence, daily_b.evidence),
            confidence=0.9 if test.significant else 0.75,
            chart=ChartSpec(
                kind="line",
                title=f"{definition.label}: {name_a} vs {name_b}",
                subtitle=f"daily, {window.describe()}",
                series=(
                    Series(name=name_a, x=periods, y=tuple(daily_a.frame["value"])),
                    Series(name=name_b, x=periods, y=tuple(merged_b.get(p) for p in periods)),
                ),
                y_label=definition.label,
                unit=definition.format,
            ),
        ),
    )


def difference_test(kind: str, fmt: str, a, b, daily_a, daily_b) -> TestResult:  # type: ignore[no-untyped-def]
    """Proportions get a z-test on their counts; everything else a Welch test on daily values."""
    if kind == "ratio" and fmt == "percent" and a.numerator is not None and b.numerator is not None:
        return two_proportions(a.numerator, a.denominator, b.numerator, b.denominator)
    return welch(list(daily_a["value"]), list(daily_b["value"]))
