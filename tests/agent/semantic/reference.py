"""Hand-computed metric values with pandas, the ground truth the compiled SQL must match."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

import pandas as pd

from agent.domain import Grain, Window

TIME = {
    "sessions": "session_date",
    "orders": "order_date",
    "order_items": "order_date",
    "returns": "return_date",
    "support_tickets": "created_date",
    "inventory_forecasts": "forecast_date",
}


def _period(day: date, grain: Grain) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


# metric -> (table, {part: function(group frame) -> number}, combine(parts) -> value)
SPECS: dict[str, tuple[str, dict[str, Callable[[pd.DataFrame], float]], str]] = {
    "revenue": ("orders", {"value": lambda g: g["revenue"].sum()}, ""),
    "orders": ("orders", {"value": len}, ""),
    "aov": ("orders", {"numerator": lambda g: g["revenue"].sum(), "denominator": len}, "ratio"),
    "sessions": ("sessions", {"value": len}, ""),
    "conversion_rate": (
        "sessions",
        {"numerator": lambda g: g["converted"].sum(), "denominator": len},
        "ratio",
    ),
    "add_to_cart_rate": (
        "sessions",
        {"numerator": lambda g: g["added_to_cart"].sum(), "denominator": len},
        "ratio",
    ),
    "customers": ("orders", {"value": lambda g: g["customer_id"].nunique()}, ""),
    "new_customers": (
        "orders",
        {"value": lambda g: g.loc[g["customer_type"] == "new", "customer_id"].nunique()},
        "",
    ),
    "units_sold": ("order_items", {"value": lambda g: g["quantity"].sum()}, ""),
    "units_returned": ("returns", {"value": lambda g: g["quantity"].sum()}, ""),
    "forecast_error": (
        "inventory_forecasts",
        {
            "numerator": lambda g: (g["forecast_units"] - g["actual_units"]).abs().sum(),
            "denominator": lambda g: g["actual_units"].sum(),
        },
        "ratio",
    ),
    "support_tickets": ("support_tickets", {"value": len}, ""),
}


DERIVED = {
    "revenue_per_session": ("revenue", "sessions"),
    "return_rate": ("units_returned", "units_sold"),
}


def expected(
    frames: Mapping[str, pd.DataFrame],
    metric: str,
    window: Window,
    filters: Mapping[str, str] = {},
    group_by: tuple[str, ...] = (),
    grain: Grain | None = None,
) -> pd.DataFrame:
    """Keys + part columns + value, sorted by keys, as the compiled query should return."""
    if metric in DERIVED:
        top, bottom = DERIVED[metric]
        rev = expected(frames, top, window, filters, group_by, grain)
        ses = expected(frames, bottom, window, filters, group_by, grain)
        keys = [*group_by, *(["period"] if grain else [])]
        if keys:
            both = rev.merge(ses, on=keys, how="outer", suffixes=("_r", "_s")).fillna(0.0)
        else:
            both = pd.concat([rev.add_suffix("_r"), ses.add_suffix("_s")], axis=1)
        out = both[keys].copy()
        out[top] = both["value_r"].astype(float)
        out[bottom] = both["value_s"].astype(float)
        out["value"] = out[top] / out[bottom].where(out[bottom] != 0)
        return out.sort_values(keys).reset_index(drop=True) if keys else out
    table, parts, combine = SPECS[metric]
    frame = frames[table]
    day = frame[TIME[table]]
    rows = frame[(day >= window.start) & (day < window.end)].copy()
    for dim, value in filters.items():
        rows = rows[rows[dim] == value]
    keys = list(group_by)
    if grain:
        rows["period"] = [_period(d, grain) for d in rows[TIME[table]]]
        keys.append("period")
    if keys:
        records = [
            {**dict(zip(keys, key, strict=True)), **{n: fn(g) for n, fn in parts.items()}}
            for key, g in rows.groupby(keys, sort=True)
        ]
        out = pd.DataFrame(records, columns=[*keys, *parts])
    else:
        out = pd.DataFrame({name: [fn(rows)] for name, fn in parts.items()})
    for name in parts:
        out[name] = out[name].astype(float)
    if combine == "ratio":
        out["value"] = out["numerator"] / out["denominator"].where(out["denominator"] != 0)
    return out
