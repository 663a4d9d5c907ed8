"""The embedded backend: one aiosqlite connection per store, transactions under a lock.

Writes go through BEGIN IMMEDIATE … COMMIT under an asyncio lock, so two coroutines on one
connection never interleave their transactions and other processes queue on sqlite's own
lock (busy_timeout). Hot primary-key reads run inline on a second, read-only connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

import aiosqlite

from agent.db import Params, Row


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
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            for pragma in pragmas:
                await conn.execute(pragma)
            reader = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except BaseException:
            await conn.close()
            raise
        reader.row_factory = sqlite3.Row
        reader.execute("PRAGMA busy_timeout = 20")  # never stall the event loop for long
        reader.execute("PRAGMA query_only = ON")
        return cls(conn, reader, path)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteSession]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._session
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteSession]:
        # Waits for this connection's open transaction, so a read never sees uncommitted rows.
        async with self._lock:
            yield self._session

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
