"""The shared backend: PostgreSQL through psycopg 3, for several `scout serve` replicas.

Each store holds two connections: a writer, whose transactions take its component's
advisory lock (PostgreSQL's equivalent of sqlite's BEGIN IMMEDIATE: the component's writers
from every replica take turns, and each transaction's reads see everything committed before
it), and a reader in autocommit mode, so reads never wait for writes. Memory and the actor
keep disjoint tables and no transaction reads the other's, so each takes its own lock and
neither waits for the other; migrations also take one schema lock shared by every component. Statements are rewritten from
sqlite's dialect once each (agent.db.translate). A connection that dropped (a server
restart, a failover) is reopened at the next use.

psycopg's errors for a server Scout cannot write to (down or refusing connections, read-only,
a lock or statement timeout) become `MemoryUnavailable` here, in `_mapped`, the one place that
knows PostgreSQL's codes: callers get a message naming the server (without its password) and
the fix, after the failed transaction was rolled back.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from functools import lru_cache
from typing import Any, ClassVar, Literal

import psycopg

from agent.db import Params, Row
from agent.db.translate import to_postgres
from agent.errors import MemoryTrouble, MemoryUnavailable

log = logging.getLogger(__name__)
# How long a writer waits for its turn before failing (sqlite's busy_timeout, in spirit).
LOCK_TIMEOUT = "30s"


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def writer_lock(component: str) -> int:
    """The advisory lock a component's write transactions take turns on."""
    return lock_key(f"scout.writer.{component}")


SCHEMA_LOCK = lock_key("scout.schema")


class PgRow(tuple[Any, ...]):
    """A row readable by position or column name, like sqlite3.Row."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    index = {name: i for i, name in enumerate(names)}
    return type("PgRow", (PgRow,), {"__slots__": (), "_index": index})


def _rows_by_name(cursor: Any) -> Callable[[Sequence[Any]], PgRow]:
    names = tuple(d.name for d in cursor.description or ())
    return _row_class(names)


def redact(url: str) -> str:
    """The URL without its password, fit for a log line."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


async def open_connection(url: str) -> psycopg.AsyncConnection[Any]:
    return await psycopg.AsyncConnection.connect(
        url,
        autocommit=True,
        row_factory=_rows_by_name,  # type: ignore[arg-type]
    )


