"""breakdown: a metric split by one or two dimensions, sorted, with shares and the change."""

from __future__ import annotations

import math
import re

import pandas as pd

from agent.analyses.base import (
    AnalysisContext,
    baseline_of,
    count_label_of,
    dimension_words,
    metric_of,
    missing_data,
    no_data_finding,
    outside_data,
    relative_change,
    require_dimension,
    where_text,
    window_of,
)
from agent.analyses.split_asks import ranked_by_move, total_without
from agent.analyses.stats import two_proportion_p
from agent.domain import ChartSpec, Finding, FindingKind, Goal, Series, Table
from agent.semantic import MetricDef, MetricRequest

DEFAULT_GROUP = "region"
NOISE_P = 0.05
MAX_ROWS = 25


def breakdown(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Each segment's value, its share of the total, and its change against the baseline."""
    metric = metric_of(goal)
    definition = ctx.layer.metric(metric)
    group_by = tuple(goal.group_by[:2]) or (DEFAULT_GROUP,)
    for dim in group_by:
        require_dimension(ctx, metric, dim)
    window = window_of(goal, ctx.today, default_days=7)
    baseline = baseline_of(goal, window)
    filters = dict(goal.filters)
    current = ctx.run(
        MetricRequest(metric=metric, window=window, filters=filters, group_by=group_by)
    )
    before = ctx.run(
        MetricRequest(metric=metric, window=baseline, filters=filters, group_by=group_by)
    )
    if current.frame.empty or outside_data(ctx, metric, window):
        return (no_data_finding(ctx, metric, window, current.evidence),)
    # A baseline the data holds only part of would read as growth (13 days of December
    # against all of January): the segments are shown without a change, and why said.
    gap = missing_data(ctx, metric, (baseline,))
    earlier = before.frame.iloc[0:0] if gap else before.frame
    merged = current.frame.merge(earlier, on=list(group_by), how="left", suffixes=("", "_baseline"))
    is_ratio = definition.type == "ratio"
    weight, share_word = _weights(ctx, definition, merged)
    merged["share"] = weight / weight.sum() if weight is not None and weight.sum() else math.nan
    merged["change"] = [
        relative_change(float(b), float(c))
        for b, c in zip(merged["value_baseline"], merged["value"], strict=True)
    ]
    merged = merged.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    fmt = ctx.layer.format_value
    labels = [" / ".join(str(row[d]) for d in group_by) for _, row in merged.iterrows()]
    top, bottom = labels[0], labels[-1]
    top_share = merged["share"].iloc[0]
    summary = (
        f"By {' and '.join(group_by)}, {definition.label.lower()}{where_text(filters)} in "
        f"{window.describe()} was highest for {top} ({fmt(metric, merged['value'].iloc[0])}"
        f"{'' if math.isnan(top_share) else f', {top_share * 100:.0f}% {share_word}'}) and "
        f"lowest for {bottom} ({fmt(metric, merged['value'].iloc[-1])})."
    )
    if gap:
        summary += f" I can't compare them with {baseline.describe()}: {gap}."
    movers = merged.dropna(subset=["change"])
    if not movers.empty:
        worst = movers.loc[movers["change"].idxmin()]
        best = movers.loc[movers["change"].idxmax()]
        rise = " / ".join(str(best[d]) for d in group_by)
        fall = " / ".join(str(worst[d]) for d in group_by)
        up, down = _noise_note(best, definition.format), _noise_note(worst, definition.format)
        if best["change"] > 0 > worst["change"]:
            moves = f"biggest rise {rise} ({best['change'] * 100:+.1f}%{up}), biggest fall {fall} ({worst['change'] * 100:+.1f}%{down})"
        elif worst["change"] <= 0:
            moves = f"every segment fell; most {fall} ({worst['change'] * 100:+.1f}%{down}), least {rise} ({best['change'] * 100:+.1f}%{up})"
        else:
            moves = f"every segment rose; most {rise} ({best['change'] * 100:+.1f}%{up}), least {fall} ({worst['change'] * 100:+.1f}%{down})"
        summary += f" Against {baseline.describe()}: {moves}."
    without, without_facts = total_without(
        goal, ctx, merged, definition, group_by[0], (window, baseline)
    )
    if without:
        # "revenue last week, all regions but the West": the total asked for leads, and the
        # split shows what was left out of it.
        summary = f"{without} {summary}"
    by_move = ranked_by_move(goal, merged, definition) if goal.ranked is not None else None
    if goal.ranked is not None and by_move is not None:
        # "top 3 regions by revenue decline": ranked by the change, not by the level.
        merged, words = by_move
        merged = merged.head(goal.ranked.count)
        named = ", ".join(
            f"{' / '.join(str(row[d]) for d in group_by)} ({row['change'] * 100:+.1f}%, "
            f"{fmt(metric, float(row['value']))})"
            for _, row in merged.iterrows()
        )
        rows_word = dimension_words(ctx, group_by[0], many=len(merged) > 1)
        summary = (
            f"The {len(merged)} {rows_word} with the {words} in "
            f"{definition.label.lower()}{where_text(filters)}, {window.describe()} against "
            f"{baseline.describe()}: {named}. " + summary
        )
    elif goal.ranked is not None:
        # "bottom 3 states by conversion rate": those rows, from that end, are the answer
        # (the top 15 would not hold them); "worst" follows the metric's direction.
        order = goal.ranked.order
        lowest = order == "lowest" or (
            order in ("best", "worst") and (order == "worst") == definition.higher_is_better
        )
        merged = merged.iloc[::-1].reset_index(drop=True) if lowest else merged
        merged = merged.head(goal.ranked.count)
        which = order if order in ("best", "worst") else ("lowest" if lowest else "highest")
        named = ", ".join(
            f"{' / '.join(str(row[d]) for d in group_by)} ({fmt(metric, float(row['value']))})"
            for _, row in merged.iterrows()
        )
        rows_word = dimension_words(ctx, group_by[0], many=len(merged) > 1)
        summary = (
            f"The {len(merged)} {which} {rows_word} for "
            f"{definition.label.lower()}{where_text(filters)} in {window.describe()}: {named}. "
            + summary
        )
    # Exact numbers in the rows (JSON, CSV); each column says how it reads (formats), so
    # the Slack table and the terminal show 4.5%, $1,234, +12.3% and −1.00 pp alike.
    unit = definition.format
    points = unit == "percent"  # a rate's move also reads in percentage points
    rows = tuple(
        (
            *(row[d] for d in group_by),
            float(row["value"]),
            float(row["share"]),
            _nan_none(row["value_baseline"]),
            _nan_none(row["change"]),
            *((_points(float(row["value"]), _nan_none(row["value_baseline"])),) if points else ()),
        )
        for _, row in merged.head(MAX_ROWS).iterrows()
    )
    shown = merged.head(15)
    return (
        Finding(
            kind=FindingKind.BREAKDOWN,
            title=f"{definition.label} by {', '.join(group_by)}, {window.describe()}",
            summary=summary,
            facts={
                "segments": len(merged),
                "top": top,
                "bottom": bottom,
                "total": _total(merged, is_ratio),
                **without_facts,
            },
            table=Table(
                columns=(
                    *group_by,
                    definition.label,
                    f"share {share_word}" if share_word else "share",
                    "before",
                    "change",
                    *(("change, points",) if points else ()),
                ),
                rows=rows,
                formats=(
                    *("" for _ in group_by),
                    unit,
                    "share",
                    unit,
                    "change",
                    *(("pp",) if points else ()),
                ),
            ),
            evidence=(current.evidence, before.evidence),
            confidence=0.95,
            chart=ChartSpec(
                kind="barh",
                title=f"{definition.label} by {', '.join(group_by)}",
                subtitle=window.describe(),
                series=(
                    Series(
                        name=definition.label,
                        x=tuple(
                            " / ".join(str(r[d]) for d in group_by) for _, r in shown.iterrows()
                        ),
                        y=tuple(float(v) for v in shown["value"]),
                    ),
                ),
                x_label=definition.label,
                unit=definition.format,
            ),
        ),
    )


def _noise_note(row: pd.Series, unit: str) -> str:
    """', within noise' for a rate whose move its own counts do not tell from chance: the
    biggest rise among a handful of segments is still a rise of nothing much."""
    names = ("numerator_baseline", "denominator_baseline", "numerator", "denominator")
    if unit != "percent" or any(name not in row.index for name in names):
        return ""
    counts = [float(row[name]) for name in names]
    if any(not math.isfinite(c) or c < 0 for c in counts) or not counts[1] or not counts[3]:
        return ""
    return ", within noise" if two_proportion_p(*counts) >= NOISE_P else ""


def _weights(
    ctx: AnalysisContext, definition: MetricDef, frame: pd.DataFrame
) -> tuple[pd.Series | None, str]:
    """What a segment's share is a share of: a sum's own total; a ratio's denominator (a
    rate's sessions, an average's orders); a derived a / b's b. A share of summed rates
    means nothing, so a metric with no such part shows none."""
    if definition.type == "simple":
        return frame["value"], "of the total"
    if definition.type == "ratio" and definition.denominator is not None:
        return frame["denominator"], f"of {count_label_of(ctx.layer, definition)}"
    quotient = re.fullmatch(r"\s*(\w+)\s*/\s*(\w+)\s*", definition.expr or "")
    if quotient and quotient.group(2) in frame.columns:
        name = quotient.group(2)
        return frame[name], f"of {ctx.layer.metric(name).label.lower()}"
    return None, ""


def _total(frame: pd.DataFrame, is_ratio: bool) -> float:
    if is_ratio:
        den = float(frame["denominator"].sum())
        return float(frame["numerator"].sum()) / den if den else math.nan
    return float(frame["value"].sum())


def _nan_none(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _points(value: float, baseline: float | None) -> float | None:
    """A rate's move from its baseline, as a fraction (the renderer reads it in points)."""
    return None if baseline is None else value - baseline
