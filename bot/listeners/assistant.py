"""The assistant thread container (Slack's AI app split view): prompts, then questions."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import (
    AsyncAssistant,
    AsyncBoltContext,
    AsyncSay,
    AsyncSetSuggestedPrompts,
)

from bot.core import ThreadRef
from bot.listeners.common import Deps
from bot.listeners.events import from_a_bot, question_text, start_ask

GREETING = "Hi, I'm Scout. Ask me about your KPIs: what moved, why, and what to do about it."
SUGGESTED_PROMPTS: tuple[dict[str, str], ...] = (
    {"title": "Why did conversion drop?", "message": "Why did conversion drop last week?"},
    {"title": "Revenue by region", "message": "Revenue by region last month"},
    {"title": "Anything unusual?", "message": "Anything unusual this week?"},
    {"title": "Customer segments", "message": "Segment our customers"},
)


def build_assistant(deps: Deps) -> AsyncAssistant:
    """An AsyncAssistant middleware; register it with `app.use(...)`."""
    assistant = AsyncAssistant()

    @assistant.thread_started
    async def on_started(say: AsyncSay, set_suggested_prompts: AsyncSetSuggestedPrompts) -> None:
        await say(GREETING)
        await set_suggested_prompts(prompts=list(SUGGESTED_PROMPTS), title="Try one of these")

    @assistant.user_message
    async def on_user_message(payload: dict[str, Any], context: AsyncBoltContext) -> None:
        if from_a_bot(payload) or not payload.get("user"):
            return
        thread = ThreadRef(
            channel=payload["channel"], thread_ts=payload["thread_ts"], team=context.team_id or ""
        )
        start_ask(
            deps,
            thread,
            payload["user"],
            question_text(payload.get("text", "")) or "help",
            assistant=True,
        )

    return assistant
