"""👍/👎 on an answer: the vote is recorded once per person and shown on the message.

The real Bolt app and the real agent core answer on the demo warehouse; votes arrive as the
block_actions payload Slack sends for a `feedback_buttons` element; what was recorded is
read back from the memory file with SQL written here.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from typing import Any

import pytest
from slack_bolt.async_app import AsyncBoltRequest

from tests.bot.real_env import RealEnv, module_env
from tests.bot.slack_requests import event_request, mention
from tests.bot.slack_requests import press as press_action
from tests.fakes.slack_api import Call

pytestmark = pytest.mark.asyncio(loop_scope="module")

ASK_TS = "1765790000.000100"
_triggers = itertools.count(1)


fake_slack, env = module_env("feedback")


def vote(posted: dict[str, Any], *, user: str, positive: bool) -> AsyncBoltRequest:
    """The block_actions payload Slack sends when `user` presses 👍 or 👎 on `posted`."""
    [control] = [b for b in posted["blocks"] if b["type"] == "context_actions"]
    [element] = control["elements"]
    button = element["positive_button" if positive else "negative_button"]
    action = {
        "type": "feedback_buttons",
        "action_id": element["action_id"],
        "block_id": control["block_id"],
        "value": button["value"],
        "text": button["text"],
        "action_ts": "1.0",
    }
    return press_action(posted, action, user=user)


def recorded(env: RealEnv) -> dict[str, bool]:
    """Each person's vote on the thread, as memory holds it."""
    with sqlite3.connect(f"file:{env.memory}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT user, positive FROM feedback WHERE thread_key LIKE ?", (f"%{ASK_TS}%",)
        ).fetchall()
    return {user: bool(positive) for user, positive in rows}


def control_texts(call: Call) -> tuple[str, str, str]:
    """(👍 label, 👎 label, the votes line) of an edited answer."""
    blocks = call.json_field("blocks")
    [control] = [b for b in blocks if b["type"] == "context_actions"]
    [element] = control["elements"]
    votes = next(b for b in blocks if b.get("block_id") == "scout_feedback_votes")
    return (
        element["positive_button"]["text"]["text"],
        element["negative_button"]["text"]["text"],
        votes["elements"][0]["text"],
    )


async def press(env: RealEnv, posted_ts: str, *, user: str, positive: bool) -> Call:
    """Press on the message as Slack holds it now; the edit that shows the vote."""
    before = len(env.slack.ok_calls("chat.update"))
    held = next(m for m in env.slack.messages if m["ts"] == posted_ts)
    response = await env.scout.app.async_dispatch(vote(held, user=user, positive=positive))
    assert response.status == 200
    edits = await env.slack.wait_for(
        "chat.update", before + 1, where=lambda c: c.body["ts"] == posted_ts
    )
    return edits[-1]


async def test_a_vote_is_shown_on_the_answer_and_counted_once(env: RealEnv) -> None:
    slack = env.slack
    await env.scout.app.async_dispatch(
        event_request(mention("revenue by region last week", channel="CASK", ts=ASK_TS))
    )
    answer = (
        await slack.wait_for(
            "chat.update",
            timeout=60,
            where=lambda c: "scout_feedback" in json.dumps(c.json_field("blocks")),
        )
    )[0]
    posted_ts = answer.body["ts"]

    first = await press(env, posted_ts, user="UASKER", positive=True)
    assert control_texts(first) == (
        "👍 Helpful (1)",
        "👎 Not helpful",
        "Feedback recorded: <@UASKER> :+1:",
    )
    assert recorded(env) == {"UASKER": True}
    # The answer itself is untouched by the vote.
    assert "Revenue by region" in json.dumps(first.json_field("blocks"))

    again = await press(env, posted_ts, user="UASKER", positive=True)
    assert control_texts(again) == control_texts(first)
    assert recorded(env) == {"UASKER": True}

    other = await press(env, posted_ts, user="UOTHER", positive=True)
    assert control_texts(other)[0] == "👍 Helpful (2)"
    changed = await press(env, posted_ts, user="UASKER", positive=False)
    assert control_texts(changed) == (
        "👍 Helpful (1)",
        "👎 Not helpful (1)",
        "Feedback recorded: <@UOTHER> :+1: · <@UASKER> :-1:",
    )
    assert recorded(env) == {"UASKER": False, "UOTHER": True}
    with sqlite3.connect(f"file:{env.memory}?mode=ro", uri=True) as db:
        [(rows,)] = db.execute("SELECT COUNT(*) FROM feedback").fetchall()
    assert rows == 2  # one vote per person, however often they pressed
