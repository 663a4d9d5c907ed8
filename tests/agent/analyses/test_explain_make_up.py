"""Revenue that held while its baskets changed: the average order value is judged against its
own past changes, so "within normal variation" is never the whole answer when the make-up of
the total moved (issue 11: decompose revenue into orders × average order value). The
expected z comes from hand-written SQL and the same median/MAD rule, computed here."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pytest

from agent.analyses import AnalysisContext
from agent.analyses.explain import explain
from agent.analyses.explain.verdict import Z_LIMIT
from agent.demo_data import GeneratedWarehouse
from agent.domain import Goal, Intent, Window

PAST = 10  # pairs of past days, as the explanation reads (leaves.HISTORY_PERIODS)
# A day against the same day a week before: past pairs start at the baseline, never in the
# days between it and the window (where a move may have begun).
FIRST = 7


def _aov_by_day(demo_warehouse: GeneratedWarehouse, where: dict[str, str]) -> dict[date, float]:
    ((column, value),) = where.items()
    assert column.isidentifier()
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        rows = con.execute(
            f"SELECT order_date, SUM(revenue) / COUNT(*) FROM orders WHERE {column} = ? GROUP BY 1",
            [value],
        ).fetchall()
    return {d: float(v) for d, v in rows}


def _hand_z(aov: dict[date, float], day: date) -> float:
    def change(d: date) -> float:
        return aov[d] / aov[d - timedelta(days=7)] - 1

    past = np.array([change(day - timedelta(days=k)) for k in range(FIRST, FIRST + PAST)])
    center = float(np.median(past))
    return (change(day) - center) / (1.4826 * float(np.median(np.abs(past - center))))


def _explained(ctx: AnalysisContext, where: dict[str, str], day: date) -> dict[str, object]:
    window = Window(start=day, end=day + timedelta(days=1))
    goal = Goal(
        intent=Intent.EXPLAIN,
        metric="revenue",
        filters=where,
        window=window,
        baseline=window.shifted(-7),
        window_stated=True,
    )
    (finding,) = explain(goal, ctx)
    split = finding.facts["count_value"]
    assert isinstance(split, dict)
    return {"summary": finding.summary, **split}


@pytest.fixture(scope="module")
def anomaly(demo_warehouse: GeneratedWarehouse) -> tuple[dict[str, str], date]:
    found = demo_warehouse.scenario("revenue_anomaly")
    return dict(found.where), found.start


def test_a_day_whose_baskets_moved_is_judged_against_their_own_history(
    ctx: AnalysisContext,
    demo_warehouse: GeneratedWarehouse,
    anomaly: tuple[dict[str, str], date],
) -> None:
    """The day of the last month whose average order value moved furthest from its own past
    changes (by hand) is said to have, with the same z."""
    where, _ = anomaly
    aov = _aov_by_day(demo_warehouse, where)
    last = max(aov)
    day = max((last - timedelta(days=n) for n in range(30)), key=lambda d: abs(_hand_z(aov, d)))
    z = _hand_z(aov, day)
    assert abs(z) >= Z_LIMIT, z  # a basket move, by hand
    split = _explained(ctx, where, day)
    assert f"z = {z:+.1f}" in str(split["average_unusual"])
    assert "moved beyond its own normal variation" in str(split["summary"])


def test_ordinary_days_say_nothing_about_the_baskets(
    ctx: AnalysisContext,
    demo_warehouse: GeneratedWarehouse,
    anomaly: tuple[dict[str, str], date],
) -> None:
    where, day = anomaly
    aov = _aov_by_day(demo_warehouse, where)
    ordinary = [
        d
        for d in (day - timedelta(days=n) for n in range(21, 35))
        if abs(_hand_z(aov, d)) < Z_LIMIT - 0.1
    ]
    assert len(ordinary) >= 5
    for d in ordinary[:5]:
        split = _explained(ctx, where, d)
        assert split["average_unusual"] == "", (d, split["summary"])
        assert "its own normal variation" not in str(split["summary"])
