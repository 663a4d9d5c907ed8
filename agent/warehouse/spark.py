"""Spark through Spark Connect (`sc://host:port`, what Spark 4 and Databricks speak).

pyspark is an optional extra (`pip install -e '.[spark]'`) and is imported only when a
Spark warehouse is opened, so every other command starts without it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from agent.errors import QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.warehouse.base import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT_S, RowCapExceeded
from agent.warehouse.params import convert_placeholders

if TYPE_CHECKING:
    from pyspark.sql.connect.session import SparkSession

INSTALL_HINT = "pip install -e '.[spark]'"
SCHEME = "sc://"
LOAD_BATCH_ROWS = 250_000


def is_spark_url(target: str) -> bool:
    return target.strip().lower().startswith(SCHEME)


class SparkConnectWarehouse:
    """A Spark Connect server; each query is tagged so a timer can cancel it on the server.

    More than `row_cap` result rows raise RowCapExceeded (the server stops one row past the
    cap, nothing is truncated). Spark has no read-only session, so read-only-ness comes from
    the credentials the URL carries, as for any SQLAlchemy warehouse that is not Postgres.
    """

    dialect = "spark"

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_cap: int = DEFAULT_ROW_CAP,
    ) -> None:
        self.url = url.strip()
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self._session = connect(self.url)

    def __repr__(self) -> str:
        # The URL may carry a token (`;token=...`): show only host and port.
        return f"SparkConnectWarehouse({self.url.split(';', 1)[0]!r})"

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run one statement with `:name` parameters under the timeout and row cap."""
        from pyspark.errors import PySparkException

        text = convert_placeholders(sql, "colon")
        tag = f"scout-{uuid.uuid4().hex}"
        cancelled = threading.Event()

        def cancel() -> None:
            cancelled.set()
            self._session.interruptTag(tag)

        # Tags are per thread in the Connect client: only this query carries this one.
        self._session.addTag(tag)
        timer = threading.Timer(self.timeout_s, cancel)
        timer.daemon = True
        timer.start()
        try:
            result = self._session.sql(text, args=dict(params or {}))
            frame = result.limit(self.row_cap + 1).toPandas()
        except PySparkException as error:
            if cancelled.is_set():
                raise QueryTimeout(f"query cancelled after {self.timeout_s:g}s") from error
            if _unreachable(error):
                raise WarehouseUnavailable(
                    f"the Spark Connect server at {self!r} is unreachable: is it running?"
                ) from error
            raise WarehouseError(f"Spark query failed: {_first_line(error)}") from error
        finally:
            timer.cancel()
            self._session.removeTag(tag)
        if len(frame) > self.row_cap:
            raise RowCapExceeded(self.row_cap)
        return frame

    async def aquery(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """`query` in a worker thread (the Connect client is thread-safe)."""
        return await asyncio.to_thread(self.query, sql, params)

    def close(self) -> None:
        # Without stop() the client's gRPC threads can keep the interpreter from exiting.
        self._session.stop()


def connect(url: str) -> SparkSession:
    """A new Spark Connect session; friendly errors for a missing extra or a bad URL."""
    try:
        with warnings.catch_warnings():
            # pyspark warns at import that it does not yet vouch for pandas 3.
            warnings.simplefilter("ignore", FutureWarning)
            from pyspark.errors import PySparkException
            from pyspark.sql.connect.client.retries import DefaultPolicy
            from pyspark.sql.connect.session import SparkSession
    except ImportError as error:
        raise WarehouseUnavailable(
            f"warehouse {url.split(';', 1)[0]} is Spark Connect, which needs pyspark: "
            f"{INSTALL_HINT}"
        ) from error
    # Scout reports Spark's errors itself; pyspark would also log each with the server's
    # whole stack trace on stderr.
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).disabled = True
    try:
        session = SparkSession.builder.remote(url).create()
    except (PySparkException, ValueError) as error:
        raise WarehouseUnavailable(f"cannot use Spark Connect URL: {error}") from error
    # The default policy retries an unreachable server for ten minutes; a person asking a
    # question should hear within seconds that it is down.
    session.client.set_retry_policies(
        [DefaultPolicy(max_retries=2, initial_backoff=200, max_backoff=1000)]
    )
    # Hand-written SQL quotes names the standard way ("name"); Spark reads that as a string
    # unless told otherwise (Scout's own strings are always single-quoted).
    try:
        session.conf.set("spark.sql.ansi.doubleQuotedIdentifiers", "true")
    except PySparkException as error:
        session.stop()
        if _unreachable(error):
            raise WarehouseUnavailable(
                f"the Spark Connect server at {url.split(';', 1)[0]} is unreachable: is it running?"
            ) from error
        raise WarehouseUnavailable(f"Spark Connect refused the session: {error}") from error
    return session


def load_duckdb_tables(url: str, path: Path, tables: tuple[str, ...]) -> dict[str, int]:
    """Copy tables of a DuckDB file into Spark's catalog as managed tables (replacing any
    of the same name), so every later Connect session sees them; returns rows per table."""
    import duckdb
    from pyspark.errors import PySparkException

    session = connect(url)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            for name in tables:
                arrow = con.sql(f'SELECT * FROM "{name}"').to_arrow_table()
                # One gRPC message carries at most 128 MB: big tables go in slices.
                for offset in range(0, max(arrow.num_rows, 1), LOAD_BATCH_ROWS):
                    part = session.createDataFrame(arrow.slice(offset, LOAD_BATCH_ROWS))
                    mode = "overwrite" if offset == 0 else "append"
                    part.write.mode(mode).saveAsTable(name)
                counts[name] = arrow.num_rows
    except PySparkException as error:
        raise WarehouseError(f"loading into Spark failed: {_first_line(error)}") from error
    finally:
        session.stop()
    return counts


def _unreachable(error: Exception) -> bool:
    import grpc

    code = getattr(error, "getGrpcStatusCode", None)
    return callable(code) and code() == grpc.StatusCode.UNAVAILABLE


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
