"""ScoutService: the Slack port backed by the real loop (no Slack here, just the core)."""

from __future__ import annotations

from pathlib import Path

from agent.demo_data import GeneratedWarehouse
from agent.domain import Intent
from agent.service import ScoutService
from bot.core import ScoutCore, ThreadRef, option_token
from tests.agent.loop_helpers import demo_deps
from tests.conftest import TODAY


async def _quiet(_: str) -> None:
    return None


async def test_ask_follow_up_clarify_and_digest(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    core = ScoutService(await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite3", TODAY))
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
        posted = await core.post_digest(TODAY)  # no integration wired: the outbox has it
        assert posted is not None and posted.status == "queued" and posted.outbox_ids
        assert await core.post_digest(TODAY) is None  # claimed once per date
        home = await core.home("U1")
        assert home.paused is False
    finally:
        await core.close()


async def test_clarifications_feedback_links_and_evidence_survive_a_restart(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    memory = tmp_path / "m.sqlite3"
    vague, answered = (
        ThreadRef(channel="C1", thread_ts="2.0"),
        ThreadRef(channel="C1", thread_ts="3.0"),
    )
    core = ScoutService(await demo_deps(demo_warehouse.path, memory, TODAY))
    try:
        asked = await core.ask("how much", thread=vague, user="U1", on_progress=_quiet)
        assert asked.clarification is not None
        token = option_token(1, asked.clarification.options[1])
        lookup = await core.ask("revenue yesterday", thread=answered, user="U1", on_progress=_quiet)
        assert lookup.findings and lookup.findings[0].evidence
        await core.deps.memory.link_feedback(answered.key, kind="alert", situation="revenue|down")
    finally:
        await core.close()
    # a new process on the same memory: the button, the vote and "Show SQL" still work
    core = ScoutService(await demo_deps(demo_warehouse.path, memory, TODAY))
    try:
        assert await core.knows_thread(vague)
        chosen = await core.choose(vague, token, "U1", _quiet)
        assert chosen.error is None and chosen.findings
        offered = asked.clarification.options[1].goal
        assert chosen.goal is not None and chosen.goal.to_json() == offered.to_json()
        evidence = await core.answer_evidence(answered, "1.0")  # not recorded: the latest
        assert [e.sql for e in evidence[0].evidence] == [e.sql for e in lookup.findings[0].evidence]
        await core.feedback(answered, "U2", positive=True)
        arm = (await core.deps.memory.bandit()).arm("revenue|down", "alert")
        assert arm.successes >= 1 and arm.samples >= 1
    finally:
        await core.close()


async def test_monitor_trouble_is_one_friendly_note_per_kind_per_day(tmp_path: Path) -> None:
    from agent.config import ScoutConfig
    from agent.deps import open_deps
    from tests.agent.loop_helpers import NOW, BrokenWarehouse

    memory = tmp_path / "m.sqlite3"

    async def monitor_once() -> list[str]:
        deps = await open_deps(
            ScoutConfig(), warehouse=BrokenWarehouse(), today=TODAY, memory_path=memory,
            clock=lambda: NOW,
        )  # fmt: skip
        core = ScoutService(deps)
        try:
            return [r.error for r in await core.monitor() if r.error]
        finally:
            await core.close()

    first = await monitor_once()
    assert len(first) == 1 and "KPI reads failed" in first[0] and "connection refused" in first[0]
    assert len(first[0]) < 800
    assert await monitor_once() == []  # the next tick (even after a restart) stays quiet


async def test_retrain_trains_the_churn_model_on_the_warehouse(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    deps = await demo_deps(demo_warehouse.path, tmp_path / "memory.sqlite3", TODAY)
    core = ScoutService(deps)
    try:
        line = await core.retrain()
    finally:
        await core.close()
    assert line.startswith("churn model (") and str(TODAY) in line


async def test_a_huge_message_is_read_on_its_first_characters_and_says_so(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    """A ~900 kB paste once blocked the server for minutes; now its head is read, off-loop."""
    core = ScoutService(await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite3", TODAY))
    pasted = "revenue yesterday " + "lorem ipsum dolor sit amet " * 34_000
    try:
        reply = await core.ask(
            pasted, thread=ThreadRef(channel="C1", thread_ts="9.0"), user="U1", on_progress=_quiet
        )
    finally:
        await core.close()
    assert "I read its first 4,000" in reply.text
    assert reply.goal is not None and reply.goal.metric == "revenue"
    assert len(reply.goal.text) <= 4000


async def test_asking_about_the_same_move_again_is_not_remembered_as_a_pattern(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    """Once, Scout told a third asker 'the last 3 times… (3 of 3)': its own echo."""
    core = ScoutService(await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite3", TODAY))
    try:
        replies = [
            await core.ask(
                "why did conversion drop last week?",
                thread=ThreadRef(channel="C1", thread_ts=f"{n}.0"),
                user="U1",
                on_progress=_quiet,
            )
            for n in range(3)
        ]
    finally:
        await core.close()
    assert replies[-1].findings and replies[-1].findings[0].root_causes
    assert all("The last" not in r.text and "last time" not in r.text.lower() for r in replies)
