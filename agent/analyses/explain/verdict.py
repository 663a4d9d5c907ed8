"""Scout's one root-cause policy: how the engine searches, and what of its answer is reported.

Every door goes through `explain_leaves`: `scout ask` and the monitor (core.py, on leaves from
the warehouse), `scout explain FILE.csv` (bot/commands/explain.py) and bench/. It picks the
search preset from what the leaves are compared with (each leaf's own forecast, or an earlier
period), lets the engine search without a noise model, then judges what it found.

The verdict asks two questions (three, when both say "normal"), because a real drop in one
segment can hide in a noisy total (a fifth of the traffic converting 40% worse moves a small
store's weekly rate about as much as chance does):

1. the total: its change in units of its own past period-over-period changes (median ± MAD
   of the history), and for proportions also the two-proportion z-test on the counts. The
   change is ordinary when either says so: real variability is the larger of the two.
2. the segment the search ranked first: its own two-proportion test, deflated by the
   overdispersion the history shows beyond binomial noise, and Bonferroni-corrected over
   the segments it competed with (its siblings: same dimensions, other values), ten times
   stricter per extra dimension. Only for proportions, where the counts give each segment
   its own noise level.
3. when neither found anything: every two-dimension segment, each by the same exact test on
   its counts, Bonferroni-corrected over all of them at a strict 1% family-wise level (the
   total has already said "normal", so naming a cause needs strong evidence). The search can
   miss such a segment: it is a mid-sized corner whose siblings rose while it fell, so the
   total barely moved and the segment does not stand out of its cuboid's spread by much.
   Their z-values double as an empirical null: if they are wider than binomial noise
   (overdispersed data) every z is deflated by that spread.

Between periods, a segment that moved against the total is an offset, not a reason for the
move, and is dropped (unless the total is ordinary and that segment is the news). Against a
forecast it stays: every leaf has its own expectation, so a segment far below its forecast is
an anomaly whichever way the sum of everyone's forecast errors went.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from agent.analyses.rca import (
    RCAResult,
    SearchParams,
    describe_where,
    explain_change,
    explain_ratio_change,
)
from agent.analyses.rca.cuboids import segment_values
from agent.analyses.rca.decompose import ratio_parts
from agent.analyses.rca.model import NoiseModel
from agent.analyses.rca.noise import confidence, judge
from agent.analyses.stats import (
    robust_scale,
    two_proportion_z,
    two_sided_p,
    two_sided_z,
)
from agent.domain import RootCause

MAX_CAUSES = 3
Z_LIMIT = 2.5
SEGMENT_ALPHA = 0.05
# Weighted Bonferroni: a cause of one more dimension needs ten times the evidence. Simple
# causes are the likelier ones a priori, and deeper cuboids hold many more segments.
DEPTH_PRIOR = 10.0
SCAN_ALPHA = 0.01
SCAN_DIMS = 2


@dataclass(frozen=True, kw_only=True)
class Verdict:
    within: bool
    reason: str
    z: float | None  # the evidence in noise units, for the confidence
    local: bool = False  # the total is ordinary but one segment is not
    p: float = 1.0  # a segment's p-value (step 2 only)


class Against(StrEnum):
    """What the current values are compared with: it decides the search preset."""

    FORECAST = "forecast"  # each leaf against its own expected value
    PERIODS = "periods"  # the same leaves in an earlier period


@dataclass(frozen=True, kw_only=True)
class Judged:
    """The engine's answer after the verdict, and whether only a segment (not the total) is news."""

    result: RCAResult
    local: bool


def explain_leaves(
    leaves: pd.DataFrame,
    dims: Sequence[str],
    parts: tuple[str, ...],
    *,
    against: Against,
    history: tuple[float, ...] = (),
    proportion: bool = False,
    max_causes: int = MAX_CAUSES,
) -> Judged:
    """Scout's root-cause answer for leaf rows: the engine's search, then this module's verdict.

    `leaves` has one row per combination of `dims` and the columns `<part>_base` and
    `<part>_cur` for each of `parts`: one part is an additive measure, two are the numerator
    and denominator of a ratio. `history` holds past relative changes of the total (empty
    when unknown); `proportion` says the ratio counts successes out of trials, so the
    binomial tests apply.
    """
    params = _preset(against)
    if len(parts) == 2:
        num, den = parts
        result = explain_ratio_change(
            leaves,
            dims,
            num_base=f"{num}_base",
            den_base=f"{den}_base",
            num_cur=f"{num}_cur",
            den_cur=f"{den}_cur",
            max_causes=max_causes,
            counts=False,
            params=params,
        )
    else:
        (value,) = parts
        result = explain_change(
            leaves,
            dims,
            baseline=f"{value}_base",
            current=f"{value}_cur",
            max_causes=max_causes,
            params=params,
        )
    return _judged(
        result,
        leaves,
        tuple(dims),
        parts,
        history,
        proportion=proportion,
        offsets=against is Against.FORECAST,
    )


def _preset(against: Against) -> SearchParams:
    if against is Against.FORECAST:
        return SearchParams.for_forecast()
    # Leaves between periods often hold a handful of events each: shrink them toward what
    # their one-dimension segments predict, not toward the overall rate.
    return dataclasses.replace(SearchParams.for_periods(), main_effects_prior=True)


def _judged(
    result: RCAResult,
    frame: pd.DataFrame,
    dims: tuple[str, ...],
    parts: tuple[str, ...],
    history: tuple[float, ...],
    *,
    proportion: bool,
    offsets: bool = False,
) -> Judged:
    """The engine's search, kept only when the total or one segment is beyond noise.

    `offsets` keeps causes that moved against the total (see the module's docstring).
    """
    # Causes name segments in text; numbers in a dimension column must still match them.
    frame = frame.assign(**{dim: segment_values(frame[dim]) for dim in dims})
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
    if not offsets:
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
    return Judged(result=judged, local=verdict.local)


