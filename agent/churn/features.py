"""Perception: one row of behaviour per customer as of a cut-off date, from five GROUP BYs.

The SQL lives here once and is reused for scoring today and for every training snapshot: the
cut-off and the window edges are bound parameters, never formatted into the text. Table and
column names come from the customer entity in semantic.yml (agent.churn.schema fills the
templates below; the default is the demo warehouse's names). It uses
only portable SQL (CASE, COUNT, SUM, AVG, MIN, MAX over bound dates), so it runs unchanged
on DuckDB and, through SQLAlchemy, on Postgres. Day arithmetic happens in pandas.

Sources, each aggregated once per customer:
- orders: orders and revenue over the history window and its recent part (the last 90 days,
  or the second half of a shorter history), first and last order seen (the customer's own
  rhythm), and the orders in the stretch a year ago that matches the days ahead (a season);
- support_tickets (90 days): count, the last 30 days, unresolved at the cut-off, average
  satisfaction, unhappy (1–2) answers, and the same for the last 8 weeks (the window the
  reasons quote);
- sessions: the last 30 days against the 60 before, the last visit;
- returns (90 days): count and refunds;
- activity: the distinct days with an order or a visit over the history window, the first
  and the last (the rhythm at which the customer shows up, which the churn label uses).

Customers fall into populations that are asked different questions: repeat buyers (two
orders in the window, or one after a first order before it) can be overdue on their own
rhythm; first-time buyers have no rhythm yet, only the chance of a second purchase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from agent.churn.schema import DEMO_SCHEMA, ChurnSchema
from agent.domain import Evidence
from agent.warehouse import Warehouse

# SQL templates: {name} is a declared identifier (ChurnSchema.render), $name a bound value.
FEATURE_SQL = """\
WITH people AS (
    SELECT {key_as}, {first_order_as}
    FROM {customers}
    WHERE {key} IS NOT NULL AND {first_order} < $cutoff
),
tx AS (
    SELECT {key_as},
           COUNT(*) AS orders_total,
           SUM({revenue}) AS revenue_total,
           SUM(CASE WHEN {order_date} >= $recent THEN 1 ELSE 0 END) AS orders_recent,
           SUM(CASE WHEN {order_date} >= $recent THEN {revenue} ELSE 0 END) AS revenue_recent,
           SUM(CASE WHEN {order_date} >= $year_ago AND {order_date} < $year_ago_end
                    THEN 1 ELSE 0 END) AS orders_year_ago,
           MIN({order_date}) AS first_seen,
           MAX({order_date}) AS last_order
    FROM {orders}
    WHERE {key} IS NOT NULL AND {order_date} >= $start AND {order_date} < $cutoff
    GROUP BY {key}
),
support AS (
    SELECT {key_as},
           COUNT(*) AS tickets_90,
           SUM(CASE WHEN {ticket_date} >= $d30 THEN 1 ELSE 0 END) AS tickets_30,
           SUM(CASE WHEN {resolved} AND {resolved_date} < $cutoff THEN 0 ELSE 1 END) AS unresolved,
           AVG({satisfaction}) AS avg_satisfaction,
           SUM(CASE WHEN {satisfaction} <= 2 THEN 1 ELSE 0 END) AS unhappy_tickets,
           SUM(CASE WHEN {ticket_date} >= $d56 THEN 1 ELSE 0 END) AS tickets_56,
           SUM(CASE WHEN {ticket_date} < $d56 THEN 0
                    WHEN {resolved} AND {resolved_date} < $cutoff THEN 0 ELSE 1 END) AS unresolved_56,
           AVG(CASE WHEN {ticket_date} >= $d56 THEN {satisfaction} END) AS satisfaction_56,
           SUM(CASE WHEN {ticket_date} >= $d56 AND {satisfaction} <= 2 THEN 1 ELSE 0 END)
               AS unhappy_56
    FROM {tickets}
    WHERE {key} IS NOT NULL AND {ticket_date} >= $d90 AND {ticket_date} < $cutoff
    GROUP BY {key}
),
visits AS (
    SELECT {key_as},
           SUM(CASE WHEN {session_date} >= $d30 THEN 1 ELSE 0 END) AS sessions_30,
           SUM(CASE WHEN {session_date} < $d30 THEN 1 ELSE 0 END) AS sessions_prev_60,
           MAX({session_date}) AS last_session
    FROM {sessions}
    WHERE {key} IS NOT NULL AND {session_date} >= $d90 AND {session_date} < $cutoff
    GROUP BY {key}
),
rets AS (
    SELECT {key_as}, COUNT(*) AS returns_90, SUM({refund}) AS refunds_90
    FROM {returns}
    WHERE {key} IS NOT NULL AND {return_date} >= $d90 AND {return_date} < $cutoff
    GROUP BY {key}
),
active_on AS (
    SELECT {key_as}, {order_date} AS day
    FROM {orders}
    WHERE {key} IS NOT NULL AND {order_date} >= $start AND {order_date} < $cutoff
    UNION
    SELECT {key}, {session_date}
    FROM {sessions}
    WHERE {key} IS NOT NULL AND {session_date} >= $start AND {session_date} < $cutoff
),
activity AS (
    SELECT customer_id, COUNT(*) AS active_days, MIN(day) AS first_active,
           MAX(day) AS last_active
    FROM active_on
    GROUP BY customer_id
)
SELECT p.customer_id, p.first_order_date,
       tx.orders_total, tx.revenue_total, tx.orders_recent, tx.revenue_recent,
       tx.orders_year_ago, tx.first_seen, tx.last_order,
       support.tickets_90, support.tickets_30, support.unresolved, support.avg_satisfaction,
       support.unhappy_tickets, support.tickets_56, support.unresolved_56,
       support.satisfaction_56, support.unhappy_56,
       visits.sessions_30, visits.sessions_prev_60, visits.last_session,
       rets.returns_90, rets.refunds_90,
       activity.active_days, activity.first_active, activity.last_active
