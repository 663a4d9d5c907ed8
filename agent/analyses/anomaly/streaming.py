"""A streaming anomaly detector for any time series: one score in [0, 1] per row, computed
from that row and the rows before it only.

Four stages, each causal:
1. discord: how far the latest short shape (the last `embed` values) lies from its nearest
   neighbour among the shapes seen in the last `history` rows, in units of the series'
   recent spread (a nearest-neighbour "left discord"). A repeated daily cycle or a level the
   series has visited before finds a close neighbour; a new shape does not.
2. raw surprise: the discord squashed into [0, 1) by d / (d + saturation), plus a bonus when
   the value leaves the range of the last `range_window` rows. Squashing matters: unbounded
   distances let one old outlier inflate the spread that stage 3 measures against, which hid
   later anomalies (NAB Standard 60 -> 66).
3. anomaly likelihood (after Ahmad et al. 2017): the short-term average surprise against the
   long-term distribution of that average, as a Gaussian tail probability on a log scale.
   This makes "unusual for this series" comparable across series with one threshold.
4. out-of-range floor: a value beyond the last `range_window` rows' range by more than
   `outlier_tolerance` of that range scores at least `outlier_score`, whatever the likelihood
   says (the "spatial anomaly" rule of Numenta's NAB detector). A big excursion inflates the
   likelihood's spread, which otherwise mutes the next one in the same series.
5. suppression: after a detection the next rows are silenced, so one event raises one alert.

`score_series` computes stages 1-4 for all rows at once with numpy/pandas (one vector pass per
lag for the discord); `update` computes the same numbers row by row for streaming callers.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import log_ndtr

# -log(1e-5): a tail probability of 1e-5 maps to a score of 0.5.
_HALF = -math.log(1e-5)
# Spread and range need this many past rows before they are trusted.
_MIN_SPREAD_ROWS = 50


@dataclass(frozen=True, kw_only=True)
class DetectorParams:
    """Tuning knobs, in rows; the defaults are the ones measured in BENCHMARKS.md."""

    embed: int = 10
    history: int = 1000
    range_window: int = 3000
    saturation: float = 1.0
    range_bonus: float = 0.6
    range_tolerance: float = 0.05
    warmup: int = 150
    average_window: int = 2
    likelihood_window: int = 8000
    min_history: int = 150
    std_floor: float = 0.005
    outlier_tolerance: float = 0.1
    outlier_score: float = 0.5
    suppress_threshold: float = 0.42
    suppress_rows: int = 120

    @property
    def memory(self) -> int:
        """Past values a row's surprise can depend on."""
        return max(self.history + self.embed, self.range_window)


class _Moments:
    """Mean and standard deviation of the last `size` values, O(1) per update."""

    __slots__ = ("_ring", "_size", "_sum", "_sumsq")

    def __init__(self, size: int) -> None:
        self._size = size
        self._ring: deque[float] = deque()
        self._sum = 0.0
        self._sumsq = 0.0

    def __len__(self) -> int:
        return len(self._ring)

    def push(self, x: float) -> None:
        self._ring.append(x)
        self._sum += x
        self._sumsq += x * x
        if len(self._ring) > self._size:
            old = self._ring.popleft()
            self._sum -= old
            self._sumsq -= old * old

    def mean_std(self) -> tuple[float, float]:
        n = len(self._ring)
        mean = self._sum / n
        return mean, math.sqrt(max(self._sumsq / n - mean * mean, 0.0))


