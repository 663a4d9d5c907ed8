"""Reasons in the customer's own numbers: what drives the score first, and never a
confident "nothing stands out" beside a warning their data plainly shows."""

from __future__ import annotations

import pandas as pd

from agent.churn.factors import NOTHING_STANDS_OUT, describe_factors

# 124 days without an order on a 15-day rhythm, kept active by visits; no tickets, no returns.
ROW = pd.Series(
    {
        "orders_total": 9,
        "orders_recent": 0,
        "expected_recent": 2.0,
        "days_since_last": 124,
        "usual_gap": 15.0,
        "tickets_56": 0,
        "tickets_90": 0,
        "unresolved_56": 0,
        "satisfaction_56": float("nan"),
        "sessions_30": 3,
        "sessions_prev_60": 6,
        "days_since_session": 4,
        "returns_90": 0,
        "refunds_90": 0.0,
    }
)


def _factors(row: pd.Series, contributions: dict[str, float]) -> tuple[str, ...]:
    return describe_factors(row, pd.Series(contributions), recent_days=40, history_days=180)


def test_what_raises_the_score_is_said_first() -> None:
    reasons = _factors(ROW, {"recency": 0.2, "frequency": 0.1, "support": 0.1})
    assert reasons == (
        "no order in 124 days, usually every 15",
        "0 orders in the last 40 days, about 2 expected at their earlier pace",
    )


def test_a_warning_that_does_not_drive_the_score_is_still_said_as_what_it_is() -> None:
    reasons = _factors(ROW, {"recency": -0.02, "frequency": 0.0, "support": 0.08})
    assert reasons == (
        f"{NOTHING_STANDS_OUT}; their data also shows: 0 orders in the last 40 days, about 2 "
        "expected at their earlier pace; no order in 124 days, usually every 15",
    )


def test_a_burst_scaled_up_is_not_an_earlier_pace() -> None:
    # Two orders ten days apart, read over 14 days and scaled to the 40-day window: "about 6".
    burst = ROW.copy()
    burst[["orders_total", "expected_recent", "days_since_last", "usual_gap"]] = [2, 5.7, 44, 10.0]
    assert _factors(burst, {"frequency": 0.3}) == (NOTHING_STANDS_OUT,)
