"""A digest whose replica died mid-build is posted by the running leader, with no restart.

The dead replica leaves only its claim in the shared store (claimed at 09:00, never
finished). The surviving replica's scheduler runs as `scout serve` runs it, on APScheduler's
real timer; the digest's clock is fixed and moved by the test. Its catch-up looks again every
few minutes (here every 50 ms, so the test does not wait minutes), leaves the claim alone
within its lease and posts the digest once after it; a replica that starts leading looks at
once. The real service, actor and Slack client run behind it; Slack is the fake Web API and
the truth is read from Slack's calls and the database.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agent.act.leases import LEASE
from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.memory import Memory
from agent.service import ScoutService
from agent.warehouse.duck import DuckDBWarehouse
from bot.app import build_scout
from bot.scheduler import CATCH_UP_EVERY, ScoutJobs, build_scheduler
from tests.agent.loop_helpers import NOW
from tests.bot.conftest import settings_for
from tests.bot.test_scheduler_replicas import end_the_leaders_connection
from tests.conftest import TODAY
from tests.fakes.postgres import postgres_database, query, store_url  # noqa: F401  (fixtures)
from tests.fakes.slack_api import FakeSlack
from tests.polling import until

KEY = f"digest:{TODAY.isoformat()}"
DEAD = "scout-0:4242"  # the replica that died: its host and pid, as the service records owners


@dataclass
class Clock:
    """The wall clock of the digest and its claims, moved only by the test."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


class CountingJobs(ScoutJobs):
    """The real jobs, counting finished catch-up runs so the test knows one has looked."""

    catch_ups = 0

    async def catch_up(self) -> bool:
        try:
            return await super().catch_up()
        finally:
            self.catch_ups += 1


def digests_posted(slack: FakeSlack) -> list[str]:
    """The digests Slack accepted, top-level posts only (the details go in their thread)."""
    posts = [c.body for c in slack.ok_calls("chat.postMessage") if not c.body.get("thread_ts")]
    return [p["text"] for p in posts if re.search(r"Scout's digest for", p["text"])]


async def leave_a_dead_claim(url: str) -> None:
    """What a replica killed while building the digest leaves: its claim, never finished."""
    async with await Memory.open(url, clock=lambda: NOW) as dead:
        assert await dead.claim(KEY, owner=DEAD, lease=LEASE)


class Replicas:
    """Replicas started on one store, one fake Slack and one clock; closed with the test."""

    def __init__(self, slack: FakeSlack, warehouse: Path, clock: Clock) -> None:
        self.slack, self.warehouse, self.clock = slack, warehouse, clock
        self.stack = AsyncExitStack()

    async def start(self, url: str) -> CountingJobs:
        """One replica: the real service behind the Slack adapter, and its scheduler jobs."""
        deps = await open_deps(
            ScoutConfig(memory=url),
            warehouse=DuckDBWarehouse(self.warehouse),
            today=TODAY,
            memory_path=url,
            clock=self.clock,
        )
        service = ScoutService(deps)
        self.stack.push_async_callback(service.close)
        scout = build_scout(service, replace(settings_for(self.slack), memory=url))
        self.stack.push_async_callback(scout.aclose, timeout=5)
        jobs = CountingJobs(scout.deps, now=self.clock)
        self.stack.push_async_callback(jobs.close)
        return jobs

    def run(self, jobs: ScoutJobs, **every: timedelta) -> None:
        """Start the replica's scheduler as `scout serve` does; shut down with the test."""
        scheduler = build_scheduler(jobs, **every)
        scheduler.start()
        self.stack.callback(scheduler.shutdown, wait=False)


@pytest.fixture
async def replicas(slack: FakeSlack, demo_warehouse: GeneratedWarehouse) -> AsyncIterator[Replicas]:
    started = Replicas(slack, demo_warehouse.path, Clock(NOW))
    async with started.stack:
        yield started


async def test_the_leader_posts_a_dead_replicas_digest_after_the_lease_without_restarting(
    slack: FakeSlack,
    store_url: str,  # noqa: F811  (the fixture imported above)
    replicas: Replicas,
) -> None:
    await leave_a_dead_claim(store_url)
    clock = replicas.clock
    clock.now = NOW + timedelta(minutes=5)  # 09:05: the claim is five minutes old
    jobs = await replicas.start(store_url)
    replicas.run(jobs, catch_up_every=timedelta(milliseconds=50))

    # Within the lease nobody can tell the claimer is dead: looking again posts nothing.
    await until(lambda: jobs.catch_ups >= 3, "three catch-up looks", timeout=60)
    assert digests_posted(slack) == []
    assert query(store_url, "SELECT owner, done_at FROM digests WHERE key = ?", (KEY,)) == [
        (DEAD, None)
    ]

    # The lease runs out while the process keeps running: a later look takes it over.
    clock.now = NOW + LEASE + timedelta(minutes=1)
    await until(lambda: len(digests_posted(slack)) == 1, "the digest", timeout=60)
    looked = jobs.catch_ups
    await until(
        lambda: jobs.catch_ups >= looked + 3, "three more looks", timeout=60
    )  # and later looks post nothing more
    (posted,) = digests_posted(slack)
    assert posted.startswith("Good morning! Scout's digest for Monday December 15.")
    assert "Posted late: Scout was not running at the usual time." in posted
    ((owner, done_at),) = query(
        store_url, "SELECT owner, done_at FROM digests WHERE key = ?", (KEY,)
    )
    assert owner != DEAD and str(done_at)[:19] == "2025-12-15T09:11:00"


async def test_a_replica_that_starts_leading_catches_up_at_once(
    slack: FakeSlack,
    postgres_database: str,  # noqa: F811  (the fixture imported above)
    replicas: Replicas,
) -> None:
    url = postgres_database
    replicas.clock.now = NOW + LEASE + timedelta(minutes=1)  # the dead claim's lease is over
    await leave_a_dead_claim(url)
    leader, other = [await replicas.start(url) for _ in range(2)]
    assert await leader.leads("monitor") is True  # it leads, then hangs: its jobs never run
    assert timedelta(minutes=1) <= CATCH_UP_EVERY  # the catch-up's own timer is minutes away
    replicas.run(other)

    await until(
        lambda: other.catch_ups >= 1, "the other replica's look", timeout=60
    )  # at start: another replica leads
    assert digests_posted(slack) == []

    assert end_the_leaders_connection(url) == [(True,)]
    # The server ends that session (and frees its lock) a moment after the call returns: the
    # next tick of any of the other's jobs that finds it leads runs the catch-up at once.
    await until(lambda: other.leads("monitor"), "the other replica to take the lead", every=0.05)
    await until(lambda: len(digests_posted(slack)) == 1, "the digest", timeout=30)
    await until(lambda: other.catch_ups == 2, "the other replica's second look", timeout=60)
    assert await leader.leads("monitor") is False
    ((done_at,),) = query(url, "SELECT done_at FROM digests WHERE key = ?", (KEY,))
    assert done_at is not None
