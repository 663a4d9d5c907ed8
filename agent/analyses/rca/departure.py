"""Disproportionate change: does a segment's change depart from the change of the rest?

A segment is a cause when it moved differently from everything else, not when it is big: a
drop that hit every device alike leaves desktop (the biggest block) carrying most of it, yet
desktop's change is the rest's change. So each segment S is compared with its complement R
on the log scale, where "moved alike" is a difference of zero whatever the sizes:

    d = log(rate_S,cur / rate_S,base) − log(rate_R,cur / rate_R,base)

with the noise of each log ratio from its sample size. For counts of successes out of trials
(conversions of sessions) that is the delta-method variance 1/n_b − 1/d_b + 1/n_c − 1/d_c,
times the overdispersion the caller measured (`phi`); for sums and other ratios it is
κ·(1/n_b + 1/n_c), κ fitted on the leaves (a sum of n orders of varying value has a log
variance of about κ/n, κ = E[x²]/E[x]). The z-values of all segments tested are deflated by
their robust spread when it exceeds 1 (data noisier than its sample sizes say).

Every segment of one and two dimensions is tested, and the threshold is a weighted Bonferroni
over all of them: a segment of depth k weighs DEPTH_PRIOR^-(k-1), so the family-wise level
holds over the whole scan and simpler causes need less evidence. A segment needs
MIN_EVENTS events (both periods) before it can be called beyond noise at all: a 3 → 12 cell
is a handful of events whatever its p-value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from agent.analyses.rca.cuboids import Lattice
from agent.analyses.rca.model import SegmentTest, Spread
from agent.analyses.stats import robust_scale

DEPTH_PRIOR = 10.0
SCAN_DIMS = 3
MIN_EVENTS = 30.0
_HALF = 0.5  # continuity correction: a period with no events still has a finite log
_CHI2_MEDIAN = 0.4549  # median of χ²₁: turns a median squared residual into a variance


@dataclass(frozen=True, kw_only=True)
class Counts:
    """Per-leaf numerator and denominator of both periods (denominators 1 for sums)."""

    nb: np.ndarray
    db: np.ndarray
    nc: np.ndarray
    dc: np.ndarray
    proportion: bool

    def totals(self) -> tuple[float, float, float, float]:
        return (
            float(self.nb.sum()),
            float(self.db.sum()),
            float(self.nc.sum()),
            float(self.dc.sum()),
        )


class DepartureScan:
    """Every segment of up to SCAN_DIMS dimensions tested against its rest, once."""

    def __init__(self, lattice: Lattice, counts: Counts, *, alpha: float, phi: float = 1.0) -> None:
        self.lattice = lattice
        self.counts = counts
        self.totals = counts.totals()
        self.kappa = phi if counts.proportion else _kappa(counts)
        rows: list[tuple[dict[str, str], tuple[float, float, float, float], float]] = []
        for cuboid in lattice.cuboids:
            if len(cuboid.dims) > SCAN_DIMS:
                continue
            sums = [cuboid.sums(a) for a in (counts.nb, counts.db, counts.nc, counts.dc)]
            for seg in range(cuboid.n_segments):
                seg_counts = (
                    float(sums[0][seg]),
                    float(sums[1][seg]),
                    float(sums[2][seg]),
                    float(sums[3][seg]),
                )
                z = self._raw_z(seg_counts)
                if z is not None:
                    rows.append((lattice.where(cuboid, seg), seg_counts, z))
        self.rows = rows
        self.weight = sum(_weight(len(w)) for w, c, _ in rows if self._enough(c)) or 1.0
        self.spread = self._spread(alpha)

    def _spread(self, alpha: float) -> float:
        """How much wider the segments' z-values run than their sample sizes say (at least 1).

        When mobile fell a third and the rest held, every segment with mobile in it departs
        one way and every other segment's rest (mobile inside) the other: a spread read over
        them all would hide mobile itself. So it is read again with the segment that departs
        most left out, and that reading is kept when, against it, the segment clears its
        limit at the family-wise `alpha` the scan is tested at (quiet data rarely has one: leaving out the most extreme segment always
        narrows the spread, and would otherwise call noise a cause)."""
        everything = [z for _, c, z in self.rows if self._enough(c)]
        spread = max(1.0, robust_scale(everything)) if len(everything) >= 8 else 1.0
        single = [(abs(z), w) for w, c, z in self.rows if len(w) == 1 and self._enough(c)]
        if not single:
            return spread
        top_z, top = max(single, key=lambda t: t[0])
        outside = ~self.lattice.mask(top)
        c = self.counts
        kept = (c.nb[outside], c.db[outside], c.nc[outside], c.dc[outside])
        totals = tuple(float(a.sum()) for a in kept)
        live = []
        for where, _, _ in self.rows:
            mask = self.lattice.mask(where)[outside]
            seg = tuple(float(a[mask].sum()) for a in kept)
            rest = tuple(t - x for t, x in zip(totals, seg, strict=True))
            a, b = self._log_change(seg), self._log_change(rest)  # type: ignore[arg-type]
            if a is not None and b is not None and self._enough(seg):  # type: ignore[arg-type]
                live.append((a[0] - b[0]) / math.sqrt(a[1] + b[1]))
        without = max(1.0, robust_scale(live)) if len(live) >= 8 else 1.0
        clears = _log_p(top_z / without) <= math.log(alpha * _weight(1) / self.weight)
        return min(spread, without) if clears else spread

    def test(self, where: Mapping[str, str], alpha: float) -> SegmentTest:
        """The segment's departure from its rest, against its share of the family-wise `alpha`."""
        mask = self.lattice.mask(dict(where))
        c = self.counts
        seg = (
            float(c.nb[mask].sum()),
            float(c.db[mask].sum()),
            float(c.nc[mask].sum()),
            float(c.dc[mask].sum()),
        )
        return self._result(dict(where), seg, self._raw_z(seg), alpha)

    def test_without(
        self, where: Mapping[str, str], without: Mapping[str, str], alpha: float
    ) -> SegmentTest:
        """The segment's departure with another segment's leaves left out of it and its rest:
        does desktop still depart once returning mobile customers (flat while everything
        else rose) are out of the comparison?"""
        outside = ~self.lattice.mask(dict(without))
        inside = self.lattice.mask(dict(where)) & outside
        c = self.counts
        seg = tuple(float(a[inside].sum()) for a in (c.nb, c.db, c.nc, c.dc))
        left = tuple(float(a[outside].sum()) for a in (c.nb, c.db, c.nc, c.dc))
        rest = tuple(t - x for t, x in zip(left, seg, strict=True))
        a, b = self._log_change(seg), self._log_change(rest)  # type: ignore[arg-type]
        z = None if a is None or b is None else (a[0] - b[0]) / math.sqrt(a[1] + b[1])
        return self._result(dict(where), seg, z, alpha)  # type: ignore[arg-type]

    def best(self, alpha: float, direction: float = 0.0) -> SegmentTest | None:
        """The segment that departs most (p against its own limit), if any passes.

        `direction` (the sign of the total's change) keeps only segments that moved that way
        relative to their rest: a segment that rose while the total fell is an offset.
        """
        best: tuple[float, SegmentTest] | None = None
        for where, seg, z in self.rows:
            if direction and z * direction <= 0:
                continue
            test = self._result(where, seg, z, alpha)
            if not test.departs:
                continue
            if best is None or test.rank < best[0]:
                best = (test.rank, test)
        return best[1] if best else None

    def departing(self, alpha: float, depth: int = 1) -> list[SegmentTest]:
        """Every segment of `depth` dimensions that departs at `alpha`."""
        out = []
        for where, seg, z in self.rows:
            if len(where) == depth:
                test = self._result(where, seg, z, alpha)
                if test.departs:
                    out.append(test)
        return out

    def broad(self) -> Spread | None:
        """The range of relative changes over every value of every dimension (enough volume)."""
        changes = [
            _relative(seg) for where, seg, _ in self.rows if len(where) == 1 and self._enough(seg)
        ]
        changes = [x for x in changes if math.isfinite(x)]
        if not changes:
            return None
        return Spread(
            dims=self.lattice.dims, low=min(changes), high=max(changes), segments=len(changes)
        )

    def _enough(self, seg: tuple[float, float, float, float]) -> bool:
        return not self.counts.proportion or seg[0] + seg[2] >= MIN_EVENTS

    def _raw_z(self, seg: tuple[float, float, float, float]) -> float | None:
        rest = tuple(t - s for t, s in zip(self.totals, seg, strict=True))
        a, b = self._log_change(seg), self._log_change(rest)  # type: ignore[arg-type]
        if a is None or b is None:
            return None
        return (a[0] - b[0]) / math.sqrt(a[1] + b[1])

    def _log_change(self, c: tuple[float, float, float, float]) -> tuple[float, float] | None:
        """The log change of a group's rate and its variance; None when it is undefined."""
        nb, db, nc, dc = c
        if db <= 0 or dc <= 0 or nb < 0 or nc < 0 or nb + nc <= 0:
            return None
        h = _HALF
        value = math.log((nc + h) / (dc + h)) - math.log((nb + h) / (db + h))
        if self.counts.proportion:
            var = 1 / (nb + h) - 1 / (db + h) + 1 / (nc + h) - 1 / (dc + h)
        else:
            var = 1 / (nb + h) + 1 / (nc + h)
        return value, max(var, 1e-12) * self.kappa

    def _result(
        self,
        where: dict[str, str],
        seg: tuple[float, float, float, float],
        z: float | None,
        alpha: float,
    ) -> SegmentTest:
        rest = tuple(t - s for t, s in zip(self.totals, seg, strict=True))
        z = 0.0 if z is None else z / self.spread
        limit = alpha * _weight(len(where)) / self.weight
        return SegmentTest(
            where=where,
            counts=seg,
            rest=rest,  # type: ignore[arg-type]
            change=_relative(seg),
            rest_change=_relative(rest),  # type: ignore[arg-type]
            z=z,
            p=math.exp(_log_p(z)),
            log_p=_log_p(z),
            limit=limit,
            tested=len(self.rows),
            enough=self._enough(seg),
        )


def _weight(depth: int) -> float:
    return DEPTH_PRIOR ** -(depth - 1)


def _log_p(z: float) -> float:
    """log of the two-sided normal p-value; finite far into the tails."""
    return float(norm.logsf(abs(z))) + math.log(2)


def _relative(c: tuple[float, ...]) -> float:
    nb, db, nc, dc = c
    if db <= 0 or dc <= 0 or nb == 0:
        return math.nan
    return (nc / dc) / (nb / db) - 1


def _kappa(counts: Counts) -> float:
    """How much noisier than Poisson a leaf's log change is (κ), from the leaves themselves."""
    nb, db, nc, dc = counts.nb, counts.db, counts.nc, counts.dc
    live = (nb > 0) & (nc > 0) & (db > 0) & (dc > 0)
    if live.sum() < 8:
        return 1.0
    t = counts.totals()
    overall = math.log((t[2] / t[3]) / (t[0] / t[1]))
    r = np.log((nc[live] / dc[live]) / (nb[live] / db[live])) - overall
    u = 1 / nb[live] + 1 / nc[live]
    return max(float(np.median(r**2 / u)) / _CHI2_MEDIAN, 1e-12)
