"""Webhooks through the actor: signed, idempotent, retried only when retrying can help.

A real HTTP receiver on loopback verifies every request's signature and answers as told:
500 then 200 (one action, delivered once under one idempotency key), 400 (no retry; the
failure is recorded and reported), and a hang (the timeout, then a retry).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agent.act import Actor, ActSettings
from agent.act.webhooks import IntegrationsSection, webhook_integrations
from agent.config import ScoutConfig
from agent.domain import Action
from agent.errors import ConfigError
from bot.cli import main
from tests.fakes.webhook_receiver import SECRET, Receiver


async def _actor(path: Path, url: str, *, timeout_s: float = 5.0) -> Actor:
    config = ScoutConfig.model_validate(
        {
            "integrations": {"webhooks": {"retention_offer": url}, "webhook_timeout_s": timeout_s},
            "guardrails": {"retry": {"base_delay_s": 0.01, "max_delay_s": 0.05}},
        }
    )
    settings = ActSettings.from_config(config)
    settings = settings.model_copy(
        update={"approvals": settings.approvals.model_copy(update={"approvers": ("U_LEAD",)})}
    )
    integrations = webhook_integrations(config.integrations, {"SCOUT_WEBHOOK_SECRET": SECRET})
    return await Actor.open(path, settings, integrations=integrations)


def _offer(customer: str = "C000123") -> Action:
    return Action(
        kind="retention_offer",
        target=customer,
        params={
            "customer_id": customer,
            "amount": 20,
            "customer_value": 4000,
            "text": "20% off your next order",
        },
        reason="high churn risk",
    )


async def _approved(actor: Actor, action: Action) -> Any:
    proposed = await actor.propose(action, requested_by="scout")
    assert proposed.status == "pending_approval" and proposed.approval_id
    return await actor.approve(proposed.approval_id, "U_LEAD")


async def test_a_5xx_is_retried_and_the_action_delivered_once(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.script = [500, 200]
    actor = await _actor(tmp_path / "act.sqlite3", receiver.url)
    try:
        result = await _approved(actor, _offer())
    finally:
        await actor.close()
    assert result.status == "executed" and "HTTP 200" in result.reason
    assert len(receiver.received) == 2 and all(r["valid"] for r in receiver.received)
    assert len({r["key"] for r in receiver.received}) == 1, "one idempotency key on every try"
    body = receiver.received[-1]["body"]
    assert body["kind"] == "retention_offer" and body["params"]["amount"] == 20
    assert body["params"]["customer_id"] == "C000123"
    assert body["decision"]["kind"] == "allow" and "U_LEAD" in body["decision"]["reason"]


async def test_a_4xx_is_not_retried_and_is_reported(
    receiver: Receiver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.script = [400]
    actor = await _actor(tmp_path / "act.sqlite3", receiver.url)
    try:
        result = await _approved(actor, _offer())
        failed = [e for e in await actor.executions(limit=10) if e.status == "failed"]
    finally:
        await actor.close()
    assert result.status == "failed" and "HTTP 400" in (result.reason or "")
    assert len(receiver.received) == 1
    assert len(failed) == 1 and "HTTP 400" in (failed[0].error or "")
    # The dead letters, as a person lists them.
    listed = await asyncio.to_thread(
        main, ["outbox", "--failed", "--json", "--memory", str(tmp_path / "act.sqlite3")]
    )
    (dead,) = json.loads(capsys.readouterr().out)
    assert listed == 0 and dead["action"]["kind"] == "retention_offer"
    assert "HTTP 400" in dead["error"]


async def test_a_hanging_receiver_times_out_and_is_retried(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.script = ["hang", 200]
    actor = await _actor(tmp_path / "act.sqlite3", receiver.url, timeout_s=0.5)
    try:
        result = await _approved(actor, _offer())
    finally:
        await actor.close()
    assert result.status == "executed"
    assert len(receiver.received) == 2


def test_a_webhook_without_a_secret_is_a_clear_config_error() -> None:
    section = IntegrationsSection(webhooks={"retention_offer": "http://127.0.0.1:9/x"})
    with pytest.raises(ConfigError, match="SCOUT_WEBHOOK_SECRET"):
        webhook_integrations(section, {})
