"""A basket-value move confirms the revenue move it caused, and nothing else (hand-built data)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agent.analyses.anomaly import detect_segments
from agent.analyses.anomaly.runs import MIN_SCORE
from agent.analyses.anomaly.stories import CONFIRM_Z, confirmed_outcomes
from agent.analyses.stats import two_sided_p
from agent.domain import Anomaly

START = date(2026, 1, 5)  # a Monday
DAYS = 70
SINCE = START + timedelta(days=56)
SPIKE = SINCE + timedelta(days=4)
BASE = {"North": 1000.0, "South": 2000.0, "East": 1500.0, "West": 2500.0}
WEEKDAY = (1.0, 0.95, 1.0, 1.05, 1.2, 0.8, 0.7)
LIFT = 1.4  # South's revenue on SPIKE: bigger baskets, the same orders


def _revenue() -> pd.DataFrame:
    """Each region's revenue: level × weekday × 10% lognormal noise, one lift on SPIKE."""
    rng = np.random.default_rng(11)
    rows = []
    for k in range(DAYS):
        day = START + timedelta(days=k)
        for region, level in BASE.items():
            value = level * WEEKDAY[day.weekday()] * float(np.exp(rng.normal(0, 0.10)))
            if region == "South" and day == SPIKE:
                value *= LIFT
            rows.append({"date": day, "region": region, "value": round(value, 2)})
    return pd.DataFrame(rows)


FRAME = _revenue()


def _judged(metric: str, **relaxed: Any) -> list[Anomaly]:
    assert metric == "revenue"
    return detect_segments({metric: FRAME}, dimensions=["region"], since=SINCE, **relaxed)


def _basket(region: str, day: date, direction: str = "up") -> Anomaly:
    return Anomaly(
        metric="aov",
        where={"region": region},
        day=day,
        actual=140.0 if direction == "up" else 60.0,
        expected=100.0,
        score=6.0,
        direction="up" if direction == "up" else "down",
        days=1,
    )


def _hand(region: str, day: date) -> float:
    rows = FRAME[(FRAME["region"] == region) & (FRAME["date"] == day)]
    return float(rows["value"].sum())


def test_the_lift_is_too_small_to_report_on_its_own() -> None:
    # The premise of gatekeeping: revenue alone, at the detector's own bars, misses it.
    assert not [a for a in _judged("revenue") if a.day == SPIKE and a.where == {"region": "South"}]


def test_a_basket_spike_confirms_revenue_on_its_day_and_segment() -> None:
    confirmed = confirmed_outcomes([_basket("South", SPIKE)], _judged)
    assert len(confirmed) == 1
    revenue = confirmed[0]
    assert (revenue.metric, dict(revenue.where), revenue.day, revenue.days) == (
        "revenue",
        {"region": "South"},
        SPIKE,
        1,
    )
    assert revenue.direction == "up"
    assert revenue.actual == _hand("South", SPIKE)
    # Between the confirmation bar and the least score a run is otherwise kept at: a
    # confirmation must not lose it before its own bar is applied.
    assert CONFIRM_Z <= revenue.score < MIN_SCORE
    # The expectation is South's usual level for that weekday: near the lift's undoing.
    assert abs(revenue.expected / (revenue.actual / LIFT) - 1) < 0.15


def test_no_confirmation_where_revenue_did_not_move_with_the_basket() -> None:
    quiet_region = confirmed_outcomes([_basket("North", SPIKE)], _judged)
    wrong_day = confirmed_outcomes([_basket("South", SPIKE - timedelta(days=1))], _judged)
    wrong_way = confirmed_outcomes([_basket("South", SPIKE, "down")], _judged)
    assert (quiet_region, wrong_day, wrong_way) == ([], [], [])


def test_a_revenue_move_already_found_is_not_confirmed_twice() -> None:
    found = _judged("revenue", min_z=(CONFIRM_Z,) * 3, fdr=1.0, one_name=False)
    revenue = next(a for a in found if a.day == SPIKE and a.where == {"region": "South"})
    assert confirmed_outcomes([revenue, _basket("South", SPIKE)], _judged) == []


def test_the_confirmation_bar_is_a_one_sided_five_percent() -> None:
    # The basket move already fixed the direction, so revenue is tested one-sided:
    # P(Z > 1.645) = 0.05, i.e. a two-sided p of 0.10 at the bar (by hand, from tables).
    assert two_sided_p(CONFIRM_Z) == pytest.approx(0.10, abs=1e-3)
