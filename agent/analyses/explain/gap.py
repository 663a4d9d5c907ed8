"""Why one segment runs below (or above) another: "why is mobile conversion lower than desktop?".

The question is about a gap between two segments in the same days, not a change over time,
so it is answered by three readings of that gap:

- whether it is new: the daily log ratio of the two sides in the window against the same ratio
  over the 8 weeks before it (Welch test), so a gap that has always been there is not told as
  something that happened;
- where it lives: for a rate, a standard split of the gap into mix (the two sides draw their
  volume from different channels, regions, …) and rate (they convert differently within each),
  with the members in which it holds; for a sum, the members that carry it, and the split into
  how many and how much each when the layer declares the average (orders × order value);
- along the funnel, when one declares the metric: the steps where the two sides part.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from agent.analyses.base import (
    AnalysisContext,
    Total,
    count_label_of,
    dimension_words,
    metric_of,
    no_data_finding,
    outside_data,
    require_dimension,
    total,
    where_text,
    window_of,
)
from agent.analyses.compare import difference_test
from agent.analyses.explain.count_value import average_metric_of
from agent.analyses.explain.funnel import STEP_ALPHA, log_ratio, step_counts
from agent.analyses.explain.leaves import search_dimensions
from agent.analyses.stats import TestResult, two_proportion_p, welch
from agent.domain import ChartSpec, Evidence, Finding, FindingKind, Goal, Series, Table, Window
from agent.semantic import MetricRequest
from agent.understand.core import GAP_MOVED

PRIOR_DAYS = 56
NEW_GAP_P = 0.01
MIX_WORTH_SAYING = 0.25  # of the gap, before mix is named as part of it
MIN_MEMBER_SHARE = 0.02  # of a side's volume, for a member to count in "holds in every …"


@dataclass(frozen=True, kw_only=True)
class Split:
    """The gap read across one other dimension."""

    dimension: str
    rows: tuple[tuple[str, float, float, float, float], ...]  # member, a, b, a volume, b volume
    mix: float  # share of the gap from the two sides' different make-up (rates only)
    held_in: tuple[str, ...]  # members where the gap points the overall way
    against: tuple[str, ...]  # members (with volume) where it points the other way


def explain_gap(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Segment A against segment B in the same days: how big the gap is, whether it is new,
    and where it comes from."""
    metric = metric_of(goal)
    definition = ctx.layer.metric(metric)
    dimension, (name_a, name_b) = next(iter(goal.compare.items()))
    require_dimension(ctx, metric, dimension)
    window = window_of(goal, ctx.today, default_days=7)
    if outside_data(ctx, metric, window):
        return (no_data_finding(ctx, metric, window),)
    # "did the gap widen this month vs last month?" holds the gap against the period named;
    # otherwise against the 8 weeks before, enough days to tell a new gap from an old one.
    asked_against = goal.baseline is not None and GAP_MOVED.search(goal.text.lower()) is not None
    prior = (
        goal.baseline
        if asked_against and goal.baseline is not None
        else Window(start=window.start - timedelta(days=PRIOR_DAYS), end=window.start)
    )
    side_a = {**goal.filters, dimension: name_a}
    side_b = {**goal.filters, dimension: name_b}
    a, b = total(ctx, metric, window, side_a), total(ctx, metric, window, side_b)
    evidence: list[Evidence] = [a.evidence, b.evidence]
    fmt = ctx.layer.format_value
    label = definition.label
    if not (a.value == a.value and b.value == b.value) or b.value == 0:
        return (no_data_finding(ctx, metric, window, a.evidence),)
    lower = a.value < b.value
    gap = a.value / b.value - 1
    lines = [
        f"{label}{where_text(goal.filters)} in {window.describe()}: {name_a} "
        f"{fmt(metric, a.value)}{_counts(a, definition.format)} against {name_b} "
        f"{fmt(metric, b.value)}{_counts(b, definition.format)}: {name_a} runs {abs(gap):.0%} {'below' if lower else 'above'} {name_b}."
    ]
    daily, daily_evidence = _daily_ratio(ctx, metric, side_a, side_b, prior, window)
    evidence += daily_evidence
    days = daily[daily.index >= pd.Timestamp(window.start)].rename(columns={"a": "value"})
    test = difference_test(
        definition.type,
        definition.format,
        a,
        b,
        days[["value"]],
        days[["b"]].rename(columns={"b": "value"}),
    )
    if math.isnan(test.p_value) or not test.significant:
        # A gap inside the noise has no cause to find: said, and nothing read into it.
        lines[0] = lines[0].rstrip(".") + (
            f", which is within normal variation ({test.method}, p={test.p_value:.2f}): "
            "there is no gap here to explain."
            if not math.isnan(test.p_value)
            else "; with one day on a side there is no daily spread to test the gap against."
        )
        return (
            _finding(ctx, metric, goal, name_a, name_b, a, b, lines, daily, evidence, [], test),
        )
    lines.append(_is_it_new(ctx, metric, daily, window, prior, name_a, name_b))
    ratio = definition.type == "ratio"
    funnel_text, funnel_evidence = _funnel(ctx, metric, side_a, side_b, window, name_a, name_b)
    evidence += funnel_evidence
    if funnel_text:
        lines.append(funnel_text)
    splits = []
    for other in search_dimensions(ctx, metric, {**goal.filters, dimension: ""}, ()):
        split, more = _split(ctx, metric, other, side_a, side_b, window, ratio=ratio)
        evidence += more
        if split is not None:
            splits.append(split)
    if splits:
        lines.append(_where_text(ctx, splits, name_a, name_b, lower=lower))
    if not ratio:
        made_of, more = _count_value(ctx, metric, side_a, side_b, window)
        evidence += more
        if made_of:
            lines.append(made_of)
    return (
        _finding(ctx, metric, goal, name_a, name_b, a, b, lines, daily, evidence, splits, test),
    )


