"""Two replicas on one PostgreSQL memory: one runs the scheduled jobs, the other takes over
when the leader's connection dies. The real service, digest and actor behind both; Slack is
the fake Web API; the truth is read from Slack's calls and from the database by hand."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import timedelta

import psycopg

from agent.config import ScoutConfig
from agent.db import postgres_url
from agent.demo_data import GeneratedWarehouse
from agent.service import ScoutService
from bot.app import build_scout
from bot.scheduler import ScoutJobs, build_scheduler
from tests.agent.loop_helpers import demo_deps
from tests.bot.conftest import settings_for
from tests.bot.scripted_core import ScriptedCore
from tests.conftest import TODAY
from tests.fakes.postgres import postgres_database, query  # noqa: F401  (fixture)
from tests.fakes.slack_api import FakeSlack
from tests.polling import until


def digests_posted(slack: FakeSlack) -> list[str]:
    """The days of the digests Slack accepted (top-level posts; details go in their thread)."""
    posts = [c.body for c in slack.ok_calls("chat.postMessage") if not c.body.get("thread_ts")]
    return [
        m.group(1) for p in posts if (m := re.search(r"Scout's digest for ([\w ]+)", p["text"]))
    ]


def end_the_leaders_connection(url: str) -> list[tuple[bool]]:
    """What a crashed pod or a network cut does: the server ends the session holding the
    scheduler's advisory lock (the only session lock held between jobs)."""
    libpq = postgres_url(url)
    assert libpq is not None
    with psycopg.connect(libpq, autocommit=True) as admin:
        return admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()


async def test_one_replica_posts_each_digest_and_the_survivor_takes_over(
    slack: FakeSlack,
    demo_warehouse: GeneratedWarehouse,
    postgres_database: str,  # noqa: F811  (the fixture imported above)
) -> None:
    url = postgres_database
    config = ScoutConfig(memory=url)
    services = [
        ScoutService(await demo_deps(demo_warehouse.path, url, TODAY, config=config))  # type: ignore[arg-type]
        for _ in range(2)
    ]
    scouts = [build_scout(s, replace(settings_for(slack), memory=url)) for s in services]
    jobs = [ScoutJobs(scout.deps) for scout in scouts]
    tomorrow = TODAY + timedelta(days=1)
    try:
        ran = await asyncio.gather(*(j.digest(TODAY) for j in jobs))
        assert sorted(ran) == [False, True]
        leader, other = (jobs[0], jobs[1]) if ran[0] else (jobs[1], jobs[0])
        assert digests_posted(slack) == ["Monday December 15"]

        # The lock, not only the per-day claim, keeps the other replica quiet: nobody has
        # posted tomorrow's digest, and still it does not.
        assert await other.digest(tomorrow) is False
        assert query(url, "SELECT key FROM digests WHERE key LIKE ?", ("digest:%",)) == [
            ("digest:2025-12-15",)
        ]

        assert end_the_leaders_connection(url) == [(True,)]
        assert await leader.digest(tomorrow) is False  # it notices it no longer leads
        assert await other.digest(tomorrow) is True  # the survivor posts the next day's
        assert await leader.digest(tomorrow + timedelta(days=1)) is False  # and keeps leading

        assert digests_posted(slack) == [
            "Monday December 15",
            "Tuesday December 16",
        ]
        keys = query(url, "SELECT key FROM digests WHERE key LIKE ? ORDER BY key", ("digest:%",))
        assert keys == [("digest:2025-12-15",), ("digest:2025-12-16",)]
    finally:
        for job in jobs:
            await job.close()
        for scout in scouts:
            await scout.aclose(timeout=5)
        for service in services:
            await service.close()


async def test_a_replica_that_shuts_down_hands_the_jobs_over(
    slack: FakeSlack,
    postgres_database: str,  # noqa: F811  (the fixture imported above)
) -> None:
    # No digest channel: no start-up catch-up job to cancel mid-flight at shutdown.
    settings = replace(settings_for(slack), memory=postgres_database, digest_channel=None)
    scouts = [build_scout(ScriptedCore(), settings) for _ in range(2)]
    first, second = (ScoutJobs(scout.deps) for scout in scouts)
    try:
        assert await first.leads("monitor") is True
        assert await second.leads("monitor") is False
        scheduler = build_scheduler(first)
        scheduler.start()
        scheduler.shutdown(wait=False)  # what `scout serve` does on SIGTERM
        # The lock goes as soon as the listener's task runs.
        await until(lambda: second.leads("monitor"), "the second replica to lead", timeout=5)
    finally:
        await first.close()
        await second.close()
        for scout in scouts:
            await scout.aclose(timeout=5)