FROM people p
LEFT JOIN tx ON tx.customer_id = p.customer_id
LEFT JOIN support ON support.customer_id = p.customer_id
LEFT JOIN visits ON visits.customer_id = p.customer_id
LEFT JOIN rets ON rets.customer_id = p.customer_id
LEFT JOIN activity ON activity.customer_id = p.customer_id
ORDER BY p.customer_id"""

# What happened after a cut-off: the label of a training snapshot.
FUTURE_SQL = """\
SELECT {key_as}, COUNT(*) AS future_orders
FROM {orders}
WHERE {key} IS NOT NULL AND {order_date} >= $cutoff AND {order_date} < $until
GROUP BY {key}"""

# The first order or visit after a cut-off: whether a customer showed up again within their
# own window (the label of a training snapshot).
NEXT_ACTIVE_SQL = """\
WITH after AS (
    SELECT {key_as}, MIN({order_date}) AS day
    FROM {orders}
    WHERE {key} IS NOT NULL AND {order_date} >= $cutoff AND {order_date} < $until
    GROUP BY {key}
    UNION ALL
    SELECT {key}, MIN({session_date})
    FROM {sessions}
    WHERE {key} IS NOT NULL AND {session_date} >= $cutoff AND {session_date} < $until
    GROUP BY {key}
)
SELECT customer_id, MIN(day) AS next_active FROM after GROUP BY customer_id"""

SPAN_SQL = "SELECT MIN({order_date}) AS first_day, MAX({order_date}) AS last_day FROM {orders}"

# The columns the model sees; all numeric, NaN where a customer has nothing to measure.
MODEL_COLUMNS: tuple[str, ...] = (
    "days_since_last",
    "orders_total",
    "orders_recent",
    "revenue_total",
    "revenue_recent",
    "aov",
    "usual_gap",
    "recency_ratio",
    "frequency_change",
    "tickets_90",
    "tickets_30",
    "ticket_spike",
    "unresolved",
    "avg_satisfaction",
    "unhappy_tickets",
    "tickets_56",
    "unresolved_56",
    "satisfaction_56",
    "unhappy_56",
    "sessions_30",
    "sessions_prev_60",
    "sessions_change",
    "days_since_session",
    "returns_90",
    "refunds_90",
    "p_alive",
    "p_quiet",
    "orders_year_ago",
)
_COUNTS = (
    "orders_total",
    "revenue_total",
    "orders_recent",
    "revenue_recent",
    "orders_year_ago",
    "tickets_90",
    "tickets_30",
    "unresolved",
    "unhappy_tickets",
    "tickets_56",
    "unresolved_56",
    "unhappy_56",
    "sessions_30",
    "sessions_prev_60",
    "returns_90",
    "refunds_90",
    "active_days",
)
VALUE_FLOOR_DAYS = 90  # a pace is not measured over less than this (a burst is not a rate)
YEAR_DAYS = 365  # a season comes round again after this many days
VALUE_DAYS = 365  # the horizon of a customer's expected value (and so of the value at risk)


@dataclass(frozen=True, kw_only=True)
class Features:
    """One row per customer (index: customer_id) as of `cutoff`, with the SQL behind it."""

    frame: pd.DataFrame
    cutoff: date
    start: date
    recent_days: int
    evidence: Evidence

    @property
    def history_days(self) -> int:
        return (self.cutoff - self.start).days


def recent_days(history_days: int) -> int:
    """The recent part of the history compared with the rest: 90 days, or half of it."""
    return max(1, min(90, history_days // 2))


def window_params(cutoff: date, start: date, recent: int) -> dict[str, date]:
    """The bound parameters of FEATURE_SQL for a cut-off, a history start, a recent window."""
    return {
        "cutoff": cutoff,
        "start": start,
        "recent": max(start, cutoff - timedelta(days=recent)),
        "d90": max(start, cutoff - timedelta(days=90)),
        "d56": max(start, cutoff - timedelta(days=56)),
        "d30": max(start, cutoff - timedelta(days=30)),
        # The stretch a year ago that matches the days ahead: a customer who buys for a
        # season (Christmas stock, a summer range) is quiet until it comes round again.
        "year_ago": cutoff - timedelta(days=YEAR_DAYS),
        "year_ago_end": cutoff - timedelta(days=YEAR_DAYS - recent),
    }


def data_span(
    warehouse: Warehouse, *, schema: ChurnSchema = DEMO_SCHEMA
) -> tuple[date, date] | None:
    """The first and last order dates in the warehouse, or None when it has no orders."""
    row = warehouse.query(schema.render(SPAN_SQL)).iloc[0]
    if pd.isna(row["first_day"]):
        return None
    return _day(row["first_day"]), _day(row["last_day"])


def customer_features(
    warehouse: Warehouse,
    cutoff: date,
    start: date,
    recent: int | None = None,
    *,
    schema: ChurnSchema = DEMO_SCHEMA,
) -> Features:
    """Every customer who had ordered before `cutoff`, described from [start, cutoff);
    `recent` is the window compared with the rest of the history (default: recent_days)."""
    recent = recent or recent_days((cutoff - start).days)
    params = window_params(cutoff, start, recent)
    sql = schema.render(FEATURE_SQL)
    raw = warehouse.query(sql, params)
    evidence = Evidence(
        sql=sql,
        params=params,
        description="per-customer behaviour: orders, support, sessions and returns",
        rows=len(raw),
    )
    return Features(
        frame=with_p_alive(derive(raw, cutoff, start, recent), cutoff, start, recent),
        cutoff=cutoff,
        start=start,
        recent_days=recent,
        evidence=evidence,
    )


def future_orders(
    warehouse: Warehouse, cutoff: date, days: int, *, schema: ChurnSchema = DEMO_SCHEMA
) -> pd.Series:
    """Orders per customer in [cutoff, cutoff + days): the label source."""
    params = {"cutoff": cutoff, "until": cutoff + timedelta(days=days)}
    raw = warehouse.query(schema.render(FUTURE_SQL), params)
    return raw.set_index("customer_id")["future_orders"].astype(float)


def next_active(
    warehouse: Warehouse, cutoff: date, days: int, *, schema: ChurnSchema = DEMO_SCHEMA
) -> pd.Series:
    """Days from `cutoff` to each customer's first order or visit in [cutoff, cutoff + days)."""
    params = {"cutoff": cutoff, "until": cutoff + timedelta(days=days)}
    raw = warehouse.query(schema.render(NEXT_ACTIVE_SQL), params).set_index("customer_id")[
        "next_active"
    ]
    return (pd.to_datetime(raw) - pd.Timestamp(cutoff)).dt.days.astype(float)


