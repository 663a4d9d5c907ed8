"""AgentCore: the Slack port backed by the real loop (no Slack here, just the core)."""

from __future__ import annotations

from pathlib import Path

from agent.demo_data import GeneratedWarehouse
from agent.domain import Intent
from bot.agent_core import AgentCore
from bot.core import ScoutCore, ThreadRef, option_token
from tests.agent.loop_helpers import demo_deps
from tests.conftest import TODAY


async def _quiet(_: str) -> None:
    return None


async def test_ask_follow_up_clarify_and_digest(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    core = AgentCore(await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite3", TODAY))
    thread = ThreadRef(channel="C1", thread_ts="1.0")
    try:
        assert isinstance(core, ScoutCore)
        assert not await core.knows_thread(thread)
        first = await core.ask(
            "why did conversion drop in the Southeast?",
            thread=thread,
            user="U1",
            on_progress=_quiet,
        )
        assert first.error is None and first.findings and await core.knows_thread(thread)
        follow = await core.ask(
            "break that down by device", thread=thread, user="U1", on_progress=_quiet
        )
        assert follow.goal is not None and follow.goal.intent is Intent.BREAKDOWN
        assert dict(follow.goal.filters) == {"region": "Southeast"}
        vague = ThreadRef(channel="C1", thread_ts="2.0")
        asked = await core.ask("how much", thread=vague, user="U1", on_progress=_quiet)
        assert asked.clarification is not None and asked.clarification.options
        token = option_token(0, asked.clarification.options[0])
        chosen = await core.choose(vague, token, "U1", _quiet)
        assert chosen.error is None and chosen.findings
        stale = await core.choose(vague, "9.zzzzzz", "U1", _quiet)
        assert stale.error
        digest = await core.digest(TODAY)
        assert any(f.kind == "digest_kpis" for f in digest.findings)
        assert await core.claim_digest("digest:2025-12-15") and not await core.claim_digest(
            "digest:2025-12-15"
        )
        home = await core.home("U1")
        assert home.paused is False
    finally:
        await core.close()
