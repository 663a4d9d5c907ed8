"""Asking Scout in Slack: signed requests through the real AsyncApp, a fake Web API behind it."""

from __future__ import annotations

import asyncio
import json
import time

from bot.app import ScoutSlack
from bot.listeners.answer import SORRY
from tests.bot.scripted_core import ScriptedCore, answer, clarifying
from tests.bot.slack_requests import (
    BOT_USER,
    click,
    event_body,
    event_request,
    mention,
    message,
    request,
    slash,
)
from tests.fakes.slack_api import FakeSlack
from tests.polling import until

PNG = b"\x89PNG\r\n\x1a\n"


def _texts(blocks: object) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_mention_is_answered_in_thread_with_a_chart(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script["why did conversion drop?"] = answer()
    core.steps = ("Understood: explain conversion_rate", "Compared 2 periods")

    response = await scout.app.async_dispatch(event_request(mention("why did conversion drop?")))
    assert response.status == 200

    placeholder = (await slack.wait_for("chat.postMessage"))[0]
    assert placeholder.body["channel"] == "CASK"
    assert placeholder.body["thread_ts"] == "1765000000.000100"  # in the mention's thread
    # progress steps edit the placeholder, then the answer replaces it
    updates = await slack.wait_for("chat.update", 3)
    assert "Compared 2 periods" in _texts(updates[1].json_field("blocks"))
    final = updates[-1]
    assert final.body["ts"] == placeholder.body.get("ts", final.body["ts"])
    blocks = final.json_field("blocks")
    text = _texts(blocks)
    assert "Northeast mobile explains 82% &lt;of it&gt;" in text  # data text escaped
    assert "mobile × Northeast" in text and "device=" not in text  # the segment in words
    assert "Confidence: *high* (0.86)" in text
    assert "scout_show_sql" in text and "scout_feedback_up" in text
    assert "Conversion fell from 3.1%" in final.body["text"]  # the text fallback

    # the chart: files_upload_v2's three steps, into the same thread
    url_call = (await slack.wait_for("files.getUploadURLExternal"))[0]
    assert url_call.body["filename"] == "chart-1.png"
    upload = (await slack.wait_for("upload"))[0]
    assert upload.raw.startswith(PNG) and len(upload.raw) == int(url_call.body["length"])
    complete = (await slack.wait_for("files.completeUploadExternal"))[0]
    assert complete.body["channel_id"] == "CASK"
    assert complete.body["thread_ts"] == "1765000000.000100"
    assert complete.json_field("files")[0]["title"] == "Conversion rate, Northeast"
    assert core.asked == [("why did conversion drop?", core.asked[0][1], "UASKER")]


async def test_follow_up_in_the_thread_needs_no_mention(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script |= {
        "why did conversion drop?": answer(chart=False),
        "and for desktop?": answer("Desktop is flat.", chart=False),
    }
    await scout.app.async_dispatch(event_request(mention("why did conversion drop?")))
    await slack.wait_for("chat.update")

    root = "1765000000.000100"
    # not in a known thread, a bot's message, and a mention (answered by app_mention) are ignored
    ignored = [
        message("unrelated chatter", thread_ts="1700000000.000001", ts="1765000000.000150"),
        message("bot noise", thread_ts=root, bot_id="B999", ts="1765000000.000160"),
        message(
            "ignored subtype", thread_ts=root, subtype="message_changed", ts="1765000000.000170"
        ),
        message(f"<@{BOT_USER}> and for desktop?", thread_ts=root, ts="1765000000.000180"),
    ]
    for event in ignored:
        assert (await scout.app.async_dispatch(event_request(event))).status == 200
    follow_up = message("and for desktop?", thread_ts=root, ts="1765000000.000300")
    assert (await scout.app.async_dispatch(event_request(follow_up))).status == 200

    await slack.wait_for(
        "chat.update", where=lambda c: "Desktop is flat." in c.body.get("text", "")
    )
    await scout.deps.work.drain(5)
    assert [q for q, _, _ in core.asked] == ["why did conversion drop?", "and for desktop?"]
    assert core.asked[1][1].thread_ts == root and core.asked[1][1].channel == "CASK"


async def test_clarification_click_continues_the_same_thread(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script |= {
        "show me sales": clarifying(),
        "orders": answer("Orders: 1,234 yesterday.", chart=False),
    }
    await scout.app.async_dispatch(event_request(mention("show me sales")))
    question = (await slack.wait_for("chat.update"))[0]
    posted = next(m for m in slack.messages if m["ts"] == question.body["ts"])
    assert "Which 'sales' do you mean?" in _texts(posted["blocks"])

    response = await scout.app.async_dispatch(click(posted, "scout_choose_1", user="UASKER"))
    assert response.status == 200

    await slack.wait_for("chat.update", where=lambda c: "Orders: 1,234" in c.body.get("text", ""))
    thread, token, user = core.chosen[0]
    assert (thread.channel, thread.thread_ts, user) == ("CASK", "1765000000.000100", "UASKER")
    assert token.startswith("1.")  # the token the core maps back, not a label or a goal
    closed = await slack.wait_for(
        "chat.update", where=lambda c: "chose" in _texts(c.body["blocks"])
    )
    assert "<@UASKER> chose *Orders*" in _texts(closed[0].body["blocks"])
    assert "scout_choose" not in _texts(closed[0].body["blocks"])  # the question is closed


async def test_a_double_click_on_a_clarification_answers_once(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script |= {"show me sales": clarifying()}
    await scout.app.async_dispatch(event_request(mention("show me sales")))
    question = (await slack.wait_for("chat.update"))[0]
    posted = next(m for m in slack.messages if m["ts"] == question.body["ts"])

    # Two clicks (distinct trigger ids, as Slack sends them), one of them on another option.
    first, second = await asyncio.gather(
        scout.app.async_dispatch(click(posted, "scout_choose_1", user="UASKER")),
        scout.app.async_dispatch(click(posted, "scout_choose_0", user="UOTHER")),
    )
    assert first.status == second.status == 200
    note = await slack.wait_for("chat.postEphemeral")
    assert "already answered" in note[0].body["text"]
    # The winner starts its analysis only after marking the question chosen, which may come
    # after the loser's note: wait for it to start, then for everything to finish.
    await until(lambda: core.chosen, "the winning click's analysis")
    await scout.deps.work.drain(5)
    assert len(core.chosen) == 1


async def test_a_retried_event_is_processed_once(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script["revenue yesterday"] = answer(chart=False)
    body = event_body(mention("revenue yesterday"), event_id="EvRETRY1")
    first = await scout.app.async_dispatch(request(body, "application/json"))
    retry = await scout.app.async_dispatch(request(body, "application/json", retry=1))
    assert first.status == retry.status == 200
    await slack.wait_for("chat.update")
    await scout.deps.work.drain(5)
    assert len(core.asked) == 1
    assert len(slack.ok_calls("chat.postMessage")) == 1


async def test_bad_signature_and_stale_replay_are_refused(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    body = event_body(mention("revenue yesterday"))
    forged = await scout.app.async_dispatch(
        request(body, "application/json", secret="not-the-secret")
    )
    assert forged.status == 401
    stale = await scout.app.async_dispatch(
        request(body, "application/json", timestamp=int(time.time()) - 6 * 60)
    )
    assert stale.status == 401
    await scout.deps.work.drain(1)
    assert core.asked == [] and slack.calls("chat.postMessage") == []


async def test_429_during_the_answer_is_retried_after_retry_after(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script["revenue yesterday"] = answer(
        chart=False
    )  # no progress steps: the only update is the answer
    slack.fail_next("chat.update", status=429, retry_after=1)
    await scout.app.async_dispatch(event_request(mention("revenue yesterday")))

    final = (await slack.wait_for("chat.update"))[0]
    attempts = slack.calls("chat.update")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95  # waited for Retry-After: 1
    assert "Conversion fell" in final.body["text"]


async def test_a_failure_ends_in_a_friendly_message_in_the_thread(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    await scout.app.async_dispatch(event_request(mention("something the script does not know")))
    final = (await slack.wait_for("chat.update"))[0]
    assert SORRY.split(",")[0] in final.body["text"]
    assert "AssertionError" not in _texts(final.body["blocks"])  # details stay in the logs


async def test_slash_command_posts_the_question_and_answers_in_its_thread(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script["revenue by region"] = answer()
    help_response = await scout.app.async_dispatch(slash(""))
    assert help_response.status == 200 and "/scout why did conversion drop" in help_response.body

    response = await scout.app.async_dispatch(slash("revenue by region"))
    assert response.status == 200
    anchor, placeholder = await slack.wait_for("chat.postMessage", 2)
    assert anchor.body["text"] == "<@UASKER> asked: revenue by region"
    assert placeholder.body["thread_ts"] == slack.messages[0]["ts"]
    await slack.wait_for("files.completeUploadExternal")


async def test_slash_command_outside_the_channel_says_how_to_invite(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    slack.fail_next("chat.postMessage", error="not_in_channel")
    await scout.app.async_dispatch(slash("revenue", response_url=f"{slack.url}/response/1"))
    note = (await slack.wait_for("response_url"))[0]
    assert "/invite @Scout" in note.body["text"] and note.body["response_type"] == "ephemeral"
    assert core.asked == []


async def test_direct_message_and_assistant_thread(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.default = answer(chart=False)
    dm = message("revenue?", channel="DUSER", channel_type="im", ts="1765000000.000500")
    await scout.app.async_dispatch(event_request(dm))
    placeholder = (await slack.wait_for("chat.postMessage"))[0]
    assert placeholder.body["channel"] == "DUSER"

    started = {
        "type": "assistant_thread_started",
        "event_ts": "1.0",
        "assistant_thread": {
            "user_id": "UASKER",
            "channel_id": "DUSER",
            "thread_ts": "1765000000.000900",
            "context": {},
        },
    }
    await scout.app.async_dispatch(event_request(started))
    prompts = (await slack.wait_for("assistant.threads.setSuggestedPrompts"))[0]
    assert "Why did conversion drop" in json.dumps(prompts.body)

    asked = message(
        "why?",
        channel="DUSER",
        channel_type="im",
        ts="1765000000.000950",
        thread_ts="1765000000.000900",
    )
    await scout.app.async_dispatch(event_request(asked))
    status = (await slack.wait_for("assistant.threads.setStatus"))[0]
    assert status.body["thread_ts"] == "1765000000.000900"
    assert status.body["status"] == "is analysing…"
    await slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.body.get("thread_ts") == "1765000000.000900"
            and "Conversion fell" in c.body.get("text", "")
        ),
    )


async def test_app_home_is_published(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    opened = {
        "type": "app_home_opened",
        "user": "UASKER",
        "channel": "DUSER",
        "tab": "home",
        "event_ts": "1.0",
    }
    await scout.app.async_dispatch(event_request(opened))
    published = (await slack.wait_for("views.publish"))[0]
    assert published.body["user_id"] == "UASKER"
    view = published.json_field("view")
    assert view["type"] == "home" and "KPI watchlist" in json.dumps(view)


async def test_an_answer_slack_refuses_arrives_as_plain_text(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    core.script["revenue yesterday"] = answer(chart=False)
    slack.fail_next("chat.update", 1, error="invalid_blocks")
    await scout.app.async_dispatch(event_request(mention("revenue yesterday")))
    final = (
        await slack.wait_for("chat.update", where=lambda c: "working on it" not in c.body["text"])
    )[0]
    summary = answer().findings[0].summary
    assert summary.split(" (")[0] in final.body["text"]
    assert SORRY.split(",")[0] not in final.body["text"]


async def test_an_answer_slack_will_not_take_leaves_the_asker_a_note_and_the_outbox_a_row(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    from agent.act import Actor

    core.script["revenue?"] = answer(chart=False)
    slack.fail_next("chat.update", error="cant_update_message")  # the answer's edit
    await scout.app.async_dispatch(event_request(mention("revenue?")))
    note = (await slack.wait_for("chat.update"))[-1]  # the failed edit is not counted
    assert "could not post this answer (slack cant_update_message)" in note.body["text"]
    assert "Scout's outbox has it" in note.body["text"]
    await scout.deps.work.drain(5)
    async with await Actor.open(core.act_store) as actor:
        (row,) = await actor.outbox(limit=5)
    assert row.kind == "answer" and row.status == "failed" and "Conversion fell" in row.text