def _finding(
    ctx: AnalysisContext,
    metric: str,
    goal: Goal,
    name_a: str,
    name_b: str,
    a: Total,
    b: Total,
    lines: list[str],
    daily: pd.DataFrame,
    evidence: list[Evidence],
    splits: list[Split],
    test: TestResult,
) -> Finding:
    definition = ctx.layer.metric(metric)
    fmt = ctx.layer.format_value
    label = definition.label
    # The table shows the dimension the gap varies most across (the mix, for a rate with one).
    best = max(
        splits,
        key=lambda s: (s.mix if s.mix == s.mix and s.mix >= MIX_WORTH_SAYING else 0.0, _spread(s)),
        default=None,
    )
    table = None
    if best is not None:
        table = Table(
            columns=(best.dimension, name_a, name_b, f"{name_a} vs {name_b}"),
            rows=tuple(
                (member, fmt(metric, va), fmt(metric, vb), f"{va / vb - 1:+.0%}" if vb else "n/a")
                for member, va, vb, _, _ in best.rows
            ),
        )
    periods = tuple(daily.index)
    lower = a.value < b.value
    window = window_of(goal, ctx.today, default_days=7)
    return Finding(
        kind=FindingKind.EXPLAIN,
        title=(
            f"Why {label.lower()} is {'lower' if lower else 'higher'} for {name_a} than {name_b}"
            if test.significant
            else f"{label}: {name_a} and {name_b} within normal variation"
        ),
        summary=" ".join(lines),
        facts={
            name_a: a.value,
            name_b: b.value,
            "relative_gap": a.value / b.value - 1,
            "p_value": None if math.isnan(test.p_value) else test.p_value,
            "significant": test.significant,
            "test": test.method,
            "window": window.describe(),
            "mix_share": {s.dimension: s.mix for s in splits if s.mix == s.mix} or None,
        },
        table=table,
        evidence=tuple(evidence),
        confidence=0.85 if test.significant else 0.75,
        chart=ChartSpec(
            kind="line",
            title=f"{label}: {name_a} vs {name_b}",
            subtitle=f"daily, {periods[0]:%b %-d} – {window.describe()}" if periods else "daily",
            series=(
                Series(name=name_a, x=periods, y=tuple(daily["a"])),
                Series(name=name_b, x=periods, y=tuple(daily["b"])),
            ),
            y_label=label,
            unit=definition.format,
        ),
    )


def _counts(side: Total, unit: str) -> str:
    """' (259 of 14,586)' for a proportion, '' otherwise."""
    if unit != "percent" or side.numerator is None or side.denominator is None:
        return ""
    return f" ({side.numerator:,.0f} of {side.denominator:,.0f})"


def _daily_ratio(
    ctx: AnalysisContext,
    metric: str,
    side_a: Mapping[str, str],
    side_b: Mapping[str, str],
    prior: Window,
    window: Window,
) -> tuple[pd.DataFrame, list[Evidence]]:
    """Both sides' daily values over the prior weeks and the window, by day."""
    span = Window(start=prior.start, end=window.end)
    frames, evidence = [], []
    for side in (side_a, side_b):
        result = ctx.run(MetricRequest(metric=metric, window=span, filters=dict(side), grain="day"))
        evidence.append(result.evidence)
        frames.append(result.frame.set_index("period")["value"].astype(float))
    daily = pd.concat(frames, axis=1, keys=["a", "b"]).sort_index()
    daily.index = pd.to_datetime(daily.index)
    return daily, evidence


