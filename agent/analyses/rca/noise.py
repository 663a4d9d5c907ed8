"""Is a change of the total within normal variation? Honest answers, with the reasoning."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agent.analyses.rca.model import NoiseModel
from agent.analyses.stats import robust_scale, two_sided_p


@dataclass(frozen=True, kw_only=True)
class NoiseVerdict:
    within: bool
    reason: str
    z: float | None  # the change in noise units; None when nothing tells what noise is


def judge(
    change: float,
    baseline: float,
    noise: NoiseModel | None,
    *,
    count_z: float | None = None,
) -> NoiseVerdict:
    """Compare the total change with the noise model; `count_z` is a counts-based z if any."""
    limit = noise.z if noise else 2.5
    rel = change / abs(baseline) if baseline else None
    if noise and len(noise.history) >= 3 and rel is not None:
        hist = np.asarray(noise.history, dtype=float)
        hist = hist[np.isfinite(hist)]
        center = float(np.median(hist))
        spread = robust_scale(hist, center=center)
        spread = spread or float(np.std(hist)) or 1e-12
        z = (rel - center) / spread
        within = abs(z) < limit
        reason = (
            f"a {rel:+.1%} change against past changes of {center:+.1%} ± {spread:.1%} "
            f"(z = {z:+.1f}, limit ±{limit:g})"
        )
        return NoiseVerdict(within=within, reason=reason, z=z)
    if noise and noise.std_error:
        z = change / noise.std_error
        within = abs(z) < limit
        reason = f"a change of {change:+,.4g} with a standard error of {noise.std_error:,.4g} (z = {z:+.1f})"
        return NoiseVerdict(within=within, reason=reason, z=z)
    if count_z is not None and math.isfinite(count_z):
        within = abs(count_z) < limit
        reason = (
            f"a two-proportion z-test on the counts gives z = {count_z:+.1f} (limit ±{limit:g})"
        )
        return NoiseVerdict(within=within, reason=reason, z=count_z)
    return NoiseVerdict(
        within=False,
        reason="no noise estimate was given (pass past changes or a standard error)",
        z=None,
    )


def confidence(explained: float, z: float | None) -> float:
    """How much to trust the explanation: the share explained, times how clear the change is."""
    share = min(max(explained, 0.0), 1.0)
    if z is None:
        return round(0.8 * share, 3)
    clear = 1.0 - two_sided_p(z)
    return round(share * clear, 3)
