"""A message with a second question Scout cannot answer gets the first answered and a note
saying what was left out and why, through the real core on the demo warehouse."""

from __future__ import annotations

from pathlib import Path

from agent.demo_data import GeneratedWarehouse
from agent.domain import Intent
from agent.service import ScoutService
from agent.views import Reply
from bot.core import ThreadRef
from tests.agent.loop_helpers import demo_deps
from tests.conftest import TODAY


async def _quiet(_: str) -> None:
    return None


async def _ask(core: ScoutService, text: str, thread_ts: str) -> Reply:
    return await core.ask(
        text, thread=ThreadRef(channel="C1", thread_ts=thread_ts), user="U1", on_progress=_quiet
    )


async def test_the_second_question_is_named_not_dropped(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    core = ScoutService(await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite3", TODAY))
    try:
        both = await _ask(
            core, "what was revenue last week? also, is our return window 30 days or 14?", "1.0"
        )
        assert both.error is None and both.findings
        assert both.goal is not None and both.goal.intent is Intent.LOOKUP
        assert "The other I can't answer: The store's policies are outside" in both.text, both.text

        # Said as the reason, not asked: nothing to note.
        reason = await _ask(
            core,
            "orders by channel for last week, making sure the refund policy didn't change it",
            "2.0",
        )
        assert reason.error is None and reason.findings
        assert "The other I can't answer" not in reason.text
    finally:
        await core.close()