def _is_it_new(
    ctx: AnalysisContext,
    metric: str,
    daily: pd.DataFrame,
    window: Window,
    prior: Window,
    name_a: str,
    name_b: str,
) -> str:
    """'The gap is not new: over the 8 weeks before, …', or how it changed, day by day."""
    fmt = ctx.layer.format_value
    ok = (daily["a"] > 0) & (daily["b"] > 0)
    logs = np.log(daily["a"][ok] / daily["b"][ok])
    in_window = (logs.index >= pd.Timestamp(window.start)) & (logs.index < pd.Timestamp(window.end))
    in_prior = (logs.index >= pd.Timestamp(prior.start)) & (logs.index < pd.Timestamp(prior.end))
    before, now = logs[in_prior], logs[in_window]
    if len(before) < 7 or len(now) < 2:
        return f"{prior.describe()} holds too few days with both to say whether the gap is new."
    then = daily[
        (daily.index >= pd.Timestamp(prior.start)) & (daily.index < pd.Timestamp(prior.end))
    ]
    then_a, then_b = float(then["a"].mean()), float(then["b"].mean())
    ratio_then, ratio_now = math.exp(before.mean()) - 1, math.exp(now.mean()) - 1
    weeks = prior.end == window.start and prior.days == PRIOR_DAYS
    when = f"over the {PRIOR_DAYS // 7} weeks before" if weeks else f"in {prior.describe()}"
    then_text = (
        f"{when}, {name_a} averaged {fmt(metric, then_a)} a day against "
        f"{fmt(metric, then_b)} ({_gap_words(ratio_then)} on a typical day)"
    )
    test = welch(list(before), list(now))
    if math.isnan(test.p_value) or test.p_value >= NEW_GAP_P:
        return (
            f"The gap is not new: {then_text}, and on a typical day of this period it is "
            f"{_gap_words(ratio_now)} (no change beyond noise: {test.method}, "
            f"p={test.p_value:.2f})."
        )
    wider = abs(now.mean()) > abs(before.mean())
    return (
        f"The gap {'widened' if wider else 'narrowed'} in this period: {then_text}; on a typical "
        f"day of this period it is {_gap_words(ratio_now)} ({test.method}, p={test.p_value:.1g})."
    )


def _gap_words(ratio: float) -> str:
    return f"{abs(ratio):.0%} {'below' if ratio < 0 else 'above'}"


def _funnel(
    ctx: AnalysisContext,
    metric: str,
    side_a: Mapping[str, str],
    side_b: Mapping[str, str],
    window: Window,
    name_a: str,
    name_b: str,
) -> tuple[str, list[Evidence]]:
    """'By funnel step, mobile parts from desktop at session → add to cart (…); … are close.'"""
    a = step_counts(ctx, metric, side_a, window)
    b = step_counts(ctx, metric, side_b, window)
    if a is None or b is None:
        return "", []
    whole = log_ratio(
        b.counts[-1] / b.counts[0] if b.counts[0] else 0,
        a.counts[-1] / a.counts[0] if a.counts[0] else 0,
    )
    parted, close = [], []
    tests = len(a.counts) - 1
    for (name, (a0, a1)), (_, (b0, b1)) in zip(a.steps(), b.steps(), strict=True):
        rate_a, rate_b = (a1 / a0 if a0 else math.nan), (b1 / b0 if b0 else math.nan)
        words = f"{name} ({_pct(rate_a)} against {_pct(rate_b)})"
        step = log_ratio(rate_b, rate_a) if rate_a == rate_a and rate_b == rate_b else 0.0
        if two_proportion_p(b1, b0, a1, a0) < STEP_ALPHA / tests:
            share = step / whole if whole else 0.0
            parted.append((abs(step), words + (f", {share:.0%} of the gap" if whole else "")))
        else:
            close.append(words)
    evidence = [a.evidence, b.evidence]
    if not parted:
        return "No step of the funnel differs beyond noise between the two on its own.", evidence
    text = f"By funnel step, {name_a} parts from {name_b} at " + "; ".join(
        w for _, w in sorted(parted, reverse=True)
    )
    if close:
        text += (
            f", while {', '.join(close[:-1]) + ' and ' + close[-1] if len(close) > 1 else close[0]}"
            f" {'are' if len(close) > 1 else 'is'} about the same"
        )
    return text + ".", evidence


def _pct(rate: float) -> str:
    return "n/a" if rate != rate else f"{rate * 100:.1f}%"


