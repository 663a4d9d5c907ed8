"""The Warehouse protocol: run read-only SQL with named parameters, get a DataFrame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from agent.errors import WarehouseError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_ROW_CAP = 1_000_000


class RowCapExceeded(WarehouseError):
    """A query returned more rows than the warehouse's row cap.

    Scout raises rather than truncating: a silently partial result would give wrong totals.
    """

    def __init__(self, row_cap: int) -> None:
        super().__init__(
            f"the query returned more than {row_cap:,} rows (the row cap); "
            "narrow the window or group by fewer dimensions"
        )
        self.row_cap = row_cap


@runtime_checkable
class Warehouse(Protocol):
    """Where the data lives. `dialect` is a sqlglot dialect name ('duckdb', 'postgres')."""

    dialect: str

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run one read-only statement; placeholders `$name` or `:name` bind from params."""
        ...

    async def aquery(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """`query` off the event loop."""
        ...

    def close(self) -> None: ...
