"""Scout's one root-cause policy: how the engine searches, and what of its answer is reported.

Every door goes through `explain_leaves`: `scout ask` and the monitor (core.py, on leaves from
the warehouse), `scout explain FILE.csv` (bot/commands/explain.py) and bench/. It picks the
search preset from what the leaves are compared with (each leaf's own forecast, or an earlier
period), lets the engine search without a noise model, then judges what it found.

Between periods the verdict asks:

1. the total: its change in units of its own past period-over-period changes (median ± MAD
   of the history), and for proportions also the two-proportion z-test on the counts. The
   change is ordinary when either says so: real variability is the larger of the two.
2. each segment: does its change depart from the change of the rest of the data
   (rca/departure.py)? Every segment of one and two dimensions is tested, with a weighted
   Bonferroni over all of them, enough volume required, z deflated by the spread of all the
   segments' z-values when it is wider than their sample sizes say. A cause the engine found is kept only if it departs in the direction of the
   total; the segment that departs most is named first even when the engine missed it. The
   biggest block of a move that hit everything alike departs from nothing, so when no
   segment departs the move is called broad, with the range of every value's change.
3. when the total is ordinary, a segment that departs (either way) is the news; and large moves in opposite directions that cancel in the total are shown as such
   (`offsets`), as are the moves against a cause that explains more than all of the change.

Against a forecast the engine's causes stay as they are: every leaf has its own expectation,
so a segment far below its forecast is an anomaly whichever way the sum of everyone's
forecast errors went.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from agent.analyses.rca import (
    RCAResult,
    SearchParams,
    describe_where,
    explain_change,
    explain_ratio_change,
)
from agent.analyses.rca.cuboids import build_lattice, segment_values
from agent.analyses.rca.decompose import ratio_parts
from agent.analyses.rca.departure import SCAN_DIMS, Counts, DepartureScan
from agent.analyses.rca.model import BORDERLINE_Z, NoiseModel, SegmentTest, Spread
from agent.analyses.rca.noise import confidence, judge
from agent.analyses.stats import successes_of_trials, two_proportion_z
from agent.domain import RootCause, format_segment

MAX_CAUSES = 3
Z_LIMIT = 2.5
MIRROR = 0.95  # of the top cause's |z|, for a segment along the total to lead instead
SEGMENT_ALPHA = 0.05  # family-wise, over every segment of one and two dimensions tested
OVER_ALL = 1.05  # a share of the change above this needs the moves against it shown


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
        max_causes=max_causes,
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
    max_causes: int = MAX_CAUSES,
) -> Judged:
    """The engine's search, kept only when the total or one segment is beyond noise.

    `offsets` (against a forecast) keeps the engine's causes as they are: every leaf has its
    own expectation. Between periods every cause must depart from the rest (departure.py).
    """
    # Causes name segments in text; numbers in a dimension column must still match them.
    frame = frame.assign(**{dim: segment_values(frame[dim]) for dim in dims})
    counts = _counts(frame, parts)
    verdict = judge_total(
        result.total_change,
        result.total_baseline,
        history,
        counts.totals() if proportion else None,
        events=_events(frame, parts),
    )
    if offsets or not dims:
        return _done(result, result.root_causes, verdict, {}, None, ())
    # No overdispersion from the total's history here: what makes weekly totals swing more
    # than binomial noise (season, holidays) hits every segment alike and cancels in a
    # segment-against-the-rest comparison; what does not is caught by the scan's own spread.
    scan = DepartureScan(build_lattice(frame, dims, SCAN_DIMS), counts, alpha=SEGMENT_ALPHA)
    direction = math.copysign(1.0, result.total_change) if result.total_change else 0.0
    alpha = SEGMENT_ALPHA
    causes: list[RootCause] = []
    tests: dict[str, SegmentTest] = {}
    if verdict.within:
        # The total is ordinary: a segment that departs either way is the news.
        direction = 0.0
    found: list[RootCause] = []
    for rc in result.root_causes:
        test = scan.test(rc.where, alpha)
        if test.departs:
            found.append(rc)
            tests[describe_where(rc.where)] = test
    best = scan.best(alpha)
    if best is not None and not any(_overlaps(best.where, rc.where) for rc in found):
        found.append(_cause(frame, best.where, parts, counts.totals(), result.total_change))
        tests[describe_where(best.where)] = best
    found.sort(key=lambda rc: tests[describe_where(rc.where)].rank)
    toward = math.copysign(1.0, result.total_change) if result.total_change else 0.0
    if toward and found and all(tests[describe_where(rc.where)].z * toward < 0 for rc in found):
        # Everything found moved against the total: of mobile −33% and desktop +11% under a
        # total of −6% (each departs from the rest as far as the other, their rests holding
        # each other), the fall is mobile's and desktop's rise an offset, and mobile leads.
        # A weaker segment along the total is not put before a real cause that opposes it.
        along = scan.best(alpha, toward)
        strongest = abs(tests[describe_where(found[0].where)].z)
        if (
            along is not None
            and abs(along.z) >= MIRROR * strongest
            and not any(_overlaps(along.where, rc.where) for rc in found)
        ):
            found.insert(0, _cause(frame, along.where, parts, counts.totals(), result.total_change))
            tests[describe_where(along.where)] = along
    if direction:
        found = _without_echoes(scan, frame, parts, counts, result, found, tests, direction)
    causes = [rc for rc in found if tests[describe_where(rc.where)].z * direction >= 0]
    spread = None
    if not causes and not verdict.within:
        # Nothing departs in the total's direction: the move itself is broad, and a segment
        # that departed against it (if any) is the news.
        spread = scan.broad()
        causes = found
    causes = causes[:max_causes]
    if verdict.within and causes:
        top = tests[describe_where(causes[0].where)]
        verdict = Verdict(
            within=False,
            reason=f"the total alone is within normal variation ({verdict.reason}), but "
            f"{format_segment(top.where, style='words')} is not: {_test_reason(top)}",
            z=top.z,
            local=True,
        )
    elif not verdict.within and causes:
        top = tests[describe_where(causes[0].where)]
        verdict = dataclasses.replace(verdict, reason=f"{verdict.reason}; {_test_reason(top)}")
    moved_against = _offsets(scan, frame, parts, counts, result, causes, verdict)
    return _done(result, tuple(causes), verdict, tests, spread, moved_against)


def _without_echoes(
    scan: DepartureScan,
    frame: pd.DataFrame,
    parts: tuple[str, ...],
    counts: Counts,
    result: RCAResult,
    found: list[RootCause],
    tests: dict[str, SegmentTest],
    direction: float,
) -> list[RootCause]:
    """Causes that depart only because a stronger segment moved the other way sits in their
    rest: returning mobile customers flat while every other group rose ~70% make desktop
    (+72%) depart from its rest (+44%, the flat group inside). Left out of the comparison,
    desktop departs from nothing; the flat group is the story, told as the one that lagged."""
    against = scan.best(SEGMENT_ALPHA, -direction)
    if against is None:
        return found
    kept = []
    for rc in found:
        test = tests[describe_where(rc.where)]
        if (
            test.z * direction > 0
            and abs(against.z) > abs(test.z)
            and not scan.test_without(rc.where, against.where, SEGMENT_ALPHA).departs
            # … while the other still departs without it: two mirror images (mobile −33%,
            # desktop +11%, each in the other's rest) are no echo of each other.
            and scan.test_without(against.where, rc.where, SEGMENT_ALPHA).departs
        ):
            continue  # an echo of the segment that moved against the total
        kept.append(rc)
    if len(kept) == len(found):
        return found
    if not any(_overlaps(against.where, rc.where) for rc in kept):
        kept.insert(0, _cause(frame, against.where, parts, counts.totals(), result.total_change))
        tests[describe_where(against.where)] = against
    return kept


def _done(
    result: RCAResult,
    causes: tuple[RootCause, ...],
    verdict: Verdict,
    tests: dict[str, SegmentTest],
    spread: Spread | None,
    moved_against: tuple[RootCause, ...],
) -> Judged:
    if verdict.within:
        causes = ()
    explained = sum(rc.explains for rc in causes) if causes else 0.0
    judged = dataclasses.replace(
        result,
        root_causes=causes,
        explained=explained if causes != result.root_causes else result.explained,
        within_noise=verdict.within,
        noise_reason=verdict.reason,
        noise_z=verdict.z,
        # A broad move names no segment (a segment that lagged it explains none of it): trust
        # in it is trust that the total moved.
        confidence=_noise_confidence(verdict.z)
        if verdict.within
        else confidence(explained if causes and spread is None else 1.0, verdict.z),
        significance={
            k: t.p for k, t in tests.items() if k in {describe_where(c.where) for c in causes}
        },
        tests={k: t for k, t in tests.items() if k in {describe_where(c.where) for c in causes}},
        spread=spread,
        offsets=moved_against,
    )
    return Judged(result=judged, local=verdict.local)


def _noise_confidence(z: float | None) -> float:
    """Trust in "this is noise": lower when the move is larger than most past changes."""
    return 0.6 if z is not None and abs(z) >= BORDERLINE_Z else 0.9


def _overlaps(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """One segment contains the other (or they are the same)."""
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    return all(big.get(k) == v for k, v in small.items())


def _test_reason(test: SegmentTest) -> str:
    return (
        f"{format_segment(test.where, style='words')} moved {test.change:+.0%} against "
        f"{test.rest_change:+.0%} "
        f"for the rest (z = {test.z:+.1f}, p = {test.p:.1g} against {test.limit:.1g} after "
        f"correcting for {test.tested} segments tested)"
    )


def _offsets(
    scan: DepartureScan,
    frame: pd.DataFrame,
    parts: tuple[str, ...],
    counts: Counts,
    result: RCAResult,
    causes: list[RootCause],
    verdict: Verdict,
) -> tuple[RootCause, ...]:
    """Large moves against the story: what makes a share above 100%, or hides under a flat total.

    With a cause named, the one-dimension segments that departed the other way; with a total
    that did not move, the largest departing rise and fall.
    """
    movers = [t for t in scan.departing(SEGMENT_ALPHA) if t.enough]
    if not movers:
        return ()
    totals = counts.totals()
    change = result.total_change or 1e-300
    if causes:
        top = causes[0]
        if verdict.local or top.explains > OVER_ALL:
            sign = 1.0 if top.current >= top.baseline else -1.0
            against = [t for t in movers if t.z * sign < 0 and not _overlaps(t.where, top.where)]
            found = [_cause(frame, t.where, parts, totals, change) for t in against]
            return tuple(sorted(found, key=lambda rc: -abs(rc.explains))[:2])
        return ()
    if not verdict.within:
        return ()
    found = [_cause(frame, t.where, parts, totals, change) for t in movers]
    rises = [rc for rc in found if rc.current > rc.baseline]
    falls = [rc for rc in found if rc.current < rc.baseline]
    if not rises or not falls:
        return ()
    size = (
        (lambda rc: abs(rc.current - rc.baseline))
        if len(parts) == 1
        else (lambda rc: abs(rc.explains))
    )
    return (max(rises, key=size), max(falls, key=size))


def judge_total(
    change: float,
    baseline: float,
    history: tuple[float, ...],
    counts: tuple[float, float, float, float] | None,
    *,
    events: tuple[float, float] | None = None,
) -> Verdict:
    """Step 1: the change of the total against history and (for proportions) the counts.

    `events` (a count's two totals: units returned, tickets) sets a Poisson floor: ten past
    changes can give a spread narrower than the counts allow by chance (25 returns against
    15 is within Poisson noise, whatever the history's median deviation says)."""
    noise = NoiseModel(history=history, z=Z_LIMIT) if len(history) >= 3 else None
    by_history = judge(change, baseline, noise) if noise else None
    count_z = two_proportion_z(*counts) if counts else None
    if count_z is None and events is not None and sum(events) > 0:
        count_z = (events[1] - events[0]) / math.sqrt(sum(events))
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


def _events(frame: pd.DataFrame, parts: tuple[str, ...]) -> tuple[float, float] | None:
    """Both periods' totals of a sum of whole events (orders, tickets), else None."""
    if len(parts) != 1:
        return None
    values = frame[[f"{parts[0]}_base", f"{parts[0]}_cur"]].to_numpy(dtype=float)
    if not np.all(np.isfinite(values)) or (values < 0).any():
        return None
    if not np.allclose(values, np.round(values)):
        return None
    return (float(values[:, 0].sum()), float(values[:, 1].sum()))


def _counts(frame: pd.DataFrame, parts: tuple[str, ...]) -> Counts:
    """The leaves as numerators and denominators of both periods (1 for a sum's leaves)."""
    if len(parts) == 2:
        num, den = parts
        nb, db = frame[f"{num}_base"], frame[f"{den}_base"]
        nc, dc = frame[f"{num}_cur"], frame[f"{den}_cur"]
        proportion = successes_of_trials(nb, db) and successes_of_trials(nc, dc)
    else:
        (value,) = parts
        nb, nc = frame[f"{value}_base"], frame[f"{value}_cur"]
        db = dc = pd.Series(np.ones(len(frame)))
        proportion = False
    arrays = [
        pd.to_numeric(c, errors="coerce").fillna(0.0).to_numpy(float) for c in (nb, db, nc, dc)
    ]
    return Counts(nb=arrays[0], db=arrays[1], nc=arrays[2], dc=arrays[3], proportion=proportion)


def _cause(
    frame: pd.DataFrame,
    where: Mapping[str, str],
    parts: tuple[str, ...],
    totals: tuple[float, float, float, float],
    change: float,
) -> RootCause:
    """A segment as the engine reports its causes: values, share of the change (and for a
    ratio its rate and mix effects)."""
    mask = np.ones(len(frame), dtype=bool)
    for dim, value in where.items():
        mask &= (frame[dim] == value).to_numpy()
    rows = frame.loc[mask]
    if len(parts) == 1:
        b, c = float(rows[f"{parts[0]}_base"].sum()), float(rows[f"{parts[0]}_cur"].sum())
        return RootCause(
            where=dict(where),
            baseline=b,
            current=c,
            change=c - b,
            explains=(c - b) / change if change else 0.0,
        )
    num, den = parts
    sums = (
        float(rows[f"{num}_base"].sum()),
        float(rows[f"{den}_base"].sum()),
        float(rows[f"{num}_cur"].sum()),
        float(rows[f"{den}_cur"].sum()),
    )
    ratio = ratio_parts(*sums, totals=totals)
    return RootCause(
        where=dict(where),
        baseline=ratio.rate_base,
        current=ratio.rate_cur,
        change=ratio.rate_cur - ratio.rate_base,
        explains=ratio.contribution / change if change else 0.0,
        rate_effect=ratio.rate_effect,
        mix_effect=ratio.mix_effect,
    )
