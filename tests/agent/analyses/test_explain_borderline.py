"""A move larger than most past changes, but inside the band that names no cause, is said to
be borderline, never plain "normal variation" (issue 11: a 40% fall called noise reads as
"nothing happened"). The z of each case is computed here by hand from the warehouse."""

from __future__ import annotations

import math
from datetime import timedelta

import duckdb
import numpy as np
import pytest

from agent.analyses import AnalysisContext
from agent.analyses.explain import explain
from agent.analyses.explain.verdict import Z_LIMIT
from agent.analyses.rca.model import BORDERLINE_Z
from agent.demo_data import GeneratedWarehouse
from agent.domain import Goal, Intent, Window
from tests.conftest import TODAY

REGIONS = ("Northeast", "Southeast", "Midwest", "Southwest", "West")
WEEKS_BACK = range(0, 8)
PAST_PAIRS = 10  # the explain analysis's own history depth (leaves.HISTORY_PERIODS)


def _weekly_orders(demo_warehouse: GeneratedWarehouse, region: str) -> dict[object, float]:
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        rows = con.execute(
            "SELECT order_date, COUNT(*) FROM orders WHERE region = ? GROUP BY 1", [region]
        ).fetchall()
    return {day: float(n) for day, n in rows}


def _z(daily: dict[object, float], window: Window) -> float:
    """Week over week change against the 10 earlier week-over-week changes (median, MAD), or
    against the counts' Poisson noise when that is the smaller z."""

    def week(start: object) -> float:
        return sum(daily.get(start + timedelta(days=i), 0.0) for i in range(7))  # type: ignore[operator]

    def change(start: object) -> float:
        before = week(start - timedelta(days=7))  # type: ignore[operator]
        return (week(start) - before) / before

    past = np.array(
        [change(window.start - timedelta(days=7 * k)) for k in range(1, PAST_PAIRS + 1)]
    )
    center = float(np.median(past))
    spread = 1.4826 * float(np.median(np.abs(past - center)))
    by_history = (change(window.start) - center) / spread
    # Orders are counts: a move within their Poisson noise is within noise, whatever ten
    # past changes happen to spread.
    now, before = week(window.start), week(window.start - timedelta(days=7))  # type: ignore[operator]
    return min(by_history, (now - before) / math.sqrt(now + before), key=abs)


@pytest.fixture(scope="module")
def cases(
    ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse
) -> list[tuple[float, dict[str, object]]]:
    found = []
    for region in REGIONS:
        daily = _weekly_orders(demo_warehouse, region)
        first = min(daily)
        for back in WEEKS_BACK:
            end = TODAY - timedelta(days=7 * back)
            window = Window(start=end - timedelta(days=7), end=end)
            if window.start - timedelta(days=7 * (PAST_PAIRS + 1)) < first:  # type: ignore[operator]
                continue  # the history this week is judged by is not all in the data
            goal = Goal(
                intent=Intent.EXPLAIN,
                metric="orders",
                filters={"region": region},
                window=window,
                baseline=window.shifted(-7),
                window_stated=True,
            )
            (finding,) = explain(goal, ctx)
            facts = dict(finding.facts)
            facts["summary"] = finding.summary
            facts["confidence"] = finding.confidence
            found.append((_z(daily, window), facts))
    return found


def _whole(
    cases: list[tuple[float, dict[str, object]]],
) -> list[tuple[float, dict[str, object]]]:
    """Leave out weeks where one segment moved unlike the rest: a cause is named there."""
    return [(z, f) for z, f in cases if f["top_cause"] is None]


def test_a_move_between_the_two_bars_is_called_borderline(
    cases: list[tuple[float, dict[str, object]]],
) -> None:
    between = [f for z, f in _whole(cases) if BORDERLINE_Z + 0.05 <= abs(z) < Z_LIMIT - 0.05]
    assert between, "the demo warehouse holds no borderline week to check"
    for facts in between:
        assert facts["within_noise"] and facts["borderline"], facts["summary"]
        assert "not clearly beyond normal variation" in str(facts["summary"])
        assert "That is within normal variation" not in str(facts["summary"])
        assert facts["confidence"] == pytest.approx(0.6)


def test_an_ordinary_week_is_still_plain_normal_variation(
    cases: list[tuple[float, dict[str, object]]],
) -> None:
    ordinary = [f for z, f in _whole(cases) if abs(z) < BORDERLINE_Z - 0.05]
    assert ordinary
    for facts in ordinary:
        assert facts["within_noise"] and not facts["borderline"], facts["summary"]
        assert "That is within normal variation" in str(facts["summary"])
        assert facts["confidence"] == pytest.approx(0.9)
