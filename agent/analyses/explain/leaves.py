"""The warehouse side of explain: which dimensions to search, the leaves, the noise history.

Everything heavy is a grouped query through the semantic layer: one per window for the
leaves (a few hundred to a few thousand rows whatever the size of the fact table) and one
daily query for the history, so the warehouse does the scanning and pandas only sees
aggregates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import sqlglot
from sqlglot import exp

from agent.analyses.anomaly.calendar import us_retail_holidays
from agent.analyses.base import AnalysisContext, require_dimension
from agent.analyses.rca.cuboids import MISSING
from agent.analyses.stats import successes_of_trials
from agent.domain import Evidence, Window
from agent.errors import UserError
from agent.semantic import MetricRequest

# A dimension with more declared values than this is not searched unless asked for by name:
# `state` (25 values) nests inside `region`, so it would multiply the leaves by five for
# segments the region-level search already finds, and a cause at state level is rare enough
# that "which state drove it" is asked explicitly (goal.group_by).
MAX_SEARCH_CARDINALITY = 12
HISTORY_PERIODS = 10
MAX_HISTORY_DAYS = 400


@dataclass(frozen=True, kw_only=True)
class Shape:
    """How a metric's rows turn into engine columns: summed parts, and whether a ratio."""

    parts: tuple[str, ...]  # result columns that are summed over leaves
    ratio: bool  # value = parts[0] / parts[1]


@dataclass(frozen=True, kw_only=True)
class Leaves:
    """Leaf rows of both windows side by side (`<part>_base`, `<part>_cur`), and their SQL."""

    frame: pd.DataFrame
    dims: tuple[str, ...]
    evidence: tuple[Evidence, Evidence]


def shape_of(ctx: AnalysisContext, metric: str) -> Shape:
    """The columns to sum for a metric; UserError for aggregates that do not add up."""
    definition = ctx.layer.metric(metric)
    if definition.type == "ratio":
        return Shape(parts=("numerator", "denominator"), ratio=True)
    if definition.type == "simple":
        assert definition.measure is not None
        if definition.measure.agg not in ("sum", "count", "count_distinct"):
            raise UserError(
                f"I can't break down a change of {definition.label.lower()}: it is a "
                f"{definition.measure.agg}, which does not add up over segments."
            )
        return Shape(parts=("value",), ratio=False)
    # Derived: only `a / b` splits into segments (as a ratio of two additive metrics).
    tree = sqlglot.parse_one(definition.expr, read="duckdb")
    if (
        isinstance(tree, exp.Div)
        and isinstance(tree.this, exp.Column)
        and isinstance(tree.expression, exp.Column)
    ):
        return Shape(parts=(tree.this.name, tree.expression.name), ratio=True)
    raise UserError(
        f"I can't explain {definition.label.lower()} segment by segment ({definition.expr}).",
        hint="Ask about one of its parts instead: " + ", ".join(definition.components) + ".",
    )


def search_dimensions(
    ctx: AnalysisContext, metric: str, filters: Mapping[str, str], asked: Sequence[str]
) -> tuple[str, ...]:
    """The dimensions to search: the ones asked for, else every low-cardinality one not filtered."""
    if asked:
        for dim in asked:
            require_dimension(ctx, metric, dim)
        return tuple(d for d in dict.fromkeys(asked) if d not in filters)
    chosen = []
    for dim in ctx.layer.dimensions_for(metric):
        values = ctx.layer.dimension(dim).values
        # Undeclared values mean unknown cardinality (could be an id): not searched blind.
        if dim in filters or not values or len(values) > MAX_SEARCH_CARDINALITY:
            continue
        chosen.append(dim)
    return tuple(chosen)


def fetch_leaves(
    ctx: AnalysisContext,
    metric: str,
    shape: Shape,
    dims: tuple[str, ...],
    filters: Mapping[str, str],
    window: Window,
    baseline: Window,
) -> Leaves:
    """One grouped query per window, outer-joined on the dimensions (absent = 0)."""
    cur = ctx.run(MetricRequest(metric=metric, window=window, filters=dict(filters), group_by=dims))
    base = ctx.run(
        MetricRequest(metric=metric, window=baseline, filters=dict(filters), group_by=dims)
    )
    frames = []
    for result, suffix in ((base, "_base"), (cur, "_cur")):
        part = result.frame[[*dims, *shape.parts]].copy()
        for dim in dims:
            part[dim] = part[dim].fillna(MISSING)
        frames.append(part.rename(columns={p: p + suffix for p in shape.parts}))
    if dims:
        merged = frames[0].merge(frames[1], on=list(dims), how="outer")
    else:
        merged = pd.concat([frames[0], frames[1]], axis=1)
    value_cols = [c for c in merged.columns if c not in dims]
    merged[value_cols] = merged[value_cols].fillna(0.0)
    # A dimension with one value left (e.g. region once state is filtered) is not a split.
    live = tuple(d for d in dims if merged[d].nunique() > 1)
    return Leaves(frame=merged, dims=live, evidence=(base.evidence, cur.evidence))


