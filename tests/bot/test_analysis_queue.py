"""A burst of questions on one replica: every mention is acknowledged at once, at most
`slack.max_concurrent_analyses` run, and the people waiting see their place in the queue.
Signed requests through the real Bolt app; Slack is the fake Web API; the core is scripted
so the test holds the analysis open until it says so."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from agent.config import ScoutConfig, load_config
from agent.errors import ConfigError
from bot.app import ScoutSlack, build_scout
from bot.core import Progress, Reply, ThreadRef
from bot.listeners.answer import AnalysisQueue
from bot.settings import load_settings
from tests.bot.conftest import settings_for
from tests.bot.scripted_core import ScriptedCore, answer
from tests.bot.slack_requests import event_request, mention
from tests.fakes.slack_api import Call, FakeSlack
from tests.polling import until

CHANNELS = ("CFIRST", "CSECOND", "CTHIRD")


class HeldCore(ScriptedCore):
    """Answers only once `release` is set; counts how many analyses run at the same time."""

    def __init__(self) -> None:
        super().__init__(default=answer("Conversion fell.", chart=False))
        self.release = asyncio.Event()
        self.entered: list[str] = []
        self.inside = 0
        self.most_inside = 0

    async def ask(
        self,
        text: str,
        *,
        thread: ThreadRef,
        user: str,
        on_progress: Progress,
        groups: frozenset[str] = frozenset(),
    ) -> Reply:
        self.entered.append(thread.channel)
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await self.release.wait()
            return await super().ask(text, thread=thread, user=user, on_progress=on_progress)
        finally:
            self.inside -= 1


@pytest.fixture
async def held(slack: FakeSlack) -> AsyncIterator[tuple[ScoutSlack, HeldCore]]:
    core = HeldCore()
    runtime = build_scout(core, replace(settings_for(slack), max_concurrent_analyses=1))
    yield runtime, core
    core.release.set()
    await runtime.aclose(timeout=5)


def shown(call: Call) -> str:
    return call.body["text"] + json.dumps(call.json_field("blocks"))


async def test_a_burst_waits_its_turn_and_each_sees_its_place(
    held: tuple[ScoutSlack, HeldCore], slack: FakeSlack
) -> None:
    scout, core = held
    for n, channel in enumerate(CHANNELS, start=1):
        response = await scout.app.async_dispatch(
            event_request(mention("why did conversion drop?", channel=channel))
        )
        assert response.status == 200  # acknowledged at once, whatever waits behind it
        await slack.wait_for("chat.postMessage", n)  # its placeholder is up

    placeholders = {c.body["channel"]: c for c in slack.ok_calls("chat.postMessage")}
    assert "Scout is working on it" in placeholders["CFIRST"].body["text"]
    assert "Queued: 1 request ahead of yours" in shown(placeholders["CSECOND"])
    assert "Queued: 2 requests ahead of yours" in shown(placeholders["CTHIRD"])
    await until(lambda: core.entered == ["CFIRST"], "the first analysis to start")
    assert slack.ok_calls("chat.update") == []  # nobody has moved on yet

    core.release.set()
    await until(lambda: len(core.asked) == 3, "all three analyses")
    assert core.entered == list(CHANNELS)  # in the order they were asked
    assert core.most_inside == 1  # one analysis at a time

    for channel in CHANNELS:

        def answered(c: Call, channel: str = channel) -> bool:
            return c.body["channel"] == channel and "Conversion fell." in c.body["text"]

        await slack.wait_for("chat.update", where=answered)
        edits = [c for c in slack.ok_calls("chat.update") if c.body["channel"] == channel]
        assert len({c.body["ts"] for c in edits}) == 1  # one placeholder, edited in place
        assert answered(edits[-1])
        if channel != "CFIRST":
            # the queue notice turned into the usual progress before the answer replaced it
            assert "Scout is working on it" in edits[0].body["text"]
            assert "Queued" not in shown(edits[-1])


async def test_a_request_cancelled_while_waiting_gives_up_its_place() -> None:
    queue = AnalysisQueue(1)
    gate = asyncio.Event()
    started: list[tuple[str, int]] = []

    async def request(name: str) -> None:
        async with queue.ticket() as ticket:
            await ticket.wait()
            started.append((name, ticket.ahead))
            await gate.wait()

    first, second, third = (asyncio.create_task(request(n)) for n in "abc")
    await until(lambda: started == [("a", 0)] and queue.waiting == 2, "a to run, b and c to wait")
    second.cancel()  # shutdown, or the task gave up
    await asyncio.gather(second, return_exceptions=True)
    assert (queue.running, queue.waiting) == (1, 1)

    gate.set()
    await asyncio.gather(first, third)
    assert started == [("a", 0), ("c", 2)]  # c runs after a; b never did
    assert (queue.running, queue.waiting) == (0, 0)


def test_the_bound_and_the_memory_come_from_scout_yml(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s"}
    file = tmp_path / "scout.yml"
    file.write_text("memory: postgresql://scout@db/scout\nslack: {max_concurrent_analyses: 2}\n")
    settings = load_settings(load_config(file), env, mode="http")
    assert settings.max_concurrent_analyses == 2
    assert settings.memory == "postgresql://scout@db/scout"  # the scheduler's leader lock
    assert load_settings(ScoutConfig(), env, mode="http").max_concurrent_analyses == 4

    file.write_text("slack: {max_concurrent_analyses: 0}\n")
    with pytest.raises(ConfigError, match=r"slack\.max_concurrent_analyses"):
        load_config(file)
