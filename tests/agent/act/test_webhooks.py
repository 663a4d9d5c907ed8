"""Webhooks through the actor: signed, idempotent, retried only when retrying can help.

A real HTTP receiver on loopback verifies every request's signature and answers as told:
500 then 200 (one action, delivered once under one idempotency key), 400 (no retry; the
failure is recorded and reported), and a hang (the timeout, then a retry). A receiver that
stays down through the in-process attempts is tried again on the scheduled-retry intervals
by the due-steps job, under a fixed clock, until it takes the action or the tries run out.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agent.act import Actor, ActSettings
from agent.act.ports import Clock, Sleep, real_sleep, utc_now
from agent.act.webhooks import IntegrationsSection, webhook_integrations
from agent.config import ScoutConfig
from agent.domain import Action
from agent.errors import ConfigError
from bot.cli import main
from tests.agent.act.conftest import NOW, FakeClock, RecordingSleep
from tests.fakes.webhook_receiver import SECRET, Receiver

# One in-process round of the executor (guardrails.retry.max_attempts), every answer one
# that may pass: the action is then scheduled, not dead.
DOWN_ROUND: list[int | str] = [500, 502, 503, 429]


async def _actor(
    path: Path,
    url: str,
    *,
    timeout_s: float = 5.0,
    clock: Clock = utc_now,
    sleep: Sleep = real_sleep,
) -> Actor:
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
    return await Actor.open(path, settings, integrations=integrations, clock=clock, sleep=sleep)


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
        scheduled = await actor.retries()
    finally:
        await actor.close()
    assert result.status == "failed" and "HTTP 400" in (result.reason or "")
    assert not result.retryable and scheduled == [], "a 4xx is permanent at once"
    assert (result.reason or "").startswith("webhook refused it: HTTP 400")
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


def _keys(receiver: Receiver) -> set[str]:
    return {r["key"] for r in receiver.received}


async def test_a_receiver_down_for_a_round_takes_the_action_once_at_the_stated_time(
    receiver: Receiver, tmp_path: Path
) -> None:
    assert NOW.isoformat() == "2025-12-15T09:00:00+00:00"  # the times below are read from it
    receiver.script = list(DOWN_ROUND)  # then 200: the receiver is back
    clock, sleep = FakeClock(), RecordingSleep()
    db = tmp_path / "act.sqlite3"

    async def due_steps_job() -> None:
        """The scheduler's due-steps job, in a fresh process at the clock's time."""
        async with await _actor(db, receiver.url, clock=clock, sleep=sleep) as actor:
            await actor.run_due_steps()

    async with await _actor(db, receiver.url, clock=clock, sleep=sleep) as actor:
        result = await _approved(actor, _offer())
    assert result.status == "failed" and result.retryable
    assert result.reason == (
        "webhook failed — will retry at Dec 15 09:15 UTC "
        "(gave up after 4 attempts: webhook answered HTTP 429)"
    )
    assert len(receiver.received) == len(DOWN_ROUND)

    clock.advance(minutes=14)
    await due_steps_job()
    assert len(receiver.received) == len(DOWN_ROUND), "not before the stated time"
    clock.advance(minutes=1)
    await due_steps_job()
    clock.advance(hours=5)
    await due_steps_job()  # nothing left to send, however often it runs

    accepted = receiver.received[len(DOWN_ROUND) :]  # the scripted failures came first
    assert len(accepted) == 1, "accepted exactly once"
    assert all(r["valid"] for r in receiver.received)
    assert _keys(receiver) == {_offer().idempotency_key}, "one Idempotency-Key on every try"
    body = accepted[0]["body"]
    assert body["kind"] == "retention_offer" and body["params"]["amount"] == 20
    async with await _actor(db, receiver.url, clock=clock) as actor:
        runs = await actor.executions()
        [retry] = await actor.retries()
        outbox = await actor.outbox()
    assert [r.status for r in runs] == ["failed", "executed"]
    assert runs[0].error == result.reason
    assert runs[1].approval_id == runs[0].approval_id is not None
    assert f"scheduled retry of {runs[0].id}" in body["decision"]["reason"]
    assert runs[1].result == "retention_offer sent by webhook (HTTP 200; outbox #2)"
    assert retry.state == "done" and retry.attempts == 1
    assert [o.status for o in outbox] == ["failed", "sent"]


async def test_a_receiver_that_stays_down_fails_permanently_after_the_last_try(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.default = 503
    clock, sleep = FakeClock(), RecordingSleep()
    db = tmp_path / "act.sqlite3"
    async with await _actor(db, receiver.url, clock=clock, sleep=sleep) as actor:
        first = await _approved(actor, _offer())
    assert first.reason.startswith("webhook failed — will retry at Dec 15 09:15 UTC (")

    # 09:15 + 1 h, then 10:15 + 4 h, then no try is left.
    said = []
    for wait in ({"minutes": 15}, {"hours": 1}, {"hours": 4}, {"days": 1}):
        clock.advance(**wait)
        async with await _actor(db, receiver.url, clock=clock, sleep=sleep) as actor:
            await actor.run_due_steps()
            [retry] = await actor.retries()
        said.append((retry.state, retry.status.split(" (")[0]))
    assert said[:2] == [
        ("scheduled", "webhook failed — will retry at Dec 15 10:15 UTC"),
        ("scheduled", "webhook failed — will retry at Dec 15 14:15 UTC"),
    ]
    assert said[2] == said[3], "the last day's run finds nothing to do"
    assert said[2][0] == "failed"
    assert said[2][1].startswith(
        "webhook failed permanently — gave up after 4 tries: gave up after 4 attempts: "
        "webhook answered HTTP 503"
    )
    # The first send and three scheduled tries, each one in-process round of four attempts.
    assert len(receiver.received) == 4 * 4
    assert _keys(receiver) == {_offer().idempotency_key}
    async with await _actor(db, receiver.url, clock=clock) as actor:
        runs = await actor.executions()
        [retry] = await actor.retries()
    assert [r.status for r in runs] == ["failed"] * 4
    assert runs[-1].error == retry.status
