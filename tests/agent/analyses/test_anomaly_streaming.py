"""The streaming detector: causal, bounded, and it fires on injected anomalies only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from agent.analyses.anomaly import StreamingDetector
from agent.analyses.anomaly.streaming import DetectorParams
from tests.conftest import SEED

ALERT = DetectorParams().suppress_threshold


def _daily_cycle(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    stamps = pd.date_range("2025-01-01", periods=n, freq="5min").to_numpy()
    t = np.arange(n)
    values = 50 + 10 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 1.0, n)
    return stamps, values


def test_spike_is_the_top_score_and_clean_series_stays_quiet() -> None:
    rng = np.random.default_rng(SEED)
    stamps, values = _daily_cycle(3000, rng)
    clean = StreamingDetector().score_series(stamps, values)
    spiked = values.copy()
    spiked[2400] += 40
    scores = StreamingDetector().score_series(stamps, spiked)
    # A short average of surprise feeds the likelihood, so the alarm may come a row late.
    alarms = np.flatnonzero(scores >= ALERT)
    assert 2400 <= alarms[0] <= 2402
    assert len(alarms) <= 3
    # The clean series never reaches the spike's level.
    assert clean.max() < scores.max()


def test_level_shift_is_detected_near_its_start() -> None:
    rng = np.random.default_rng(SEED)
    stamps, values = _daily_cycle(3000, rng)
    values[2000:] += 25
    scores = StreamingDetector().score_series(stamps, values)
    first = int(np.flatnonzero(scores >= ALERT)[0])
    assert 2000 <= first <= 2010


def test_scores_are_causal() -> None:
    rng = np.random.default_rng(SEED)
    stamps, values = _daily_cycle(1200, rng)
    changed = values.copy()
    changed[900:] = rng.normal(500, 50, 300)
    a = StreamingDetector().score_series(stamps, values)
    b = StreamingDetector().score_series(stamps, changed)
    np.testing.assert_array_equal(a[:900], b[:900])
    assert not np.array_equal(a[900:], b[900:])


def test_update_matches_score_series_and_scores_are_in_unit_interval() -> None:
    rng = np.random.default_rng(SEED)
    stamps = pd.date_range("2025-01-01", periods=800, freq="h").to_numpy()
    values = np.cumsum(rng.standard_cauchy(800))  # heavy tails, random walk
    values[100] = np.nan
    detector = StreamingDetector()
    one_by_one = np.array([detector.update(t, v) for t, v in zip(stamps, values, strict=True)])
    batch = StreamingDetector().score_series(stamps, values)
    # The vectorised path sums in another order: equal up to float rounding, same alarms.
    np.testing.assert_allclose(one_by_one, batch, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(one_by_one >= ALERT, batch >= ALERT)
    assert np.all((batch >= 0.0) & (batch <= 1.0))


def test_update_matches_score_series_past_the_history_buffer() -> None:
    # Longer than the detector's memory, so the ring buffer compacts; with a daily cycle,
    # level shifts and spikes so that alarms and suppression are exercised too.
    rng = np.random.default_rng(SEED)
    stamps, values = _daily_cycle(3600, rng)
    values[1500:1800] += 15
    values[[2500, 3100]] += 30
    detector = StreamingDetector()
    one_by_one = np.array([detector.update(t, v) for t, v in zip(stamps, values, strict=True)])
    batch = StreamingDetector().score_series(stamps, values)
    np.testing.assert_allclose(one_by_one, batch, rtol=0, atol=1e-9)
    assert np.count_nonzero(batch >= ALERT) >= 2
    np.testing.assert_array_equal(one_by_one >= ALERT, batch >= ALERT)


def test_constant_series_stays_far_below_any_alarm() -> None:
    stamps = np.arange(600, dtype=float)
    scores = StreamingDetector().score_series(stamps, np.full(600, 3.0))
    # Nothing surprising: a Gaussian tail of 0.5, i.e. log(2) / (log(2) + log(1e5)) = 0.057.
    assert float(scores.max()) < 0.06


def test_a_value_beyond_the_recent_range_alerts_at_once_despite_a_noisy_past() -> None:
    # Frequent in-range dips inflate the likelihood's spread; a value 20% of the range above
    # every earlier one must still alert on its own row, as the out-of-range floor promises.
    rng = np.random.default_rng(SEED)
    n = 3000
    stamps = pd.date_range("2025-01-01", periods=n, freq="5min").to_numpy()
    values = 33 + rng.normal(0, 0.1, n)
    dips = rng.choice(np.arange(200, 2350), 120, replace=False)
    values[dips] += rng.uniform(-10, 5, 120)
    top, bottom = values[:2400].max(), values[:2400].min()
    values[2400] = top + 0.2 * (top - bottom)
    scores = StreamingDetector().score_series(stamps, values)
    assert scores[2400] >= DetectorParams().outlier_score
    assert np.all(scores[2350:2400] < ALERT)
    # Without the floor the Gaussian likelihood alone stays below the alert on that row.
    plain = StreamingDetector(DetectorParams(outlier_tolerance=float("inf")))
    assert plain.score_series(stamps, values)[2400] < ALERT
    # The row-by-row path applies the same floor on the same row.
    detector = StreamingDetector()
    one_by_one = np.array([detector.update(t, v) for t, v in zip(stamps, values, strict=True)])
    np.testing.assert_allclose(one_by_one, scores, rtol=0, atol=1e-9)
