"""trend: a daily (or weekly) series, its fitted direction, and whether that is more than noise."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

from agent.analyses.base import (
    AnalysisContext,
    as_date,
    coverage,
    dimension_words,
    metric_of,
    no_data_finding,
    outside_data,
    plural,
    where_text,
    window_of,
)
from agent.analyses.stats import linear_trend
from agent.domain import (
    WHOLE_PERIODS,
    ChartSpec,
    Finding,
    FindingKind,
    Goal,
    Grain,
    Ranked,
    Series,
    Table,
    Window,
)
from agent.semantic import MetricRequest

ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly"}


def trend(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """The series over the window with a least-squares trend line."""
    metric = metric_of(goal)
    window = window_of(goal, ctx.today, default_days=30)
    grain = goal.grain or ("week" if window.days > 120 else "day")
    if goal.window is None and grain in WHOLE_PERIODS:
        # "monthly revenue": whole months (weeks), not 30 days cut into two partial months.
        window = Window.whole(grain, ctx.today, WHOLE_PERIODS[grain])  # type: ignore[arg-type]
    definition = ctx.layer.metric(metric)
    result = ctx.run(
        MetricRequest(metric=metric, window=window, filters=dict(goal.filters), grain=grain)
    )
    frame = result.frame.dropna(subset=["value"])
    if frame.empty or outside_data(ctx, metric, window):
        return (no_data_finding(ctx, metric, window, result.evidence),)
    held = coverage(ctx, metric) or window
    within = Window(start=max(window.start, held.start), end=min(window.end, held.end))
    partial = ""
    if definition.type == "simple" and grain != "day":
        # A sum over a week the window (or the data) cuts short reads as a fall: October as
        # $229,138 for its last 8 days. Those periods are left out, and the answer says so.
        whole = [_whole(as_date(p), grain, within) for p in frame["period"]]
        if not all(whole) and any(whole):
            frame = frame[whole]
            partial = (
                f" The partial {grain}s at the edges of the window or of the data are left out."
            )
    values = [float(v) for v in frame["value"]]
    slope, p_value = linear_trend(values)
    mean = sum(values) / len(values)
    per_step = slope / mean if mean and not math.isnan(slope) else math.nan
    significant = p_value < 0.05 and not math.isnan(slope)
    direction = "flat" if not significant else ("rising" if slope > 0 else "falling")
    first, last = values[0], values[-1]
    fmt = ctx.layer.format_value
    where = where_text(goal.filters)
    many = plural(ctx, metric)
    if significant:
        trend_sentence = (
            f"{definition.label}{where} {'are' if many else 'is'} {direction} over "
            f"{window.describe()}: about "
            f"{per_step * 100:+.1f}% of its average per {grain} (p={p_value:.3f})."
        )
    else:
        trend_sentence = (
            f"{definition.label}{where} {'show' if many else 'shows'} no clear trend over "
            f"{window.describe()} "
            f"(p={p_value:.2f}); {'they' if many else 'it'} moved from {fmt(metric, first)} to "
            f"{fmt(metric, last)} "
            f"within normal variation."
        )
    fitted_start = mean - slope * (len(values) - 1) / 2 if not math.isnan(slope) else mean
    fitted = (
        tuple(fitted_start + slope * i for i in range(len(values))) if not math.isnan(slope) else ()
    )
    periods = tuple(frame["period"])
    rows = tuple((p, v) for p, v in zip(periods, values, strict=True))
    if definition.type == "simple":
        # "average daily revenue since May" asks for this number; a trend alone never gave it.
        trend_sentence += (
            f" {'They' if many else 'It'} averaged {fmt(metric, mean)} a {grain} over the "
            f"{len(values)} "
            f"{grain}{'s' if len(values) > 1 else ''}."
        )
    sentence = trend_sentence + partial
    if goal.group_by:
        split = " and ".join(dimension_words(ctx, d, many=False) for d in goal.group_by)
        sentence += (
            f" The series is for every {split} together: I draw no series per {split}; "
            f"“{definition.label.lower()} by {split}” gives the split."
        )
    if goal.ranked is not None:
        label = definition.label[:1].lower() + definition.label[1:]
        named, lead = _named_first(
            goal.ranked,
            rows,
            grain,
            within,
            higher_is_better=definition.higher_is_better,
            what=label,
            shown=lambda v: fmt(metric, v),
        )
        sentence = f"{lead} {trend_sentence}{partial}"
        rows = named + tuple(r for r in rows if r not in named)
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
            table=Table(columns=("period", metric), rows=rows),
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


def _named_first(
    ranked: Ranked,
    rows: tuple[tuple[object, float], ...],
    grain: Grain,
    window: Window,
    *,
    higher_is_better: bool,
    what: str,
    shown: Callable[[float], str],
) -> tuple[tuple[tuple[object, float], ...], str]:
    """The periods asked for ("the 3 worst days"), best or worst by the metric's direction,
    and the answer's sentence naming them. Weeks and months cut by the window's edges are left
    out, and so are the days before the data begins: a partial week would rank as the worst
    for being short."""
    highest = ranked.order == "highest" or (ranked.order == "best") == higher_is_better
    if ranked.order == "lowest":
        highest = False
    whole = [r for r in rows if _whole(as_date(r[0]), grain, window)]
    chosen = tuple(sorted(whole, key=lambda r: r[1], reverse=highest)[: ranked.count])
    which = {"best": "best", "worst": "worst"}.get(ranked.order, "highest" if highest else "lowest")
    unit = grain if len(chosen) == 1 else f"{grain}s"
    listed = ", ".join(f"{_period_name(as_date(p), grain)} ({shown(v)})" for p, v in chosen)
    count = "" if len(chosen) == 1 else f"{len(chosen)} "
    lead = f"The {count}{which} {unit} for {what} over {window.describe()}: {listed}."
    if len(whole) < len(rows):
        lead += f" The partial {grain}s at the edges of the window or of the data are not ranked."
    return chosen, lead


def _whole(start: date, grain: Grain, window: Window) -> bool:
    if grain == "day":
        return window.start <= start < window.end
    if grain == "week":
        end = start + timedelta(days=7)
    else:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start >= window.start and end <= window.end


def _period_name(start: date, grain: Grain) -> str:
    if grain == "day":
        return f"{start:%a %b %-d}"
    if grain == "week":
        return f"the week of {start:%b %-d}"
    return f"{start:%B %Y}"
