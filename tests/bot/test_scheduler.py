"""Scheduled work: when jobs run, in which zone, and that the adapter never posts on its own.

The job bodies are the service's (digest once per date, alerts threaded: see
test_e2e_real_core.py and test_one_road_out.py); here the schedule and the retrain claim.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from agent.demo_data import GeneratedWarehouse
from agent.service import ScoutService
from bot.app import build_scout
from bot.scheduler import ScoutJobs, build_scheduler
from tests.agent.loop_helpers import demo_deps
from tests.bot.conftest import settings_for
from tests.bot.scripted_core import ScriptedCore
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack


async def test_jobs_follow_the_configured_zone_and_hours(slack: FakeSlack) -> None:
    core = ScriptedCore()
    scout = build_scout(core, replace(settings_for(slack), timezone="Australia/Sydney"))
    try:
        # 23:30 UTC on Sunday Dec 14 is already 10:30 on Monday Dec 15 in Sydney
        jobs = ScoutJobs(scout.deps, now=lambda: datetime(2025, 12, 14, 23, 30, tzinfo=UTC))
        assert jobs.today() == date(2025, 12, 15)
        scheduler = build_scheduler(jobs)
        digest = scheduler.get_job("digest").trigger
        assert str(digest.timezone) == "Australia/Sydney"
        assert "hour='9'" in str(digest) and "minute='0'" in str(digest)
        assert "day_of_week='mon'" in str(scheduler.get_job("weekly").trigger)
        assert "hour='7'" in str(scheduler.get_job("retrain").trigger)  # before the digest
    finally:
        await scout.aclose(timeout=5)


async def test_the_adapter_posts_nothing_for_a_core_without_an_actor(slack: FakeSlack) -> None:
    # A stand-in core can answer questions, but only the service's actor posts on schedule.
    core = ScriptedCore()
    scout = build_scout(core, settings_for(slack))
    try:
        jobs = ScoutJobs(scout.deps)
        assert await jobs.digest(TODAY) is False
        assert await jobs.weekly() is False
        assert await jobs.monitor() == 0
        assert slack.ok_calls("chat.postMessage") == []
    finally:
        await scout.aclose(timeout=5)


async def test_weekly_retrain_runs_once_per_week_across_replicas(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    memory = tmp_path / "memory.sqlite"
    services = [ScoutService(await demo_deps(demo_warehouse.path, memory, TODAY)) for _ in range(2)]
    scouts = [build_scout(s, settings_for(slack)) for s in services]
    try:
        jobs = [ScoutJobs(scout.deps) for scout in scouts]
        monday = date(2025, 12, 15)
        ran = [await j.retrain(monday) for j in jobs] + [await jobs[0].retrain(monday)]
        assert ran == [True, False, False]
        assert await jobs[1].retrain(date(2025, 12, 22)) is True  # a new week retrains
    finally:
        for scout in scouts:
            await scout.aclose(timeout=5)
        for service in services:
            await service.close()
