"""A post reaches Slack once even when its answer is lost, and a stalled Slack times out.

The real actor delivers through the Slack notifier on the real WebClient; the fake Slack Web
API processes the post and then drops the connection (Slack has it, Scout never heard), or
stalls. Before: slack-sdk's connection-error handler re-sent the post and the channel got
the alert twice, while the outbox recorded one; a stall held each answer for five minutes.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from agent.act import Actor, ActSettings
from agent.act.records import OutboundMessage
from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import Deps, open_deps
from agent.domain import Action
from agent.errors import TransientActionError
from agent.warehouse import DuckDBWarehouse
from bot.app import build_client
from bot.notifier import SlackNotifier
from tests.bot.conftest import settings_for
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack

NOW = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)


async def _deps(
    slack: FakeSlack, warehouse: GeneratedWarehouse, memory: Path
) -> tuple[Deps, AsyncWebClient]:
    config = ScoutConfig.model_validate({"slack": {"alerts_channel": "CALERTS"}})
    settings = ActSettings.from_config(config)
    fast = settings.guardrails.retry.model_copy(update={"base_delay_s": 0.01, "max_delay_s": 0.05})
    settings = settings.model_copy(
        update={"guardrails": settings.guardrails.model_copy(update={"retry": fast})}
    )
    client = build_client(replace(settings_for(slack), http_timeout_s=30.0))
    deps = await open_deps(
        config,
        warehouse=DuckDBWarehouse(warehouse.path),
        today=TODAY,
        memory_path=memory,
        clock=lambda: NOW,
        act_settings=settings,
        integrations={"notify": SlackNotifier(client, channels={"kpi-alerts": "CALERTS"})},
    )
    return deps, client


def _alert(title: str) -> Action:
    return Action(
        kind="alert",
        target="#kpi-alerts",
        params={"channel": "#kpi-alerts", "title": title, "severity": "medium"},
        reason=title,
    )


async def test_a_post_whose_answer_was_lost_reaches_the_channel_once(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    deps, client = await _deps(slack, demo_warehouse, tmp_path / "memory.sqlite3")
    try:
        slack.drop_after_processing("chat.postMessage")
        result = await deps.act.propose(
            _alert("Revenue fell 18% in the Northeast"), requested_by="scout"
        )
        assert isinstance(deps.act, Actor)
        outbox = await deps.act.outbox(limit=10)
    finally:
        await deps.close()
        if client.session is not None:
            await client.session.close()
    held = [m for m in slack.messages if "Revenue fell 18%" in (m["text"] or "")]
    assert len(held) == 1, "Slack holds the alert once"
    assert result.status == "executed"
    (entry,) = [e for e in outbox if e.kind == "alert"]
    assert entry.status == "sent" and entry.delivery_ref == held[0]["ts"]
    assert slack.ok_calls("conversations.history"), "it looked before posting again"


async def test_a_stalled_slack_gives_up_at_the_timeout_and_never_posts_twice(
    slack: FakeSlack, tmp_path: Path
) -> None:
    client = build_client(replace(settings_for(slack), http_timeout_s=1.0))
    notifier = SlackNotifier(client)
    message = _outbound()
    slack.stall("chat.postMessage", 2.0)
    started = time.monotonic()
    with pytest.raises(TransientActionError):
        await notifier.deliver(message)
    assert time.monotonic() - started < 60, "bounded by the client timeout, not aiohttp's 300 s"
    slack.stall("chat.postMessage", 0.0)
    await slack.wait_for("chat.postMessage", timeout=10)  # the stalled post did land, late
    delivered = await notifier.deliver(message)  # the executor's retry
    assert [m["ts"] for m in slack.messages] == [delivered.ref]
    if client.session is not None:
        await client.session.close()


def _outbound() -> OutboundMessage:
    return OutboundMessage(
        outbox_id=3,
        kind="alert",
        op="post",
        channel="CALERTS",
        recipients=(),
        severity="high",
        text="Orders fell 30% in the West",
        idempotency_key="alert:west",
    )
