"""Helpers for the loop, digest and observer tests: real deps over the session's demo warehouse."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from agent.config import ScoutConfig
from agent.deps import Deps, open_deps
from agent.errors import WarehouseUnavailable
from agent.warehouse import DuckDBWarehouse

NOW = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)


class BrokenWarehouse:
    """A warehouse whose server is down: every query raises (the network boundary, faked)."""

    dialect = "duckdb"

    def __init__(self) -> None:
        self.calls = 0

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        self.calls += 1
        raise WarehouseUnavailable("connection refused (127.0.0.1:5432)")

    async def aquery(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return self.query(sql, params)

    def close(self) -> None:
        return None


async def demo_deps(
    warehouse_path: Path, memory: Path, today: date, *, config: ScoutConfig | None = None
) -> Deps:
    """Real deps: DuckDB on the demo warehouse, memory and actor in one sqlite file."""
    return await open_deps(
        config or ScoutConfig(),
        warehouse=DuckDBWarehouse(warehouse_path),
        today=today,
        memory_path=memory,
        clock=lambda: NOW,
    )
