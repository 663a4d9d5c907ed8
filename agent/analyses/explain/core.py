"""From a goal to the engine's answer: windows, search dimensions, leaves, noise, search."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agent.analyses.base import (
    AnalysisContext,
    baseline_of,
    metric_of,
    no_data_finding,
    outside_data,
    window_of,
)
from agent.analyses.explain.finding import build_finding
from agent.analyses.explain.leaves import (
    History,
    Leaves,
    fetch_leaves,
    is_proportion,
    noise_history,
    search_dimensions,
    shape_of,
)
from agent.analyses.explain.verdict import (
    Verdict,
    judge_segment,
    judge_total,
    overdispersion,
    scan_segments,
)
from agent.analyses.rca import (
    RCAResult,
    SearchParams,
    describe_where,
    explain_change,
    explain_ratio_change,
)
from agent.analyses.rca.decompose import ratio_parts
from agent.analyses.rca.noise import confidence
from agent.domain import Finding, Goal, RootCause, Window

MAX_CAUSES = 3


@dataclass(frozen=True, kw_only=True)
class Explained:
    """Everything the finding is written from."""

    metric: str
    window: Window
    baseline: Window
    filters: dict[str, str]
    leaves: Leaves
    history: History
    result: RCAResult
    baseline_scaled: float  # factor applied to an additive baseline of another length
    local: bool  # the total is within noise but the top segment is not


def explain(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Why the metric moved from the baseline to the window: the few segments behind it."""
    done = explain_result(goal, ctx)
    if isinstance(done, Finding):
        return (done,)
    return (build_finding(ctx, done, asked=goal.group_by),)


def explain_result(goal: Goal, ctx: AnalysisContext) -> Explained | Finding:
    """The engine's answer for a goal, or a no-data finding when a window holds nothing."""
    metric = metric_of(goal)
    shape = shape_of(ctx, metric)
    window = window_of(goal, ctx.today, default_days=7)
    baseline = baseline_of(goal, window)
    filters = {k: str(v) for k, v in goal.filters.items()}
    dims = search_dimensions(ctx, metric, filters, goal.group_by)
    leaves = fetch_leaves(ctx, metric, shape, dims, filters, window, baseline)
    frame = leaves.frame
    parts = shape.parts
    for period, evidence, span in (
        ("_cur", leaves.evidence[1], window),
        ("_base", leaves.evidence[0], baseline),
    ):
        held = frame[f"{parts[-1]}{period}"].abs().sum() if len(frame) else 0.0
        if held == 0 or outside_data(ctx, metric, span):
            return no_data_finding(ctx, metric, span, evidence)
    history = noise_history(ctx, metric, shape, filters, window, baseline)
    proportion = is_proportion(frame, shape, ctx.layer.metric(metric).format)
    # Leaves hold a handful of conversions each: shrink them toward their segments' rates.
    params = dataclasses.replace(SearchParams.for_periods(), main_effects_prior=True)
    scaled = 1.0
    # The engine always searches here (no noise model): whether to report what it found is
    # decided below, on the total and then on the top segment alone (verdict.py).
    if shape.ratio:
        num, den = parts
        result = explain_ratio_change(
            frame,
            leaves.dims,
            num_base=f"{num}_base",
            den_base=f"{den}_base",
            num_cur=f"{num}_cur",
            den_cur=f"{den}_cur",
            max_causes=MAX_CAUSES,
            counts=False,
            params=params,
        )
    else:
        if baseline.days != window.days:
            # Sums over windows of different lengths compare per day, not in total.
            scaled = window.days / baseline.days
            frame = frame.assign(value_base=frame["value_base"] * scaled)
        result = explain_change(
            frame,
            leaves.dims,
            baseline="value_base",
            current="value_cur",
            max_causes=MAX_CAUSES,
            params=params,
        )
    result, local = _judged(result, frame, leaves.dims, parts, history.changes, proportion)
    return Explained(
        metric=metric,
        window=window,
        baseline=baseline,
        filters=filters,
        leaves=leaves,
        history=history,
        result=result,
        baseline_scaled=scaled,
        local=local,
    )


