"""From a goal to the engine's answer: windows, search dimensions, leaves, noise, search."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from agent.analyses.base import (
    AnalysisContext,
    baseline_of,
    metric_of,
    missing_data,
    no_data_finding,
    outside_data,
    window_of,
)
from agent.analyses.explain.count_value import CountValueSplit, count_value_split
from agent.analyses.explain.finding import build_finding
from agent.analyses.explain.funnel import FunnelChange, funnel_change
from agent.analyses.explain.gap import explain_gap
from agent.analyses.explain.leaves import (
    History,
    Leaves,
    fetch_leaves,
    is_proportion,
    noise_history,
    search_dimensions,
    shape_of,
)
from agent.analyses.explain.onset import Onset, find_onset
from agent.analyses.explain.outlier_day import (
    ComparedDay,
    OutlierDay,
    outlier_day,
    unusual_compared_day,
)
from agent.analyses.explain.verdict import Against, explain_leaves
from agent.analyses.rca import RCAResult
from agent.domain import Finding, FindingKind, Goal, Window


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
    funnel: FunnelChange | None = None  # the change by funnel step, inside the top cause
    onset: Onset | None = None  # when the window is where the move began (no period asked)
    split: CountValueSplit | None = None  # a sum as count × average (orders × order value)
    outlier: OutlierDay | None = None  # one day of either period behind the top cause's change
    # The day compared with held something of its own (a spike last Friday), in the top
    # cause's segment when one is named, else in the asked scope.
    compared: ComparedDay | None = None
    compared_in: dict[str, str] | None = None
    # The day first compared with was unusual: this answer is against its usual_day.
    rebased: ComparedDay | None = None


def explain(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Why the metric moved from the baseline to the window: the few segments behind it; or,
    asked of two segments ("why is mobile lower than desktop?"), why they differ."""
    if goal.compare:
        return explain_gap(goal, ctx)
    done = explain_result(goal, ctx)
    if isinstance(done, Finding):
        return (done,)
    return (build_finding(ctx, done, asked=goal.group_by),)


def explain_result(goal: Goal, ctx: AnalysisContext) -> Explained | Finding:
    """The engine's answer for a goal, or a no-data finding when a window holds nothing.

    A day compared with the same weekday a week before by default (the text named no
    baseline), when that weekday was itself unusual in the scope asked about (Cyber Monday,
    or a Monday of an incident), is compared with the latest usual one instead, and the
    answer says so: against an unusual day, "rose, within normal variation" hides a fall
    against any normal one."""
    done = _explained(goal, ctx)
    if not isinstance(done, Explained) or goal.baseline_stated:
        return done
    unusual = _unusual_default_day(ctx, done)
    if unusual is None or unusual.usual_day is None:
        return done
    day = unusual.usual_day
    again = _explained(replace(goal, baseline=Window(start=day, end=day + timedelta(days=1))), ctx)
    if not isinstance(again, Explained):
        return done
    return replace(again, rebased=unusual)


def _unusual_default_day(ctx: AnalysisContext, done: Explained) -> ComparedDay | None:
    """The whole scope's compared day, when it is the default (one day against the same
    weekday a week before) and was unusual. The answer checks the top cause's segment
    first; an unusual day there says nothing of the whole scope's, so that is read too."""
    if done.compared is None or done.window.days != 1:
        return None  # no scope's compared day was unusual, the whole one included
    if done.baseline.start != done.window.start - timedelta(days=7):
        return None
    if done.compared_in == {}:
        return done.compared
    return unusual_compared_day(ctx, done.metric, done.filters, done.window, done.baseline)


def _explained(goal: Goal, ctx: AnalysisContext) -> Explained | Finding:
    metric = metric_of(goal)
    shape = shape_of(ctx, metric)
    window = window_of(goal, ctx.today, default_days=7)
    baseline = baseline_of(goal, window)
    filters = {k: str(v) for k, v in goal.filters.items()}
    dims = search_dimensions(ctx, metric, filters, goal.group_by)
    onset = None if goal.window_stated else find_onset(ctx, metric, shape, filters, dims)
    if onset is not None:
        window, baseline = onset.window, onset.baseline
    gap = missing_data(ctx, metric, (window, baseline))
    if gap:
        # 13 days of December against all of January would read as +137%, "broad".
        label = ctx.layer.metric(metric).label
        return Finding(
            kind=FindingKind.NO_DATA,
            title=f"{label}: can't compare {window.describe()} with {baseline.describe()}",
            summary=(
                f"I can't say why {label.lower()} moved from {baseline.describe()} to "
                f"{window.describe()}: {gap}. Ask about periods the data holds on both sides."
            ),
            confidence=1.0,
        )
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
    scaled = 1.0
    if not shape.ratio and baseline.days != window.days:
        # Sums over windows of different lengths compare per day, not in total.
        scaled = window.days / baseline.days
        frame = frame.assign(value_base=frame["value_base"] * scaled)
    judged = explain_leaves(
        frame,
        leaves.dims,
        parts,
        against=Against.PERIODS,
        history=history.changes,
        proportion=proportion,
    )
    result = judged.result
    funnel = None
    if not result.within_noise:
        # The step that broke, where it broke: inside the top cause when one is named.
        inside = dict(filters)
        if result.root_causes:
            inside.update(result.root_causes[0].where)
        funnel = funnel_change(ctx, metric, inside, window, baseline)
    outlier = None
    if not result.within_noise and result.root_causes:
        inside = {**filters, **result.root_causes[0].where}
        outlier = outlier_day(ctx, metric, inside, window, baseline)
    compared, compared_in = None, None
    scopes = [{**filters, **rc.where} for rc in result.root_causes[:1]] + [dict(filters)]
    for scope in scopes:
        compared = unusual_compared_day(ctx, metric, scope, window, baseline)
        if compared is not None:
            compared_in = {k: v for k, v in scope.items() if k not in filters}
            break
    # How many and how much each: arithmetic of the asked scope, said whatever the verdict.
    split = (
        None
        if shape.ratio
        else count_value_split(ctx, metric, filters, window, baseline, scaled=scaled)
    )
    return Explained(
        metric=metric,
        window=window,
        baseline=baseline,
        filters=filters,
        leaves=leaves,
        history=history,
        result=judged.result,
        baseline_scaled=scaled,
        local=judged.local,
        funnel=funnel,
        onset=onset,
        split=split,
        outlier=outlier,
        compared=compared,
        compared_in=compared_in,
    )
