"""Beta posteriors and Thompson sampling."""

from __future__ import annotations

import random

import pytest

from agent.learning import Bandit, BetaArm, describe_learning, describe_situation, situation_key


def test_beta_arm_update_is_conjugate() -> None:
    arm = BetaArm()
    assert arm.mean == 0.5 and arm.samples == 0
    arm = arm.update(True).update(True).update(False)
    assert (arm.alpha, arm.beta) == (3, 2)
    assert arm.mean == pytest.approx(0.6)
    assert arm.variance == pytest.approx(3 * 2 / (25 * 6))
    assert arm.update(True, weight=0.5).successes == 2.5
    with pytest.raises(ValueError):
        arm.update(True, weight=0)
    with pytest.raises(ValueError):
        BetaArm(successes=-1)


def test_outcomes_shift_the_ranking() -> None:
    bandit = Bandit()
    situation = situation_key("conversion_rate", "down")
    assert bandit.rank(situation, ["A", "B"]) == ["A", "B"]  # ties keep the caller's order
    for _ in range(20):
        bandit.update(situation, "B", success=True)
        bandit.update(situation, "A", success=False)
    assert bandit.rank(situation, ["A", "B"]) == ["B", "A"]
    # Thompson agrees almost surely after 20 outcomes each (Beta(21,1) vs Beta(1,21)).
    rng = random.Random(7)
    assert all(bandit.rank(situation, ["A", "B"], rng) == ["B", "A"] for _ in range(200))
    # Learning is per situation: elsewhere A and B are still unknown.
    assert bandit.rank("revenue|down", ["A", "B"]) == ["A", "B"]


def test_thompson_sampling_is_deterministic_with_a_seed() -> None:
    bandit = Bandit({("s", "A"): BetaArm(successes=3, failures=3), ("s", "B"): BetaArm()})
    draws = [[bandit.score("s", arm, random.Random(7)) for arm in "AB"] for _ in range(2)]
    assert draws[0] == draws[1]
    ranks_1 = [bandit.rank("s", ["A", "B"], r) for r in [random.Random(7)] for _ in range(50)]
    ranks_2 = [bandit.rank("s", ["A", "B"], r) for r in [random.Random(7)] for _ in range(50)]
    assert ranks_1 == ranks_2
    # With uncertain arms Thompson explores: both orders occur.
    assert {tuple(r) for r in ranks_1} == {("A", "B"), ("B", "A")}


def test_describe_learning_says_what_and_how_often() -> None:
    bandit = Bandit()
    situation = situation_key("conversion_rate", "down", {"region": "Northeast"})
    for i in range(10):
        bandit.update(situation, "alert", success=i < 8)
    bandit.update("revenue|down", "retention_offer", success=True)
    lines = describe_learning(bandit)
    assert lines == [
        "Alerts on conversion rate drops in Northeast were acknowledged 8 of 10 times "
        "(expected success 75%).",
        "Retention offer actions on revenue drops succeeded 1 of 1 times (expected success 67%).",
    ]
    assert describe_learning(bandit, min_samples=5) == lines[:1]


def test_situation_keys_are_stable_and_readable() -> None:
    key = situation_key("aov", "up", {"device": "mobile", "region": "West"})
    assert key == situation_key("aov", "up", {"region": "West", "device": "mobile"})
    assert key == "aov|up|device=mobile,region=West"  # persisted in memory: the form stays
    assert describe_situation(key) == "aov rises in mobile × West"
