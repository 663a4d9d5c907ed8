"""An approval clicked while Scout's memory is busy: the clicker is told privately that nothing
was recorded or executed, the buttons stay live, and the next click executes once. The real
core behind the real Bolt app, signed block_actions payloads, the fake Slack Web API, and
another connection holding the sqlite file's write lock (as another process would).
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agent.demo_data import GeneratedWarehouse
from agent.domain import Action
from agent.loop import propose
from agent.views import Reply
from tests.agent.memory.test_memory_faults import _set, _write_lock
from tests.bot.conftest import APPROVER
from tests.bot.real_env import CONFIG, RealEnv, real_env
from tests.bot.slack_requests import click
from tests.fakes.slack_api import FakeSlack

EXEC_CHANNEL = "CEXEC"


@pytest.fixture
async def env(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> AsyncIterator[RealEnv]:
    # Alerts to the executives' channel wait for an approver.
    config = CONFIG | {"guardrails": {"risk": {"executives": [EXEC_CHANNEL]}}}
    built = await real_env(slack, demo_warehouse, tmp_path / "memory.sqlite3", config)
    yield built
    await built.aclose()


async def _proposal_message(env: RealEnv) -> tuple[str, dict[str, Any]]:
    """A risky alert proposed and posted with its buttons; its id and the message as held."""
    action = Action(
        kind="alert",
        target=EXEC_CHANNEL,
        params={"channel": EXEC_CHANNEL, "title": "Revenue fell 18%", "severity": "high"},
        reason="revenue fell 18% in the Northeast",
        key="busy-approval",
    )
    proposed = await propose(env.core.deps, action, requested_by="scout")
    assert proposed.result.status == "pending_approval"
    (pending,) = [p for p in await env.core.pending() if p.action.key == "busy-approval"]
    published = await env.core.publish(
        Reply(text="Waiting for a decision", actions=(pending,)),
        channel="CALERTS",
        title="Waiting for a decision",
        key="busy-approval-post",
    )
    assert published.where is not None
    return pending.approval_id, _held(env.slack, published.where.thread_ts)


def _held(slack: FakeSlack, ts: str) -> dict[str, Any]:
    return copy.deepcopy(next(m for m in slack.messages if m["ts"] == ts))


def _executions(memory: Path) -> int:
    with sqlite3.connect(memory) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM act_executions").fetchone()
    return int(count)


def _approval_state(memory: Path, approval_id: str) -> tuple[str, str | None]:
    with sqlite3.connect(memory) as conn:
        row = conn.execute(
            "SELECT state, decided_by FROM act_approvals WHERE id = ?", (approval_id,)
        ).fetchone()
    return row[0], row[1]


def _exec_posts(slack: FakeSlack) -> list[Any]:
    return [c for c in slack.ok_calls("chat.postMessage") if c.body["channel"] == EXEC_CHANNEL]


async def test_an_approval_clicked_while_memory_is_busy_is_refused_then_executes_once(
    env: RealEnv, slack: FakeSlack
) -> None:
    approval_id, posted = await _proposal_message(env)
    assert approval_id in json.dumps(posted["blocks"])
    await _set(env.core, "PRAGMA busy_timeout = 50")  # instead of waiting the real 10 s
    updates = len(slack.ok_calls("chat.update"))
    executed = _executions(env.memory)  # the post of the proposal itself, so far

    with _write_lock(env.memory):
        await env.scout.app.async_dispatch(click(posted, "scout_approve", user=APPROVER))
        note = await slack.wait_for(
            "chat.postEphemeral", where=lambda c: c.body["user"] == APPROVER
        )
        await env.scout.deps.work.drain(10)
    text = note[-1].body["text"]
    assert "couldn't record your approval" in text and "is busy" in text
    assert str(env.memory) in text and "Nothing was executed" in text
    # The message still offers the decision; nothing was posted, executed or recorded.
    still = json.dumps(_held(slack, posted["ts"])["blocks"])
    assert "scout_approve" in still and "scout_reject" in still
    assert len(slack.ok_calls("chat.update")) == updates
    assert _exec_posts(slack) == [] and _executions(env.memory) == executed
    assert _approval_state(env.memory, approval_id) == ("pending", None)

    # The lock is gone: the same button works, and the alert goes out once.
    await env.scout.app.async_dispatch(click(posted, "scout_approve", user=APPROVER))
    decided = await slack.wait_for(
        "chat.update",
        where=lambda c: c.body.get("ts") == posted["ts"] and "Executed" in json.dumps(c.body),
    )
    assert "scout_approve" not in json.dumps(decided[-1].body["blocks"])
    assert len(_exec_posts(slack)) == 1 and _executions(env.memory) == executed + 1
    assert _approval_state(env.memory, approval_id) == ("approved", APPROVER)