@dataclass(frozen=True, kw_only=True)
class History:
    """Past relative changes of the total over windows like this one, and their SQL."""

    changes: tuple[float, ...]
    evidence: Evidence


def noise_history(
    ctx: AnalysisContext,
    metric: str,
    shape: Shape,
    filters: Mapping[str, str],
    window: Window,
    baseline: Window,
    periods: int = HISTORY_PERIODS,
) -> History:
    """Relative changes of the total between the same two kinds of windows, further back.

    Pair k compares the window shifted back by k lengths (k weeks for part of a week) with
    that one shifted by the same lag as the baseline, so a week-over-week question is judged
    against past week-over-week changes (weekly seasonality cancels exactly as it does in the
    question). One daily query.
    """
    length, lag = window.days, (window.start - baseline.start).days
    # Past pairs never start after the baseline: the days between it and the window are
    # where a move still running may have begun (yesterday against the same day last week,
    # on the sixth day of a drop, read the drop's first five days as past noise and called
    # itself normal). Part of a week against the same weekdays a week before ("this week" on
    # a Wednesday: Mon–Tue against Mon–Tue) steps back a week at a time, the same weekdays;
    # a single day steps a day at a time from its baseline (recent, each pair a weekday
    # against itself; ten of one weekday would reach back ten weeks, into other seasons).
    step = lag if 1 < length < lag and lag % 7 == 0 else length
    first = -(-lag // step) if length < lag else 1
    # Past pairs that hold a retail holiday (the Black Friday surge, Christmas) are left out
    # when the question's own periods hold none: a day against a week-earlier day across
    # Cyber Monday swings ±80%, and ten such pairs made a real collapse read as ordinary.
    # Pairs further back take their place (the pairs are chosen by date before the query).
    earliest = window.start - timedelta(days=MAX_HISTORY_DAYS)
    holidays = us_retail_holidays(range(earliest.year, window.end.year + 1))
    asked_on_holiday = any(d in holidays for d in (*window.dates(), *baseline.dates()))
    pairs: list[tuple[Window, Window]] = []
    k = first
    while len(pairs) < periods:
        cur = window.shifted(-k * step)
        base = cur.shifted(-lag)
        if base.start < earliest:
            break
        if asked_on_holiday or not any(d in holidays for d in (*cur.dates(), *base.dates())):
            pairs.append((cur, base))
        k += 1
    start = min((base.start for _, base in pairs), default=window.start - timedelta(days=lag))
    result = ctx.run(
        MetricRequest(
            metric=metric,
            window=Window(start=start, end=window.start),
            filters=dict(filters),
            grain="day",
        )
    )
    daily = result.frame.groupby("period")[list(shape.parts)].sum()
    changes: list[float] = []
    for cur, base in pairs:
        before, after = _block(daily, base, shape), _block(daily, cur, shape)
        if before is not None and after is not None and before != 0:
            changes.append((after - before) / abs(before))
    return History(changes=tuple(changes), evidence=result.evidence)


def _block(daily: pd.DataFrame, window: Window, shape: Shape) -> float | None:
    """The metric over a window of the daily frame; None when a fifth of its days are missing."""
    rows = daily.loc[[d for d in window.dates() if d in daily.index]]
    if len(rows) < 0.8 * window.days:
        return None
    sums = rows.sum()
    if shape.ratio:
        den = float(sums[shape.parts[1]])
        return float(sums[shape.parts[0]]) / den if den else None
    value = float(sums[shape.parts[0]])
    return value if math.isfinite(value) else None


def is_proportion(leaves: pd.DataFrame, shape: Shape, name_format: str) -> bool:
    """Counts-of-successes over counts-of-trials, so the two-proportion test applies."""
    if not shape.ratio or name_format != "percent":
        return False
    num = leaves[[f"{shape.parts[0]}_base", f"{shape.parts[0]}_cur"]].to_numpy()
    den = leaves[[f"{shape.parts[1]}_base", f"{shape.parts[1]}_cur"]].to_numpy()
    return successes_of_trials(num, den)
