"""Dead letters can be retried: a webhook the receiver refused (HTTP 400) is listed by
`scout outbox --failed`, and `scout outbox --retry ID --as USER` sends it again through the
actor with the same Idempotency-Key once the receiver takes it, never twice, never while
paused, and only as a record in dry-run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agent.act import Actor, ActSettings
from agent.act.webhooks import webhook_integrations
from agent.config import load_config
from agent.domain import Action
from bot.cli import main
from tests.fakes.webhook_receiver import SECRET, Receiver

LEAD = "U0LEAD1"


def _config(folder: Path, url: str, *, dry_run: bool = False) -> Path:
    file = folder / ("scout-dry.yml" if dry_run else "scout.yml")
    file.write_text(
        f"integrations:\n  webhooks:\n    retention_offer: {url}\n"
        f"approvals:\n  approvers: [{LEAD}]\n"
        "guardrails:\n"
        f"  dry_run: {str(dry_run).lower()}\n"
        "  retry: {base_delay_s: 0.01, max_delay_s: 0.05}\n"
    )
    return file


def _offer() -> Action:
    return Action(
        kind="retention_offer",
        target="C000123",
        params={"customer_id": "C000123", "amount": 20, "customer_value": 4000},
        reason="high churn risk",
    )


async def _fail_once(db: Path, config: Path) -> str:
    """Approve an offer the receiver refuses; return its failed execution id."""
    loaded = load_config(config)
    integrations = webhook_integrations(loaded.integrations, {"SCOUT_WEBHOOK_SECRET": SECRET})
    async with await Actor.open(
        db, ActSettings.from_config(loaded), integrations=integrations
    ) as actor:
        proposed = await actor.propose(_offer(), requested_by="scout")
        assert proposed.status == "pending_approval" and proposed.approval_id
        result = await actor.approve(proposed.approval_id, LEAD)
    assert result.status == "failed" and "HTTP 400" in result.reason
    assert result.execution is not None
    return result.execution.id


async def _records(db: Path) -> tuple[list[str], list[str]]:
    async with await Actor.open(db) as actor:
        runs = await actor.executions(key=_offer().idempotency_key)
        outbox = await actor.outbox()
    return [f"{r.status}{' (dry)' if r.dry_run else ''}" for r in runs], [o.status for o in outbox]


def _scout(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())


async def test_a_refused_webhook_is_retried_once_with_the_same_key(
    receiver: Receiver,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCOUT_WEBHOOK_SECRET", SECRET)
    db, config = tmp_path / "memory.sqlite3", _config(tmp_path, receiver.url)
    common = ("--memory", str(db), "--config", str(config))
    receiver.default = 400
    failed_id = await _fail_once(db, config)
    assert len(receiver.received) == 1

    def scout(*argv: str) -> tuple[int, str]:
        return _scout(capsys, *argv)

    # The dead letter, as a person lists it.
    code, out = await asyncio.to_thread(scout, "outbox", "--failed", "--json", *common)
    assert code == 0 and [d["id"] for d in json.loads(out)] == [failed_id]

    # Paused: the kill switch holds for a retry too, and nothing reaches the receiver.
    assert (await asyncio.to_thread(scout, "pause", "--as", LEAD, *common))[0] == 0
    code, out = await asyncio.to_thread(
        scout, "outbox", "--retry", failed_id, "--as", LEAD, *common
    )
    assert code == 2 and "paused" in out
    assert (await asyncio.to_thread(scout, "resume", "--as", LEAD, *common))[0] == 0

    # Only an approver may send an approved offer again.
    code, out = await asyncio.to_thread(
        scout, "outbox", "--retry", failed_id, "--as", "U0NOBODY", *common
    )
    assert code == 2 and "not authorised" in out

    # Dry run: recorded as what would have been sent, and nothing is.
    dry = ("--memory", str(db), "--config", str(_config(tmp_path, receiver.url, dry_run=True)))
    code, out = await asyncio.to_thread(scout, "outbox", "--retry", failed_id, "--as", LEAD, *dry)
    assert code == 0 and "dry run" in out and "nothing sent" in out
    assert len(receiver.received) == 1

    # The receiver takes it now: one delivery, under the first try's key.
    receiver.default = 200
    code, out = await asyncio.to_thread(
        scout, "outbox", "--retry", failed_id, "--as", LEAD, *common
    )
    assert code == 0 and out.startswith("sent: ") and "HTTP 200" in out, out
    assert len(receiver.received) == 2 and all(r["valid"] for r in receiver.received)
    assert receiver.received[0]["key"] == receiver.received[1]["key"] == _offer().idempotency_key
    assert f"retry of {failed_id} by {LEAD}" in receiver.received[1]["body"]["decision"]["reason"]

    # Sent once: a second retry is refused, and the dead-letter list is empty again.
    code, out = await asyncio.to_thread(
        scout, "outbox", "--retry", failed_id, "--as", LEAD, *common
    )
    assert code == 2 and "already executed" in out and "not sent twice" in out
    assert len(receiver.received) == 2
    code, out = await asyncio.to_thread(scout, "outbox", "--failed", "--json", *common)
    assert code == 0 and json.loads(out) == []

    runs, outbox = await _records(db)
    assert runs == ["failed", "dry_run (dry)", "executed"]
    assert outbox == ["failed", "dry_run", "sent"]


async def test_retrying_what_did_not_fail_is_refused(
    receiver: Receiver,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCOUT_WEBHOOK_SECRET", SECRET)
    db, config = tmp_path / "memory.sqlite3", _config(tmp_path, receiver.url)
    loaded = load_config(config)
    integrations = webhook_integrations(loaded.integrations, {"SCOUT_WEBHOOK_SECRET": SECRET})
    async with await Actor.open(
        db, ActSettings.from_config(loaded), integrations=integrations
    ) as actor:
        proposed = await actor.propose(_offer(), requested_by="scout")
        assert proposed.approval_id
        sent = await actor.approve(proposed.approval_id, LEAD)
        assert sent.status == "executed" and sent.execution is not None
        again = await actor.retry(sent.execution.id, LEAD)
        missing = await actor.retry("ex_nothing", LEAD)
    assert again.status == "refused" and "did not fail (it is executed)" in again.reason
    assert missing.status == "refused" and "no execution ex_nothing" in missing.reason
    assert len(receiver.received) == 1
