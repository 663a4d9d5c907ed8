"""An answer, its placeholder and a notifier post reach Slack once when Slack's reply is lost.

The real core answers behind the real Bolt app on the app's own WebClient; the fake Slack Web
API stores a post and then drops the connection (Slack has it, Scout never heard), or answers
500 before storing anything. The truth is what the fake holds. Before: slack-sdk re-sent the
placeholder, stranding "Scout is working on it…" beside the answer, and re-sent answers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agent.act.records import OutboundMessage
from agent.demo_data import GeneratedWarehouse
from agent.errors import TransientActionError
from bot.app import build_client
from bot.notifier import SlackNotifier
from tests.bot.conftest import settings_for
from tests.bot.real_env import RealEnv, real_env
from tests.bot.slack_requests import event_request, mention, message
from tests.fakes.slack_api import FakeSlack
from tests.polling import until

CHANNEL, ASKED = "CASK", "1765790000.000100"
DM, ASSISTANT_THREAD = "DUSER", "1765790000.000900"
WORKING = "Scout is working on it…"


@pytest.fixture
async def env(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> AsyncIterator[RealEnv]:
    built = await real_env(slack, demo_warehouse, tmp_path / "memory.sqlite3")
    yield built
    await built.aclose()


def in_thread(slack: FakeSlack, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    """Scout's messages in the thread as Slack holds them (the question itself is not one)."""
    return [m for m in slack.messages if m["channel"] == channel and m["thread_ts"] == thread_ts]


def shown(held: dict[str, Any]) -> str:
    return str(held["text"]) + json.dumps(held["blocks"] or [], ensure_ascii=False)


def is_answer(held: dict[str, Any]) -> bool:
    """A final answer with findings carries the feedback buttons; a placeholder never does."""
    return "scout_feedback_up" in shown(held)


async def answered(env: RealEnv, posts_before: int) -> None:
    """Until the answer's work, started after the ack, has finished (bounded)."""
    posted = lambda: len(env.slack.calls("chat.postMessage")) > posts_before  # noqa: E731
    await until(posted, "Scout's first post", timeout=30)
    await env.scout.deps.work.drain(60)


async def ask_in_channel(env: RealEnv, text: str) -> None:
    response = await env.scout.app.async_dispatch(
        event_request(mention(text, channel=CHANNEL, ts=ASKED))
    )
    assert response.status == 200
    await answered(env, 0)


async def test_a_placeholder_whose_reply_was_lost_is_edited_into_the_answer(
    env: RealEnv, slack: FakeSlack
) -> None:
    slack.drop_after_processing("chat.postMessage")  # the first post is the placeholder
    await ask_in_channel(env, "revenue yesterday")

    (held,) = in_thread(slack, CHANNEL, ASKED)  # one message: no second placeholder
    assert is_answer(held), shown(held)[:300]
    assert WORKING not in shown(held)
    assert not [m for m in slack.messages if m["text"] == WORKING], "no stranded placeholder"
    # The lost post was looked up, not re-sent, and the answer is an edit of it.
    assert len(slack.calls("chat.postMessage")) == 1
    assert slack.ok_calls("conversations.replies")
    edits = [c for c in slack.ok_calls("chat.update") if c.body.get("ts") == held["ts"]]
    assert edits


async def test_a_placeholder_slack_cannot_find_yet_is_found_again_by_the_answer(
    env: RealEnv, slack: FakeSlack
) -> None:
    """The placeholder's reply is lost and every look-up while posting it fails too: Scout
    does not post it again on a guess, and looks once more before the answer, then edits it."""
    slack.drop_after_processing("chat.postMessage")
    # Each look-up is one call and the client's two 5xx retries; the placeholder's two
    # look-ups (before its second and third tries) use up these six.
    slack.fail_next("conversations.replies", 6, status=500, error="internal_error")
    await ask_in_channel(env, "revenue yesterday")

    (held,) = in_thread(slack, CHANNEL, ASKED)
    assert is_answer(held), shown(held)[:300]
    assert len(slack.calls("chat.postMessage")) == 1, "never posted on a guess"
    assert len(slack.ok_calls("conversations.replies")) == 1, "found by the answer's look-up"
    assert not [m for m in slack.messages if m["text"] == WORKING]