class StreamingDetector:
    """Feed rows in time order with `update`; each call returns that row's score in [0, 1]."""

    def __init__(self, params: DetectorParams | None = None) -> None:
        self.p = params or DetectorParams()
        keep = self.p.memory + 1
        # A buffer twice the kept length, compacted when full: amortised O(1) appends.
        self._buf = np.empty(2 * keep)
        self._n = 0
        self._keep = keep
        self._seen = 0
        self._recent: deque[float] = deque(maxlen=self.p.average_window)
        self._averages = _Moments(self.p.likelihood_window)
        self._suppress_left = 0

    @property
    def warmup_rows(self) -> int:
        """The first rows only feed history: none of them is ever scored."""
        return _warmup(self.p)

    @property
    def full_rows(self) -> int:
        """Rows before this one can score only by leaving the range seen so far."""
        return _warmup(self.p) + self.p.min_history

    def update(self, timestamp: Any, value: float) -> float:
        """Score one row. The timestamp only fixes the order; the caller keeps rows sorted."""
        del timestamp
        x = float(value)
        if not math.isfinite(x):
            return 0.0
        self._append(x)
        surprise, spill = self._surprise()
        self._recent.append(surprise)
        average = sum(self._recent) / len(self._recent)
        score = 0.0
        if len(self._averages) >= self.p.min_history:
            mean, std = self._averages.mean_std()
            score = _likelihood_score(
                np.array([average]), np.array([mean]), np.array([std]), self.p
            )[0]
        if self._seen > _warmup(self.p):
            self._averages.push(average)
            if spill > self.p.outlier_tolerance:
                score = max(score, self.p.outlier_score)
        if self._suppress_left > 0:
            self._suppress_left -= 1
            return 0.0
        if score >= self.p.suppress_threshold:
            self._suppress_left = self.p.suppress_rows
        return float(score)

    def score_series(
        self, timestamps: Sequence[Any] | np.ndarray, values: Sequence[float] | np.ndarray
    ) -> np.ndarray:
        """Scores for a whole series, the same as calling `update` row by row on a fresh detector.

        Vectorised: about 40x faster than the row-by-row path. It starts from a fresh state,
        so call it on a new detector (it does not advance this detector's `update` state).
        """
        vals = np.asarray(values, dtype=float)
        if len(timestamps) != len(vals):
            raise ValueError("timestamps and values differ in length")
        scores = np.zeros(len(vals))
        finite = np.isfinite(vals)
        scores[finite] = batch_scores(vals[finite], self.p)
        return scores

    def _append(self, x: float) -> None:
        if self._n == len(self._buf):
            self._buf[: self._keep] = self._buf[self._n - self._keep : self._n]
            self._n = self._keep
        self._buf[self._n] = x
        self._n += 1
        self._seen += 1

    def _surprise(self) -> tuple[float, float]:
        """The raw surprise, and how far the value lies outside the recent range (in ranges)."""
        p = self.p
        if self._seen <= _warmup(p):
            return 0.0, 0.0
        t = self._n - 1
        x = float(self._buf[t])
        spread_past = self._buf[max(0, t - p.range_window) : t]
        low, high = np.quantile(spread_past, [0.05, 0.95])
        scale = max(float(high - low), 1e-9 * max(1.0, abs(x)))
        seg = self._buf[max(0, t - p.history - p.embed + 1) : t]
        past = np.lib.stride_tricks.sliding_window_view(seg[: len(seg) - p.embed + 1], p.embed)
        current = self._buf[t - p.embed + 1 : t + 1]
        nearest = float(np.min(np.sum((past - current) ** 2, axis=1)))
        distance = math.sqrt(nearest / p.embed) / scale
        lo, hi = float(spread_past.min()), float(spread_past.max())
        spill = max(x - hi, lo - x) / max(hi - lo, 1e-12)
        bonus = p.range_bonus if spill > p.range_tolerance else 0.0
        return distance / (distance + p.saturation) + bonus, spill


def _warmup(p: DetectorParams) -> int:
    """Rows that only feed history: enough for a spread estimate and a full shape."""
    return max(p.warmup, _MIN_SPREAD_ROWS, 2 * p.embed)


