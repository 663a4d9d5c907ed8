"""DuckDB, the embedded default: read-only, a statement timeout, a row cap, thread-safe.

DuckDB locks the whole file: while any process holds it open, even read-only, an ETL job
cannot open it to write. So Scout holds the file only while it is reading (and for a
moment after, so the queries of one question share a connection) and lets go between
questions; a file that is locked or broken when a question comes is a friendly error for
that question, and the next one opens it afresh.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from agent.errors import QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.warehouse.base import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT_S, RowCapExceeded
from agent.warehouse.params import convert_placeholders

# Opening the demo file costs ~20 ms against ~0.3 ms a query: a question's queries, which
# follow each other within milliseconds, share one connection; a pause this long ends it.
DEFAULT_IDLE_S = 1.0


class DuckDBWarehouse:
    """A DuckDB file; each query runs on its own cursor, so threads may share it.

    A query running longer than `timeout_s` is interrupted from a timer thread and raises
    QueryTimeout. More than `row_cap` result rows raise RowCapExceeded (never truncated).
    The file is released once no query has run for `idle_s` seconds.
    """

    dialect = "duckdb"

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = True,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_cap: int = DEFAULT_ROW_CAP,
        idle_s: float = DEFAULT_IDLE_S,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self.idle_s = idle_s
        if read_only and not self.path.is_file():
            raise WarehouseUnavailable(
                f"no DuckDB warehouse at {self.path}: check the path "
                "(or run `scout demo-data` to build the demo warehouse)"
            )
        self._lock = threading.Lock()
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._idle: threading.Timer | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"DuckDBWarehouse({str(self.path)!r}, read_only={self.read_only})"

    @property
    def holds_file(self) -> bool:
        """Whether this process has the file open now (and so locks writers out)."""
        with self._lock:
            return self._conn is not None

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run one statement on a fresh cursor under the timeout and row cap."""
        text = convert_placeholders(sql, "dollar")
        with self._cursor() as cursor:
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

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:  # opening, counting and creating a cursor touch shared state
            if self._closed:
                raise WarehouseUnavailable(f"warehouse {self.path} is closed")
            if self._idle is not None:
                self._idle.cancel()
                self._idle = None
            if self._conn is None:
                self._conn = self._connect()
            cursor = self._conn.cursor()
            self._users += 1
        try:
            yield cursor
        finally:
            cursor.close()
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._release_later()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path), read_only=self.read_only)
        except duckdb.Error as error:
            raise WarehouseUnavailable(_open_failure(self.path, error)) from error

    def _release_later(self) -> None:
        # Called under the lock with no query running.
        if self._closed or self.idle_s <= 0:
            self._disconnect()
            return
        timer = threading.Timer(self.idle_s, self._release_if_idle)
        timer.daemon = True
        self._idle = timer
        timer.start()

    def _release_if_idle(self) -> None:
        with self._lock:
            if self._users == 0 and self._idle is threading.current_thread():
                self._disconnect()

    def _disconnect(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

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
        """Refuse further queries; the file is let go now, or when the last query ends."""
        with self._lock:
            self._closed = True
            if self._users == 0:
                self._disconnect()

    def __enter__(self) -> DuckDBWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_failure(path: Path, error: duckdb.Error) -> str:
    """What to tell a person whose warehouse file would not open."""
    text = str(error)
    if "lock" in text.lower():
        return (
            f"the warehouse file {path} is locked by another process that is writing to it "
            "(an ETL job?); ask again once it has finished"
        )
    if "not a valid DuckDB database" in text:
        return f"{path} is not a DuckDB database file; point `warehouse:` at the right file"
    return f"cannot open DuckDB warehouse {path}: {text}"