def _judged(
    result: RCAResult,
    frame: pd.DataFrame,
    dims: tuple[str, ...],
    parts: tuple[str, ...],
    history: tuple[float, ...],
    proportion: bool,
) -> tuple[RCAResult, bool]:
    """The engine's search, kept only when the total or one segment is beyond noise."""
    counts: tuple[float, float, float, float] | None = None
    if proportion:
        num, den = parts
        counts = (
            float(frame[f"{num}_base"].sum()),
            float(frame[f"{den}_base"].sum()),
            float(frame[f"{num}_cur"].sum()),
            float(frame[f"{den}_cur"].sum()),
        )
    verdict = judge_total(result.total_change, result.total_baseline, history, counts)
    causes = result.root_causes
    significance: dict[str, float] = {}
    if proportion and counts is not None:
        pair = (parts[0], parts[1])
        phi = overdispersion(history, counts)
        if verdict.within:
            local = _local(causes, result, frame, dims, pair, phi, counts)
            if local is not None:
                top, check = local
                causes = (top, *(rc for rc in causes if rc.where != top.where))
                verdict = Verdict(
                    within=False,
                    reason=f"the total alone is within normal variation ({verdict.reason}), "
                    f"but {describe_where(top.where)} is not: {check.reason}",
                    z=check.z,
                    local=True,
                )
        # A later cause must stand out of its own noise too; the first carries the verdict.
        kept = []
        for index, cause in enumerate(causes):
            check = judge_segment(cause.where, frame, pair, phi)
            significance[describe_where(cause.where)] = check.p
            if index == 0 or not check.within:
                kept.append(cause)
        causes = tuple(kept)
    # A segment that moved against the total is an offset, not a reason for the move; unless
    # the total is ordinary and the segment is the news.
    causes = tuple(
        rc for i, rc in enumerate(causes) if rc.explains > 0 or (verdict.local and i == 0)
    )
    if verdict.within:
        causes = ()
    explained = sum(rc.explains for rc in causes) if causes else 0.0
    judged = dataclasses.replace(
        result,
        root_causes=causes,
        explained=explained if causes != result.root_causes else result.explained,
        within_noise=verdict.within,
        noise_reason=verdict.reason,
        confidence=0.9 if verdict.within else confidence(explained, verdict.z),
        significance=significance,
    )
    return judged, verdict.local


def _local(
    causes: tuple[RootCause, ...],
    result: RCAResult,
    frame: pd.DataFrame,
    dims: tuple[str, ...],
    pair: tuple[str, str],
    phi: float,
    counts: tuple[float, float, float, float],
) -> tuple[RootCause, Verdict] | None:
    """The total is ordinary: the segment that is not, with its verdict, if there is one.

    First the search's top cause. A cause the drill-down narrowed is judged on the segment
    the search chose too: that segment was the hypothesis tested, and the child only refines
    where inside it the change sits (closed testing: parent first, then the child). Then a
    scan of every two-dimension segment (verdict.py, step 3).
    """
    if causes:
        top = causes[0]
        check = judge_segment(top.where, frame, pair, phi)
        parent = result.refined.get(describe_where(top.where))
        if not check.local and parent is not None:
            check = judge_segment(parent, frame, pair, phi)
        if check.local:
            return top, check
    scanned = scan_segments(frame, dims, pair)
    if scanned is None:
        return None
    return _ratio_cause(frame, scanned.where, pair, counts, result.total_change), scanned.verdict


def _ratio_cause(
    frame: pd.DataFrame,
    where: dict[str, str],
    pair: tuple[str, str],
    totals: tuple[float, float, float, float],
    change: float,
) -> RootCause:
    """A ratio segment as the engine reports its causes: rates, rate and mix effects."""
    mask = np.ones(len(frame), dtype=bool)
    for dim, value in where.items():
        mask &= (frame[dim] == value).to_numpy()
    rows = frame.loc[mask]
    num, den = pair
    sums = (
        float(rows[f"{num}_base"].sum()),
        float(rows[f"{den}_base"].sum()),
        float(rows[f"{num}_cur"].sum()),
        float(rows[f"{den}_cur"].sum()),
    )
    parts = ratio_parts(*sums, totals=totals)
    return RootCause(
        where=where,
        baseline=parts.rate_base,
        current=parts.rate_cur,
        change=parts.rate_cur - parts.rate_base,
        explains=parts.contribution / change if change else 0.0,
        rate_effect=parts.rate_effect,
        mix_effect=parts.mix_effect,
    )
