"""A small hand-built warehouse matching semantic.yml, independent of the demo generator.

Tests compute expected numbers from these pandas frames directly, then compare with what
the compiled SQL returns from DuckDB (and Postgres).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from agent.warehouse import DuckDBWarehouse

START = date(2025, 11, 1)
DAYS = 45
REGIONS = ["Northeast", "Southeast", "Midwest", "Southwest", "West"]
STATES = {"Northeast": "NY", "Southeast": "FL", "Midwest": "IL", "Southwest": "TX", "West": "CA"}
DEVICES = ["desktop", "mobile", "tablet"]
CHANNELS = ["organic", "paid_search", "email", "social", "direct", "affiliate"]
CATEGORIES = ["electronics", "apparel", "home", "beauty", "sports", "toys"]
TOPICS = ["delivery", "refund", "product_quality", "billing", "account", "other"]


def build_frames(seed: int = 3, sessions_per_day: int = 60) -> dict[str, pd.DataFrame]:
    """Random but seeded rows for every table the semantic layer declares."""
    rng = np.random.default_rng(seed)
    n = DAYS * sessions_per_day
    day = np.repeat(np.arange(DAYS), sessions_per_day)
    region = rng.choice(REGIONS, n)
    sessions = pd.DataFrame(
        {
            "session_id": np.arange(n),
            "session_date": [START + timedelta(days=int(d)) for d in day],
            "region": region,
            "state": [STATES[r] for r in region],
            "device": rng.choice(DEVICES, n, p=[0.4, 0.5, 0.1]),
            "channel": rng.choice(CHANNELS, n),
            "customer_type": rng.choice(["new", "returning"], n, p=[0.3, 0.7]),
            "landing_category": rng.choice(CATEGORIES, n),
        }
    )
    sessions["added_to_cart"] = rng.random(n) < 0.25
    sessions["checkout_started"] = sessions["added_to_cart"] & (rng.random(n) < 0.6)
    sessions["converted"] = sessions["checkout_started"] & (rng.random(n) < 0.7)

    bought = sessions[sessions["converted"]].reset_index(drop=True)
    orders = pd.DataFrame(
        {
            "order_id": np.arange(len(bought)),
            "order_date": bought["session_date"],
            "customer_id": rng.integers(0, len(bought) // 2 + 1, len(bought)),
            "region": bought["region"],
            "state": bought["state"],
            "device": bought["device"],
            "channel": bought["channel"],
            "customer_type": bought["customer_type"],
            "revenue": np.round(rng.lognormal(4.0, 0.6, len(bought)), 2),
        }
    )
    lines = orders.loc[orders.index.repeat(rng.integers(1, 4, len(orders)))].reset_index(drop=True)
    items = lines[["order_id", "order_date", "region", "state", "device", "channel"]].copy()
    items["customer_type"] = lines["customer_type"]
    items["category"] = rng.choice(CATEGORIES, len(items))
    items["quantity"] = rng.integers(1, 4, len(items))
    returned = rng.random(len(items)) < 0.1
    # Unreturned lines hold NULL, as in the warehouse contract.
    items["returned_quantity"] = pd.Series(items["quantity"], dtype="Int64").where(returned)
    items["revenue"] = np.round(rng.lognormal(3.0, 0.5, len(items)), 2)

    m = DAYS * 4
    tickets = pd.DataFrame(
        {
            "ticket_id": np.arange(m),
            "created_date": [START + timedelta(days=int(d)) for d in rng.integers(0, DAYS, m)],
            "region": rng.choice(REGIONS, m),
            "topic": rng.choice(TOPICS, m),
        }
    )
    grid = [(START + timedelta(days=d), c) for d in range(DAYS) for c in CATEGORIES]
    forecasts = pd.DataFrame(grid, columns=["forecast_date", "category"])
    forecasts["actual_units"] = rng.integers(0, 40, len(forecasts))
    forecasts["forecast_units"] = (
        (forecasts["actual_units"] * rng.uniform(0.7, 1.3, len(forecasts))).round().astype(int)
    )
    back = items[items["returned_quantity"].notna()]
    returns = pd.DataFrame(
        {
            "return_date": [
                d + timedelta(days=int(k))
                for d, k in zip(back["order_date"], rng.integers(3, 21, len(back)), strict=True)
            ],
            "region": back["region"].to_numpy(),
            "category": back["category"].to_numpy(),
            "quantity": back["returned_quantity"].astype(int).to_numpy(),
            "refund_amount": np.round(rng.lognormal(3.0, 0.5, len(back)), 2),
        }
    )
    return {
        "sessions": sessions,
        "orders": orders,
        "order_items": items,
        "returns": returns,
        "support_tickets": tickets,
        "inventory_forecasts": forecasts,
    }


def write_duckdb(frames: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write the frames as DuckDB tables (dates as DATE)."""
    con = duckdb.connect(str(path))
    try:
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def handmade_frames() -> dict[str, pd.DataFrame]:
    """The hand-built rows, as pandas frames (the ground truth)."""
    return build_frames()


@pytest.fixture(scope="session")
def handmade_path(
    tmp_path_factory: pytest.TempPathFactory, handmade_frames: dict[str, pd.DataFrame]
) -> Path:
    """The same rows in a DuckDB file."""
    return write_duckdb(handmade_frames, tmp_path_factory.mktemp("handmade") / "w.duckdb")


@pytest.fixture(scope="session")
def handmade(handmade_path: Path) -> Iterator[DuckDBWarehouse]:
    """A read-only DuckDBWarehouse on the hand-built file."""
    warehouse = DuckDBWarehouse(handmade_path)
    yield warehouse
    warehouse.close()
