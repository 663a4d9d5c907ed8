"""Any SQLAlchemy-reachable warehouse (Postgres first): read-only, timeout, row cap."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from agent.errors import QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.warehouse.base import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT_S, RowCapExceeded
from agent.warehouse.params import convert_placeholders, sqlglot_dialect


class SQLAlchemyWarehouse:
    """A warehouse behind a SQLAlchemy URL; `dialect` is the engine's, in sqlglot's naming.

    On Postgres each query runs in a READ ONLY transaction with `statement_timeout`; other
    engines get the row cap and whatever read-only-ness the URL's credentials give.
    """

    def __init__(
        self,
        url: str | sa.URL,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        row_cap: int = DEFAULT_ROW_CAP,
        engine: Engine | None = None,
    ) -> None:
        try:
            self.engine = engine or sa.create_engine(url, pool_pre_ping=True)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as error:
            raise WarehouseUnavailable(f"cannot use warehouse URL: {error}") from error
        self.dialect = sqlglot_dialect(self.engine.dialect.name)
        self.timeout_s = timeout_s
        self.row_cap = row_cap

    def __repr__(self) -> str:
        return f"SQLAlchemyWarehouse({self.engine.url.render_as_string(hide_password=True)!r})"

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run one statement read-only under the timeout and row cap."""
        statement = sa.text(convert_placeholders(sql, "colon"))
        try:
            with self.engine.connect() as conn, conn.begin():
                if self.dialect == "postgres":
                    conn.execute(sa.text("SET TRANSACTION READ ONLY"))
                    ms = max(1, int(self.timeout_s * 1000))
                    conn.execute(sa.text(f"SET LOCAL statement_timeout = {ms}"))
                result = conn.execute(statement, dict(params or {}))
                columns = list(result.keys())
                rows = result.fetchmany(self.row_cap + 1)
                result.close()
        except sa.exc.OperationalError as error:
            if _is_timeout(error):
                raise QueryTimeout(f"query cancelled after {self.timeout_s:g}s") from error
            raise WarehouseUnavailable(f"warehouse unreachable: {error.orig}") from error
        except sa.exc.DBAPIError as error:
            if _is_timeout(error):
                raise QueryTimeout(f"query cancelled after {self.timeout_s:g}s") from error
            raise WarehouseError(f"query failed: {error.orig}") from error
        except sa.exc.SQLAlchemyError as error:
            raise WarehouseError(f"query failed: {error}") from error
        if len(rows) > self.row_cap:
            raise RowCapExceeded(self.row_cap)
        return pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns)

    async def aquery(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """`query` in a worker thread (the pool hands each thread its own connection)."""
        return await asyncio.to_thread(self.query, sql, params)

    def close(self) -> None:
        self.engine.dispose()


def _is_timeout(error: sa.exc.DBAPIError) -> bool:
    # Postgres: SQLSTATE 57014 query_canceled (psycopg puts it on .sqlstate).
    return getattr(error.orig, "sqlstate", None) == "57014" or "statement timeout" in str(
        error.orig
    )
