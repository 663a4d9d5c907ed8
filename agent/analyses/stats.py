"""Scout's statistics, written once: significance, noise scales and comparisons of two numbers.

Every analysis that tests a change, sets a noise band or scales a spread calls these, so a
p-value means the same thing in `explain`, the monitor and the anomaly scans. Scalars use the
standard library's normal distribution (fast, and exact far into the tails); scipy does the
rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

# MAD × this estimates σ for normal data (1 / Φ⁻¹(3/4)).
MAD_TO_SD = 1.4826
_NORMAL = NormalDist()


def two_sided_p(z: float) -> float:
    """The two-sided normal p-value of a z statistic: P(|Z| ≥ |z|)."""
    return math.erfc(abs(z) / math.sqrt(2))


def two_sided_z(p: float) -> float:
    """The |z| whose two-sided normal p-value is `p` (the inverse of `two_sided_p`).

    Computed from the lower tail, so a p-value of 1e-300 still has a finite z.
    """
    return -_NORMAL.inv_cdf(p / 2)


def lower_tail_z(p: float) -> float:
    """The z with P(Z ≤ z) = p (the normal quantile)."""
    return _NORMAL.inv_cdf(p)


def two_proportion_z(n_base: float, d_base: float, n_cur: float, d_cur: float) -> float:
    """Pooled two-proportion z statistic of the current rate against the baseline one.

    Positive when n_cur / d_cur is above n_base / d_base; 0 when the test is undefined (an
    empty period, or a rate of exactly 0 or 1 in both).
    """
    if d_base <= 0 or d_cur <= 0:
        return 0.0
    pooled = (n_base + n_cur) / (d_base + d_cur)
    var = pooled * (1 - pooled) * (1 / d_base + 1 / d_cur)
    if var <= 0:
        return 0.0
    return (n_cur / d_cur - n_base / d_base) / math.sqrt(var)


def two_proportion_p(n_base: float, d_base: float, n_cur: float, d_cur: float) -> float:
    """Two-sided p-value that the two rates differ (the same pooled z-test)."""
    return two_sided_p(two_proportion_z(n_base, d_base, n_cur, d_cur))


def robust_scale(values: ArrayLike, *, center: float | None = None, floor: float = 0.0) -> float:
    """1.4826 × the median absolute deviation: the standard deviation of the bulk.

    Deviations are taken from `center` (the median when not given). A few outliers do not
    move it, which is the point: it says what ordinary variation is while the anomaly is in
    the data. `floor` keeps a perfectly regular series from making every wiggle infinite.
    NaN when there are no values.
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan
    mid = float(np.median(x)) if center is None else center
    return max(MAD_TO_SD * float(np.median(np.abs(x - mid))), floor)


@dataclass(frozen=True, kw_only=True)
class TestResult:
    statistic: float
    p_value: float
    method: str

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05


def two_proportions(
    successes_a: float, trials_a: float, successes_b: float, trials_b: float
) -> TestResult:
    """Two-proportion z-test with a pooled standard error (conversion-style rates)."""
    if min(trials_a, trials_b) <= 0:
        return TestResult(statistic=math.nan, p_value=1.0, method="two-proportion z-test")
    z = two_proportion_z(successes_b, trials_b, successes_a, trials_a)  # a against b
    return TestResult(statistic=z, p_value=two_sided_p(z), method="two-proportion z-test")


def welch(daily_a: Sequence[float], daily_b: Sequence[float]) -> TestResult:
    """Welch's t-test on daily values (totals and averages that are not proportions)."""
    a = [x for x in daily_a if not math.isnan(x)]
    b = [x for x in daily_b if not math.isnan(x)]
    if len(a) < 2 or len(b) < 2:
        # One day a side has no spread to test against: no p-value, rather than a made-up 1.0.
        return TestResult(
            statistic=math.nan, p_value=math.nan, method="Welch t-test on daily values"
        )
    result = sps.ttest_ind(a, b, equal_var=False)
    p = float(result.pvalue) if not math.isnan(float(result.pvalue)) else 1.0
    return TestResult(
        statistic=float(result.statistic), p_value=p, method="Welch t-test on daily values"
    )


def linear_trend(values: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope per step and its two-sided p-value."""
    ys = [v for v in values if not math.isnan(v)]
    if len(ys) < 3:
        return math.nan, 1.0
    fit = sps.linregress(range(len(ys)), ys)
    p = float(fit.pvalue) if not math.isnan(float(fit.pvalue)) else 1.0
    return float(fit.slope), p


def successes_of_trials(num: ArrayLike, den: ArrayLike) -> bool:
    """Whether every numerator can count successes out of its denominator (0 ≤ n ≤ d).

    The condition for the binomial tests on a ratio's counts (conversions out of sessions);
    a ratio such as revenue per order fails it and is judged by other means.
    """
    n, d = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return bool(np.all(n >= 0) and np.all(n <= d + 1e-9))
