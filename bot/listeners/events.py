"""Events: @mentions in channels, follow-ups in Scout's threads, direct messages.

Events are acknowledged by Bolt before these run; the work itself goes to a background
task so the listener returns at once, and waits there for a free analysis slot
(bot.listeners.answer.AnalysisQueue) behind the questions asked before it.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot.audience import asker_groups
from bot.core import Progress, ThreadRef
from bot.listeners.answer import run_answer
from bot.listeners.common import Deps, log
from bot.listeners.control import control_command, flip

# Message subtypes that are a person writing; everything else (edits, joins, bots) is noise.
HUMAN_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
MENTION_RE = re.compile(r"<@[UW][A-Z0-9]+(\|[^>]*)?>")


def question_text(text: str) -> str:
    """The question as the person typed it: without Scout's @mention or stray whitespace, and
    with Slack's three escapes decoded ("R&amp;D" is "R&D"), so it is escaped once on output."""
    plain = MENTION_RE.sub(" ", text or "").strip()
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def from_a_bot(event: dict[str, Any]) -> bool:
    return (
        bool(event.get("bot_id") or event.get("bot_profile"))
        or event.get("subtype") == "bot_message"
    )


def start_ask(
    deps: Deps, thread: ThreadRef, user: str, text: str, *, assistant: bool = False
) -> None:
    """Answer `text` in `thread` in the background."""

    async def call(progress: Progress) -> Any:
        groups = await asker_groups(deps, user)
        return await deps.core.ask(
            text, thread=thread, user=user, on_progress=progress, groups=groups
        )

    log.info("question thread=%s user=%s assistant=%s", thread.key, user, assistant)
    deps.work.spawn(
        run_answer(deps, thread, text, call, assistant=assistant, asker=user),
        name=f"ask:{thread.key}",
    )


async def switch_in_thread(
    deps: Deps, thread: ThreadRef, user: str, verb: str, reason: str
) -> None:
    """ "@Scout pause": the new state in the thread; a refusal only to the person who asked."""
    switched = await flip(deps, user, verb, reason)
    try:
        if switched.authorised:
            await deps.client.chat_postMessage(
                channel=thread.channel, thread_ts=thread.thread_ts, text=switched.text
            )
        else:
            await deps.client.chat_postEphemeral(
                channel=thread.channel, user=user, thread_ts=thread.thread_ts, text=switched.text
            )
    except SlackApiError as error:
        log.warning("kill switch reply failed error=%s", error.response.get("error"))


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach the event listeners."""

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if from_a_bot(event):
            return
        thread = ThreadRef(
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
            team=context.team_id or "",
        )
        text = question_text(event.get("text", ""))
        if not text:
            text = "help"
        control = control_command(text)
        if control is not None:
            await switch_in_thread(deps, thread, event["user"], *control)
            return
        start_ask(deps, thread, event["user"], text)

    @app.event("message")
    async def on_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("subtype") not in HUMAN_SUBTYPES or from_a_bot(event) or not event.get("user"):
            return
        text = event.get("text", "")
        bot_user = context.bot_user_id
        if bot_user and f"<@{bot_user}" in text:
            return  # the app_mention event answers this one
        channel = event["channel"]
        team = context.team_id or ""
        if event.get("channel_type") == "im":
            # Threaded DMs belong to the assistant container's listener; this is a plain DM.
            thread = ThreadRef(
                channel=channel, thread_ts=event.get("thread_ts") or event["ts"], team=team
            )
            start_ask(deps, thread, event["user"], question_text(text) or "help")
            return
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return  # a channel message not in a thread: only @mentions start a conversation
        thread = ThreadRef(channel=channel, thread_ts=thread_ts, team=team)
        if await deps.core.knows_thread(thread):
            start_ask(deps, thread, event["user"], question_text(text))
