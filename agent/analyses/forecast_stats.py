"""Forecast accuracy arithmetic: WAPE, bias, its direction, and when a bias shift started.

WAPE = Σ|forecast − actual| / Σ actual (the error in units per unit sold).
Bias = Σ(forecast − actual) / Σ actual (positive: over-forecasting, stock piles up;
negative: under-forecasting, stock-outs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

UNBIASED_BELOW = 0.02  # |bias| under 2% is within what a noisy but fair forecast shows
MIN_SEGMENT_DAYS = 5
DRIFT_MIN_T = 4.0  # the best split of pure noise over ~90 days rarely scores above ~3.5
DRIFT_MIN_SHIFT = 0.05


def wape(absolute_error: float, actual: float) -> float:
    return absolute_error / actual if actual else math.nan


def bias(forecast: float, actual: float) -> float:
    return (forecast - actual) / actual if actual else math.nan


def direction(value: float) -> str:
    """'over-forecasting', 'under-forecasting' or 'unbiased'."""
    if math.isnan(value) or abs(value) < UNBIASED_BELOW:
        return "unbiased"
    return "over-forecasting" if value > 0 else "under-forecasting"


@dataclass(frozen=True, kw_only=True)
class Drift:
    """A single shift in a daily series' mean: from `before` to `after`, starting on `start`."""

    start: date
    before: float
    after: float
    t_stat: float
    significant: bool

    @property
    def shift(self) -> float:
        return self.after - self.before


def change_point(
    days: Sequence[date],
    locate: Sequence[float],
    test: Sequence[float] | None = None,
    *,
    min_segment: int = MIN_SEGMENT_DAYS,
) -> Drift | None:
    """The split that best separates `locate` into two constant means (least squares).

    Maximising k(n−k)/n · (mean_after − mean_before)² is the same as minimising the squared
    error of a one-step fit. The step is then judged on `test` (default: `locate`) with a
    two-sample t statistic: a smoothed series places a step more precisely, but its days are
    not independent, so significance is measured on the unsmoothed values. Days where either
    series is NaN are skipped. None when too few days remain to split.
    """
    x = np.asarray(locate, dtype=float)
    y = x if test is None else np.asarray(test, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    kept_days = [d for d, k in zip(days, keep, strict=True) if k]
    n = len(x)
    if n < 2 * min_segment:
        return None
    prefix = np.concatenate([[0.0], np.cumsum(x)])
    k = np.arange(min_segment, n - min_segment + 1)
    gain = k * (n - k) / n * (prefix[k] / k - (prefix[n] - prefix[k]) / (n - k)) ** 2
    best = int(k[int(np.argmax(gain))])
    before, after = y[:best], y[best:]
    pooled = math.sqrt(
        (((before - before.mean()) ** 2).sum() + ((after - after.mean()) ** 2).sum()) / (n - 2)
    )
    diff = float(after.mean() - before.mean())
    scale = pooled * math.sqrt(1 / len(before) + 1 / len(after))
    t_stat = abs(diff) / scale if scale > 0 else (math.inf if diff else 0.0)
    return Drift(
        start=kept_days[best],
        before=float(before.mean()),
        after=float(after.mean()),
        t_stat=float(t_stat),
        significant=t_stat >= DRIFT_MIN_T and abs(diff) >= DRIFT_MIN_SHIFT,
    )
