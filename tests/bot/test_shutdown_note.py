"""Answers cut off by shutdown (the grace ran out) leave a note instead of a "working…"
placeholder that would stay forever. Signed requests through the real Bolt app; Slack is the
fake Web API; the core is held so the analyses are certainly in flight when the drain ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.app import ScoutSlack, build_scout
from bot.listeners.answer import RESTARTED
from tests.bot.conftest import settings_for
from tests.bot.slack_requests import event_request, mention
from tests.bot.test_analysis_queue import HeldCore
from tests.fakes.slack_api import FakeSlack
from tests.polling import until

RUNNING, QUEUED = "1765000000.000100", "1765000000.000200"


@pytest.fixture
async def held(slack: FakeSlack) -> AsyncIterator[tuple[ScoutSlack, HeldCore]]:
    core = HeldCore()
    runtime = build_scout(core, replace(settings_for(slack), max_concurrent_analyses=1))
    yield runtime, core
    core.release.set()
    await runtime.aclose(timeout=5)


async def test_answers_cut_off_by_shutdown_say_so_in_their_placeholder(
    held: tuple[ScoutSlack, HeldCore], slack: FakeSlack
) -> None:
    scout, core = held
    for ts in (RUNNING, QUEUED):  # one analysing, one waiting for its turn
        response = await scout.app.async_dispatch(
            event_request(mention("why did conversion drop?", ts=ts))
        )
        assert response.status == 200
    await slack.wait_for(
        "chat.postMessage", 2, where=lambda c: c.body.get("thread_ts") in (RUNNING, QUEUED)
    )
    await until(lambda: len(core.entered) == 1, "the first analysis to start")

    await scout.deps.work.drain(0.01)  # the shutdown grace runs out with both in flight

    assert scout.deps.work.running == 0
    assert core.inside == 0  # the analysis was cancelled, not left running
    placeholders = []
    for thread in (RUNNING, QUEUED):
        (only,) = [m for m in slack.messages if m["thread_ts"] == thread]  # no second post
        assert RESTARTED in only["text"], only
        assert "Working on" not in str(only["blocks"]) and "Queued" not in str(only["blocks"])
        placeholders.append(only["ts"])
    notes = [c.body["ts"] for c in slack.ok_calls("chat.update") if RESTARTED in c.body["text"]]
    assert sorted(notes) == sorted(placeholders)  # each placeholder edited once
