"""Profiles: thresholds from config, factors with the customer's own numbers, the rhythm."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from agent.churn.agent import CustomerChurnAgent
from agent.churn.profile import predicted_churn_date, risk_level
from agent.churn.rules import ChurnRules
from agent.config import ScoutConfig
from agent.errors import UserError


def test_risk_levels_follow_the_configured_thresholds() -> None:
    rules = ScoutConfig.model_validate(
        {"churn": {"high_risk_threshold": 0.6, "critical_risk_threshold": 0.9}}
    ).churn
    assert [risk_level(p, rules) for p in (0.1, 0.45, 0.65, 0.89, 0.9)] == [
        "low",
        "medium",
        "high",
        "high",
        "critical",
    ]
    default = ChurnRules()
    assert risk_level(0.7, default) == "high" and risk_level(0.85, default) == "critical"


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        ChurnRules(high_risk_threshold=0.9, critical_risk_threshold=0.8)


def test_profile_levels_match_probabilities(churn_agent: CustomerChurnAgent) -> None:
    ids = list(churn_agent.ranked().index[::700][:12])
    for profile in churn_agent.profiles(ids):
        assert profile.risk_level == risk_level(profile.churn_probability, ChurnRules())


def test_risk_factors_quote_the_customers_own_numbers(churn_agent: CustomerChurnAgent) -> None:
    frame = churn_agent.ranked()
    regular = frame[(frame["usual_gap"] > 0) & (frame["recency_ratio"] > 2)].index[0]
    profile = churn_agent.profile(regular)
    row = frame.loc[regular]
    expected = (
        f"no order in {int(row['days_since_last'])} days, "
        f"usually every {max(1, round(row['usual_gap']))}"
    )
    assert expected in profile.risk_factors
    complainers = frame[frame["tickets_30"] >= 2]
    # The one whose tickets the model weighs most: support is then among their reasons.
    complainer = churn_agent.model.contributions(complainers)["support"].idxmax()
    words = "; ".join(churn_agent.profile(complainer).risk_factors)
    assert f"{int(frame.loc[complainer, 'tickets_30'])} support tickets this month" in words


def test_predicted_churn_date_follows_the_rhythm() -> None:
    today = date(2025, 12, 15)
    last = today - timedelta(days=10)
    assert predicted_churn_date(last, 12.0, today, 60) == last + timedelta(days=24)
    assert predicted_churn_date(last, 30.0, today, 60) == last + timedelta(days=60)
    # Two cycles already missed: churning now.
    assert predicted_churn_date(today - timedelta(days=50), 12.0, today, 60) == today
    # No rhythm yet: the label horizon.
    assert predicted_churn_date(last, None, today, 60) == last + timedelta(days=60)


def test_profile_uses_its_own_rhythm(churn_agent: CustomerChurnAgent) -> None:
    frame = churn_agent.ranked()
    cid = frame[(frame["usual_gap"] >= 5) & (frame["days_since_last"] < frame["usual_gap"])].index[
        0
    ]
    profile = churn_agent.profile(cid)
    row = frame.loc[cid]
    assert profile.last_order is not None
    assert profile.predicted_churn_date == profile.last_order + timedelta(
        days=round(2 * row["usual_gap"])
    )


def test_unknown_customer_is_a_friendly_error(churn_agent: CustomerChurnAgent) -> None:
    with pytest.raises(UserError, match="don't know a customer 'C999999'"):
        churn_agent.profile("C999999")
