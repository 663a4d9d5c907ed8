"""Scheduled work: the digest once per date across restarts (real memory claims), alerts threaded."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from agent.memory import Memory
from bot.app import build_scout
from bot.scheduler import ScoutJobs, build_scheduler
from tests.bot.conftest import settings_for
from tests.bot.scripted_core import ScriptedCore, answer
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack


async def test_digest_posts_once_per_date_across_two_scheduler_starts(
    slack: FakeSlack, tmp_path: Path
) -> None:
    memory_file = tmp_path / "memory.sqlite"
    posted: list[bool] = []
    for _start in range(2):  # two process lifetimes sharing one memory file
        core = ScriptedCore()
        scout = build_scout(core, settings_for(slack))
        memory = await Memory.open(memory_file)
        try:
            jobs = ScoutJobs(scout.deps, memory)
            scheduler = build_scheduler(jobs)
            scheduler.start()
            try:
                digest_job = scheduler.get_job("digest")
                assert str(digest_job.trigger.timezone) == "UTC"
                assert "hour='9'" in str(digest_job.trigger) and "minute='0'" in str(
                    digest_job.trigger
                )
                assert "day_of_week='mon'" in str(scheduler.get_job("weekly").trigger)
                posted.append(await jobs.digest(TODAY))
            finally:
                scheduler.shutdown(wait=False)
        finally:
            await memory.close()
            await scout.aclose(timeout=5)
    assert posted == [True, False]
    await slack.wait_for("files.completeUploadExternal")
    digests = [c for c in slack.ok_calls("chat.postMessage") if c.body["channel"] == "CDIGEST"]
    assert len(digests) == 1
    assert "Your digest for Mon Dec 15" in digests[0].body["text"]


async def test_a_second_replica_with_its_own_process_does_not_repost(
    slack: FakeSlack, tmp_path: Path
) -> None:
    file = tmp_path / "memory.sqlite"
    first, second = await Memory.open(file), await Memory.open(file)
    try:
        cores = [ScriptedCore(), ScriptedCore()]
        scouts = [build_scout(c, settings_for(slack)) for c in cores]
        results = [
            await ScoutJobs(scouts[0].deps, first).digest(TODAY),
            await ScoutJobs(scouts[1].deps, second).digest(TODAY),
        ]
        assert results == [True, False]
        assert cores[1].digests == []  # the loser never even computes the digest
        for scout in scouts:
            await scout.aclose(timeout=5)
    finally:
        await first.close()
        await second.close()


async def test_digest_day_and_weekly_week_follow_the_configured_zone(
    slack: FakeSlack, tmp_path: Path
) -> None:
    core = ScriptedCore()
    scout = build_scout(core, replace(settings_for(slack), timezone="Australia/Sydney"))
    # 23:30 UTC on Sunday Dec 14 is already 10:30 on Monday Dec 15 in Sydney
    jobs = ScoutJobs(scout.deps, core, now=lambda: datetime(2025, 12, 14, 23, 30, tzinfo=UTC))
    assert jobs.today() == date(2025, 12, 15)
    assert str(build_scheduler(jobs).get_job("digest").trigger.timezone) == "Australia/Sydney"
    assert await jobs.weekly() is True  # the week that just ended there: Mon Dec 8 – Sun Dec 14
    weekly = (await slack.wait_for("chat.postMessage"))[0]
    assert weekly.body["text"] == "Week of 2025-12-08 to 2025-12-14"
    await scout.aclose(timeout=5)


async def test_monitor_alerts_are_posted_with_the_investigation_threaded(
    slack: FakeSlack, core: ScriptedCore
) -> None:
    scout = build_scout(core, settings_for(slack))
    core.alerts = [answer("Revenue dropped 18% yesterday in the Northeast", chart=False)]
    jobs = ScoutJobs(scout.deps, core)
    assert await jobs.monitor() == 1
    head, investigation = await slack.wait_for("chat.postMessage", 2)
    assert head.body["channel"] == "CALERTS" and "thread_ts" not in head.body
    assert "Revenue dropped 18%" in head.body["text"]
    assert investigation.body["thread_ts"] == slack.messages[0]["ts"]
    assert "Conversion fell" in json.dumps(investigation.body["blocks"])
    assert core.attached[0].thread_ts == slack.messages[0]["ts"]  # follow-ups work there
    assert await jobs.monitor() == 0
    await scout.aclose(timeout=5)


class _RetrainingCore(ScriptedCore):
    """The scripted core plus the weekly retrain hook (counts calls)."""

    def __init__(self) -> None:
        super().__init__()
        self.retrained = 0

    async def retrain(self) -> str:
        self.retrained += 1
        return "churn model (model)"


async def test_weekly_retrain_runs_once_per_week_across_replicas(
    slack: FakeSlack, tmp_path: Path
) -> None:
    memory = await Memory.open(tmp_path / "memory.sqlite")
    cores = [_RetrainingCore(), _RetrainingCore()]
    scouts = [build_scout(core, settings_for(slack)) for core in cores]
    try:
        jobs = [ScoutJobs(scout.deps, memory) for scout in scouts]
        scheduler = build_scheduler(jobs[0])
        assert "hour='7'" in str(scheduler.get_job("retrain").trigger)  # before the 09:00 digest
        monday = date(2025, 12, 15)
        ran = [await j.retrain(monday) for j in jobs] + [await jobs[0].retrain(monday)]
        assert ran == [True, False, False]
        assert [c.retrained for c in cores] == [1, 0]
        assert await jobs[1].retrain(date(2025, 12, 22)) is True  # a new week retrains
    finally:
        for scout in scouts:
            await scout.aclose(timeout=5)
        await memory.close()