def derive(raw: pd.DataFrame, cutoff: date, start: date, recent_days: int) -> pd.DataFrame:
    """Add the day counts, rhythm and change columns to the SQL result."""
    df = raw.copy()
    for column in _COUNTS:
        df[column] = pd.to_numeric(df[column], errors="coerce").fillna(0.0).astype(float)
    for column in ("avg_satisfaction", "satisfaction_56"):
        df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    cut = pd.Timestamp(cutoff)
    first_order = pd.to_datetime(df["first_order_date"])
    last_order = pd.to_datetime(df["last_order"])
    first_seen = pd.to_datetime(df["first_seen"])
    history = float((cutoff - start).days)
    df["tenure_days"] = (cut - first_order).dt.days.astype(float)
    # Without an order in the window the last one is at least `history` days ago.
    since = (cut - last_order).dt.days.astype(float)
    df["days_since_last"] = since.fillna(np.minimum(df["tenure_days"], history))
    seen = df["orders_total"] > 0
    # The rhythm comes from orders inside the window only: how many orders came before it
    # is unknown, so spreading them back to the first order date would invent a slow pace.
    span = (last_order - first_seen).dt.days.astype(float)
    gap = span / (df["orders_total"] - 1)
    df["usual_gap"] = gap.where((df["orders_total"] >= 2) & (gap > 0))
    df["recency_ratio"] = df["days_since_last"] / df["usual_gap"]
    df["aov"] = (df["revenue_total"] / df["orders_total"]).where(seen)
    # Orders expected in the recent window at the customer's pace before it.
    recent = float(min(recent_days, history))
    split = cut - pd.Timedelta(days=recent)
    observed_before = (split - first_order.clip(lower=pd.Timestamp(start))).dt.days.astype(float)
    before = df["orders_total"] - df["orders_recent"]
    expected = (before * recent / observed_before).where(observed_before >= 14)
    df["expected_recent"] = expected
    df["frequency_change"] = df["orders_recent"] - expected
    # Unknown (not zero) when the history read does not reach back a year.
    if history < YEAR_DAYS:
        df["orders_year_ago"] = np.nan
    df["ticket_spike"] = df["tickets_30"] - (df["tickets_90"] - df["tickets_30"]) / 2.0
    df["sessions_change"] = df["sessions_30"] - df["sessions_prev_60"] / 2.0
    last_session = pd.to_datetime(df["last_session"])
    df["days_since_session"] = (cut - last_session).dt.days.astype(float)
    observed = (cut - first_order.clip(lower=pd.Timestamp(start))).dt.days.astype(float)
    # An order before the window (the first order predates the first one seen) makes a
    # customer with a single order in it a repeat buyer all the same.
    prior = (first_order < first_seen).fillna(False)
    df["prior_order"] = prior
    df["population"] = np.where(
        ~seen, "lapsed", np.where((df["orders_total"] >= 2) | prior, "repeat", "first_time")
    )
    # The rhythm at which the customer shows up (orders and visits): the churn label asks
    # whether they showed up again within a multiple of it. Purchase gaps alone are too
    # long to judge most customers of a store (two orders days apart are chance, not a
    # rhythm); without session data the activity is the orders and this is their rhythm.
    first_active = pd.to_datetime(df["first_active"])
    last_active = pd.to_datetime(df["last_active"])
    active_span = (last_active - first_active).dt.days.astype(float)
    active_gap = active_span / (df["active_days"] - 1)
    df["active_gap"] = active_gap.where((df["active_days"] >= 2) & (active_gap > 0))
    df["days_since_active"] = (cut - last_active).dt.days.astype(float)
    df["quiet_ratio"] = df["days_since_active"] / df["active_gap"]
    # One active day in the whole window: the days observed stand in for the gap (an upper
    # bound: nobody is called overdue on a guess).
    since_first_active = (cut - first_active).dt.days.astype(float).clip(lower=1.0)
    df["cadence"] = df["active_gap"].fillna(since_first_active)
    df.loc[df["population"] != "repeat", "cadence"] = np.nan
    # The fallback when the purchase and spend models cannot be fitted (`with_p_alive`
    # replaces it): revenue over the horizon at the customer's own pace, never more than the
    # window's revenue, so the value at risk never exceeds the revenue it is drawn from.
    pace = df["revenue_total"] * VALUE_DAYS / observed.clip(lower=VALUE_FLOOR_DAYS)
    df["customer_value"] = np.minimum(pace, df["revenue_total"])
    df["value_modelled"] = False
    df["active"] = seen
    df["last_activity"] = pd.concat([last_order, last_session, last_active], axis=1).max(axis=1)
    return df.set_index("customer_id")


