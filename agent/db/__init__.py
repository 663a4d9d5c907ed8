"""The one database interface Scout's stores use: sqlite (embedded) or PostgreSQL (shared).

    db = await connect("~/.local/share/scout/memory.sqlite3", component="memory")  # or postgresql://…
    async with db.transaction() as tx:
        won = await tx.execute("INSERT OR IGNORE INTO digests(key, …) VALUES (?, …)", …) == 1

SQL is written once in sqlite's dialect (`?` placeholders) and rewritten for PostgreSQL by
agent.db.translate. A transaction is the unit of atomicity on both: on sqlite it holds the
file's write lock from its first statement (BEGIN IMMEDIATE); on PostgreSQL it holds its
component's advisory lock, so a component's writers are serialised across replicas exactly
as sqlite serialises them across processes, and every read-check-write the stores do (spend
caps, rate limits, "is there already an execution for this key") stays correct on both. The
components (memory, the actor) keep disjoint tables, so on PostgreSQL they do not wait for
each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Literal, Protocol

Params = Sequence[Any]
Dialect = Literal["sqlite", "postgresql"]

# `postgresql+psycopg://` is the SQLAlchemy spelling the warehouse setting uses; a URL that
# went through pathlib on its way here has lost one slash after the scheme.
_POSTGRES_URL = re.compile(r"^postgres(?:ql)?(?:\+psycopg\d?)?:/+", re.IGNORECASE)


class Row(Protocol):
    """A result row, read by position or by column name (sqlite3.Row and the Postgres row)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


class Session(Protocol):
    """A connection inside a transaction (or a read): what the stores' SQL runs on."""

    async def rows(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        """Run a statement per parameter row; the total number of rows changed."""
        ...

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Insert one row into a table keyed by `id INTEGER PRIMARY KEY`; the new id."""
        ...


class Database(Protocol):
    """One store's connection(s) to sqlite or PostgreSQL."""

    @property
    def dialect(self) -> Dialect: ...
    @property
    def location(self) -> str:
        """The file, or the URL without its password."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Session]:
        """An atomic write: all or nothing, serialised with the component's other writers."""
        ...

    def migration(self) -> AbstractAsyncContextManager[Session]:
        """A transaction that changes the schema: also serialised with every component's
        migrations, which share the versions table."""
        ...

    def reading(self) -> AbstractAsyncContextManager[Session]:
        """Committed data only; several statements in a row."""
        ...

    async def rows(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def point(self, sql: str, params: Params) -> list[Row]:
        """A primary-key read on the hot path (sqlite answers it inline)."""
        ...

    async def close(self) -> None: ...


def postgres_url(target: str | Path) -> str | None:
    """The libpq URL when `target` names a PostgreSQL database, else None (a sqlite file)."""
    text = str(target)
    match = _POSTGRES_URL.match(text)
    return "postgresql://" + text[match.end() :] if match else None


async def connect(target: str | Path, *, component: str, pragmas: Sequence[str] = ()) -> Database:
    """Open a sqlite file (creating its directory) or a PostgreSQL URL for one component.

    `component` names whose writers take turns (on PostgreSQL; a sqlite file has one write
    lock for all). `pragmas` tune a sqlite connection; PostgreSQL has no use for them.
    """
    url = postgres_url(target)
    if url is not None:
        from agent.db.postgres import PostgresDatabase

        return await PostgresDatabase.open(url, component)
    from agent.db.sqlite import SqliteDatabase

    return await SqliteDatabase.open(Path(target).expanduser(), pragmas=pragmas)


__all__ = ["Database", "Dialect", "Params", "Row", "Session", "connect", "postgres_url"]
