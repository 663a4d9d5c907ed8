"""Which replica runs the scheduled jobs: the one holding the leader lock.

On PostgreSQL the lock is a session advisory lock (`pg_try_advisory_lock`) held on a
connection of its own: it lasts exactly as long as that connection, so when the leader's
process dies or its connection drops, the server releases it and another replica takes it
at its next `lead()`. On sqlite (one host) the lock is trivially held: claims in memory
already keep each job's effect to one.

    leader = await leader_lock(memory_target)
    if await leader.lead():      # at every tick: cheap, never blocks
        await run_the_job()
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

import psycopg

from agent.db import postgres_url
from agent.db.postgres import lock_key, open_connection, redact

log = logging.getLogger(__name__)


class LeaderLock(Protocol):
    async def lead(self) -> bool:
        """True while this replica leads; tries to take the lock when nobody holds it."""
        ...

    async def close(self) -> None:
        """Let go of the lock (another replica may lead from its next tick)."""
        ...


class AlwaysLeader:
    """sqlite: one host, and the jobs' effects are claimed in memory anyway."""

    async def lead(self) -> bool:
        return True

    async def close(self) -> None:
        return None


class AdvisoryLeader:
    """PostgreSQL: a session advisory lock on a dedicated connection."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.key = lock_key(name)
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._held = False

    async def lead(self) -> bool:
        try:
            if self._held and self._conn is not None:
                await self._conn.execute("SELECT 1")  # still connected means still held
                return True
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = await open_connection(self.url)
            cursor = await self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            row = await cursor.fetchone()
            self._held = bool(row and row[0])
        except psycopg.OperationalError as error:
            # The connection died: whatever we held is gone with it.
            log.warning("leader_lock_lost url=%s error=%s", redact(self.url), error)
            await self._drop()
        return self._held

    async def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            await self._conn.close()
        self._conn = None

    async def close(self) -> None:
        await self._drop()


async def leader_lock(target: str | Path, name: str = "scout.scheduler") -> LeaderLock:
    """The leader lock for the database at `target` (a sqlite path or a PostgreSQL URL)."""
    url = postgres_url(target)
    return AdvisoryLeader(url, name) if url else AlwaysLeader()
