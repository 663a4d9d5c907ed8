"""A replica killed mid-digest neither loses nor doubles it (issue 15).

The digest's claim is a lease: a claim whose holder died before the post was taken is taken
over once the lease has run out, by the other replica's start-up catch-up, and posted once.
Two replicas share one store (sqlite, then the PostgreSQL the replica tests start); the real
service, actor and Slack client run behind both, Slack is the fake Web API, the clock is
fixed and moved by hand, and the truth is read from Slack's calls and the database.

Where the replica dies: after its claim is committed, while it builds the digest (the
warehouse queries). That is where a replica spends the time between claiming and posting,
so it is where a kill, an eviction or an out-of-memory lands; a warehouse that stops
answering holds the build there, and cancelling the job is the process stopping. Nothing of
the dead replica's runs after that point: the survivor has only the database to go on.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from agent.act.leases import LEASE
from agent.config import ScoutConfig
from agent.db import connect
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.memory import Memory
from agent.memory.schema import MIGRATIONS
from agent.migrations import migrate
from agent.service import ScoutService
from agent.warehouse.base import Warehouse
from agent.warehouse.duck import DuckDBWarehouse
from bot.app import build_scout
from bot.scheduler import ScoutJobs
from tests.agent.loop_helpers import NOW
from tests.bot.conftest import settings_for
from tests.conftest import TODAY
from tests.fakes.postgres import postgres_database, query, store_url  # noqa: F401  (fixtures)
from tests.fakes.slack_api import FakeSlack

KEY = f"digest:{TODAY.isoformat()}"


@dataclass
class Clock:
    """One wall clock for both replicas (and their schedulers), moved only by the test."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