def batch_scores(values: np.ndarray, p: DetectorParams) -> np.ndarray:
    """All rows' scores at once (finite values only), equal to the row-by-row path."""
    raw, spill = _batch_surprise(values, p)
    scores = np.zeros(len(values))
    start = _warmup(p)
    # Warm-up rows hold no surprise yet: they stay out of the long-term distribution.
    average = pd.Series(raw).rolling(p.average_window, min_periods=1).mean().iloc[start:]
    rolling = average.rolling(p.likelihood_window, min_periods=p.min_history)
    mean = rolling.mean().shift(1).to_numpy()
    std = rolling.std(ddof=0).shift(1).to_numpy()
    ready = np.flatnonzero(np.isfinite(mean))
    scores[start + ready] = _likelihood_score(average.to_numpy()[ready], mean[ready], std[ready], p)
    outlier = spill > p.outlier_tolerance
    outlier[:start] = False
    scores[outlier] = np.maximum(scores[outlier], p.outlier_score)
    return suppress(scores, p.suppress_threshold, p.suppress_rows)


def _batch_surprise(x: np.ndarray, p: DetectorParams) -> tuple[np.ndarray, np.ndarray]:
    """Raw surprise per row, and how far each value lies outside the recent range (in ranges)."""
    n = len(x)
    raw = np.zeros(n)
    start = _warmup(p)
    if n <= start:
        return raw, np.zeros(n)
    past = pd.Series(x).rolling(p.range_window, min_periods=1)
    high = past.quantile(0.95).shift(1).to_numpy()
    low = past.quantile(0.05).shift(1).to_numpy()
    top = past.max().shift(1).to_numpy()
    bottom = past.min().shift(1).to_numpy()
    scale = np.maximum(high - low, 1e-9 * np.maximum(1.0, np.abs(x)))
    # Rows before `start` have no neighbour yet (inf / nan); they are zeroed below.
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = _left_discord(x, p.embed, p.history) / scale
        spill = np.maximum(x - top, bottom - x) / np.maximum(top - bottom, 1e-12)
        raw = distance / (distance + p.saturation)
    raw += np.where(spill > p.range_tolerance, p.range_bonus, 0.0)
    raw[:start] = 0.0
    # NaN comparisons are False, so the first row (no past range) never counts as outside.
    return raw, np.nan_to_num(spill, nan=0.0)


def _left_discord(x: np.ndarray, m: int, history: int) -> np.ndarray:
    """RMS distance from each row's last-m shape to the nearest earlier, non-overlapping one.

    One vector pass per lag d: the shape ending at i against the shape ending at i - d.
    """
    n = len(x)
    best = np.full(n, np.inf)
    for d in range(m, min(history, n - m) + 1):
        diff = x[d:] - x[:-d]
        sums = _window_sums(diff * diff, m)
        np.minimum(best[m - 1 + d :], sums, out=best[m - 1 + d :])
    return np.sqrt(best / m)


def _window_sums(a: np.ndarray, m: int) -> np.ndarray:
    """Sums of every m consecutive values, by binary doubling (no cumsum cancellation)."""
    result = np.zeros(len(a) - m + 1)
    block, size, pos, rest = a, 1, 0, m
    while rest:
        if rest & 1:
            result += block[pos : pos + len(result)]
            pos += size
        rest >>= 1
        if rest:
            block = block[:-size] + block[size:]
            size *= 2
    return result


def _likelihood_score(
    average: np.ndarray, mean: np.ndarray, std: np.ndarray, p: DetectorParams
) -> np.ndarray:
    """Gaussian tail of the short-term average on a log scale that never saturates.

    Ties at 1.0 would blur the threshold choice, so the tail's logarithm is used directly.
    """
    z = (average - mean) / np.maximum(std, p.std_floor)
    neg_log_tail = -log_ndtr(-z)
    return neg_log_tail / (neg_log_tail + _HALF)


def suppress(scores: np.ndarray, threshold: float, rows: int) -> np.ndarray:
    """Zero the `rows` rows after each alert (a score >= threshold that was not itself silenced)."""
    out = scores.copy()
    silenced_until = -1
    for i in np.flatnonzero(scores >= threshold).tolist():
        if i > silenced_until:
            out[i + 1 : i + rows + 1] = 0.0
            silenced_until = i + rows
    return out
