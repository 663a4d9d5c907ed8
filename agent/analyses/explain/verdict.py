"""Is there anything to explain? The total against its history, then the top segment alone.

Two questions, because a real drop in one segment can hide in a noisy total (a fifth of the
traffic converting 40% worse moves a small store's weekly rate about as much as chance does):

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
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest, norm

from agent.analyses.rca.decompose import two_proportion_z
from agent.analyses.rca.model import NoiseModel
from agent.analyses.rca.noise import judge
from agent.analyses.rca.search import robust_scale

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
    spread = 1.4826 * float(np.median(np.abs(hist - np.median(hist))))
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
    p = math.erfc(abs(z) / math.sqrt(2))
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
    p = math.erfc(abs(z) / math.sqrt(2))
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
    if nb + nc > 0 and db > 0 and dc > 0:
        p_raw = float(binomtest(round(nc), round(nb + nc), dc / (db + dc)).pvalue)
    rising = db > 0 and dc > 0 and nc / dc >= nb / db
    return (1.0 if rising else -1.0) * float(norm.isf(max(p_raw, 1e-300) / 2))