async def test_a_5xx_before_anything_was_stored_posts_the_placeholder_once(
    env: RealEnv, slack: FakeSlack
) -> None:
    slack.fail_next("chat.postMessage", status=500, error="internal_error")
    await ask_in_channel(env, "revenue yesterday")

    (held,) = in_thread(slack, CHANNEL, ASKED)
    assert is_answer(held), shown(held)[:300]
    posts = slack.calls("chat.postMessage")
    assert [c.status for c in posts] == [500, 200], "tried again after the 500, once"
    # A 500 may hide a post that landed: the thread was searched before the second try.
    (looked,) = slack.ok_calls("conversations.replies")
    assert posts[0].at < looked.at < posts[1].at


async def test_an_answer_whose_reply_was_lost_is_in_the_thread_once(
    env: RealEnv, slack: FakeSlack
) -> None:
    # An assistant thread shows a status line, not a placeholder: the answer is a new post.
    started = {
        "type": "assistant_thread_started",
        "event_ts": "1765790000.000800",
        "assistant_thread": {
            "user_id": "UASKER",
            "channel_id": DM,
            "thread_ts": ASSISTANT_THREAD,
            "context": {},
        },
    }
    await env.scout.app.async_dispatch(event_request(started))
    await slack.wait_for("assistant.threads.setSuggestedPrompts")  # after the greeting
    greeting = in_thread(slack, DM, ASSISTANT_THREAD)
    posts_before = len(slack.calls("chat.postMessage"))

    slack.drop_after_processing("chat.postMessage")  # the next post is the answer
    asked = message(
        "revenue yesterday",
        channel=DM,
        channel_type="im",
        ts="1765790000.000950",
        thread_ts=ASSISTANT_THREAD,
    )
    await env.scout.app.async_dispatch(event_request(asked))
    await answered(env, posts_before)

    answers = [m for m in in_thread(slack, DM, ASSISTANT_THREAD) if m not in greeting]
    assert len(answers) == 1, [shown(m)[:120] for m in answers]
    assert is_answer(answers[0]), shown(answers[0])[:300]
    assert slack.ok_calls("conversations.replies"), "the lost answer was looked up"
    assert "went wrong" not in json.dumps(slack.messages), "no apology for a delivered answer"


async def test_a_notifier_post_lost_before_a_restart_is_looked_up_not_sent_again(
    env: RealEnv, slack: FakeSlack
) -> None:
    """The memo of a post that may have landed is a claim in memory: the process that retries
    it after a restart (a new outbox row, the same action) finds it instead of posting."""
    alert = OutboundMessage(
        outbox_id=11,
        kind="alert",
        op="post",
        channel="CALERTS",
        recipients=(),
        severity="high",
        text="Orders fell 30% in the West",
        idempotency_key="alert:orders:west",
    )
    before = build_client(settings_for(slack))
    slack.drop_after_processing("chat.postMessage")
    with pytest.raises(TransientActionError):
        await SlackNotifier(before, claims=env.core).deliver(alert)
    if before.session is not None:
        await before.session.close()

    after = build_client(settings_for(slack))  # a new process: nothing of the first in it
    retried = OutboundMessage(**(alert.__dict__ | {"outbox_id": 12}))
    delivered = await SlackNotifier(after, claims=env.core).deliver(retried)
    if after.session is not None:
        await after.session.close()

    held = [m for m in slack.messages if m["channel"] == "CALERTS"]
    assert [m["ts"] for m in held] == [delivered.ref], "Slack holds the alert once"
    assert len(slack.calls("chat.postMessage")) == 1
    assert slack.ok_calls("conversations.history"), "it looked before posting again"
