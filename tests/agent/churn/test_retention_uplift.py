"""Retention actions are judged by what customers did afterwards, against the holdout.

A small warehouse where treated customers reorder at a known rate and held-out ones at
another: the uplift and its interval match a hand computation (and hand-written SQL), the
learner prefers the action with the real uplift over the one approved more often, and an
approval alone never moves the posterior.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from agent.churn.outcomes import measure_retention, uplift_by_action
from agent.churn.profile import CustomerRiskProfile
from agent.churn.recommend import rank_actions
from agent.churn.rules import ChurnRules
from agent.learning import RetentionOutcome
from agent.memory import Memory
from agent.warehouse import DuckDBWarehouse

TODAY = date(2025, 12, 15)
SINCE = date(2025, 11, 1)
DAYS = 30
# (kind, risk level): treated, of whom reordered; held out, of whom reordered.
DESIGN = {
    ("support_call", "high"): (200, 60, 100, 15),  # 30% vs 15%: +15 points
    ("winback_sequence", "high"): (200, 40, 100, 20),  # 20% vs 20%: no uplift
    ("account_manager_alert", "critical"): (10, 5, 5, 1),  # too few to say
}


def _population() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The assignment (who was treated or held out, when) and the orders that followed.

    Every customer who "reorders" does so inside the window; the others order only just
    outside it (the day before, or on the day it closes), which must not count."""
    people, orders = [], []
    for (kind, level), (treated, t_yes, held, h_yes) in DESIGN.items():
        for group, n, yes in (("treated", treated, t_yes), ("holdout", held, h_yes)):
            for i in range(n):
                cid = f"{kind[:3]}-{level[:1]}-{group[:1]}{i:04d}"
                people.append((cid, kind, level, group, SINCE))
                if i < yes:
                    orders.append((cid, SINCE + timedelta(days=i % DAYS)))
                elif i % 2:
                    orders.append((cid, SINCE - timedelta(days=1)))
                else:
                    orders.append((cid, SINCE + timedelta(days=DAYS)))
    # A window still open today: left out, however it ends.
    people.append(("late-1", "support_call", "high", "holdout", TODAY - timedelta(days=5)))
    assignment = pd.DataFrame(people, columns=["customer_id", "kind", "segment", "group", "since"])
    return assignment, pd.DataFrame(orders, columns=["customer_id", "order_date"])


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    _, orders = _population()
    path = tmp_path / "orders.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (customer_id VARCHAR, order_date DATE, revenue DOUBLE)")
    con.executemany(
        "INSERT INTO orders VALUES (?, ?, 50.0)", [tuple(r) for r in orders.itertuples(False)]
    )
    con.close()
    wh = DuckDBWarehouse(path)
    yield wh
    wh.close()


def _wald(p: float, n: int, q: float, m: int) -> tuple[float, float]:
    se = math.sqrt(p * (1 - p) / n + q * (1 - q) / m)
    return (p - q) - 1.959964 * se, (p - q) + 1.959964 * se


