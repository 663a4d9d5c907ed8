"""The one statistics module, against values worked out by hand (no scipy in the checks)."""

from __future__ import annotations

import math

import pytest

from agent.analyses.stats import (
    lower_tail_z,
    robust_scale,
    successes_of_trials,
    two_proportion_p,
    two_proportion_z,
    two_proportions,
    two_sided_p,
    two_sided_z,
)

# 40/100 then 50/100: pooled rate 90/200 = 0.45, variance 0.45 · 0.55 · (1/100 + 1/100)
# = 0.00495, so z = 0.10 / √0.00495 = 1.42134.
Z_40_50 = 1.4213381


def test_two_proportion_z_by_hand() -> None:
    assert two_proportion_z(40, 100, 50, 100) == pytest.approx(Z_40_50, abs=1e-6)
    # The sign says which way the current rate moved.
    assert two_proportion_z(50, 100, 40, 100) == pytest.approx(-Z_40_50, abs=1e-6)


def test_two_proportion_p_is_the_two_sided_normal_tail() -> None:
    # Φ(-1.42134) = 0.07761 from the normal table, twice for both tails.
    assert two_proportion_p(40, 100, 50, 100) == pytest.approx(0.15522, abs=1e-4)


@pytest.mark.parametrize(
    "counts",
    [(0, 0, 5, 10), (5, 10, 0, 0), (0, 10, 0, 10), (10, 10, 10, 10)],
    ids=["no baseline trials", "no current trials", "both rates 0", "both rates 1"],
)
def test_an_undefined_test_says_nothing_moved(counts: tuple[int, int, int, int]) -> None:
    assert two_proportion_z(*counts) == 0.0
    assert two_proportion_p(*counts) == 1.0


def test_two_proportions_compares_a_against_b() -> None:
    result = two_proportions(50, 100, 40, 100)
    assert result.statistic == pytest.approx(Z_40_50, abs=1e-6)
    assert result.p_value == pytest.approx(0.15522, abs=1e-4)
    assert not result.significant
    empty = two_proportions(1, 0, 1, 10)
    assert math.isnan(empty.statistic) and empty.p_value == 1.0


def test_normal_tails_and_their_inverse() -> None:
    # 1.95996 is the textbook two-sided 5% point.
    assert two_sided_p(1.959964) == pytest.approx(0.05, abs=1e-6)
    assert two_sided_p(-1.959964) == two_sided_p(1.959964)
    assert two_sided_p(0.0) == 1.0
    assert two_sided_z(0.05) == pytest.approx(1.959964, abs=1e-6)
    assert lower_tail_z(0.025) == pytest.approx(-1.959964, abs=1e-6)
    assert lower_tail_z(0.5) == 0.0
    # Far in the tail the inverse stays finite and still inverts.
    tiny = two_sided_z(1e-300)
    assert math.isfinite(tiny) and two_sided_p(tiny) == pytest.approx(1e-300, rel=1e-6)


def test_robust_scale_is_1_4826_times_the_mad() -> None:
    # Median 3; absolute deviations 2, 1, 0, 1, 97 have median 1: the outlier does not count.
    assert robust_scale([1, 2, 3, 4, 100]) == pytest.approx(1.4826)
    # From a given centre (0): deviations 1, 2, 3, 4, 100, median 3.
    assert robust_scale([1, 2, 3, 4, 100], center=0.0) == pytest.approx(3 * 1.4826)
    # A constant series has no spread; the floor keeps it usable as a divisor.
    assert robust_scale([5.0, 5.0, 5.0]) == 0.0
    assert robust_scale([5.0, 5.0, 5.0], floor=0.01) == 0.01
    assert math.isnan(robust_scale([]))


def test_successes_of_trials() -> None:
    assert successes_of_trials([0, 3, 10], [5, 3, 10])
    assert not successes_of_trials([4], [3])  # more successes than trials: not counts
    assert not successes_of_trials([-1], [3])
