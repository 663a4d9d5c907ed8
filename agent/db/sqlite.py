"""The embedded backend: one aiosqlite connection per store, transactions under a lock.

Writes go through BEGIN IMMEDIATE … COMMIT under an asyncio lock, so two coroutines on one
connection never interleave their transactions and other processes queue on sqlite's own
lock (busy_timeout). Hot primary-key reads run inline on a second, read-only connection.

sqlite's errors for a file Scout cannot write (read-only, locked past the busy timeout,
full, unopenable) become `MemoryUnavailable` here, the one place that knows sqlite's codes,
after the transaction is rolled back: callers get a message naming the file and the fix.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Literal

import aiosqlite

from agent.db import Params, Row
from agent.errors import MemoryTrouble, MemoryUnavailable

log = logging.getLogger(__name__)


class SqliteSession:
    """A sqlite connection seen through the `Session` calls."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def rows(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())  # type: ignore[arg-type]

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            row: Row | None = await cursor.fetchone()  # type: ignore[assignment]
        return row

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        if not rows:
            return 0
        async with self._conn.executemany(sql, [tuple(r) for r in rows]) as cursor:
            return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            assert cursor.lastrowid is not None
            return int(cursor.lastrowid)


# Switching a fresh file to WAL needs it to itself, and sqlite answers "database is locked" at
# once, without waiting out busy_timeout, when processes open it together (replicas starting,
# two CLI runs). A few short waits then settle it; past them the error is real.
PRAGMA_TRIES = 50
PRAGMA_WAIT_S = 0.1


async def _pragma(conn: aiosqlite.Connection, pragma: str) -> None:
    for attempt in range(PRAGMA_TRIES):
        try:
            await conn.execute(pragma)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == PRAGMA_TRIES - 1:
                raise
            await asyncio.sleep(PRAGMA_WAIT_S)


class SqliteDatabase:
    """A sqlite file in WAL mode, shared by the processes on one host."""

    dialect: Literal["sqlite"] = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, reader: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._session = SqliteSession(conn)
        self._reader = reader
        self.path = path
        self.location = str(path)
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, pragmas: Sequence[str] = ()) -> SqliteDatabase:
        """Open (creating) the file and check that it can be written, so a read-only file
        or folder fails at start-up, by name, instead of at the first approval."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MemoryUnavailable(str(path), "cannot_open") from error
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as error:
            raise _unavailable(error, path) from error
        conn.row_factory = sqlite3.Row
        try:
            for pragma in pragmas:
                await _pragma(conn, pragma)
            await _check_writable(conn, path)
            reader = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except BaseException as error:
            await conn.close()
            if isinstance(error, sqlite3.Error):
                raise _unavailable(error, path) from error
            raise
        reader.row_factory = sqlite3.Row
        reader.execute("PRAGMA busy_timeout = 20")  # never stall the event loop for long
        reader.execute("PRAGMA query_only = ON")
        return cls(conn, reader, path)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteSession]:
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise _unavailable(error, self.path) from error
            try:
                yield self._session
                await self._conn.execute("COMMIT")
            except BaseException as error:
                await self._rollback()
                if isinstance(error, sqlite3.Error):
                    raise _unavailable(error, self.path) from error
                raise

    async def _rollback(self) -> None:
        try:
            await self._conn.execute("ROLLBACK")
        except sqlite3.Error:  # sqlite rolled back already (a full database does that itself)
            log.debug("rollback after a failed transaction: none was open", exc_info=True)

    def migration(self) -> AbstractAsyncContextManager[SqliteSession]:
        return self.transaction()  # the file's one write lock already covers every component

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteSession]:
        # Waits for this connection's open transaction, so a read never sees uncommitted rows.
        async with self._lock:
            try:
                yield self._session
            except sqlite3.Error as error:
                raise _unavailable(error, self.path) from error

    async def rows(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.reading() as session:
            return await session.rows(sql, params)

    async def point(self, sql: str, params: Params) -> list[Row]:
        """In WAL mode a reader never waits for writers, and an indexed point read takes tens
        of microseconds: less than the hop to aiosqlite's thread, whose scheduling jitter
        dominated the tail latency. Should the reader ever be busy, take the normal path."""
        try:
            return list(self._reader.execute(sql, tuple(params)).fetchall())
        except sqlite3.OperationalError:
            return await self.rows(sql, params)

    async def close(self) -> None:
        self._reader.close()
        await self._conn.close()


async def _check_writable(conn: aiosqlite.Connection, path: Path) -> None:
    """Write, and roll back, one table: a read-only file or folder fails here (sqlite opens
    a read-only file without complaint). A lock that another process holds is no reason to
    refuse to start; a write waits for it when it comes."""
    try:
        await conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        if _trouble(error) != "busy":
            raise
        log.warning("memory_busy_at_start path=%s", path)
        return
    try:
        await conn.execute("CREATE TABLE scout_write_probe (x INTEGER)")
    finally:
        await conn.execute("ROLLBACK")


def _trouble(error: sqlite3.Error) -> MemoryTrouble | None:
    name = str(getattr(error, "sqlite_errorname", "") or "")
    if name.startswith("SQLITE_READONLY"):
        return "read_only"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "busy"
    if name == "SQLITE_FULL":
        return "full"
    if name.startswith("SQLITE_CANTOPEN"):
        return "cannot_open"
    return None


def _unavailable(error: sqlite3.Error, path: Path) -> Exception:
    """Scout's error for sqlite's: MemoryUnavailable when the file is the trouble, else the
    original (a bug in Scout's SQL stays a bug, with its traceback)."""
    trouble = _trouble(error)
    if trouble is None:
        return error
    log.warning("memory_unavailable path=%s trouble=%s error=%s", path, trouble, error)
    return MemoryUnavailable(str(path), trouble)