def test_uplift_against_the_holdout_matches_a_hand_computation(
    warehouse: DuckDBWarehouse, tmp_path: Path
) -> None:
    assignment, _ = _population()
    measured = measure_retention(warehouse, assignment, days=DAYS, today=TODAY)
    assert "late-1" not in set(measured["customer_id"]), "an open window is not a failure"
    by = {(m.kind, m.segment): m.uplift for m in uplift_by_action(measured, days=DAYS)}

    call = by[("support_call", "high")]
    assert (call.contacted, call.contacted_reordered) == (200, 60)
    assert (call.held_out, call.held_out_reordered) == (100, 15)
    assert call.uplift == pytest.approx(0.15)
    low, high = call.interval() or (0.0, 0.0)
    # By hand: se = sqrt(.3·.7/200 + .15·.85/100) = 0.048218; ±1.96·se = ±0.094505.
    assert (low, high) == pytest.approx((0.055495, 0.244505), abs=1e-5)
    assert (low, high) == pytest.approx(_wald(0.3, 200, 0.15, 100))
    assert by[("winback_sequence", "high")].uplift == pytest.approx(0.0)

    # The same reorder counts, by hand-written SQL over the warehouse's orders.
    con = duckdb.connect(str(tmp_path / "orders.duckdb"), read_only=True)
    con.register("assignment", assignment)
    truth = con.execute(
        """SELECT a.kind, a.segment, a."group", COUNT(*) AS n,
                  COUNT(*) FILTER (WHERE EXISTS (
                      SELECT 1 FROM orders o WHERE o.customer_id = a.customer_id
                      AND o.order_date >= a.since AND o.order_date < a.since + INTERVAL 30 DAY))
        FROM assignment a WHERE a.since + INTERVAL 30 DAY <= DATE '2025-12-15'
        GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    con.close()
    for kind, segment, group, n, yes in truth:
        u = by[(kind, segment)]
        got = (
            (u.contacted, u.contacted_reordered)
            if group == "treated"
            else (u.held_out, u.held_out_reordered)
        )
        assert got == (n, yes)


def _outcomes(measured: pd.DataFrame) -> list[RetentionOutcome]:
    return [
        RetentionOutcome(
            customer_id=r.customer_id,
            kind=r.kind,
            segment=r.segment,
            group=r.group,
            since=pd.Timestamp(r.since).date(),
            reordered=bool(r.reordered),
        )
        for r in measured.itertuples()
    ]


def _profile(level: str) -> CustomerRiskProfile:
    return CustomerRiskProfile(
        customer_id="C000123",
        as_of=TODAY,
        churn_probability=0.8,
        risk_level=level,  # type: ignore[arg-type]
        risk_factors=(),
        confidence_score=1.0,
        last_activity=None,
        last_order=None,
        predicted_churn_date=None,
        recommended_actions=(),
        customer_value=900.0,  # below the offer minimum: calls and emails only
        scored_by="model",
        scoring_note="test",
    )


async def test_the_learner_follows_measured_uplift_not_approvals(
    warehouse: DuckDBWarehouse, tmp_path: Path
) -> None:
    assignment, _ = _population()
    measured = measure_retention(warehouse, assignment, days=DAYS, today=TODAY)
    arms = ("support_call", "winback_sequence")
    memory = await Memory.open(tmp_path / "memory.sqlite3")
    try:
        before = await memory.bandit()
        # Win-backs are approved far more often; approvals are not outcomes.
        for i in range(50):
            await memory.record_outcome(f"ok{i}", "winback_sequence", "churn|high", success=True)
            await memory.record_outcome(f"no{i}", "support_call", "churn|high", success=False)
        approved = await memory.bandit()
        for arm in arms:
            assert approved.arm("churn|high", arm) == before.arm("churn|high", arm)

        assert await memory.record_retention_outcomes(_outcomes(measured), days=DAYS) == 615
        assert await memory.record_retention_outcomes(_outcomes(measured), days=DAYS) == 0

        learned = await memory.bandit()
        call, winback = learned.arm("churn|high", arms[0]), learned.arm("churn|high", arms[1])
        # Effective size 200·100/300 = 66.7 customers; uplift 15% of it succeeded.
        assert call.samples == pytest.approx(200 * 100 / 300)
        assert call.successes == pytest.approx(0.15 * 200 * 100 / 300)
        assert winback.successes == pytest.approx(0.0)
        ranked = rank_actions(_profile("high"), learned, ChurnRules(), rng=None, arms=arms)
        assert [c.kind for c in ranked] == ["support_call", "winback_sequence"]

        works = await memory.what_works()
        assert works[0] == (
            "support call for high-risk customers: 30.0% of 200 treated ordered again within "
            "30 days vs 15.0% of 100 held out, uplift +15.0 points (95% interval +5.5 to +24.5)."
        )
        assert "uplift +0.0 points" in works[1] and works[1].startswith("winback sequence")
        assert works[2] == (
            "account manager alert for critical-risk customers: not enough data yet (10 "
            "treated, 5 held out; at least 30 of each are needed)."
        )
    finally:
        await memory.close()
