"""Compiled numbers equal hand-computed pandas numbers, on DuckDB and on Postgres."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from agent.domain import Grain, Window
from agent.semantic import MetricRequest, SemanticLayer, arun_metric, run_metric
from agent.warehouse import DuckDBWarehouse, SQLAlchemyWarehouse, Warehouse
from tests.agent.semantic.reference import SPECS, expected

WINDOW = Window(start=date(2025, 11, 10), end=date(2025, 12, 1))
METRICS = [*SPECS, "revenue_per_session"]


def _shapes(
    layer: SemanticLayer, metric: str
) -> list[tuple[dict[str, str], tuple[str, ...], Grain | None]]:
    dims = layer.dimensions_for(metric)
    split = "region" if "region" in dims else dims[0]
    shapes: list[tuple[dict[str, str], tuple[str, ...], Grain | None]] = [
        ({}, (), None),
        ({}, (split,), None),
        ({}, (split,), "week"),
        ({}, (), "month"),
    ]
    if "device" in dims and split != "device":
        shapes.append(({"device": "mobile"}, (split,), "day"))
    return shapes


def assert_same(actual: pd.DataFrame, want: pd.DataFrame, columns: list[str]) -> None:
    assert list(actual.columns) == columns
    assert len(actual) == len(want), (actual, want)
    for name in columns:
        got, exp = actual[name].tolist(), want[name].tolist()
        if pd.api.types.is_float_dtype(actual[name]):
            assert got == pytest.approx(exp, rel=1e-9, nan_ok=True), name
        else:
            assert got == exp, name


@pytest.mark.parametrize("metric", METRICS)
def test_duckdb_matches_pandas(
    layer: SemanticLayer,
    handmade: DuckDBWarehouse,
    handmade_frames: dict[str, pd.DataFrame],
    metric: str,
) -> None:
    for filters, group_by, grain in _shapes(layer, metric):
        request = MetricRequest(metric, WINDOW, filters, group_by, grain)
        result = run_metric(handmade, layer, request)
        want = expected(handmade_frames, metric, WINDOW, filters, group_by, grain)
        assert not result.frame.empty
        assert_same(result.frame, want, list(want.columns))
        assert result.evidence.rows == len(result.frame)
        assert result.evidence.params["window_start"] == WINDOW.start
        assert "$window_start" in result.evidence.sql
        # The line above each Show SQL block is prose: the segment in words, no col=value.
        assert "=" not in result.evidence.description
        assert all(
            str(v).replace("_", " ") in result.evidence.description for v in filters.values()
        )


def test_window_is_half_open(
    layer: SemanticLayer, handmade: DuckDBWarehouse, handmade_frames: dict[str, pd.DataFrame]
) -> None:
    day = date(2025, 11, 20)
    one = run_metric(
        handmade, layer, MetricRequest("sessions", Window(start=day, end=day + timedelta(days=1)))
    )
    sessions = handmade_frames["sessions"]
    assert one.frame["value"].iloc[0] == (sessions["session_date"] == day).sum()


def test_weeks_start_on_monday(layer: SemanticLayer, handmade: DuckDBWarehouse) -> None:
    result = run_metric(handmade, layer, MetricRequest("orders", WINDOW, grain="week"))
    assert all(isinstance(p, date) and p.weekday() == 0 for p in result.frame["period"])


def test_injection_in_filter_value_is_inert(
    layer: SemanticLayer, handmade_path: Path, handmade_frames: dict[str, pd.DataFrame]
) -> None:
    hostile = "Northeast'; DROP TABLE orders; --"
    warehouse = DuckDBWarehouse(handmade_path)
    try:
        result = run_metric(
            warehouse, layer, MetricRequest("orders", WINDOW, {"region": hostile}, ("device",))
        )
        assert result.frame.empty
    finally:
        warehouse.close()
    con = duckdb.connect(str(handmade_path), read_only=True)
    try:
        count = con.execute('SELECT COUNT(*) FROM "orders"').fetchone()
    finally:
        con.close()
    assert count is not None and count[0] == len(handmade_frames["orders"])


async def test_async_run_matches_sync(layer: SemanticLayer, handmade: DuckDBWarehouse) -> None:
    requests = [
        MetricRequest(m, WINDOW, group_by=("region",)) for m in ("revenue", "sessions", "aov")
    ]
    results = await asyncio.gather(*(arun_metric(handmade, layer, r) for r in requests))
    for request, result in zip(requests, results, strict=True):
        pd.testing.assert_frame_equal(result.frame, run_metric(handmade, layer, request).frame)


# --------------------------------------------------------------------------- Postgres


@pytest.fixture(scope="module")
def pg_warehouse(
    postgres_url: str, handmade_frames: dict[str, pd.DataFrame]
) -> Iterator[Warehouse]:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        for name, frame in handmade_frames.items():
            frame.to_sql(name, conn, if_exists="replace", index=False)
    engine.dispose()
    warehouse = SQLAlchemyWarehouse(postgres_url)
    yield warehouse
    warehouse.close()


@pytest.mark.postgres
@pytest.mark.parametrize("metric", METRICS)
def test_postgres_matches_duckdb(
    layer: SemanticLayer, handmade: DuckDBWarehouse, pg_warehouse: Warehouse, metric: str
) -> None:
    assert pg_warehouse.dialect == "postgres"
    for filters, group_by, grain in _shapes(layer, metric):
        request = MetricRequest(metric, WINDOW, filters, group_by, grain)
        pg = run_metric(pg_warehouse, layer, request)
        duck = run_metric(handmade, layer, request)
        assert ":window_start" in pg.evidence.sql
        assert_same(pg.frame, duck.frame, list(duck.frame.columns))


# --------------------------------------------------------------------------- demo warehouse


def test_demo_warehouse_matches_pandas(
    layer: SemanticLayer, request: pytest.FixtureRequest
) -> None:
    try:
        demo = request.getfixturevalue("demo_warehouse")
    except pytest.FixtureLookupError:
        pytest.skip("the demo_warehouse fixture (agent.demo_data) is not available yet")
    path = Path(getattr(demo, "path", demo))
    con = duckdb.connect(str(path), read_only=True)
    try:
        last = con.execute('SELECT MAX(order_date) FROM "orders"').fetchone()
        assert last is not None
        window = Window(start=last[0] - timedelta(days=13), end=last[0] + timedelta(days=1))
        # Only the window's rows: the reference is plain pandas and need not see the rest.
        frames = {
            table: con.execute(
                f'SELECT * FROM "{table}" WHERE "{column}" >= $s AND "{column}" < $e',
                {"s": window.start, "e": window.end},
            ).df()
            for table, column in (("orders", "order_date"), ("sessions", "session_date"))
        }
    finally:
        con.close()
    for frame, column in ((frames["orders"], "order_date"), (frames["sessions"], "session_date")):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    warehouse = DuckDBWarehouse(path)
    try:
        for metric in ("revenue", "orders", "aov", "conversion_rate", "revenue_per_session"):
            req = MetricRequest(metric, window, {}, ("region",), "week")
            got = run_metric(warehouse, layer, req).frame
            assert_same(
                got, expected(frames, metric, window, {}, ("region",), "week"), list(got.columns)
            )
    finally:
        warehouse.close()
