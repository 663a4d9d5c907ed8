"""What a split was asked for, beyond its rows: the total without the values the request left
out ("revenue last week, all regions but the West"), and the rows ranked by their change when
the ranking asked for it ("top 3 regions by revenue decline"). Both read the request's own words
through the parser, as the scorecard reads its periods."""

from __future__ import annotations

import math
import re

import pandas as pd

from agent.analyses.base import AnalysisContext, relative_change
from agent.domain import Goal, Ranked, Window, format_segment
from agent.semantic import MetricDef
from agent.understand import normalize
from agent.understand.lexicon import lexicon_for
from agent.understand.ranking import ranked_by_change
from agent.understand.slots import values_left_out


def total_without(
    goal: Goal,
    ctx: AnalysisContext,
    frame: pd.DataFrame,
    definition: MetricDef,
    dim: str,
    periods: tuple[Window, Window],
) -> tuple[str, dict[str, float]]:
    """The sentence with the total without the value left out, and its facts; ("", {}) when
    nothing was left out or the metric cannot be added up from the split's rows."""
    if not goal.text:
        return "", {}
    value = values_left_out(goal.text, lexicon_for(ctx.layer), ctx.today).get(dim)
    if value is None:
        return "", {}
    rest = frame[frame[dim].astype(str) != value]
    now, before = _summed(rest, definition, ""), _summed(rest, definition, "_baseline")
    if now is None:
        return "", {}
    fmt = ctx.layer.format_value
    window, baseline = periods
    said = f"Without {format_segment({dim: value}, style='words')}, {definition.label.lower()} in {window.describe()} was {fmt(definition.name, now)}"
    change = math.nan if before is None else relative_change(before, now)
    if math.isnan(change):
        return f"{said}.", {"total_without": now}
    direction = "up" if change > 0 else "down"
    said += (
        f", {direction} {abs(change) * 100:.1f}% from {fmt(definition.name, before)} "
        f"in {baseline.describe()}."
    )
    return said, {"total_without": now, "total_without_baseline": before}  # type: ignore[dict-item]


def _summed(rows: pd.DataFrame, definition: MetricDef, suffix: str) -> float | None:
    """The rows' total: a sum's own, a ratio's parts divided, a derived a / b's parts."""
    if definition.type == "simple":
        values = rows[f"value{suffix}"].astype(float)
        return None if values.isna().all() else float(values.sum())
    parts: tuple[str, str] | None = None
    if definition.type == "ratio":
        parts = ("numerator", "denominator")
    elif quotient := re.fullmatch(r"\s*(\w+)\s*/\s*(\w+)\s*", definition.expr or ""):
        parts = (quotient.group(1), quotient.group(2))
    if parts is None or any(f"{p}{suffix}" not in rows.columns for p in parts):
        return None
    top, bottom = (float(rows[f"{p}{suffix}"].sum()) for p in parts)
    return top / bottom if bottom else None


_MOVES = {"rise": "rise", "fall": "fall", "move": "change"}


def ranked_by_move(
    goal: Goal, frame: pd.DataFrame, definition: MetricDef
) -> tuple[pd.DataFrame, str] | None:
    """The rows ordered by their change, from the end asked, and the words for that order
    ("biggest fall"), when the request ranks by a change; None when it ranks by level."""
    assert goal.ranked is not None
    kind = ranked_by_change(normalize(goal.text)) if goal.text else None
    if kind is None:
        return None
    if kind in ("better", "worse"):
        kind = "rise" if (kind == "better") == definition.higher_is_better else "fall"
    moved = frame.dropna(subset=["change"])
    key = {"rise": moved["change"], "fall": -moved["change"], "move": moved["change"].abs()}[kind]
    reverse = _from_the_bottom(goal.ranked)
    order = key.sort_values(ascending=reverse, kind="stable").index
    words = f"{'smallest' if reverse else 'biggest'} {_MOVES[kind]}"
    return moved.loc[order].reset_index(drop=True), words


def _from_the_bottom(ranked: Ranked) -> bool:
    return ranked.order in ("lowest", "worst")
