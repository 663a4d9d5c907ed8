"""Profiles: tiers from config, factors only when the customer's own numbers show them, the
rhythm, and first-time buyers asked another question."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from agent.churn.agent import CustomerChurnAgent
from agent.churn.factors import describe
from agent.churn.profile import assign_tiers, predicted_churn_date, risk_level
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
    assert risk_level(0.5, default) == "high" and risk_level(0.7, default) == "critical"


def test_high_and_critical_are_capped_to_the_top_slice() -> None:
    rules = ChurnRules(max_flagged_share=0.1)
    p = np.array([0.95, 0.9, 0.2, 0.8, 0.75, 0.6, 0.1, 0.3, 0.55, 0.52, 0.51, 0.35] * 5)
    levels = assign_tiers(p, rules)
    flagged = np.isin(levels, ("high", "critical"))
    assert flagged.sum() == 6  # 10% of 60, though 40 are above the high threshold
    # The slice is the most likely: nobody flagged is less likely than someone left out.
    assert p[flagged].min() >= p[~flagged].max()
    # Past the line, a customer above the threshold is medium, never low.
    assert set(levels[(p >= rules.high_risk_threshold) & ~flagged]) == {"medium"}
    assert list(assign_tiers(np.array([0.9]), rules)) == ["medium"]  # 10% of 1 is nobody


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        ChurnRules(high_risk_threshold=0.9, critical_risk_threshold=0.8)


def test_profile_levels_are_the_populations_tiers(churn_agent: CustomerChurnAgent) -> None:
    ranked = churn_agent.ranked()
    expected = assign_tiers(ranked["probability"].to_numpy(), ChurnRules())
    assert list(ranked["risk_level"]) == list(expected)
    ids = list(ranked.index[::300][:12])
    for profile in churn_agent.profiles(ids):
        assert profile.risk_level == ranked.loc[profile.customer_id, "risk_level"]


def _row(**values: float) -> pd.Series:
    base = {
        "orders_total": 3.0,
        "days_since_last": 1.0,
        "usual_gap": 28.0,
        "orders_recent": 1.0,
        "expected_recent": float("nan"),
        "tickets_56": 0.0,
        "tickets_90": 0.0,
        "unresolved_56": 0.0,
        "satisfaction_56": float("nan"),
        "sessions_30": 2.0,
        "sessions_prev_60": 4.0,
        "days_since_session": 3.0,
        "returns_90": 0.0,
        "refunds_90": 0.0,
    }
    return pd.Series({**base, **values})


def test_overdue_only_past_the_customers_own_gap() -> None:
    def recency(**values: float) -> str:
        return describe("recency", _row(**values), recent_days=90, history_days=180)

    # Ordered yesterday on a 28-day rhythm: not behind, so no reason at all.
    assert recency() == ""
    assert recency(days_since_last=28.0) == ""
    assert recency(days_since_last=40.0) == "no order in 40 days, usually every 28"
    # Two orders are one gap, not a habit.
    assert recency(days_since_last=40.0, orders_total=2.0) == (
        "no order in 40 days; their two before were 28 days apart"
    )
    # One order: only a long silence is said, and as what it is.
    assert recency(orders_total=1.0, usual_gap=float("nan"), days_since_last=19.0) == ""
    assert recency(orders_total=1.0, usual_gap=float("nan"), days_since_last=45.0) == (
        "no order in 45 days (their only order in the last 180 days)"
    )


def test_other_factors_need_the_warning_in_the_customers_data() -> None:
    def say(group: str, **values: float) -> str:
        return describe(group, _row(**values), recent_days=90, history_days=180)

    assert say("support") == ""
    assert say("support", tickets_56=2.0, unresolved_56=1.0, satisfaction_56=1.5) == (
        "2 support tickets in the last 8 weeks, 1 unresolved, satisfaction 1.5/5"
    )
    assert say("support", tickets_56=1.0, satisfaction_56=4.0) == (
        "1 support ticket in the last 8 weeks"
    )
    assert say("usage") == ""  # 2 visits this month, 2 a month before: no drop
    assert say("usage", sessions_30=0.0) == (
        "0 visits in the last 30 days, down from about 2 a month"
    )
    assert say("frequency", orders_recent=1.0, expected_recent=1.2) == ""
    assert say("frequency", orders_recent=0.0, expected_recent=1.6) == (
        "0 orders in the last 90 days, about 2 expected at their earlier pace"
    )
    assert say("returns") == ""


def test_predicted_churn_date_is_the_end_of_their_window() -> None:
    today = date(2025, 12, 15)
    last = today - timedelta(days=10)
    assert predicted_churn_date(last, 24.0, today) == last + timedelta(days=24)
    assert predicted_churn_date(last, 30.5, today) == last + timedelta(days=31)
    # Quiet for longer than the window already: churning now.
    assert predicted_churn_date(today - timedelta(days=50), 30.0, today) == today
    assert predicted_churn_date(last, None, today) is None


def test_profile_uses_its_own_rhythm(churn_agent: CustomerChurnAgent) -> None:
    frame = churn_agent.ranked()
    rules = churn_agent.rules
    # A window of their own: above the floor, and short enough that no cap cuts it.
    cap = rules.long_window_label_days or math.inf
    windows = frame["active_gap"] * rules.label_multiple
    cid = frame[(windows > rules.min_label_days) & (windows <= cap)].index[0]
    profile = churn_agent.profile(cid)
    row = frame.loc[cid]
    window = row["active_gap"] * rules.label_multiple
    assert profile.facts["label_window_days"] == pytest.approx(window)
    assert profile.last_activity is not None
    assert profile.predicted_churn_date == max(
        churn_agent.today, profile.last_activity + timedelta(days=math.ceil(window))
    )
    assert f"within {math.ceil(window)} days, twice the" in profile.summary()


def test_first_time_buyers_are_asked_about_a_second_purchase(
    churn_agent: CustomerChurnAgent,
) -> None:
    first = churn_agent.first_time_buyers()
    assert len(first) > 0 and not first.index.isin(churn_agent.ranked().index).any()
    recent = first[first["days_since_last"] <= 20].index[0]
    profile = churn_agent.profile(recent)
    assert profile.population == "first_time"
    assert profile.churn_probability is None and profile.risk_level is None
    assert profile.recommended_actions == () and profile.value_at_risk == 0
    assert profile.second_purchase_probability is not None
    assert 0 <= profile.second_purchase_probability <= 1
    assert "not scored for churn" in profile.summary()
    assert f"{profile.second_purchase_probability:.0%} chance of a second purchase" in (
        profile.summary()
    )


def test_unknown_customer_is_a_friendly_error(churn_agent: CustomerChurnAgent) -> None:
    with pytest.raises(UserError, match="don't know a customer 'C999999'"):
        churn_agent.profile("C999999")
