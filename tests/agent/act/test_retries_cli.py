"""Scheduled retries as a person sees them in a terminal.

`scout outbox` says when a failed send will be tried again, in the terminal's time zone;
`scout sequences --run` (the due-steps job) says which retries it ran and what happened, next
to the sequence steps. A real webhook receiver on loopback is down for the first round and
takes the action on the scheduled try.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agent.act import Actor, ActSettings
from agent.act.actor import DueRun
from agent.act.webhooks import webhook_integrations
from agent.config import load_config
from agent.domain import Action
from bot.cli import main
from tests.agent.act.conftest import NOW, FakeClock, RecordingSleep
from tests.fakes.webhook_receiver import SECRET, Receiver

LEAD = "U_LEAD"


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The terminal's time zone is New York (EST in December), and its width fits a row."""
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.setenv("COLUMNS", "220")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _offer() -> Action:
    return Action(
        kind="retention_offer",
        target="C000123",
        params={"customer_id": "C000123", "amount": 20, "customer_value": 4000},
        reason="high churn risk",
    )


def _failed_round(db: Path, config: Path) -> str:
    """Approve an offer while the receiver is down, at 09:00 UTC; its failed execution id."""
    loaded = load_config(config)
    integrations = webhook_integrations(loaded.integrations, {"SCOUT_WEBHOOK_SECRET": SECRET})

    async def approve() -> str:
        async with await Actor.open(
            db,
            ActSettings.from_config(loaded),
            integrations=integrations,
            clock=FakeClock(),
            sleep=RecordingSleep(),
        ) as actor:
            proposed = await actor.propose(_offer(), requested_by="scout")
            assert proposed.approval_id
            result = await actor.approve(proposed.approval_id, LEAD)
        assert result.status == "failed" and result.retryable and result.execution
        return result.execution.id

    return asyncio.run(approve())


def test_the_outbox_says_when_and_the_due_run_says_what_it_retried(
    receiver: Receiver,
    tmp_path: Path,
    new_york: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCOUT_WEBHOOK_SECRET", SECRET)
    config = tmp_path / "scout.yml"
    config.write_text(
        f"integrations:\n  webhooks:\n    retention_offer: {receiver.url}\n"
        f"approvals:\n  approvers: [{LEAD}]\n"
    )
    db = tmp_path / "memory.sqlite3"
    common = ["--memory", str(db), "--config", str(config)]
    receiver.script = [500, 500, 500, 500]  # one in-process round, then 200
    assert NOW.isoformat() == "2025-12-15T09:00:00+00:00"
    failed_id = _failed_round(db, config)

    assert main(["outbox", *common]) == 0
    out = " ".join(capsys.readouterr().out.split())
    # 09:15 UTC is 04:15 in New York in December.
    assert "failed, retry at Dec 15 04:15 EST" in out, out

    # The stored retry time is long past for the real clock the command runs on: it is due.
    assert main(["sequences", "--run", *common]) == 0
    out = capsys.readouterr().out
    assert (
        f"retry of {failed_id}: retention_offer sent by webhook (HTTP 200; outbox #2)"
        in " ".join(out.split())
    ), out
    assert len(receiver.received) == 5 and receiver.received[-1]["key"] == _offer().idempotency_key

    assert main(["sequences", "--run", *common]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("Nothing is due: no sequence step, no retry of a failed send."), out
    assert len(receiver.received) == 5

    # Once sent, the failed first try is just that: no retry time is claimed for it.
    assert main(["outbox", *common]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "retry at" not in out and "sent" in out


def test_the_due_run_returns_the_retries_it_ran_and_only_waiting_ones_are_scheduled(
    receiver: Receiver, tmp_path: Path
) -> None:
    config = tmp_path / "scout.yml"
    config.write_text(
        f"integrations:\n  webhooks:\n    retention_offer: {receiver.url}\n"
        f"approvals:\n  approvers: [{LEAD}]\n"
    )
    db = tmp_path / "memory.sqlite3"
    receiver.script = [500, 500, 500, 500]  # the in-process round fails, the retry gets 200
    failed_id = _failed_round(db, config)
    loaded = load_config(config)

    async def due_run() -> None:
        async with await Actor.open(
            db,
            ActSettings.from_config(loaded),
            integrations=webhook_integrations(
                loaded.integrations, {"SCOUT_WEBHOOK_SECRET": SECRET}
            ),
            clock=FakeClock(NOW + timedelta(minutes=15)),
            sleep=RecordingSleep(),
        ) as actor:
            [waiting] = await actor.retries(scheduled=True)
            assert waiting.execution_id == failed_id
            assert waiting.due_at == NOW + timedelta(minutes=15)

            ran = await actor.run_due_steps()
            assert ran.steps == ()
            [retry] = ran.retries
            assert (retry.key, retry.state) == (_offer().idempotency_key, "done")
            assert retry.status.startswith("retention_offer sent by webhook (HTTP 200")
            assert ran.lines() == [f"retry of {failed_id}: {retry.status}"]

            assert await actor.retries(scheduled=True) == []  # nothing waits any more
            assert await actor.retries() == [retry]  # the history keeps it
            assert await actor.run_due_steps() == DueRun(steps=(), retries=())

    asyncio.run(due_run())
    assert len(receiver.received) == 5
