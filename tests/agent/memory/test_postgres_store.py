"""Memory on PostgreSQL shared by two replicas: claims hold across them, migrations are
idempotent and safe to race. Each test has a database of its own; truth is read with SQL."""

from __future__ import annotations

import asyncio

from agent.act import Actor
from agent.act.store import MIGRATIONS as ACT_MIGRATIONS
from agent.config import ScoutConfig
from agent.deps import UnavailableWarehouse, open_deps
from agent.errors import ScoutError
from agent.memory import SCHEMA_VERSION, Memory
from tests.agent.memory.conftest import Clock
from tests.fakes.postgres import query

ACT_VERSION = len(ACT_MIGRATIONS)  # one version per migration, as the runner records


async def _claims_across_replicas(url: str, key: str, clock: Clock) -> list[str]:
    """Two replicas each receive `key` three times at once; who acted on it."""
    replicas = {name: await Memory.open(url, clock=clock) for name in ("pod-a", "pod-b")}
    acted: list[str] = []

    async def receive(name: str) -> None:
        if await replicas[name].claim(key, owner=name):
            acted.append(name)

    try:
        await asyncio.gather(*(receive(name) for _ in range(3) for name in replicas))
    finally:
        for memory in replicas.values():
            await memory.close()
    return acted


async def test_a_retried_slack_event_is_handled_once_across_two_replicas(
    postgres_database: str, clock: Clock
) -> None:
    acted = await _claims_across_replicas(postgres_database, "event:Ev0ABC123", clock)
    assert len(acted) == 1
    rows = query(postgres_database, "SELECT key, owner FROM digests")
    assert rows == [("event:Ev0ABC123", acted[0])]


async def test_a_digest_is_posted_once_across_two_replicas_and_a_restart(
    postgres_database: str, clock: Clock
) -> None:
    acted = await _claims_across_replicas(postgres_database, "digest:2025-12-15", clock)
    assert len(acted) == 1
    async with await Memory.open(postgres_database, clock=clock) as restarted:
        assert await restarted.claim("digest:2025-12-15", owner="pod-c") is False
        assert await restarted.claimed_by("digest:2025-12-15") == acted[0]
    assert query(postgres_database, "SELECT COUNT(*) FROM digests") == [(1,)]


async def test_an_anomaly_seen_by_both_replicas_is_reported_once(
    postgres_database: str, clock: Clock
) -> None:
    a = await Memory.open(postgres_database, clock=clock)
    b = await Memory.open(postgres_database, clock=clock)
    try:
        seen = await asyncio.gather(*(m.seen_anomaly("fp:orders-down") for m in (a, b, a, b)))
    finally:
        await a.close()
        await b.close()
    assert sorted(seen) == [False, True, True, True]  # exactly one first sighting
    assert query(postgres_database, "SELECT count FROM alert_fingerprints") == [(4,)]


def _schema(url: str) -> list[tuple[object, ...]]:
    columns = query(
        url,
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_schema = 'public' ORDER BY table_name, column_name",
    )
    indexes = query(
        url, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
    )
    return [*columns, *indexes]


async def test_migrations_applied_twice_are_a_no_op_on_postgres(
    postgres_database: str, clock: Clock
) -> None:
    # Two replicas starting at once on an empty database both come up.
    first = await asyncio.gather(*(Memory.open(postgres_database, clock=clock) for _ in "ab"))
    actors = await asyncio.gather(*(Actor.open(postgres_database) for _ in "ab"))
    assert await first[0].claim("kept") is True
    for opened in (*first, *actors):
        await opened.close()
    before = _schema(postgres_database)
    assert ("digests", "key", "text", "NO") in before

    for _ in range(2):
        async with await Memory.open(postgres_database, clock=clock) as memory:
            assert await memory.claim("kept") is False  # the row survived re-opening
        await (await Actor.open(postgres_database)).close()

    assert _schema(postgres_database) == before
    versions = query(postgres_database, "SELECT component, version FROM schema_versions")
    assert sorted(versions) == [("act", ACT_VERSION), ("memory", SCHEMA_VERSION)]


async def test_scout_yml_memory_url_puts_memory_and_act_in_postgres(
    postgres_database: str, clock: Clock
) -> None:
    config = ScoutConfig(memory=postgres_database)
    deps = await open_deps(config, warehouse=UnavailableWarehouse(ScoutError("offline")))
    try:
        assert await deps.memory.claim("event:Ev1", owner="serve") is True
        await deps.act.pause("U_ADMIN", "maintenance")
    finally:
        await deps.close()
    assert query(postgres_database, "SELECT key, owner FROM digests") == [("event:Ev1", "serve")]
    assert query(postgres_database, "SELECT value FROM act_state WHERE key = 'paused'") == [("1",)]
