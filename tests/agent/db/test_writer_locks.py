"""On PostgreSQL each component's writers take turns on their own lock (issue 15).

Memory and the actor keep disjoint tables, so a memory write never waits for the actor's
and the reverse; writers of one component still queue behind each other across replicas,
and migrations of every component take one schema lock, so a fresh database opened by
both components from several processes at once comes up once. A second session holding a
lock is a plain psycopg connection: the truth is read from pg_locks, not from Scout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg

from agent.act import Actor
from agent.act.store import ActStore
from agent.db import postgres_url
from agent.db.postgres import writer_lock
from agent.memory import SCHEMA_VERSION, Memory
from tests.fakes.postgres import query
from tests.polling import until

NOW = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)
BOUND_S = 10.0


@contextmanager
def _holding(url: str, component: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """Another replica in the middle of a write transaction of `component`."""
    libpq = postgres_url(url)
    assert libpq is not None
    with psycopg.connect(libpq) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (writer_lock(component),))
        yield conn
        conn.rollback()


def _waiting_for(url: str, component: str) -> int:
    key = writer_lock(component)
    rows = query(
        url,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid = ?::oid AND objid = ?::oid",
        ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
    )
    return int(rows[0][0])


async def _until_waiting(url: str, component: str) -> None:
    waiting = lambda: _waiting_for(url, component) > 0  # noqa: E731
    await until(waiting, f"a {component} writer to queue", timeout=BOUND_S, every=0.02)


async def test_an_actor_write_does_not_wait_for_a_memory_writer(postgres_database: str) -> None:
    store = await ActStore.open(postgres_database)
    await (await Memory.open(postgres_database, clock=lambda: NOW)).close()
    try:
        with _holding(postgres_database, "memory"):
            await asyncio.wait_for(
                store.set_paused(True, by="UOPS", at=NOW, why="maintenance"), BOUND_S
            )
        assert await store.paused() is not None
    finally:
        await store.close()


async def test_writers_of_one_component_still_take_turns_across_replicas(
    postgres_database: str,
) -> None:
    store = await ActStore.open(postgres_database)
    try:
        with _holding(postgres_database, "act") as other:
            pause = asyncio.create_task(store.set_paused(True, by="UOPS", at=NOW, why="x"))
            await _until_waiting(postgres_database, "act")
            assert not pause.done()
            other.rollback()  # the other replica's transaction ends: the lock is free
        await asyncio.wait_for(pause, BOUND_S)
        assert await store.paused() is not None
    finally:
        await store.close()


async def test_memory_waits_for_a_memory_writer_only(postgres_database: str) -> None:
    memory = await Memory.open(postgres_database, clock=lambda: NOW)
    try:
        with _holding(postgres_database, "act"):
            assert await asyncio.wait_for(memory.claim("event:Ev1"), BOUND_S) is True
        with _holding(postgres_database, "memory") as other:
            claim = asyncio.create_task(memory.claim("event:Ev2"))
            await _until_waiting(postgres_database, "memory")
            other.rollback()
        assert await asyncio.wait_for(claim, BOUND_S) is True
    finally:
        await memory.close()


async def test_both_components_migrating_a_fresh_database_at_once_come_up_once(
    postgres_database: str,
) -> None:
    # Three replicas start at once on an empty database, each opening memory and the actor.
    memories = [Memory.open(postgres_database, clock=lambda: NOW) for _ in range(3)]
    actors = [Actor.open(postgres_database) for _ in range(3)]
    opened = await asyncio.gather(*memories, *actors)
    for one in opened:
        await one.close()
    versions = query(postgres_database, "SELECT component, version FROM schema_versions")
    assert sorted(c for c, _ in versions) == ["act", "memory"]
    assert dict(versions)["memory"] == SCHEMA_VERSION
