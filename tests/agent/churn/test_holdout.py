"""The holdout drawn when retention actions are proposed, and the value an action is ranked by."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from agent.churn.holdout import draw_holdout
from agent.churn.profile import CustomerRiskProfile
from agent.churn.recommend import rank_actions
from agent.churn.rules import ChurnRules
from agent.domain import Action
from agent.learning import Bandit, BetaArm

DAY = date(2025, 12, 15)


def _action(cid: str, kind: str = "winback_sequence", level: str = "high") -> Action:
    return Action(
        kind=kind, target=cid, params={"customer_id": cid, "risk_level": level}, source="churn"
    )


def _held_by_hand(kind: str, cid: str, share: float) -> bool:
    digest = hashlib.sha256(f"retention-{kind}-{DAY.isoformat()}\x1f{cid}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def test_the_holdout_is_seeded_per_kind_and_day_and_recorded_with_the_treated() -> None:
    actions = [_action(f"C{i:06d}", "support_call") for i in range(200)]
    actions += [_action(f"C{i:06d}", "winback_sequence") for i in range(200, 400)]
    draw = draw_holdout(actions, today=DAY, share=0.1)
    held = {(a.kind, a.customer_id) for a in draw.held_out}
    assert held == {(a.kind, a.target) for a in actions if _held_by_hand(a.kind, a.target, 0.1)}
    assert 25 <= len(held) <= 55  # about 10% of 400 (binomial sd 6)
    assert {a.target for a in draw.treated}.isdisjoint({cid for _, cid in held})
    assert len(draw.treated) + len(draw.held_out) == len(actions)
    # Every treated action carries the key its execution record will be found by.
    keys = {a.customer_id: a.action_key for a in draw.assignments if a.group == "treated"}
    assert {a.target: a.idempotency_key for a in draw.treated} == keys
    assert draw_holdout(actions, today=DAY, share=0.1) == draw  # the same answer twice


def test_customers_in_an_open_holdout_stay_untreated() -> None:
    actions = [_action("C000001"), _action("C000002")]
    draw = draw_holdout(actions, today=DAY, share=0.0, already_held=frozenset({"C000002"}))
    assert [a.target for a in draw.treated] == ["C000001"]
    assert draw.still_held == ("C000002",) and draw.held_out == ()
    assert [a.customer_id for a in draw.assignments] == ["C000001"]
    assert "1 more stay untreated as part of an earlier holdout: C000002." in draw.sentence()


def _profile(value: float, probability: float) -> CustomerRiskProfile:
    return CustomerRiskProfile(
        customer_id="C000123",
        as_of=DAY,
        churn_probability=probability,
        risk_level="high",
        risk_factors=(),
        confidence_score=1.0,
        last_activity=None,
        last_order=None,
        predicted_churn_date=None,
        recommended_actions=(),
        customer_value=value,
        scored_by="model",
        scoring_note="test",
    )


def test_a_learned_uplift_is_worth_uplift_times_customer_value() -> None:
    # Measured: support calls add 20 reorders per 100 high-risk customers (as a posterior
    # of 60 successes in 300 on top of the churn prior Beta(1, 3): mean 61/304).
    bandit = Bandit({("churn|high", "support_call"): BetaArm(successes=60, failures=240)})
    profile = _profile(value=800.0, probability=0.6)
    ranked = rank_actions(profile, bandit, ChurnRules(), rng=None, arms=("support_call",))
    (call,) = ranked
    # 61/304 × $800 − $15 effort = $145.53; with value at risk ($480) it would be $81.32.
    assert call.score == pytest.approx(61 / 304 * 800 - 15)
    assert call.score == pytest.approx(145.526, abs=1e-3)