class PostgresSession:
    """A psycopg connection seen through the `Session` calls."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def rows(self, sql: str, params: Params = ()) -> list[Row]:
        query = to_postgres(sql)
        if query is None:
            return []
        cursor = await self._conn.execute(query, tuple(params))
        return list(await cursor.fetchall()) if cursor.description else []

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        found = await self.rows(sql, params)
        return found[0] if found else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        query = to_postgres(sql)
        if query is None:
            return 0
        cursor = await self._conn.execute(query, tuple(params))
        return max(cursor.rowcount, 0)

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        query = to_postgres(sql)
        if query is None or not rows:
            return 0
        cursor = self._conn.cursor()
        await cursor.executemany(query, [tuple(r) for r in rows])
        return max(cursor.rowcount, 0)

    async def insert(self, sql: str, params: Params = ()) -> int:
        query = to_postgres(sql)
        assert query is not None
        cursor = await self._conn.execute(query + " RETURNING id", tuple(params))
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


class _Link:
    """One connection, reopened when it dropped, used by one coroutine at a time."""

    def __init__(self, url: str, conn: psycopg.AsyncConnection[Any], setup: Sequence[str]) -> None:
        self.url = url
        self.conn = conn
        self.setup = tuple(setup)
        self.lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str, setup: Sequence[str] = ()) -> _Link:
        link = cls(url, await open_connection(url), setup)
        await link._prepare()
        return link

    async def _prepare(self) -> None:
        for statement in self.setup:
            await self.conn.execute(statement)

    async def session(self) -> PostgresSession:
        if self.conn.closed or self.conn.broken:
            self.conn = await open_connection(self.url)
            await self._prepare()
        return PostgresSession(self.conn)

    async def close(self) -> None:
        await self.conn.close()


class PostgresDatabase:
    """A PostgreSQL database shared by every replica."""

    dialect: Literal["postgresql"] = "postgresql"

    def __init__(self, writer: _Link, reader: _Link, url: str, component: str) -> None:
        self._writer = writer
        self._reader = reader
        self.url = url
        self.location = redact(url)
        self.writer_lock = writer_lock(component)

    @classmethod
    async def open(cls, url: str, component: str) -> PostgresDatabase:
        with _mapped(redact(url)):
            writer = await _Link.open(url, [f"SET lock_timeout = '{LOCK_TIMEOUT}'"])
            try:
                reader = await _Link.open(url)
            except BaseException:
                await writer.close()
                raise
        return cls(writer, reader, url, component)

    def transaction(self) -> AbstractAsyncContextManager[PostgresSession]:
        return self._locked((self.writer_lock,))

    def migration(self) -> AbstractAsyncContextManager[PostgresSession]:
        # Two components migrating a fresh database at once would both create
        # schema_versions; the schema lock comes first, so every process takes them in order.
        return self._locked((SCHEMA_LOCK, self.writer_lock))

    @asynccontextmanager
    async def _locked(self, keys: Sequence[int]) -> AsyncIterator[PostgresSession]:
        async with self._writer.lock:
            with _mapped(self.location):
                session = await self._writer.session()
                async with self._writer.conn.transaction():
                    # READ COMMITTED: each statement after the lock sees every earlier commit.
                    for key in keys:
                        await self._writer.conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
                    yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PostgresSession]:
        async with self._reader.lock:
            with _mapped(self.location):
                yield await self._reader.session()

    async def rows(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.reading() as session:
            return await session.rows(sql, params)

    async def point(self, sql: str, params: Params) -> list[Row]:
        return await self.rows(sql, params)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()


# What the server said, by SQLSTATE, for the troubles a person can fix.
_TROUBLE_BY_STATE: dict[str, MemoryTrouble] = {
    "25006": "read_only",  # read_only_sql_transaction: a standby, default_transaction_read_only
    "55P03": "busy",  # lock_not_available: lock_timeout ran out
    "57014": "busy",  # query_canceled: statement_timeout ran out
    "40P01": "busy",  # deadlock_detected: rolled back, so trying again is safe
    "53100": "full",  # disk_full
    "57P01": "unreachable",  # admin_shutdown: the server is stopping or restarting
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now: starting up, or in recovery
}

_FIX: dict[MemoryTrouble, str] = {
    "read_only": (
        "The server refuses writes: it is a read-only standby, or the database has "
        "default_transaction_read_only on. Point `memory:` in scout.yml at the primary, or run "
        "ALTER DATABASE … SET default_transaction_read_only = off. Nothing was changed."
    ),
    "busy": (
        "Another session held a lock longer than Scout waits (lock_timeout, statement_timeout). "
        "Nothing was changed; try again in a moment."
    ),
    "full": "Free some disk space on the database server; nothing was changed, so try again then.",
    "unreachable": (
        "Check that the PostgreSQL server is running and accepts connections with the host, "
        "port, user and password in `memory:` (scout.yml); Scout reconnects at the next use."
    ),
}


def _trouble(error: psycopg.Error) -> MemoryTrouble | None:
    state = error.sqlstate
    if state is None or state.startswith("08"):
        # No SQLSTATE: libpq failed to connect or lost the connection; class 08: the same,
        # said by the server.
        return "unreachable" if isinstance(error, psycopg.OperationalError) else None
    return _TROUBLE_BY_STATE.get(state)


@contextmanager
def _mapped(location: str) -> Iterator[None]:
    """Scout's error for psycopg's: MemoryUnavailable when the server is the trouble, else the
    original (a bug in Scout's SQL stays a bug, with its traceback)."""
    try:
        yield
    except psycopg.Error as error:
        trouble = _trouble(error)
        if trouble is None:
            raise
        log.warning("memory_unavailable server=%s trouble=%s error=%s", location, trouble, error)
        raise MemoryUnavailable(location, trouble, fix=_FIX.get(trouble, "")) from error
