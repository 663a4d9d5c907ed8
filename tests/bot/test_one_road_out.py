"""One road out: every message Scout posts on its own goes through the actor.

Driven through the real service behind the real Bolt app, its WebClient pointed at the fake
Slack Web API. The warehouse is the demo warehouse with a card number, an email, a phone
number and a `<!channel>` planted in a category name, which the digest's forecast section
shows: before, the scheduler posted the digest directly and all of it reached the channel,
even in dry-run mode.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.service import ScoutService
from agent.warehouse import DuckDBWarehouse
from bot.app import build_scout
from bot.scheduler import ScoutJobs
from bot.settings import channel_aliases
from tests.bot.conftest import APPROVER, settings_for
from tests.bot.slack_requests import event_request, mention
from tests.conftest import TODAY
from tests.fakes.slack_api import Call, FakeSlack

NOW = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)
CARD, EMAIL, PHONE = "4111 1111 1111 1111", "ops@example.com", "+1 415 555 0100"
PLANTED = f"Sports {CARD} {EMAIL} {PHONE} <!channel>"
CONFIG: dict[str, Any] = {
    "slack": {"digest_channel": "CDIGEST", "alerts_channel": "CALERTS", "approvers": [APPROVER]}
}


@pytest.fixture(scope="module")
def planted(
    demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("planted") / "warehouse.duckdb"
    shutil.copy(demo_warehouse.path, path)
    with duckdb.connect(str(path)) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'category'"
        ).fetchall()
        for (table,) in tables:
            con.execute(f"UPDATE {table} SET category = ? WHERE category = 'sports'", [PLANTED])
    yield path


async def open_service(warehouse: Path, memory: Path, **config: Any) -> ScoutService:
    """The real service on `warehouse`, with CONFIG and `config`, its clock fixed at NOW."""
    deps = await open_deps(
        ScoutConfig.model_validate(CONFIG | config),
        warehouse=DuckDBWarehouse(warehouse),
        today=TODAY,
        memory_path=memory,
        clock=lambda: NOW,
    )
    return ScoutService(deps)


async def _serve_digest(
    slack: FakeSlack, warehouse: Path, memory: Path, **config: Any
) -> tuple[ScoutService, list[Call]]:
    service = await open_service(warehouse, memory, **config)
    aliases = channel_aliases(service.deps.config)
    scout = build_scout(service, replace(settings_for(slack), channel_aliases=aliases))
    try:
        assert await ScoutJobs(scout.deps, now=lambda: NOW).digest(TODAY) is True
        await scout.deps.work.drain(10)
    finally:
        await scout.aclose(timeout=10)
    return service, [  # the headline; its details follow in its thread
        c
        for c in slack.ok_calls("chat.postMessage")
        if c.body["channel"] == "CDIGEST" and not c.body.get("thread_ts")
    ]


def _everything_sent(calls: list[Call]) -> str:
    return " ".join(json.dumps(c.body) for c in calls)


async def test_the_digest_reaches_the_channel_redacted_and_recorded(
    slack: FakeSlack, planted: Path, tmp_path: Path
) -> None:
    service, posts = await _serve_digest(slack, planted, tmp_path / "m.sqlite3")
    try:
        (digest,) = posts
        sent = _everything_sent(slack.calls())
        for secret in (CARD, EMAIL, "555 0100", "<!channel>", "4111111111111111"):
            assert secret not in sent, secret
        assert "[card]" in sent and "[email]" in sent and "[phone]" in sent
        assert "Sports" in sent  # the rest of the row stays

        outbox = await service.deps.act.outbox(limit=50)
        rows = [e for e in outbox if e.kind == "report"]
        assert len(rows) == 2  # the headline, and the details in its thread
        for row in rows:
            assert row.channel == "CDIGEST" and row.status == "sent"
            assert row.delivery_ref in [m["ts"] for m in slack.messages]
            assert CARD not in row.text and EMAIL not in row.text
        flags = " ".join(" ".join(row.flags) for row in rows)
        assert "personal data redacted" in flags and "mention or broadcast" in flags
        threaded = [m for m in slack.messages if m.get("thread_ts") == digest.body.get("ts")]
        assert all(m["channel"] == "CDIGEST" for m in threaded)
    finally:
        await service.close()


async def test_in_dry_run_the_digest_is_recorded_and_not_posted(
    slack: FakeSlack, planted: Path, tmp_path: Path
) -> None:
    service, posts = await _serve_digest(
        slack, planted, tmp_path / "m.sqlite3", guardrails={"dry_run": True}
    )
    try:
        assert posts == []
        outbox = await service.deps.act.outbox(limit=50)
        rows = [e for e in outbox if e.kind == "report"]
        assert len(rows) == 2  # the headline and its details: nothing dropped in a dry run
        for row in rows:
            assert row.status == "dry_run" and row.channel == "CDIGEST"
            assert CARD not in row.text
    finally:
        await service.close()


async def test_a_digest_day_claimed_while_paused_is_posted_after_resuming(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    memory = tmp_path / "m.sqlite3"
    deps = await open_deps(
        ScoutConfig.model_validate(CONFIG),
        warehouse=DuckDBWarehouse(demo_warehouse.path),
        today=TODAY,
        memory_path=memory,
        clock=lambda: NOW,
    )
    service = ScoutService(deps)
    try:
        await service.pause(APPROVER, "freeze")
        assert await service.post_digest(date(2025, 12, 15)) is None
        await service.resume(APPROVER)
        posted = await service.post_digest(date(2025, 12, 15))
        # No Slack is wired here: the outbox is the delivery, and says so.
        assert posted is not None and posted.status == "queued" and posted.where is None
    finally:
        await service.close()


# --------------------------------------------------------------------------- answers

QUESTION = "units sold by category last week"
ASKED_AT = "1765790000.000100"


async def _ask(
    slack: FakeSlack, warehouse: Path, memory: Path, *, paused: bool = False, **config: Any
) -> tuple[ScoutService, list[Call]]:
    """One question through the real service behind the real Bolt app; the final edit of its
    placeholder (the answer, or the note that stood in for it)."""
    service = await open_service(warehouse, memory, **config)
    if paused:
        await service.pause(APPROVER, "incident")
    scout = build_scout(service, replace(settings_for(slack), channel_aliases={}))
    try:
        await scout.app.async_dispatch(event_request(mention(QUESTION, ts=ASKED_AT)))
        await slack.wait_for(
            "chat.update",
            timeout=60,
            where=lambda c: "scout_feedback" in json.dumps(c.body) or "paused" in c.body["text"],
        )
        await scout.deps.work.drain(30)
    finally:
        await scout.aclose(timeout=10)
    return service, [c for c in slack.ok_calls("chat.update") if c.body["channel"] == "CASK"]


def _role(message: dict[str, Any]) -> str:
    """What Scout said a post was when it made it (its key in the message metadata)."""
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    return str(payload.get("key", "")).split(":")[0]


async def test_an_answer_is_decided_redacted_and_recorded_like_every_other_post(
    slack: FakeSlack, planted: Path, tmp_path: Path
) -> None:
    service, edits = await _ask(slack, planted, tmp_path / "m.sqlite3")
    try:
        sent = _everything_sent(slack.calls())
        for secret in (CARD, EMAIL, "555 0100", "<!channel>", "4111111111111111"):
            assert secret not in sent, secret
        assert "[card]" in sent and "Sports" in sent  # the planted row was in the answer

        rows = [e for e in await service.deps.act.outbox(limit=50) if e.kind == "answer"]
        (row,) = rows
        assert row.status == "sent" and row.channel == "CASK" and row.op == "update"
        assert CARD not in row.text and "[card]" in row.text
        answer = edits[-1]
        assert row.delivery_ref == answer.body["ts"] and "scout_feedback" in json.dumps(answer.body)
        audit = await service.deps.act.audit(limit=50)
        assert any(a.kind == "answer" and a.who == "UASKER" for a in audit)

        # Every message Scout posted in the channel is either the placeholder (progress, edited
        # into the answer) or a post the actor recorded: nothing else reached the channel.
        refs = {e.delivery_ref for e in await service.deps.act.outbox(limit=50)}
        assert slack.messages
        for posted in slack.messages:
            assert _role(posted) == "placeholder" or posted["ts"] in refs, posted
    finally:
        await service.close()


async def test_a_paused_scout_holds_answers_and_says_so_in_the_placeholder(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    service, edits = await _ask(slack, demo_warehouse.path, tmp_path / "m.sqlite3", paused=True)
    try:
        assert "paused" in edits[-1].body["text"] and "scout_feedback" not in json.dumps(
            edits[-1].body
        )
        assert [_role(m) for m in slack.messages] == ["placeholder"]  # nothing else went out
        assert not [e for e in await service.deps.act.outbox(limit=50) if e.kind == "answer"]
        audit = await service.deps.act.audit(limit=50)
        assert any(a.kind == "answer" and "paused" in a.why for a in audit)
    finally:
        await service.close()


async def test_a_dry_run_still_answers_the_person_who_asked(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    service, edits = await _ask(
        slack, demo_warehouse.path, tmp_path / "m.sqlite3", guardrails={"dry_run": True}
    )
    try:
        assert "scout_feedback" in json.dumps(edits[-1].body)
        (row,) = [e for e in await service.deps.act.outbox(limit=50) if e.kind == "answer"]
        assert row.status == "sent" and not row.dry_run
    finally:
        await service.close()
