"""An analysis context over the session's demo warehouse, and its raw tables for hand checks."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest

from agent.analyses import AnalysisContext
from agent.demo_data import GeneratedWarehouse
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse
from tests.conftest import TODAY


@pytest.fixture(scope="session")
def ctx(demo_warehouse: GeneratedWarehouse) -> Iterator[AnalysisContext]:
    warehouse = DuckDBWarehouse(demo_warehouse.path)
    yield AnalysisContext(warehouse=warehouse, layer=load_semantic(), today=TODAY)
    warehouse.close()


@pytest.fixture(scope="session")
def raw(demo_warehouse: GeneratedWarehouse) -> dict[str, pd.DataFrame]:
    """Whole tables as pandas frames: the hand-computed side of every check."""
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        return {
            name: con.execute(f"SELECT * FROM {name}").df()
            for name in ("orders", "sessions", "order_items", "inventory_forecasts")
        }
