"""Outcomes are reorders of those contacted against the holdout, counted from the orders."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from agent.churn.audience import in_holdout
from agent.churn.outcomes import measure_uplift
from agent.demo_data import GeneratedWarehouse
from agent.warehouse import DuckDBWarehouse


def test_uplift_counts_reorders_against_the_holdout(
    churn_warehouse: DuckDBWarehouse, demo_warehouse: GeneratedWarehouse
) -> None:
    # A "campaign" 30 days ago over every customer who had ordered by then, split as Scout
    # splits: nobody was contacted in the demo, so the true uplift is zero.
    start = demo_warehouse.today - timedelta(days=30)
    orders = churn_warehouse.query("SELECT customer_id, order_date FROM orders")
    day = pd.to_datetime(orders["order_date"])
    ids = sorted(set(orders.loc[day < pd.Timestamp(start), "customer_id"].dropna()))
    held = in_holdout(ids, "email-test", 0.2)
    assignment = pd.DataFrame(
        {"customer_id": ids, "group": ["holdout" if h else "send" for h in held]}
    )
    result = measure_uplift(churn_warehouse, assignment, start=start, days=30)
    after = set(orders.loc[(day >= pd.Timestamp(start)) & (day < pd.Timestamp(demo_warehouse.today)),
                           "customer_id"])  # fmt: skip
    send = [c for c, h in zip(ids, held, strict=True) if not h]
    hold = [c for c, h in zip(ids, held, strict=True) if h]
    assert (result.contacted, result.held_out) == (len(send), len(hold))
    assert result.contacted_reordered == len(after & set(send))
    assert result.held_out_reordered == len(after & set(hold))
    low, high = result.interval() or (1.0, -1.0)
    assert low < 0 < high  # no campaign ran: the interval covers no effect
    assert f"of the {len(hold):,} held out: uplift" in result.sentence()
