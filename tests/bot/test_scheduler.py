"""Scheduled work: when jobs run, in which zone, and that the adapter never posts on its own.

The job bodies are the service's (digest once per date, alerts threaded: see
test_e2e_real_core.py and test_one_road_out.py); here the schedule and the retrain claim.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from agent.act import Actor, ActSettings
from agent.act.webhooks import SECRET_ENV, webhook_integrations
from agent.config import ScoutConfig, load_config
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.domain import Action
from agent.service import ScoutService
from agent.warehouse.duck import DuckDBWarehouse
from bot.app import build_scout
from bot.listeners.home import publish_home
from bot.scheduler import ScoutJobs, build_scheduler
from bot.settings import switched_off
from tests.agent.act.conftest import FakeClock, RecordingSleep
from tests.agent.loop_helpers import demo_deps
from tests.bot.conftest import settings_for
from tests.bot.scripted_core import ScriptedCore
from tests.conftest import TODAY
from tests.fakes.postgres import query
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhook_receiver import SECRET, serve_receiver
from tests.polling import until


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
        assert scheduler.get_job("weekly") is None  # Monday's digest carries the week
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


async def test_with_the_tokens_alone_only_answers_run_and_the_home_tab_says_why(
    slack: FakeSlack,
) -> None:
    settings = replace(
        settings_for(slack),
        digest_channel=None,
        alerts_channel=None,
        approvers=(),
        approver_group=None,
        off=switched_off(ScoutConfig()),
    )
    scout = build_scout(ScriptedCore(), settings)
    try:
        scheduler = build_scheduler(ScoutJobs(scout.deps))
        assert {job.id for job in scheduler.get_jobs()} == {
            "retrain",
            "measure_retention",
            "sequences",  # the due sends and the sweep of dead claims
        }
        await publish_home(scout.deps, "UANYONE")
        (home,) = slack.ok_calls("views.publish")
        shown = json.dumps(home.json_field("view"))
        assert "slack.digest_channel" in shown and "slack.approvers" in shown
    finally:
        await scout.aclose(timeout=5)


async def test_a_digest_missed_while_down_is_posted_once_on_start_and_says_late(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    service = ScoutService(await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite", TODAY))
    scout = build_scout(service, settings_for(slack))
    early = datetime(2025, 12, 15, 8, 30, tzinfo=UTC)
    late = datetime(2025, 12, 15, 11, 5, tzinfo=UTC)
    try:
        assert await ScoutJobs(scout.deps, now=lambda: early).catch_up() is False  # not due
        jobs = ScoutJobs(scout.deps, now=lambda: late)
        assert "catch_up" in {job.id for job in build_scheduler(jobs).get_jobs()}
        assert await jobs.catch_up() is True
        assert await jobs.catch_up() is False  # a second start posts nothing more
        posts = [c.body for c in slack.ok_calls("chat.postMessage")]
        (digest,) = [p for p in posts if "digest" in p["text"] and not p.get("thread_ts")]
        assert "Posted late: Scout was not running at the usual time." in digest["text"]
    finally:
        await scout.aclose(timeout=5)
        await service.close()


async def test_retention_outcomes_are_measured_once_a_day_before_the_digest(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    scripted = build_scout(ScriptedCore(), settings_for(slack))
    service = ScoutService(await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite", TODAY))
    measuring = build_scout(service, settings_for(slack))
    try:
        trigger = build_scheduler(ScoutJobs(scripted.deps)).get_job("measure_retention").trigger
        assert "hour='6'" in str(trigger) and "day_of_week" not in str(trigger)  # daily, 6:00
        assert await ScoutJobs(scripted.deps).measure(TODAY) is False  # a core that cannot
        assert await ScoutJobs(measuring.deps).measure(TODAY) is True
        assert slack.ok_calls("chat.postMessage") == []  # measuring posts nothing
    finally:
        await scripted.aclose(timeout=5)
        await measuring.aclose(timeout=5)
        await service.close()


async def test_without_approvers_the_scheduler_still_closes_a_send_a_dead_process_left(
    slack: FakeSlack,
    demo_warehouse: GeneratedWarehouse,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Approvals are made in the terminal (`scout approve`), so Slack names no approver; a
    # process dies in the middle of a webhook's HTTP exchange and leaves it `running`.
    monkeypatch.setenv(SECRET_ENV, SECRET)
    memory, clock = tmp_path / "memory.sqlite", FakeClock()
    offer = Action(
        kind="retention_offer",
        target="C000123",
        params={"customer_id": "C000123", "amount": 20, "customer_value": 4000},
        reason="high churn risk",
    )
    with serve_receiver() as receiver:
        config_file = tmp_path / "scout.yml"
        config_file.write_text(
            f"integrations:\n  webhooks:\n    retention_offer: {receiver.url}\n"
            "approvals:\n  approvers: [U_LEAD]\n"
        )
        config = load_config(config_file)
        receiver.script = ["hang"]
        async with await Actor.open(
            memory,
            ActSettings.from_config(config),
            integrations=webhook_integrations(config.integrations),
            clock=clock,
            sleep=RecordingSleep(),
        ) as dying:
            proposed = await dying.propose(offer, requested_by="scout")
            assert proposed.approval_id
            approving = asyncio.ensure_future(dying.approve(proposed.approval_id, "U_LEAD"))
            await until(lambda: receiver.received, "the receiver to have the request", timeout=30)
            assert len(receiver.received) == 1
            approving.cancel()  # the process stops mid-exchange
            with pytest.raises(asyncio.CancelledError):
                await approving

        deps = await open_deps(
            config,
            warehouse=DuckDBWarehouse(demo_warehouse.path),
            today=TODAY,
            memory_path=memory,
            clock=clock,
        )
        service = ScoutService(deps)
        settings = replace(settings_for(slack), approvers=(), approver_group=None)
        scout = build_scout(service, settings)
        try:
            jobs = ScoutJobs(scout.deps, now=clock)
            due = build_scheduler(jobs).get_job("sequences")
            assert due is not None

            clock.advance(minutes=9)  # within the lease its owner may still be sending
            assert await due.func() == 0
            assert query(memory, "SELECT status FROM act_executions") == [("running",)]

            clock.advance(minutes=2)
            assert await due.func() == 0  # closed, and not sent again: it may have arrived
            [(status, error)] = query(memory, "SELECT status, error FROM act_executions")
            assert status == "failed" and error.startswith("delivery unconfirmed — ")
            assert len(receiver.received) == 1
        finally:
            await scout.aclose(timeout=5)
            await service.close()
