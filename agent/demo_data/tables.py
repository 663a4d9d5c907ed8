"""Turn the generated arrays into the warehouse tables and load them into DuckDB in bulk.

Frames carry small integer codes and categoricals; DuckDB formats ids ('C000123') and casts
types in one CREATE TABLE AS SELECT per table, which is far faster than building millions of
Python strings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from agent.demo_data import world
from agent.demo_data.customers import (
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    NO_ORDER,
    Customers,
)
from agent.demo_data.forecasts import Forecasts
from agent.demo_data.orders import Orders, Products
from agent.demo_data.sessions import Sessions
from agent.demo_data.support import DAY, Tickets


def _cat(codes: np.ndarray, values: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=list(values))


def _days(first: date, day: np.ndarray) -> np.ndarray:
    return (np.datetime64(first, "D") + day.astype("timedelta64[D]")).astype("datetime64[s]")


def _ts(first: date, seconds: np.ndarray) -> np.ndarray:
    base = np.datetime64(first, "D").astype("datetime64[s]")
    return base + seconds.astype(np.int64).astype("timedelta64[s]")


def _id(column: str, fmt: str) -> str:
    return f"CASE WHEN {column} >= 0 THEN printf('{fmt}', {column}) END"


def _load(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, select: str) -> None:
    con.register("_frame", frame)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {select} FROM _frame")
    con.unregister("_frame")


def write_tables(
    con: duckdb.DuckDBPyConnection,
    dates: list[date],
    products: Products,
    s: Sessions,
    c: Customers,
    o: Orders,
    t: Tickets,
    f: Forecasts,
) -> None:
    """Create and fill every warehouse table except `scenarios`."""
    first = dates[0]

    def number(rows: np.ndarray) -> np.ndarray:
        """Customer index -> the N of 'C%06d' (-1 stays anonymous)."""
        return np.where(rows >= 0, c.number[np.maximum(rows, 0)], -1)

    has_order = c.first_order_day != NO_ORDER
    _load(
        con,
        "customers",
        pd.DataFrame(
            {
                "n": c.number,
                "signup_date": _days(first, c.signup_day),
                "region": _cat(c.region, world.REGIONS),
                "state": _cat(c.state, world.STATES),
                "acquisition_channel": _cat(c.acquisition, world.CHANNELS),
                "first_order_date": pd.Series(
                    _days(first, np.where(has_order, c.first_order_day, 0))
                ).where(has_order),
                "first_name": _cat(c.first_name, FIRST_NAMES),
                "last_name": _cat(c.last_name, LAST_NAMES),
                "email_domain": _cat(c.email_domain, EMAIL_DOMAINS),
                "email_opt_out": c.email_opt_out,
            }
        ).sort_values("n"),
        f"{_id('n', 'C%06d')} AS customer_id, CAST(signup_date AS DATE) AS signup_date, "
        "CAST(region AS VARCHAR) AS region, CAST(state AS VARCHAR) AS state, "
        "CAST(acquisition_channel AS VARCHAR) AS acquisition_channel, "
        "CAST(first_order_date AS DATE) AS first_order_date, "
        "CAST(first_name AS VARCHAR) || '.' || CAST(last_name AS VARCHAR) || CAST(n AS VARCHAR) "
        "|| '@' || CAST(email_domain AS VARCHAR) AS email, email_opt_out",
    )
    _load(
        con,
        "products",
        pd.DataFrame(
            {
                "n": np.arange(1, len(products) + 1),
                "product_name": products.name,
                "category": _cat(products.category, world.CATEGORIES),
                "price": products.price,
                "cost": products.cost,
            }
        ),
        f"{_id('n', 'P%05d')} AS product_id, CAST(product_name AS VARCHAR) AS product_name, "
        "CAST(category AS VARCHAR) AS category, CAST(price AS DOUBLE) AS price, "
        "CAST(cost AS DOUBLE) AS cost",
    )
    order_of_session = np.full(len(s), -1, dtype=np.int64)
    order_of_session[o.session] = np.arange(1, len(o.session) + 1)
    dims = (
        "CAST(region AS VARCHAR) AS region, CAST(state AS VARCHAR) AS state, "
        "CAST(device AS VARCHAR) AS device, CAST(channel AS VARCHAR) AS channel, "
        "CAST(customer_type AS VARCHAR) AS customer_type"
    )
    _load(
        con,
        "sessions",
        pd.DataFrame(
            {
                "session_id": np.arange(1, len(s) + 1, dtype=np.int64),
                "ts": _ts(first, s.day.astype(np.int64) * DAY + s.second),
                "customer": number(s.customer),
                "region": _cat(s.region, world.REGIONS),
                "state": _cat(s.state, world.STATES),
                "device": _cat(s.device, world.DEVICES),
                "channel": _cat(s.channel, world.CHANNELS),
                "customer_type": _cat(s.ctype, world.CUSTOMER_TYPES),
                "landing_category": _cat(s.landing, world.CATEGORIES),
                "added_to_cart": s.added_to_cart,
                "checkout_started": s.checkout_started,
                "converted": s.converted,
                "order_n": order_of_session,
            }
        ),
        "session_id, CAST(ts AS TIMESTAMP) AS session_ts, CAST(ts AS DATE) AS session_date, "
        f"{_id('customer', 'C%06d')} AS customer_id, {dims}, "
        "CAST(landing_category AS VARCHAR) AS landing_category, added_to_cart, "
        f"checkout_started, converted, {_id('order_n', 'O%07d')} AS order_id",
    )
    _write_orders(con, first, s, o, products, number)
    _write_support(con, first, c, t, number)
    n_days, n_prod = f.actual.shape
    _load(
        con,
        "inventory_forecasts",
        pd.DataFrame(
            {
                "d": _days(first, np.repeat(np.arange(n_days), n_prod)),
                "p": np.tile(np.arange(1, n_prod + 1), n_days),
                "category": _cat(np.tile(products.category, n_days), world.CATEGORIES),
                "forecast_units": f.forecast.ravel(),
                "actual_units": f.actual.ravel(),
            }
        ),
        f"CAST(d AS DATE) AS forecast_date, {_id('p', 'P%05d')} AS product_id, "
        "CAST(category AS VARCHAR) AS category, CAST(forecast_units AS DOUBLE) AS forecast_units, "
        "CAST(actual_units AS INTEGER) AS actual_units",
    )


def _write_orders(
    con: duckdb.DuckDBPyConnection,
    first: date,
    s: Sessions,
    o: Orders,
    products: Products,
    number: Callable[[np.ndarray], np.ndarray],
) -> None:
    n = len(o.session)
    sess = o.session
    day = s.day[sess]
    units = np.bincount(o.line_order, o.quantity, minlength=n)
    revenue = np.bincount(o.line_order, o.revenue, minlength=n)
    gross = np.bincount(o.line_order, o.quantity * o.unit_price, minlength=n)
    cost = np.bincount(o.line_order, o.quantity * products.cost[o.product], minlength=n)
    customer = number(s.customer[sess])
    dims = {
        "region": _cat(s.region[sess], world.REGIONS),
        "state": _cat(s.state[sess], world.STATES),
        "device": _cat(s.device[sess], world.DEVICES),
        "channel": _cat(s.channel[sess], world.CHANNELS),
        "customer_type": _cat(s.ctype[sess], world.CUSTOMER_TYPES),
    }
    dim_sql = ", ".join(f"CAST({d} AS VARCHAR) AS {d}" for d in dims)
    _load(
        con,
        "orders",
        pd.DataFrame(
            {
                "n": np.arange(1, n + 1),
                "ts": _ts(first, day.astype(np.int64) * DAY + o.second),
                "customer": customer,
                "session_id": sess + 1,
                **dims,
                "units": units,
                "revenue": revenue,
                "cost": np.round(cost, 2),
                "discount": np.round(gross - revenue, 2),
            }
        ),
        f"{_id('n', 'O%07d')} AS order_id, CAST(ts AS TIMESTAMP) AS order_ts, "
        f"CAST(ts AS DATE) AS order_date, {_id('customer', 'C%06d')} AS customer_id, "
        f"CAST(session_id AS BIGINT) AS session_id, {dim_sql}, CAST(units AS INTEGER) AS units, "
        "CAST(revenue AS DOUBLE) AS revenue, CAST(cost AS DOUBLE) AS cost, "
        "CAST(discount AS DOUBLE) AS discount",
    )
    lo = o.line_order
    line_dims = {k: v[lo] for k, v in dims.items()}
    category = products.category[o.product]
    _load(
        con,
        "order_items",
        pd.DataFrame(
            {
                "n": lo + 1,
                "line_no": o.line_no,
                "d": _days(first, day[lo]),
                "customer": customer[lo],
                "p": o.product + 1,
                "category": _cat(category, world.CATEGORIES),
                **line_dims,
                "quantity": o.quantity,
                "unit_price": o.unit_price,
                "revenue": o.revenue,
                "returned_quantity": o.returned_quantity,
            }
        ),
        f"{_id('n', 'O%07d')} AS order_id, CAST(line_no AS INTEGER) AS line_no, "
        f"CAST(d AS DATE) AS order_date, {_id('customer', 'C%06d')} AS customer_id, "
        f"{_id('p', 'P%05d')} AS product_id, CAST(category AS VARCHAR) AS category, {dim_sql}, "
        "CAST(quantity AS INTEGER) AS quantity, CAST(unit_price AS DOUBLE) AS unit_price, "
        "CAST(revenue AS DOUBLE) AS revenue, "
        "CAST(returned_quantity AS INTEGER) AS returned_quantity",
    )
    ret = np.flatnonzero(o.returned_quantity > 0)
    ret = ret[np.lexsort((ret, o.return_day[ret]))]
    _load(
        con,
        "returns",
        pd.DataFrame(
            {
                "r": np.arange(1, len(ret) + 1),
                "n": lo[ret] + 1,
                "p": o.product[ret] + 1,
                "customer": customer[lo[ret]],
                "category": _cat(category[ret], world.CATEGORIES),
                "region": line_dims["region"][ret],
                "order_date": _days(first, day[lo[ret]]),
                "return_date": _days(first, o.return_day[ret]),
                "quantity": o.returned_quantity[ret],
                "refund_amount": o.refund[ret],
                "reason": _cat(o.reason[ret], world.RETURN_REASONS),
            }
        ),
        f"{_id('r', 'R%07d')} AS return_id, {_id('n', 'O%07d')} AS order_id, "
        f"{_id('p', 'P%05d')} AS product_id, {_id('customer', 'C%06d')} AS customer_id, "
        "CAST(category AS VARCHAR) AS category, CAST(region AS VARCHAR) AS region, "
        "CAST(order_date AS DATE) AS order_date, CAST(return_date AS DATE) AS return_date, "
        "CAST(quantity AS INTEGER) AS quantity, CAST(refund_amount AS DOUBLE) AS refund_amount, "
        "CAST(reason AS VARCHAR) AS reason",
    )


def _write_support(
    con: duckdb.DuckDBPyConnection,
    first: date,
    c: Customers,
    t: Tickets,
    number: Callable[[np.ndarray], np.ndarray],
) -> None:
    resolved = t.resolved_day >= 0
    _load(
        con,
        "support_tickets",
        pd.DataFrame(
            {
                "n": np.arange(1, len(t.customer) + 1),
                "customer": number(t.customer),
                "ts": _ts(first, t.created),
                "region": _cat(c.region[t.customer], world.REGIONS),
                "topic": _cat(t.topic, world.TOPICS),
                "contact_channel": _cat(t.contact, world.CONTACT_CHANNELS),
                "satisfaction": t.satisfaction,
                "resolved": resolved,
                "resolved_date": pd.Series(
                    _days(first, np.where(resolved, t.resolved_day, 0))
                ).where(resolved),
            }
        ),
        f"{_id('n', 'T%07d')} AS ticket_id, {_id('customer', 'C%06d')} AS customer_id, "
        "CAST(ts AS TIMESTAMP) AS created_ts, CAST(ts AS DATE) AS created_date, "
        "CAST(region AS VARCHAR) AS region, CAST(topic AS VARCHAR) AS topic, "
        "CAST(contact_channel AS VARCHAR) AS contact_channel, "
        "CAST(satisfaction AS INTEGER) AS satisfaction, resolved, "
        "CAST(resolved_date AS DATE) AS resolved_date",
    )
