"""Exactly one replica leads the scheduled jobs; when its connection dies, another takes over."""

from __future__ import annotations

from pathlib import Path

import psycopg

from agent.db import postgres_url
from agent.db.leader import leader_lock


async def test_one_replica_leads_and_another_takes_over_when_it_dies(
    postgres_database: str,
) -> None:
    a = await leader_lock(postgres_database)
    b = await leader_lock(postgres_database)
    try:
        assert await a.lead() is True
        assert await b.lead() is False
        assert await a.lead() is True  # holding it stays cheap and true
        # The leader's connection dies (a crashed pod, a network cut): the server ends it.
        url = postgres_url(postgres_database)
        assert url is not None
        with psycopg.connect(url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchall()
        assert ended == [(True,)]
        assert await a.lead() is False  # it notices it lost the lock
        assert await b.lead() is True
        assert await a.lead() is False  # and does not take it back while b leads
    finally:
        await a.close()
        await b.close()


async def test_a_replica_that_closes_hands_over_the_lead(postgres_database: str) -> None:
    a = await leader_lock(postgres_database)
    b = await leader_lock(postgres_database)
    assert await a.lead() is True
    await a.close()
    assert await b.lead() is True
    await b.close()


async def test_sqlite_memory_always_leads(tmp_path: Path) -> None:
    lock = await leader_lock(tmp_path / "memory.sqlite3")
    assert await lock.lead() is True
    await lock.close()
