"""Perception: the one feature query equals pandas over the raw tables."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from agent.churn.agent import CustomerChurnAgent
from agent.churn.features import FEATURE_SQL
from agent.churn.schema import DEMO_SCHEMA
from agent.warehouse import DuckDBWarehouse


def _table(warehouse: DuckDBWarehouse, name: str) -> pd.DataFrame:
    return warehouse.query(f"SELECT * FROM {name} WHERE customer_id IS NOT NULL")


def test_features_match_pandas_for_sampled_customers(
    churn_agent: CustomerChurnAgent, churn_warehouse: DuckDBWarehouse
) -> None:
    scores = churn_agent.scores()
    features = scores.features
    cut = pd.Timestamp(features.cutoff)
    start = pd.Timestamp(features.start)
    recent = cut - pd.Timedelta(days=features.recent_days)
    d90 = max(start, cut - pd.Timedelta(days=90))
    d30 = cut - pd.Timedelta(days=30)
    d56 = cut - pd.Timedelta(days=56)
    orders = _table(churn_warehouse, "orders")
    tickets = _table(churn_warehouse, "support_tickets")
    sessions = _table(churn_warehouse, "sessions")
    returns = _table(churn_warehouse, "returns")
    for frame, column in (
        (orders, "order_date"),
        (tickets, "created_date"),
        (sessions, "session_date"),
        (returns, "return_date"),
    ):
        frame[column] = pd.to_datetime(frame[column])
    frame = scores.frame[scores.frame["active"]]
    # A regular buyer, someone with tickets, someone with returns, and a one-order customer.
    picks = [
        frame[frame["orders_total"] >= 3].index[0],
        frame[frame["tickets_90"] >= 2].index[0],
        frame[frame["returns_90"] >= 1].index[0],
        frame[frame["orders_total"] == 1].index[0],
    ]
    for cid in picks:
        row = frame.loc[cid]
        mine = orders[
            (orders.customer_id == cid) & (orders.order_date >= start) & (orders.order_date < cut)
        ]
        assert row["orders_total"] == len(mine)
        assert row["revenue_total"] == pytest.approx(mine.revenue.sum())
        assert row["orders_recent"] == (mine.order_date >= recent).sum()
        assert row["days_since_last"] == (cut - mine.order_date.max()).days
        dates = mine.order_date.sort_values()
        if len(dates) >= 2:
            gap = (dates.iloc[-1] - dates.iloc[0]).days / (len(dates) - 1)
            assert row["usual_gap"] == pytest.approx(gap)
        else:
            assert np.isnan(row["usual_gap"])
        t = tickets[
            (tickets.customer_id == cid)
            & (tickets.created_date >= d90)
            & (tickets.created_date < cut)
        ]
        assert row["tickets_90"] == len(t)
        assert row["tickets_30"] == (t.created_date >= d30).sum()
        open_at_cut = ~(t.resolved.fillna(False) & (pd.to_datetime(t.resolved_date) < cut))
        assert row["unresolved"] == open_at_cut.sum()
        last8 = t.created_date >= d56
        assert row["tickets_56"] == last8.sum()
        assert row["unresolved_56"] == (open_at_cut & last8).sum()
        s = sessions[(sessions.customer_id == cid) & (sessions.session_date < cut)]
        assert row["sessions_30"] == (s.session_date >= d30).sum()
        assert row["sessions_prev_60"] == ((s.session_date >= d90) & (s.session_date < d30)).sum()
        r = returns[
            (returns.customer_id == cid)
            & (returns.return_date >= d90)
            & (returns.return_date < cut)
        ]
        assert row["returns_90"] == len(r)
        active = pd.concat([mine.order_date, sessions[(sessions.customer_id == cid)].session_date])
        active = active[(active >= start) & (active < cut)].drop_duplicates()
        assert row["active_days"] == len(active)
        assert row["days_since_active"] == (cut - active.max()).days
        expected = "repeat" if len(mine) >= 2 or row["prior_order"] else "first_time"
        assert row["population"] == expected


def test_the_sql_is_the_evidence_with_bound_dates(churn_agent: CustomerChurnAgent) -> None:
    evidence = churn_agent.scores().features.evidence
    assert evidence.sql == DEMO_SCHEMA.render(FEATURE_SQL)
    assert evidence.params["cutoff"] == churn_agent.today
    assert evidence.params["d30"] == churn_agent.today - timedelta(days=30)
    assert "$cutoff" in evidence.sql and str(churn_agent.today) not in evidence.sql
