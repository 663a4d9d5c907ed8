"""The KPI observer: one grouped query per metric × dimension, numbers as pandas has them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import duckdb
import pandas as pd
import pytest

from agent.demo_data import GeneratedWarehouse
from agent.observe import WATCH_CELLS, observe_kpis, plan_queries
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse
from tests.agent.loop_helpers import BrokenWarehouse
from tests.conftest import TODAY


class CountingWarehouse(DuckDBWarehouse):
    """The real DuckDB warehouse, counting the statements it runs."""

    calls = 0

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        type(self).calls += 1
        return super().query(sql, params)


@pytest.fixture(scope="module")
def snapshot(demo_warehouse: GeneratedWarehouse) -> Any:
    import asyncio

    layer = load_semantic(None)
    CountingWarehouse.calls = 0
    warehouse = CountingWarehouse(demo_warehouse.path)
    try:
        return asyncio.run(observe_kpis(warehouse, layer, TODAY)), layer, CountingWarehouse.calls
    finally:
        warehouse.close()


def test_one_grouped_query_per_metric_and_dimension(snapshot: Any) -> None:
    snap, layer, calls = snapshot
    # Every metric overall and by each dimension, plus one leaf-cell query per watched metric.
    expected = sum(1 + len(layer.dimensions_for(m)) for m in layer.metric_names)
    expected += len(WATCH_CELLS)
    assert calls == expected == snap.queries == len(plan_queries(layer, cells=WATCH_CELLS))
    assert snap.confidence == 1.0 and not snap.failed
    # every region of revenue is read, from the one query grouped by region
    regions = {
        r.where["region"] for r in snap.reads if r.metric == "revenue" and "region" in r.where
    }
    assert regions == set(layer.dimension("region").values)


def test_reads_match_pandas(snapshot: Any, demo_warehouse: GeneratedWarehouse) -> None:
    snap = snapshot[0]
    con = duckdb.connect(str(demo_warehouse.path), read_only=True)
    orders = con.execute("SELECT order_date, region, revenue FROM orders").df()
    sessions = con.execute("SELECT session_date, converted FROM sessions").df()
    con.close()
    orders["day"] = pd.to_datetime(orders["order_date"]).dt.date
    sessions["day"] = pd.to_datetime(sessions["session_date"]).dt.date

    def between(frame: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
        return frame[
            (frame["day"] >= TODAY - timedelta(days=start))
            & (frame["day"] < TODAY - timedelta(days=end))
        ]

    revenue = snap.read("revenue")
    assert revenue.yesterday == pytest.approx(between(orders, 1, 0)["revenue"].sum())
    assert revenue.last_7 == pytest.approx(between(orders, 7, 0)["revenue"].sum())
    assert revenue.prev_7 == pytest.approx(between(orders, 14, 7)["revenue"].sum())
    west = snap.read("revenue", {"region": "West"})
    west_orders = orders[orders["region"] == "West"]
    assert west.last_7 == pytest.approx(between(west_orders, 7, 0)["revenue"].sum())
    conversion = snap.read("conversion_rate")
    week = between(sessions, 7, 0)
    assert conversion.last_7 == pytest.approx(week["converted"].sum() / len(week))
    assert conversion.change == pytest.approx(conversion.last_7 / conversion.prev_7 - 1)


def test_the_injected_segment_drop_is_the_most_unusual_conversion_move(
    snapshot: Any, demo_warehouse: GeneratedWarehouse
) -> None:
    snap = snapshot[0]
    scenario = demo_warehouse.scenario("conversion_drop")
    segments = [r for r in snap.reads if r.metric == "conversion_rate" and r.where]
    worst = min(segments, key=lambda r: r.z)
    assert dict(worst.where).items() <= dict(scenario.where).items()
    assert worst.change < -0.2


async def test_a_failing_warehouse_gives_zero_confidence_observations() -> None:
    layer = load_semantic(None)
    broken = BrokenWarehouse()
    snap = await observe_kpis(broken, layer, TODAY, metrics=["revenue", "orders"])
    # Each metric overall, by each dimension, and by its leaf cells.
    assert broken.calls == snap.queries == 2 + len(layer.dimensions_for("revenue")) * 2 + 2
    assert snap.confidence == 0.0 and not snap.reads
    assert all(
        o.confidence == 0.0 and "connection refused" in (o.error or "") for o in snap.observations
    )


def test_runs_read_as_rounded_per_day_averages() -> None:
    from datetime import date

    from agent.domain import Anomaly
    from agent.observe import anomaly_moved, anomaly_table, anomaly_values

    layer = load_semantic()
    orders = Anomaly(
        metric="orders", where={"channel": "organic"}, day=date(2025, 12, 10),
        actual=203 / 3, expected=106.0, score=4.9, direction="down", days=3,
    )  # fmt: skip
    rate = Anomaly(
        metric="conversion_rate", where={}, day=date(2025, 12, 9),
        actual=0.0220, expected=0.0321, score=5.7, direction="down", days=4,
    )  # fmt: skip
    single = Anomaly(
        metric="orders", where={}, day=date(2025, 12, 14),
        actual=51.0, expected=80.0, score=4.0, direction="down",
    )  # fmt: skip
    assert anomaly_values(layer, orders) == "68/day over 3 days vs 106/day expected"
    assert anomaly_values(layer, rate) == "2.20% on average over 4 days vs 3.21% expected"
    assert anomaly_values(layer, single) == "51 vs 80 expected"
    assert anomaly_moved(orders) == "has been down since Wed Dec 10 (3 days)"
    assert anomaly_moved(single) == "dropped on Sun Dec 14"
    table = anomaly_table(layer, [orders, rate, single])
    assert table.rows[0] == (
        "Orders", "organic traffic", "2025-12-10 (3 days)", "68/day", "106/day", "4.9",
    )  # fmt: skip
    assert table.rows[1][3:5] == ("2.20% avg", "3.21% avg")
    assert table.rows[2][3:5] == ("51", "80")
    assert "67.67" not in str(table.rows)
