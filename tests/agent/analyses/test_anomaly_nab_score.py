"""The NAB scorer against hand-computed values, and against Numenta's stored outputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agent.analyses.anomaly.nab_score import (
    PROFILES,
    FileLabels,
    file_score,
    scaled_sigmoid,
    score_corpus,
)

STANDARD = PROFILES[0]


def test_scaled_sigmoid_values() -> None:
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(-1.0) == pytest.approx(2 / (1 + math.exp(-5)) - 1)  # 0.98661
    assert scaled_sigmoid(3.5) == -1.0


def test_tiny_file_by_hand() -> None:
    # 100 rows: probation 15; one window [40, 49] (W = 10).
    labels = FileLabels(name="f", rows=100, windows=((40, 49),))
    scores = np.zeros(100)
    scores[10] = 1.0  # inside probation: ignored
    scores[20] = 1.0  # before any window: -0.11
    scores[45] = 1.0  # in the window: x = -(49-45+1)/10 = -0.5
    scores[47] = 1.0  # later in the same window: worth nothing
    scores[51] = 1.0  # after the window: x = 2/9
    s = scaled_sigmoid
    expected = -0.11 + s(-0.5) / s(-1.0) + 0.11 * s(2 / 9)
    assert file_score(labels, scores, STANDARD, 0.5) == pytest.approx(expected)
    assert file_score(labels, np.zeros(100), STANDARD, 0.5) == pytest.approx(-1.0)

    result = score_corpus([labels], {"f": scores}, STANDARD)
    assert result.threshold == 1.0
    assert result.raw == pytest.approx(expected)
    assert result.normalized == pytest.approx(100 * (expected + 1) / 2)


def test_threshold_sweep_picks_the_best_level() -> None:
    labels = FileLabels(name="f", rows=100, windows=((40, 49),))
    scores = np.zeros(100)
    scores[40] = 0.6  # the window's first row: worth exactly 1
    scores[80] = 0.9  # a false positive, ranked higher
    result = score_corpus([labels], {"f": scores}, STANDARD)
    assert result.threshold == 0.6
    assert result.raw == pytest.approx(1.0 + 0.11 * scaled_sigmoid(31 / 9))


def test_reproduces_numenta_standard_score() -> None:
    from bench.nab_benchmark import load_corpus, nab_root, stored_outputs

    root = nab_root()
    if not (root / "labels/combined_windows.json").exists():
        pytest.skip(f"NAB data not found at {root}")
    files, _ = load_corpus(root)
    result = score_corpus(files, stored_outputs(root, "numenta", files), STANDARD)
    assert result.normalized == pytest.approx(70.10, abs=0.01)
    assert result.raw == pytest.approx(46.634, abs=0.001)
