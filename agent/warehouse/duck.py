"""DuckDB, the embedded default: read-only, a statement timeout, a row cap, thread-safe."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from agent.errors import QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.warehouse.base import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT_S, RowCapExceeded
from agent.warehouse.params import convert_placeholders


class DuckDBWarehouse:
    """A DuckDB file opened once; each query runs on its own cursor, so threads may share it.

    A query running longer than `timeout_s` is interrupted from a timer thread and raises
    QueryTimeout. More than `row_cap` result rows raise RowCapExceeded (never truncated).
    """

    dialect = "duckdb"

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = True,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_cap: int = DEFAULT_ROW_CAP,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        if read_only and not self.path.is_file():
            raise WarehouseUnavailable(
                f"no DuckDB warehouse at {self.path}: check the path "
                "(or run `scout demo-data` to build the demo warehouse)"
            )
        try:
            self._conn = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as error:
            raise WarehouseUnavailable(
                f"cannot open DuckDB warehouse {self.path}: {error}"
            ) from error
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DuckDBWarehouse({str(self.path)!r}, read_only={self.read_only})"

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run one statement on a fresh cursor under the timeout and row cap."""
        text = convert_placeholders(sql, "dollar")
        with self._lock:  # creating a cursor touches the shared connection
            if self._conn is None:
                raise WarehouseUnavailable(f"warehouse {self.path} is closed")
            cursor = self._conn.cursor()
        timer = threading.Timer(self.timeout_s, cursor.interrupt)
        timer.daemon = True
        timer.start()
        try:
            cursor.execute(text, dict(params or {}))
            return self._fetch(cursor)
        except duckdb.InterruptException as error:
            raise QueryTimeout(f"query cancelled after {self.timeout_s:g}s") from error
        except duckdb.Error as error:
            raise WarehouseError(f"DuckDB query failed: {error}") from error
        finally:
            timer.cancel()
            cursor.close()

    def _fetch(self, cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        # Fetch in chunks so a runaway result stops just past the cap instead of filling memory.
        chunks: list[pd.DataFrame] = []
        total = 0
        while True:
            chunk = cursor.fetch_df_chunk(8)
            if chunk.empty:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > self.row_cap:
                raise RowCapExceeded(self.row_cap)
        if not chunks:
            return chunk
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    async def aquery(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """`query` in a worker thread, so the event loop keeps serving Slack."""
        return await asyncio.to_thread(self.query, sql, params)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> DuckDBWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
