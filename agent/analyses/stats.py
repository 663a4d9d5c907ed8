"""Small, honest statistics for comparing two numbers (scipy does the distributions)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as sps


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
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if se == 0:
        return TestResult(statistic=0.0, p_value=1.0, method="two-proportion z-test")
    z = (p_a - p_b) / se
    return TestResult(
        statistic=z, p_value=float(2 * sps.norm.sf(abs(z))), method="two-proportion z-test"
    )


def welch(daily_a: Sequence[float], daily_b: Sequence[float]) -> TestResult:
    """Welch's t-test on daily values (totals and averages that are not proportions)."""
    a = [x for x in daily_a if not math.isnan(x)]
    b = [x for x in daily_b if not math.isnan(x)]
    if len(a) < 2 or len(b) < 2:
        return TestResult(statistic=math.nan, p_value=1.0, method="Welch t-test on daily values")
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
