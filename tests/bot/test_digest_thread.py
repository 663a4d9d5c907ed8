"""A reply in the digest's thread is answered there, about the digest's biggest story.

The real Bolt app and the real core on the session's demo warehouse (today = 2025-12-15), the
Slack Web API faked on loopback. The monitor runs once (so the digest has the monitor's
stories), the scheduler's digest job posts the headline and threads its details; then a person
replies in that thread without mentioning Scout.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.domain import Intent, format_segment
from agent.service import ScoutService
from agent.warehouse import DuckDBWarehouse
from bot.app import ScoutSlack, build_scout
from bot.core import ThreadRef
from bot.scheduler import ScoutJobs
from bot.settings import channel_aliases
from tests.bot.conftest import settings_for
from tests.bot.slack_requests import event_request, message
from tests.conftest import TODAY
from tests.fakes.slack_api import Call, FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOW = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)
DIGEST = "CDIGEST"
CONFIG: dict[str, Any] = {"slack": {"digest_channel": DIGEST, "alerts_channel": "CALERTS"}}


@dataclass
class Posted:
    slack: FakeSlack
    scout: ScoutSlack
    core: ScoutService
    headline: Call
    ts: str  # the headline's ts: the digest's thread


def text_of(call: Call) -> str:
    return str(call.body.get("text", "")) + json.dumps(
        call.json_field("blocks") or [], ensure_ascii=False
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def posted(
    demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Posted]:
    config = ScoutConfig.model_validate(CONFIG)
    deps = await open_deps(
        config,
        warehouse=DuckDBWarehouse(demo_warehouse.path),
        today=TODAY,
        memory_path=tmp_path_factory.mktemp("digest_thread") / "memory.sqlite3",
        clock=lambda: NOW,
    )
    core = ScoutService(deps)
    with FakeSlack() as slack:
        aliases = channel_aliases(config, digest_channel=DIGEST, alerts_channel="CALERTS")
        scout = build_scout(core, replace(settings_for(slack), channel_aliases=aliases))
        jobs = ScoutJobs(scout.deps, now=lambda: NOW)
        try:
            await jobs.monitor()
            assert await jobs.digest(TODAY)
            await scout.deps.work.drain(10)
            (headline,) = [
                c
                for c in slack.ok_calls("chat.postMessage")
                if c.body["channel"] == DIGEST and not c.body.get("thread_ts")
            ]
            ts = next(m["ts"] for m in slack.messages if m["text"] == headline.body["text"])
            yield Posted(slack=slack, scout=scout, core=core, headline=headline, ts=ts)
        finally:
            await scout.aclose(timeout=10)
            await core.close()


async def reply_in_thread(posted: Posted, text: str, ts: str) -> Call:
    """Send `text` as a reply in the digest's thread; Scout's answer to it there."""
    slack = posted.slack

    def in_thread(call: Call) -> bool:
        return (
            call.body.get("channel") == DIGEST
            and "scout_feedback_up" in text_of(call)
            and any(
                m["ts"] == call.body["ts"] and m.get("thread_ts") == posted.ts
                for m in slack.messages
            )
        )

    before = len([c for c in slack.ok_calls("chat.update") if in_thread(c)])
    event = message(text, channel=DIGEST, ts=ts, thread_ts=posted.ts, user="UREADER")
    response = await posted.scout.app.async_dispatch(event_request(event))
    assert response.status == 200
    answers = await slack.wait_for("chat.update", before + 1, timeout=60, where=in_thread)
    return answers[before]


async def test_why_in_the_digest_thread_explains_the_biggest_story(
    posted: Posted, demo_warehouse: GeneratedWarehouse
) -> None:
    scenario = demo_warehouse.scenario("conversion_drop")
    answer = await reply_in_thread(posted, "why?", "1765790100.000100")
    text = text_of(answer)
    assert "Conversion rate" in text, text[:600]
    for value in scenario.where.values():
        assert value in text, text[:600]
    stored = await posted.core.deps.memory.load_thread(
        ThreadRef(channel=DIGEST, thread_ts=posted.ts).key
    )
    assert stored is not None and stored.goal.intent is Intent.EXPLAIN
    assert stored.goal.metric == "conversion_rate"
    assert dict(stored.goal.filters) == dict(scenario.where)


async def test_break_that_down_in_the_digest_thread_splits_the_storys_metric(
    posted: Posted, demo_warehouse: GeneratedWarehouse
) -> None:
    answer = await reply_in_thread(posted, "break that down by device", "1765790100.000200")
    text = text_of(answer)
    assert "Conversion rate by device" in text, text[:600]
    # still the story's segment and days: the breakdown is of the drop, not of the company
    segment = format_segment(demo_warehouse.scenario("conversion_drop").where, style="words")
    assert f"conversion rate in {segment}" in text
    for device in ("desktop", "mobile", "tablet"):
        assert device in text


async def test_the_headline_leads_with_the_story_then_the_kpi_table(
    posted: Posted, demo_warehouse: GeneratedWarehouse
) -> None:
    blocks = posted.headline.json_field("blocks")
    assert len(blocks) <= 15
    segment = format_segment(demo_warehouse.scenario("conversion_drop").where, style="words")
    first = blocks[0]["text"]["text"]
    assert f"Biggest story: Conversion rate in {segment} has been down since" in first
    kinds = [b["type"] for b in blocks]
    assert kinds[1] == "header" and blocks[1]["text"]["text"].startswith("Yesterday")
    assert "table" in kinds
    # the sections themselves are threaded under the headline
    threaded = [
        c
        for c in posted.slack.ok_calls("chat.postMessage")
        if c.body["channel"] == DIGEST and c.body.get("thread_ts") == posted.ts
    ]
    assert any("Notable movers" in text_of(c) for c in threaded)