def _split(
    ctx: AnalysisContext,
    metric: str,
    dimension: str,
    side_a: Mapping[str, str],
    side_b: Mapping[str, str],
    window: Window,
    *,
    ratio: bool,
) -> tuple[Split | None, list[Evidence]]:
    """The two sides by `dimension`; a rate's gap split into mix and rate (each effect at the
    mean of the other factor, so the two add up to the gap)."""
    frames, evidence = [], []
    for side in (side_a, side_b):
        result = ctx.run(
            MetricRequest(metric=metric, window=window, filters=dict(side), group_by=(dimension,))
        )
        evidence.append(result.evidence)
        frame = result.frame.set_index(dimension)
        volume = frame["denominator"] if ratio and "denominator" in frame else frame["value"]
        frames.append((frame["value"].astype(float), volume.astype(float)))
    (va, wa), (vb, wb) = frames
    members = sorted(set(va.index) | set(vb.index), key=str)
    if len(members) < 2:
        return None, evidence
    va, vb = va.reindex(members), vb.reindex(members)
    wa, wb = wa.reindex(members).fillna(0.0), wb.reindex(members).fillna(0.0)
    mix = math.nan
    if ratio and wa.sum() > 0 and wb.sum() > 0:
        sa, sb = wa / wa.sum(), wb / wb.sum()
        ra, rb = va.fillna(vb), vb.fillna(va)  # a member one side lacks adds mix, not rate
        mix_part = float(((sa - sb) * (ra + rb) / 2).sum())
        rate_part = float(((ra - rb) * (sa + sb) / 2).sum())
        whole = mix_part + rate_part
        mix = mix_part / whole if whole else math.nan
        overall = np.sign(whole)
    else:
        overall = np.sign(float(va.fillna(0).sum() - vb.fillna(0).sum()))
    big = (wa >= MIN_MEMBER_SHARE * wa.sum()) & (wb >= MIN_MEMBER_SHARE * wb.sum())
    diff = np.sign(va - vb)
    held = tuple(str(m) for m in members if big[m] and diff[m] == overall)
    against = tuple(str(m) for m in members if big[m] and diff[m] == -overall)
    rows = tuple(
        (str(m), float(va[m]), float(vb[m]), float(wa[m]), float(wb[m]))
        for m in members
        if va[m] == va[m] and vb[m] == vb[m]
    )
    return (
        Split(dimension=dimension, rows=rows, mix=mix, held_in=held, against=against),
        evidence,
    )


def _spread(split: Split) -> float:
    """How far the gap differs across the members (max − min relative gap)."""
    gaps = [va / vb - 1 for _, va, vb, _, _ in split.rows if vb]
    return max(gaps) - min(gaps) if gaps else 0.0


def _where_text(
    ctx: AnalysisContext, splits: list[Split], name_a: str, name_b: str, *, lower: bool
) -> str:
    """Mix or not (a rate), and the members in which the gap holds or turns."""
    side = "below" if lower else "above"
    mixed = [s for s in splits if s.mix == s.mix and s.mix >= MIX_WORTH_SAYING]
    if mixed:
        top = max(mixed, key=lambda s: s.mix)
        return (
            f"Part of it ({top.mix:.0%}) is mix: {name_a} and {name_b} draw on different "
            f"{dimension_words(ctx, top.dimension)}; the rest is the difference within them."
        )
    even = [dimension_words(ctx, s.dimension, many=False) for s in splits if not s.against]
    turned = [member for s in splits for member in s.against]
    parts = []
    if even:
        joined = even[0] if len(even) == 1 else ", ".join(even[:-1]) + " and " + even[-1]
        parts.append(f"{name_a} runs {side} {name_b} in every {joined}")
    if turned:
        parts.append(
            f"{'but ' if even else f'{name_a} runs {side} {name_b} in most segments, but '}"
            f"not in {' or '.join(turned)}"
        )
    sentence = "; ".join(parts)
    if any(s.mix == s.mix for s in splits):
        return f"It is not a difference of mix: {sentence}."
    return sentence[:1].upper() + sentence[1:] + "."


def _count_value(
    ctx: AnalysisContext,
    metric: str,
    side_a: Mapping[str, str],
    side_b: Mapping[str, str],
    window: Window,
) -> tuple[str, list[Evidence]]:
    """'Of the gap, how many orders accounts for 80% and order value for 20%.'"""
    average = average_metric_of(ctx.layer, metric)
    if average is None:
        return "", []
    a = total(ctx, average.name, window, side_a)
    b = total(ctx, average.name, window, side_b)
    if None in (a.numerator, a.denominator, b.numerator, b.denominator):
        return "", [a.evidence, b.evidence]
    n_a, n_b = float(a.denominator or 0), float(b.denominator or 0)
    count_effect = (n_a - n_b) * (a.value + b.value) / 2
    value_effect = (a.value - b.value) * (n_a + n_b) / 2
    whole = count_effect + value_effect
    if not whole:
        return "", [a.evidence, b.evidence]
    fmt = ctx.layer.format_value
    count_word = count_label_of(ctx.layer, average)
    return (
        f"Of the gap, the number of {count_word} ({n_a:,.0f} against {n_b:,.0f}) accounts for "
        f"{count_effect / whole:.0%} and the {average.label.lower()} "
        f"({fmt(average.name, a.value)} against {fmt(average.name, b.value)}) for "
        f"{value_effect / whole:.0%}.",
        [a.evidence, b.evidence],
    )
