"""Measure each injected effect from the written warehouse, so the record is what the data
shows. Definitions (all relative changes, e.g. -0.35 = 35% lower):

- conversion_drop: the segment's conversion rate (converted sessions / sessions) over
  [start, end) versus the same segment's rate over the 28 days before start.
- revenue_anomaly: on the anomaly day, the segment's revenue divided by the rest of the
  store's revenue, versus the same ratio pooled over the four preceding same weekdays
  (day - 7, -14, -21, -28). Using the ratio to the rest cancels store-wide swings such as
  Black Friday; using the same weekday cancels the weekly device mix.
- forecast_bias: sum(forecast_units) / sum(actual_units) - 1 for the category over
  [start, end).
- churn_cohort: orders per cohort member per day over [start, end) divided by the same over
  the 28 days before start, relative to the same ratio for peer customers (first order at
  least 28 days before start, not in the cohort), which cancels seasonality.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from agent.demo_data.scenarios import METRIC_OF_KIND, Plan, Scenario

BASELINE_DAYS = 28
_SEGMENT_COLUMNS = frozenset({"region", "device", "channel", "customer_type", "category"})


def segment_sql(where: Mapping[str, str]) -> tuple[str, list[str]]:
    """A SQL predicate and its parameters for dimension = value pairs."""
    unknown = set(where) - _SEGMENT_COLUMNS
    if unknown:
        raise ValueError(f"not a segment dimension: {sorted(unknown)}")
    parts = [f"{dim} = ?" for dim in where]
    return " AND ".join(parts) or "TRUE", list(where.values())


def _scenario(plan: Plan, effect: float, details: dict[str, Any]) -> Scenario:
    return Scenario(
        id=plan.kind,
        kind=plan.kind,
        metric=METRIC_OF_KIND[plan.kind],
        where=dict(plan.where),
        start=plan.start,
        end=plan.end,
        effect_size=round(effect, 6),
        details=details,
    )


def conversion_drop(con: duckdb.DuckDBPyConnection, plan: Plan) -> Scenario:
    """Record the conversion drop as measured in the sessions table."""
    pred, params = segment_sql(plan.where)
    base_start = plan.start - timedelta(days=BASELINE_DAYS)
    row = con.execute(
        f"""SELECT
              count(*) FILTER (WHERE session_date >= ? AND session_date < ?),
              count(*) FILTER (WHERE converted AND session_date >= ? AND session_date < ?),
              count(*) FILTER (WHERE session_date >= ? AND session_date < ?),
              count(*) FILTER (WHERE converted AND session_date >= ? AND session_date < ?)
            FROM sessions WHERE {pred}""",
        [plan.start, plan.end] * 2 + [base_start, plan.start] * 2 + params,
    ).fetchall()[0]
    assert row is not None
    n_win, c_win, n_base, c_base = (int(x) for x in row)
    total = con.execute(
        "SELECT count(*) FROM sessions WHERE session_date >= ? AND session_date < ?",
        [plan.start, plan.end],
    ).fetchall()[0]
    rate_win, rate_base = c_win / max(n_win, 1), c_base / max(n_base, 1)
    details = {
        "definition": "segment conversion in [start, end) vs the 28 days before start",
        "injected": round(plan.target, 6),
        "baseline_start": base_start.isoformat(),
        "baseline_rate": rate_base,
        "window_rate": rate_win,
        "baseline_sessions": n_base,
        "window_sessions": n_win,
        "share_of_sessions": n_win / max(int(total[0]) if total else 1, 1),
    }
    return _scenario(plan, rate_win / rate_base - 1 if rate_base else 0.0, details)


def revenue_anomaly(
    con: duckdb.DuckDBPyConnection, plan: Plan, counterfactual_revenue: float
) -> Scenario:
    """Record the one-day revenue anomaly against the segment's usual share of revenue."""
    pred, params = segment_sql(plan.where)
    day = plan.start
    days = [day - timedelta(days=7 * k) for k in range(5)]
    frame = con.execute(
        f"""SELECT order_date,
                   coalesce(sum(revenue) FILTER (WHERE {pred}), 0) AS segment,
                   coalesce(sum(revenue) FILTER (WHERE NOT ({pred})), 0) AS rest
            FROM orders WHERE order_date IN (SELECT unnest(?::DATE[])) GROUP BY order_date""",
        params + params + [days],
    ).df()
    frame["order_date"] = pd.to_datetime(frame["order_date"]).dt.date
    today_row = frame[frame["order_date"] == day]
    base = frame[frame["order_date"] != day]
    seg_day, rest_day = float(today_row["segment"].sum()), float(today_row["rest"].sum())
    base_ratio = float(base["segment"].sum()) / max(float(base["rest"].sum()), 1e-9)
    day_ratio = seg_day / max(rest_day, 1e-9)
    details = {
        "definition": "segment/rest revenue ratio on the day vs the 4 preceding same weekdays",
        "injected": round(plan.target, 6),
        "direction": "spike" if plan.target > 0 else "dip",
        "segment_revenue": round(seg_day, 2),
        "counterfactual_revenue": round(counterfactual_revenue, 2),
        "counterfactual_effect": seg_day / counterfactual_revenue - 1
        if counterfactual_revenue
        else 0.0,
        "day_ratio": day_ratio,
        "baseline_ratio": base_ratio,
        "baseline_days": [d.isoformat() for d in days[1:]],
    }
    return _scenario(plan, day_ratio / base_ratio - 1 if base_ratio else 0.0, details)


