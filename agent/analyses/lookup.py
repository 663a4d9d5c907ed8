"""lookup: a metric over a window, against its baseline, with a small daily chart.

The baseline is the goal's (agent.understand picks it as the business means it). Periods of
different length ("last week vs the previous 4 weeks") are compared per week or per day, and
a baseline the data does not fully hold gets no change at all: a change against missing days
would be invented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, assert_never

from agent.analyses.base import (
    AnalysisContext,
    baseline_of,
    direction_word,
    metric_of,
    missing_data,
    no_data_finding,
    outside_data,
    plural,
    relative_change,
    total,
    where_text,
    window_of,
)
from agent.domain import ALL_TIME, ChartSpec, Evidence, Finding, FindingKind, Goal, Series, Window
from agent.semantic import MetricRequest

Per = Literal["period", "week", "day"]


def lookup(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """The value for the window and the change against the baseline period."""
    metric = metric_of(goal)
    window = window_of(goal, ctx.today, default_days=1)
    baseline = baseline_of(goal, window)
    definition = ctx.layer.metric(metric)
    current = total(ctx, metric, window, goal.filters)
    if math.isnan(current.value) or outside_data(ctx, metric, window):
        return (no_data_finding(ctx, metric, window, current.evidence),)
    fmt = ctx.layer.format_value
    where = where_text(goal.filters)
    was = "were" if plural(ctx, metric) else "was"
    if window.label == ALL_TIME and goal.baseline is None:
        # "lifetime revenue": everything the warehouse holds, with nothing before it.
        return (
            Finding(
                kind=FindingKind.LOOKUP,
                title=f"{definition.label}{where}, all the data",
                summary=(
                    f"{definition.label}{where} {was} {fmt(metric, current.value)} over all the "
                    f"data the warehouse holds ({window.describe()})."
                ),
                facts={"value": current.value, "window": window.describe()},
                evidence=(current.evidence,),
                confidence=0.95,
            ),
        )
    before = total(ctx, metric, baseline, goal.filters)
    facts: dict[str, object] = {
        "value": current.value,
        "baseline": before.value,
        "window": window.describe(),
        "baseline_window": baseline.describe(),
        "window_days": window.days,
        "baseline_days": baseline.days,
    }
    if current.numerator is not None:
        facts |= {"numerator": current.numerator, "denominator": current.denominator}
    evidence = [current.evidence, before.evidence]
    gap = missing_data(ctx, metric, (window, baseline))
    if gap:
        facts |= {"change": None, "relative_change": None, "missing": gap}
        summary = (
            f"{definition.label}{where} {was} {fmt(metric, current.value)} {_during(window)}; "
            f"I can't compare it with {baseline.describe()}: {gap}."
        )
    else:
        rates = _rates(ctx, metric, goal, window, baseline, current.value, before.value)
        evidence.extend(rates.evidence)
        relative = relative_change(rates.before, rates.now)
        facts |= {
            "change": rates.now - rates.before,
            "relative_change": relative,
            "compared_per": rates.per,
            "value_compared": rates.now,
            "baseline_compared": rates.before,
        }
        summary = _sentence(ctx, metric, where, window, baseline, rates, relative)
        if rates.per == "day":
            # "orders last month" asks for the month's orders: the totals lead, the per-day
            # change follows. Distinct customers over a month are not the sum of each day's.
            kind = "" if _additive(ctx, metric) else " distinct"
            summary = (
                f"{definition.label}{where} {_during(window)}: {fmt(metric, current.value)}"
                f"{kind} ({fmt(metric, before.value)} {_during(baseline)}). {summary}"
            )
    chart, daily_evidence = _daily_chart(ctx, metric, goal, window, baseline)
    return (
        Finding(
            kind=FindingKind.LOOKUP,
            title=f"{definition.label}{where}, {window.describe()}",
            summary=summary,
            facts=facts,
            evidence=(*evidence, daily_evidence),
            confidence=0.95,
            chart=chart,
        ),
    )


@dataclass(frozen=True, kw_only=True)
class _Rates:
    """The two sides as they are compared: whole periods, or per week or per day."""

    per: Per
    now: float
    before: float
    evidence: tuple[Evidence, ...] = ()


def _rates(
    ctx: AnalysisContext,
    metric: str,
    goal: Goal,
    window: Window,
    baseline: Window,
    now: float,
    before: float,
) -> _Rates:
    """Equal periods compare as they are, and so do rates (a conversion rate over 28 days is
    comparable with one over 7). Counts and sums over unequal periods compare per day, or per
    week when a week stands against whole weeks ("last week vs the previous 4 weeks")."""
    definition = ctx.layer.metric(metric)
    if window.days == baseline.days or definition.measure is None:
        return _Rates(per="period", now=now, before=before)
    # The mean of daily values, so distinct counts (customers) average per day too.
    daily = [
        ctx.run(MetricRequest(metric=metric, window=w, filters=dict(goal.filters), grain="day"))
        for w in (window, baseline)
    ]
    now_day, before_day = (
        float(d.frame["value"].fillna(0).sum()) / w.days
        for d, w in zip(daily, (window, baseline), strict=True)
    )
    # Seven days of a sum are the week's total; seven days of distinct customers are not.
    if _additive(ctx, metric) and window.days == 7 and baseline.days % 7 == 0:
        return _Rates(
            per="week",
            now=now_day * 7,
            before=before_day * 7,
            evidence=tuple(d.evidence for d in daily),
        )
    return _Rates(
        per="day", now=now_day, before=before_day, evidence=tuple(d.evidence for d in daily)
    )


def _sentence(
    ctx: AnalysisContext,
    metric: str,
    where: str,
    window: Window,
    baseline: Window,
    rates: _Rates,
    relative: float,
) -> str:
    fmt = ctx.layer.format_value
    label = ctx.layer.metric(metric).label
    was = "were" if plural(ctx, metric) else "was"
    now, before = fmt(metric, rates.now), fmt(metric, rates.before)
    moved = direction_word(relative)
    change = ctx.layer.format_change(metric, rates.before, rates.now)
    tail = ""
    if math.isnan(relative):  # against zero there is no percentage to give
        move = "against"
    elif moved == "flat":
        move, tail = "flat against", f" ({change})"
    else:
        move = f"{moved} {change.lstrip('+-')} from"
    match rates.per:
        case "period":
            return (
                f"{label}{where} {was} {now} {_during(window)}, {move} {before} "
                f"{_during(baseline)}{tail}."
            )
        case "week":
            return (
                f"{label}{where} {was} {now} {_during(window)}, {move} an average of {before} a "
                f"week over the {baseline.days // 7} weeks {baseline.describe()}{tail}; compared "
                "per week because the periods differ in length."
            )
        case "day":
            return (
                f"{label}{where} averaged {now} a day {_during(window)}, {move} {before} a day "
                f"in {baseline.describe()}{tail}; compared per day because the periods differ in "
                f"length ({_days(window.days)} against {_days(baseline.days)})."
            )
        case _:
            assert_never(rates.per)


def _additive(ctx: AnalysisContext, metric: str) -> bool:
    """Whether the metric's days add up to its period (a sum or a count, not a distinct count)."""
    measure = ctx.layer.metric(metric).measure
    return measure is not None and measure.agg in ("sum", "count")


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


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
