"""Greedy search for the fewest segments that explain how leaves deviate from expectation.

The model (Squeeze's generalised ripple effect): inside a root-cause segment every leaf
deviates by the same factor, so current ≈ expected × ρ there and ≈ expected elsewhere. With
Poisson-like noise (variance ∝ expected) the drop in weighted squared error from explaining a
segment S by its own factor ρ_S = C_S / E_S is exactly (C_S − E_S)² / E_S. That score
  * grows with the size of the deviation (Adtributor's explanatory power),
  * shrinks when S also holds normal leaves (so the tightest segment holding the deviation
    wins over its parent, RiskLoc's "weighted partitioning" idea), and
  * shrinks when S holds only part of a uniform deviation (so a parent whose children all
    moved wins over any one child: HotSpot's ripple effect).
After each pick the expectation inside S is scaled by ρ_S and the search repeats, so the next
cause is judged only on what is still unexplained.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from agent.analyses.rca.cuboids import Cuboid, Lattice
from agent.analyses.rca.model import SearchParams
from agent.analyses.stats import robust_scale

# The smallest noise scale: a search on exact data must not divide by zero.
_MIN_SCALE = 1e-12


@dataclass(frozen=True, kw_only=True)
class Pick:
    """One selected segment with its score in units of the leaf noise dispersion."""

    where: dict[str, str]
    codes: dict[int, int]  # dimension index -> value code
    mask: np.ndarray
    score: float

    @property
    def dims(self) -> set[int]:
        return set(self.codes)


def variance_power(actual: np.ndarray, expected: np.ndarray) -> float:
    """How leaf noise grows with size: var ∝ expected^p, p fitted on the leaves (0..2).

    Counts give p ≈ 1 (Poisson); forecasts with relative error give p ≈ 2. The slope of
    log median |residual| against log expected, over size bins, is p / 2.
    """
    live = expected > 0
    if live.sum() < 50:
        return 1.0
    e, r = expected[live], np.abs(actual[live] - expected[live])
    edges = np.quantile(e, np.linspace(0, 1, 11))
    xs, ys = [], []
    for lo, hi in itertools.pairwise(edges):
        inside = (e >= lo) & (e <= hi)
        med_r = np.median(r[inside]) if inside.any() else 0.0
        if med_r > 0:
            xs.append(np.log(np.median(e[inside])))
            ys.append(np.log(med_r))
    if len(xs) < 3 or np.ptp(xs) == 0:
        return 1.0
    slope = float(np.polyfit(xs, ys, 1)[0])
    return float(np.clip(2 * slope, 0.0, 2.0))


@dataclass(frozen=True, kw_only=True)
class LeafNoise:
    """The search's noise model: leaf variance ∝ (expected + floor)^power, times scale²."""

    var: np.ndarray
    scale: float
    power: float

    def z(self, actual: np.ndarray, expected: np.ndarray, mask: np.ndarray) -> float:
        """How far the leaves in `mask`, summed, sit from their expectation, in noise units."""
        spread = float(np.sqrt(self.var[mask].sum())) * self.scale
        return float(actual[mask].sum() - expected[mask].sum()) / max(spread, 1e-300)


def leaf_noise(actual: np.ndarray, expected: np.ndarray) -> LeafNoise:
    """Fit the leaf noise model on the leaves themselves (variance power, robust scale)."""
    pos = np.abs(expected[expected != 0])
    power = variance_power(actual, expected)
    # A floor of a tenth of a typical leaf keeps tiny leaves (rounding noise) from looking certain.
    typical = float(np.median(pos)) if len(pos) else 1.0
    leaf_var = (np.abs(expected) + 0.1 * typical) ** power
    live = (actual != 0) | (expected != 0)
    residuals = (actual - expected)[live] / np.sqrt(leaf_var[live])
    scale = robust_scale(residuals, floor=_MIN_SCALE) if len(residuals) else 1.0
    return LeafNoise(var=leaf_var, scale=scale, power=power)


def greedy_search(
    lattice: Lattice,
    actual: np.ndarray,
    expected: np.ndarray,
    params: SearchParams,
    max_causes: int,
) -> tuple[list[Pick], LeafNoise]:
    """Pick up to `max_causes` segments by the ripple-effect score; return them and the noise model."""
    expected = expected.astype(float)
    pos = np.abs(expected[expected != 0])
    smooth = float(pos.mean()) if len(pos) else 1.0
    noise = leaf_noise(actual, expected)
    leaf_var, leaf_scale = noise.var, noise.scale
    picks: list[Pick] = []
    first_moved = 0.0
    # Leaves already explained by a pick leave the game, so an overlapping cause is judged
    # on its own leaves only (the overlap is not double counted against it).
    free = np.ones(len(actual), dtype=bool)
    for _ in range(max_causes):
        best = _best_segment(
            lattice, actual * free, expected * free, leaf_var * free, leaf_scale, smooth, params
        )
        if best is None:
            break
        cuboid, segment, score = best
        mask = (cuboid.segment_of == segment) & free
        moved = abs(actual[mask].sum() - expected[mask].sum())
        # A real cause moves a fair share of what the first one did; less is leftover noise.
        if picks and moved < params.min_share * first_moved:
            break
        first_moved = first_moved or moved
        codes = {d: int(c) for d, c in zip(cuboid.dims, cuboid.codes[segment], strict=True)}
        picks.append(
            Pick(where=lattice.where(cuboid, segment), codes=codes, mask=mask, score=score)
        )
        free &= ~mask
    return picks, noise


def _best_segment(
    lattice: Lattice,
    actual: np.ndarray,
    expected: np.ndarray,
    leaf_var: np.ndarray,
    leaf_scale: float,
    smooth: float,
    params: SearchParams,
) -> tuple[Cuboid, int, float] | None:
    best: tuple[Cuboid, int, float] | None = None
    for cuboid in lattice.cuboids:
        c = cuboid.sums(actual)
        e = cuboid.sums(expected)
        z = (c - e) / np.sqrt(cuboid.sums(leaf_var) + 1e-300)
        # Siblings show what noise alone does at this level of aggregation; a cuboid with
        # too few segments to judge falls back to the leaf-level scale.
        live = (c != 0) | (e != 0)
        scale = robust_scale(z[live], floor=_MIN_SCALE) if live.sum() >= 8 else leaf_scale
        score = (c - e) ** 2 / (np.abs(e) + smooth)
        score *= 1.0 - params.depth_penalty * (len(cuboid.dims) - 1)
        score[np.abs(z) < params.outlier_z * scale] = 0.0
        seg = int(np.argmax(score))
        if score[seg] > 0 and (best is None or score[seg] > best[2]):
            best = (cuboid, seg, float(score[seg]))
    return best