def with_p_alive(
    frame: pd.DataFrame, cutoff: date, start: date, quiet_days: int | None = None
) -> pd.DataFrame:
    """Add BG/NBD's P(alive), fitted on these customers' own orders (in weeks), its
    P(no order in the next `quiet_days`; default the recent window), and their expected
    value over the next VALUE_DAYS: BG/NBD's expected purchases × Gamma-Gamma's expected
    spend per order, never more than the revenue in the window read.

    P(quiet) is the customer's own rhythm turned into a risk: a customer who is gone, or
    alive and slow enough (their purchase rate's posterior, Gamma(r + x, α + T)) to let the
    coming days pass without an order. Time since the last order counts only against the
    customer's own pace, so a fast buyer quiet for a month scores above a slow one.

    The window is left-truncated: for a customer whose first order predates it, the window
    start stands in for the first purchase and every order in it counts as a repeat. The
    spend fed to Gamma-Gamma is the average order in the window (the warehouse query does
    not single out the first order's value); for a customer whose first order predates the
    window every order in it is a repeat, so the average is exactly the model's m̄.
    """
    from agent.churn import gamma_gamma
    from agent.churn.bgnbd import fit

    df = frame.copy()
    df["p_alive"] = np.nan
    df["p_quiet"] = np.nan
    seen = df["active"].to_numpy(dtype=bool)
    if seen.sum() < 50:
        return df
    week = 7.0
    cut, begin = pd.Timestamp(cutoff), pd.Timestamp(start)
    rows = df[seen]
    birth = pd.to_datetime(rows["first_seen"]).where(~rows["prior_order"].astype(bool), begin)
    x = rows["orders_total"] - np.where(rows["prior_order"], 0.0, 1.0)
    t_x = (pd.to_datetime(rows["last_order"]) - birth).dt.days / week
    big_t = (cut - birth).dt.days / week
    arrays = [np.asarray(v, dtype=float) for v in (x, t_x, big_t)]
    if not (arrays[0] > 0).any():
        return df
    model = fit(*arrays)
    alive = model.p_alive(*arrays)
    df.loc[seen, "p_alive"] = alive
    ahead = (quiet_days or recent_days((cutoff - start).days)) / week
    df.loc[seen, "p_quiet"] = 1.0 - alive + alive * model.p_no_purchase(ahead, *arrays)
    aov = rows["aov"].to_numpy(dtype=float)
    try:
        spend = gamma_gamma.fit(arrays[0], aov)
    except ValueError:  # fewer than three repeat buyers: keep the pace fallback
        return df
    if spend.q <= 1:  # no finite mean spend: the conditional expectation does not exist
        return df
    purchases = model.expected_purchases(VALUE_DAYS / week, *arrays)
    expected = purchases * spend.expected_spend(arrays[0], aov)
    revenue = rows["revenue_total"].to_numpy(dtype=float)
    df.loc[seen, "customer_value"] = np.minimum(np.nan_to_num(expected), revenue)
    df.loc[seen, "value_modelled"] = True
    return df


# The lapsed model's columns: how long since they last showed up at all (an order or a
# visit, the label's own event) and their rhythm of doing so, beside the churn model's.
LAPSED_COLUMNS: tuple[str, ...] = (*MODEL_COLUMNS, "days_since_active", "active_gap")


def model_matrix(frame: pd.DataFrame, columns: Sequence[str] = MODEL_COLUMNS) -> np.ndarray:
    """The model's input columns as a float matrix (NaN kept: the model handles it)."""
    return frame.loc[:, list(columns)].to_numpy(dtype=float)


def _day(value: object) -> date:
    return pd.Timestamp(str(value)).date()