def judge_total(
    change: float,
    baseline: float,
    history: tuple[float, ...],
    counts: tuple[float, float, float, float] | None,
) -> Verdict:
    """Step 1: the change of the total against history and (for proportions) the counts."""
    noise = NoiseModel(history=history, z=Z_LIMIT) if len(history) >= 3 else None
    by_history = judge(change, baseline, noise) if noise else None
    count_z = two_proportion_z(*counts) if counts else None
    reasons, zs = [], []
    if by_history is not None and by_history.z is not None:
        reasons.append(by_history.reason)
        zs.append(by_history.z)
    if count_z is not None and math.isfinite(count_z):
        reasons.append(f"the counts give z = {count_z:+.1f}")
        zs.append(count_z)
    if not zs:
        return Verdict(within=False, reason="no history to judge the noise by", z=None)
    z = min(zs, key=abs)
    return Verdict(within=abs(z) < Z_LIMIT, reason="; ".join(reasons), z=z)


def overdispersion(history: tuple[float, ...], counts: tuple[float, float, float, float]) -> float:
    """How much wider past relative changes were than binomial noise alone (>= 1)."""
    if len(history) < 3 or counts[0] <= 0 or counts[2] <= 0:
        return 1.0
    hist = np.asarray(history, dtype=float)
    spread = robust_scale(hist)
    binomial = math.sqrt(1 / counts[0] + 1 / counts[2])  # relative s.e. of a rate ratio
    return max(1.0, (spread / binomial) ** 2)


def judge_segment(
    where: Mapping[str, str],
    leaves: pd.DataFrame,
    parts: tuple[str, str],
    phi: float,
) -> Verdict:
    """Step 2: does the segment's own rate change stand out of its own noise?

    The test conditions on the segment's conversions of both periods (exact binomial: is the
    current share of them what its share of the traffic predicts?), which stays honest for
    segments with a handful of conversions where the normal approximation is not.
    """
    mask = np.ones(len(leaves), dtype=bool)
    for dim, value in where.items():
        mask &= (leaves[dim] == value).to_numpy()
    z = _segment_z(_counts(leaves.loc[mask], parts)) / math.sqrt(phi)
    p = two_sided_p(z)
    siblings = int(leaves.groupby(list(where)).ngroups)
    depth = len(where)
    limit = SEGMENT_ALPHA / max(siblings, 1) / DEPTH_PRIOR ** (depth - 1)
    stands_out = p < limit
    reason = (
        f"its own rate change gives p = {p:.1g}, against {limit:.1g} for one of {siblings} "
        f"segments of {depth} dimension{'s' if depth > 1 else ''}"
    )
    return Verdict(within=not stands_out, reason=reason, z=z, local=stands_out, p=p)


@dataclass(frozen=True, kw_only=True)
class Scanned:
    """The segment a scan found, with the verdict that names it."""

    where: dict[str, str]
    verdict: Verdict


def scan_segments(
    leaves: pd.DataFrame, dims: Sequence[str], parts: tuple[str, str]
) -> Scanned | None:
    """Step 3: the most significant two-dimension segment, if any passes Bonferroni at 1%."""
    found: list[tuple[dict[str, str], float]] = []
    columns = [f"{parts[0]}_base", f"{parts[1]}_base", f"{parts[0]}_cur", f"{parts[1]}_cur"]
    for pair in itertools.combinations(dims, min(SCAN_DIMS, len(dims))):
        sums = leaves.groupby(list(pair), sort=True)[columns].sum()
        for key, row in zip(sums.index, sums.to_numpy(dtype=float), strict=True):
            values = key if isinstance(key, tuple) else (key,)
            counts = (row[0], row[1], row[2], row[3])
            if counts[0] + counts[2] > 0 and counts[1] > 0 and counts[3] > 0:
                found.append((dict(zip(pair, map(str, values), strict=True)), _segment_z(counts)))
    if not found:
        return None
    zs = np.array([z for _, z in found])
    spread = max(1.0, robust_scale(zs))
    where, z = max(found, key=lambda item: abs(item[1]))
    z /= spread
    p = two_sided_p(z)
    limit = SCAN_ALPHA / len(found)
    if p >= limit:
        return None
    reason = (
        f"its own rate change gives p = {p:.1g}, against {limit:.1g} for the most extreme of "
        f"{len(found)} segments of {len(where)} dimensions"
    )
    return Scanned(where=where, verdict=Verdict(within=False, reason=reason, z=z, local=True, p=p))


def _counts(rows: pd.DataFrame, parts: tuple[str, str]) -> tuple[float, float, float, float]:
    num, den = parts
    return (
        float(rows[f"{num}_base"].sum()),
        float(rows[f"{den}_base"].sum()),
        float(rows[f"{num}_cur"].sum()),
        float(rows[f"{den}_cur"].sum()),
    )


def _segment_z(counts: tuple[float, float, float, float]) -> float:
    """Signed z of the exact conditional binomial test of a segment's two rates."""
    nb, db, nc, dc = counts
    p_raw = 1.0
    # Counts can be fractional (a baseline averaged over several periods): the test needs
    # at least one whole event, or there is nothing to test.
    events = round(nb + nc)
    if events >= 1 and db > 0 and dc > 0:
        p_raw = float(binomtest(round(nc), events, dc / (db + dc)).pvalue)
    rising = db > 0 and dc > 0 and nc / dc >= nb / db
    return (1.0 if rising else -1.0) * two_sided_z(max(p_raw, 1e-300))


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