class StalledWarehouse:
    """A warehouse that stops answering once armed: the digest's build hangs there."""

    def __init__(self, inner: Warehouse) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self.armed = False
        self.asked = threading.Event()
        self._gone = threading.Event()

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        if not self.armed:
            return self.inner.query(sql, params)
        self.asked.set()
        self._gone.wait(60)  # bounded: `die` ends the wait
        raise ConnectionError("the warehouse stopped answering")

    def die(self) -> None:
        """The replica's process is gone, and its hung calls with it. (Here they are worker
        threads of the test's one process, which the survivor would otherwise queue behind.)"""
        self._gone.set()

    async def aquery(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return await asyncio.to_thread(self.query, sql, params)

    def close(self) -> None:
        self.die()
        self.inner.close()


def digests_posted(slack: FakeSlack) -> list[str]:
    """The digests Slack accepted, as their headline's first line (details go in a thread)."""
    posts = [c.body for c in slack.ok_calls("chat.postMessage") if not c.body.get("thread_ts")]
    return [p["text"] for p in posts if re.search(r"Scout's digest for", p["text"])]


class Replicas:
    """Replicas started on one store, one fake Slack and one clock; closed with the test."""

    def __init__(self, slack: FakeSlack, warehouse: Path, url: str) -> None:
        self.slack, self.warehouse, self.url = slack, warehouse, url
        self.clock = Clock()
        self.stack = AsyncExitStack()

    async def start(self, warehouse: Warehouse | None = None) -> tuple[ScoutService, ScoutJobs]:
        """One replica: the real service and its scheduler jobs, wired to Slack."""
        deps = await open_deps(
            ScoutConfig(memory=self.url),
            warehouse=warehouse or DuckDBWarehouse(self.warehouse),
            today=TODAY,
            memory_path=self.url,
            clock=self.clock,
        )
        service = ScoutService(deps)
        self.stack.push_async_callback(service.close)
        scout = build_scout(service, replace(settings_for(self.slack), memory=self.url))
        self.stack.push_async_callback(scout.aclose, timeout=5)
        jobs = ScoutJobs(scout.deps, now=self.clock)
        self.stack.push_async_callback(jobs.close)
        return service, jobs


@pytest.fixture
async def replicas(
    slack: FakeSlack,
    demo_warehouse: GeneratedWarehouse,
    store_url: str,  # noqa: F811  (the fixture imported above)
) -> AsyncIterator[Replicas]:
    started = Replicas(slack, demo_warehouse.path, store_url)
    async with started.stack:
        yield started


def claim_row(url: str) -> tuple[Any, ...]:
    rows = query(url, "SELECT claimed_at, owner, done_at FROM digests WHERE key = ?", (KEY,))
    assert len(rows) == 1
    return rows[0]


async def test_a_replica_killed_while_building_the_digest_leaves_it_to_the_other(
    slack: FakeSlack,
    demo_warehouse: GeneratedWarehouse,
    store_url: str,  # noqa: F811
    replicas: Replicas,
) -> None:
    clock = replicas.clock
    stalled = StalledWarehouse(DuckDBWarehouse(demo_warehouse.path))
    doomed, _ = await replicas.start(stalled)
    survivor, survivor_jobs = await replicas.start()

    stalled.armed = True
    job = asyncio.create_task(doomed.post_digest(TODAY))
    assert await asyncio.to_thread(stalled.asked.wait, 60), "the digest never reached the warehouse"
    job.cancel()  # the process stops here, mid-build
    with pytest.raises(asyncio.CancelledError):
        await job
    stalled.die()

    # It held the claim and posted nothing.
    claimed_at, owner, done_at = claim_row(store_url)
    assert (claimed_at[:19], done_at) == ("2025-12-15T09:00:00", None)
    assert owner
    assert digests_posted(slack) == []

    # Within the lease the claim is still the dead replica's: nobody can tell it is dead.
    clock.now = NOW + LEASE - timedelta(seconds=1)
    assert await survivor.post_digest(TODAY, late=True) is None
    assert digests_posted(slack) == []

    # After the lease the survivor's catch-up takes it over and posts it once, late.
    clock.now = NOW + LEASE + timedelta(minutes=1)
    assert await survivor_jobs.catch_up() is True
    posted = digests_posted(slack)
    assert len(posted) == 1
    assert posted[0].startswith("Good morning! Scout's digest for Monday December 15.")
    assert "Posted late: Scout was not running at the usual time." in posted[0]
    claimed_at, _, done_at = claim_row(store_url)
    assert claimed_at[:19] == done_at[:19] == "2025-12-15T09:11:00"

    # Done is done: a later catch-up, a restart or the cron tick posts nothing more.
    clock.now = NOW + 3 * LEASE
    assert await survivor_jobs.catch_up() is False
    assert await survivor.post_digest(TODAY) is None
    assert len(digests_posted(slack)) == 1


async def test_two_live_replicas_post_the_digest_once(
    slack: FakeSlack,
    store_url: str,  # noqa: F811
    replicas: Replicas,
) -> None:
    clock = replicas.clock
    (first, _), (second, _) = [await replicas.start() for _ in range(2)]

    ran = await asyncio.gather(*(s.post_digest(TODAY) for s in (first, second) * 2))
    assert sum(p is not None for p in ran) == 1
    assert [p.status for p in ran if p is not None] == ["executed"]
    assert len(digests_posted(slack)) == 1
    claimed_at, _, done_at = claim_row(store_url)
    assert claimed_at == done_at  # finished the moment the post was taken (the clock is fixed)

    # A finished claim outlives its lease: neither replica posts it again.
    clock.now = NOW + 2 * LEASE
    again = await asyncio.gather(first.post_digest(TODAY), second.post_digest(TODAY, late=True))
    assert again == [None, None]
    assert len(digests_posted(slack)) == 1


async def test_claims_made_before_leases_existed_stay_final(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite3"
    db = await connect(path, component="memory")
    try:
        await migrate(db, "memory", MIGRATIONS[:3])
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO digests(key, claimed_at, owner) VALUES (?, ?, ?)",
                (KEY, "2025-12-15T09:00:00.000000+00:00", "old"),
            )
    finally:
        await db.close()

    later = NOW + 5 * LEASE
    async with await Memory.open(path, clock=lambda: later) as memory:
        assert await memory.claim(KEY, owner="new", lease=LEASE) is False
        assert await memory.claimed_by(KEY) == "old"
    assert query(path, "SELECT done_at FROM digests WHERE key = ?", (KEY,)) == [
        ("2025-12-15T09:00:00.000000+00:00",)
    ]
