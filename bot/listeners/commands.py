"""`/scout <question>`: the question is posted in the channel and answered in its thread."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.blocks import echo, escape, mention
from bot.core import ThreadRef
from bot.listeners.common import Deps, log
from bot.listeners.control import control_command, flip
from bot.listeners.events import start_ask

HELP = (
    "Ask me about your KPIs, e.g. `/scout why did conversion drop last week?`, "
    "`/scout revenue by region last month`, `/scout anything unusual this week?`. "
    "You can also @mention me in a channel or DM me; follow up in my thread without a mention. "
    "Approvers can stop everything I send with `/scout pause` (and `/scout resume`); "
    "`/scout status` says which it is."
)


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach the slash command listener."""

    @app.command("/scout")
    async def on_scout(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        text = (command.get("text") or "").strip()
        if not text or text.lower() in {"help", "?"}:
            await ack(text=HELP)
            return
        await ack()
        channel, user = command["channel_id"], command["user_id"]
        control = control_command(text)
        if control is not None:
            switched = await flip(deps, user, *control)
            await respond(text=switched.text, response_type="ephemeral")
            return
        try:
            # The command itself is invisible to others, so the question is posted to anchor
            # a thread the whole channel can follow: shown back like every echo of a question
            # (cut, redacted, no live mentions), since the whole channel reads it.
            shown = escape(echo(text))
            posted = await deps.client.chat_postMessage(
                channel=channel, text=f"{mention(user)} asked: {shown}"
            )
        except SlackApiError as error:
            code = error.response.get("error")
            log.warning("/scout could not post channel=%s error=%s", channel, code)
            hint = (
                "Invite me first: `/invite @Scout`, or DM me."
                if code in {"not_in_channel", "channel_not_found"}
                else "Please try again in a moment."
            )
            await respond(
                text=f"I couldn't post in this channel ({code}). {hint}", response_type="ephemeral"
            )
            return
        thread = ThreadRef(channel=channel, thread_ts=posted["ts"], team=command.get("team_id", ""))
        start_ask(deps, thread, user, text)
