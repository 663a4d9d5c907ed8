"""Each Slack delivery is answered once: retries, replays, restarts and a second replica.

Slack redelivers an event when an ack is slow, with the same event id; after a restart, or
at a second replica, the in-process memory of what was seen is gone; and a signed slash
command can be replayed within its five minutes. The claim lives in Scout's memory file, so
every process sharing it agrees.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.service import ScoutService
from bot.app import ScoutSlack, build_scout
from tests.bot.conftest import settings_for
from tests.bot.scripted_core import ScriptedCore, answer
from tests.bot.slack_requests import event_body, mention, request, slash
from tests.bot.test_e2e_real_core import real_core
from tests.fakes.postgres import postgres_database, store_url  # noqa: F401  (fixtures)
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
async def replicas(
    slack: FakeSlack,
    demo_warehouse: GeneratedWarehouse,
    store_url: str,  # noqa: F811  (the fixture imported above)
) -> AsyncIterator[tuple[ScoutSlack, ScoutSlack]]:
    """Two serving processes' worth of Scout over one memory: a sqlite file (a restart, or
    replicas on one host), then one PostgreSQL database (replicas anywhere)."""
    memory = store_url
    cores: list[ScoutService] = []
    apps: list[ScoutSlack] = []
    for _ in range(2):
        core = await real_core(ScoutConfig(), demo_warehouse, memory)
        cores.append(core)
        apps.append(build_scout(core, settings_for(slack)))
    yield apps[0], apps[1]
    for app in apps:
        await app.aclose(timeout=10)
    for core in cores:
        await core.close()


async def questions_answered(slack: FakeSlack, count: int) -> int:
    """Answers Scout finished in the asker's channel, once `count` of them are in."""
    await slack.wait_for(
        "chat.update", count, timeout=30, where=lambda c: "Here is what I can do" in str(c.body)
    )
    return len([c for c in slack.ok_calls("chat.postMessage") if c.body.get("channel") == "CASK"])


async def test_a_redelivery_at_another_replica_or_after_a_restart_is_answered_once(
    slack: FakeSlack, replicas: tuple[ScoutSlack, ScoutSlack]
) -> None:
    first, second = replicas
    body = event_body(mention("help", ts="1765000001.000100"), event_id="EvONCE1")
    assert (await first.app.async_dispatch(request(body, "application/json"))).status == 200
    assert (
        await second.app.async_dispatch(request(body, "application/json", retry=1))
    ).status == 200
    # The same message under a new event id (Slack's delivery to a reinstalled app) too.
    again = event_body(mention("help", ts="1765000001.000100"), event_id="EvONCE2")
    assert (await second.app.async_dispatch(request(again, "application/json"))).status == 200
    await first.deps.work.drain(30)
    await second.deps.work.drain(30)
    assert await questions_answered(slack, 1) == 1
    # A different message is a new question.
    other = event_body(mention("help", ts="1765000001.000200"))
    await second.app.async_dispatch(request(other, "application/json"))
    await second.deps.work.drain(30)
    assert await questions_answered(slack, 2) == 2


async def test_a_replayed_slash_command_runs_once(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script["revenue yesterday"] = answer(chart=False)
    core.script["orders yesterday"] = answer(chart=False)
    command = slash("revenue yesterday")
    replayed = request(command.raw_body, "application/x-www-form-urlencoded")
    assert (await scout.app.async_dispatch(command)).status == 200
    assert (await scout.app.async_dispatch(replayed)).status == 200
    # A second invocation (Slack gives each its own trigger id) is a new question.
    await scout.app.async_dispatch(slash("orders yesterday"))
    await slack.wait_for("chat.update", 2, timeout=10)
    await scout.deps.work.drain(5)
    assert sorted(text for text, _, _ in core.asked) == ["orders yesterday", "revenue yesterday"]
    asked = [c for c in slack.ok_calls("chat.postMessage") if "asked:" in str(c.body["text"])]
    assert len(asked) == 2