def forecast_bias(con: duckdb.DuckDBPyConnection, plan: Plan, today: date) -> Scenario:
    """Record the forecast bias as forecast/actual - 1 in the category since start."""
    category = plan.where["category"]
    row = con.execute(
        """SELECT sum(forecast_units), sum(actual_units) FROM inventory_forecasts
           WHERE category = ? AND forecast_date >= ? AND forecast_date < ?""",
        [category, plan.start, plan.end],
    ).fetchall()[0]
    assert row is not None
    forecast, actual = float(row[0] or 0), float(row[1] or 0)
    wape = con.execute(
        """SELECT category, sum(abs(forecast_units - actual_units)) / sum(actual_units)
           FROM inventory_forecasts WHERE forecast_date >= ? GROUP BY category ORDER BY 2 DESC""",
        [today - timedelta(days=30)],
    ).fetchall()
    details = {
        "definition": "sum(forecast_units)/sum(actual_units) - 1 in the category since start",
        "injected": round(plan.target, 6),
        "direction": "over-forecast" if plan.target > 0 else "under-forecast",
        "wape_last_30_days": {str(c): float(w) for c, w in wape},
    }
    return _scenario(plan, forecast / actual - 1 if actual else 0.0, details)


def churn_cohort(con: duckdb.DuckDBPyConnection, plan: Plan, customer_ids: list[str]) -> Scenario:
    """Record the cohort's fall in purchase rate relative to established peers."""
    start = plan.start
    pre_start = start - timedelta(days=BASELINE_DAYS)
    con.register("_cohort", pd.DataFrame({"customer_id": customer_ids}))
    rows = con.execute(
        """WITH members AS (
               SELECT customer_id, customer_id IN (SELECT customer_id FROM _cohort) AS cohort
               FROM customers WHERE first_order_date < ?)
           SELECT m.cohort, count(DISTINCT m.customer_id) AS members,
                  count(o.order_id) FILTER (WHERE o.order_date >= ? AND o.order_date < ?) AS pre,
                  count(o.order_id) FILTER (WHERE o.order_date >= ? AND o.order_date < ?) AS post
           FROM members m LEFT JOIN orders o USING (customer_id) GROUP BY m.cohort""",
        [pre_start, pre_start, start, start, plan.end],
    ).fetchall()
    tickets = con.execute(
        """SELECT count(*) FILTER (WHERE created_date >= ? AND created_date < ?),
                  count(*) FILTER (WHERE created_date >= ? AND created_date < ?)
           FROM support_tickets WHERE customer_id IN (SELECT customer_id FROM _cohort)""",
        [start - timedelta(days=49), start - timedelta(days=21),
         start - timedelta(days=21), start + timedelta(days=7)],
    ).fetchall()[0]  # fmt: skip
    con.unregister("_cohort")
    by = {bool(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}
    post_days = (plan.end - start).days
    rates = {}
    for key, (members, pre, post) in by.items():
        rates[key] = (pre / max(members * BASELINE_DAYS, 1), post / max(members * post_days, 1))
    cohort, peers = rates.get(True, (0.0, 0.0)), rates.get(False, (0.0, 0.0))
    effect = 0.0
    if cohort[0] and peers[0] and peers[1]:
        effect = (cohort[1] / cohort[0]) / (peers[1] / peers[0]) - 1
    n = max(len(customer_ids), 1)
    details = {
        "definition": "cohort orders/member/day since start vs 28 days before, relative to peers",
        "churn_start": start.isoformat(),
        "decay_days": round(plan.target, 3),
        "cohort_size": len(customer_ids),
        "cohort_daily_order_rate": {"before": cohort[0], "after": cohort[1]},
        "peer_daily_order_rate": {"before": peers[0], "after": peers[1]},
        "tickets_per_member": {
            "weeks_-7_to_-3": (tickets[0] if tickets else 0) / n,
            "weeks_-3_to_+1": (tickets[1] if tickets else 0) / n,
        },
        "customer_ids": customer_ids,
    }
    return _scenario(plan, effect, details)
