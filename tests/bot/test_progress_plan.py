"""The plan ahead while Scout works: the placeholder lists every planned step with its state
(done, running, to do), edited in place, and ends in the answer.

Through the real Bolt app and the fake Slack Web API; the last test runs the real core on the
demo warehouse, so the plan shown is the one the loop announces.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.service import ScoutService
from agent.views import FollowsPlan, PlanAhead, ProgressView, StepState
from agent.warehouse import DuckDBWarehouse
from bot.app import ScoutSlack, build_scout
from bot.blocks import progress_message
from bot.core import Progress
from tests.bot.conftest import APPROVER, settings_for
from tests.bot.scripted_core import ScriptedCore, answer
from tests.bot.slack_requests import event_request, mention, message
from tests.conftest import TODAY
from tests.fakes.slack_api import Call, FakeSlack

STEPS = ("Reading the question…", "Running the root-cause analysis…", "Writing up the answer…")
RANK = {"pending": 0, "in_progress": 1, "complete": 2}


class PlanningCore(ScriptedCore):
    """The scripted core, announcing its steps ahead as the real loop does; `hold` keeps it
    working after its last step until the test releases it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hold: asyncio.Event | None = None

    async def _work(self, on_progress: Progress) -> None:
        if isinstance(on_progress, FollowsPlan):
            await on_progress.plan(PlanAhead(steps=self.steps))
        await super()._work(on_progress)
        if self.hold is not None:
            await self.hold.wait()


def plan_of(call: Call) -> list[tuple[str, str]]:
    """The (title, status) of each task in the edit's plan block; [] without one."""
    for block in call.json_field("blocks") or []:
        if block["type"] == "plan":
            return [(task["title"], task["status"]) for task in block["tasks"]]
    return []


def is_answer(call: Call) -> bool:
    return "scout_feedback" in json.dumps(call.json_field("blocks") or [])


@pytest.fixture
async def planning(slack: FakeSlack) -> AsyncIterator[tuple[ScoutSlack, PlanningCore]]:
    core = PlanningCore(steps=STEPS, default=answer(chart=False))
    runtime = build_scout(core, settings_for(slack))
    yield runtime, core
    await runtime.aclose(timeout=5)
    await core.aclose()


def test_the_view_marks_steps_behind_running_and_ahead() -> None:
    view = ProgressView().step(STEPS[0]).planned(PlanAhead(steps=STEPS))
    assert [r.state for r in view.rows] == [StepState.RUNNING, StepState.TODO, StepState.TODO]
    view = view.step("a note the plan does not name").step(STEPS[1])
    assert [r.state for r in view.rows] == [StepState.DONE, StepState.RUNNING, StepState.TODO]
    assert view.position == "Step 2 of 3"
    # without a plan, the steps reported so far, each done, as the placeholder always showed
    assert [r.state for r in ProgressView(said=STEPS[:2]).rows] == [StepState.DONE] * 2
    # where the plan block is refused: one marked line per step, the running one in bold
    lines = progress_message("why?", view, native=False).blocks_json()[0]["text"]["text"]
    assert ":white_check_mark: Reading the question…" in lines
    assert ":arrow_forward: *Running the root-cause analysis…*" in lines
    assert ":white_circle: Writing up the answer…" in lines


async def test_the_placeholder_shows_the_plan_ahead_then_each_state_then_the_answer(
    planning: tuple[ScoutSlack, PlanningCore], slack: FakeSlack
) -> None:
    scout, _ = planning
    await scout.app.async_dispatch(event_request(mention("why did conversion drop?")))
    placeholder = (await slack.wait_for("chat.postMessage"))[0]
    edits = await slack.wait_for("chat.update", 5)
    assert {e.body["ts"] for e in edits} == {edits[-1].body["ts"]}  # one message, in place
    assert [[status for _, status in plan_of(e)] for e in edits[:4]] == [
        ["pending", "pending", "pending"],  # the whole plan, before its first step
        ["in_progress", "pending", "pending"],
        ["complete", "in_progress", "pending"],
        ["complete", "complete", "in_progress"],
    ]
    assert [title for title, _ in plan_of(edits[0])] == list(STEPS)
    assert "Scout is working on it" in edits[0].body["text"]
    assert is_answer(edits[4]) and not plan_of(edits[4])
    held = next(m for m in slack.messages if m["ts"] == edits[-1].body["ts"])
    assert held["thread_ts"] == placeholder.body["thread_ts"]
    assert "Conversion fell" in held["text"]


async def test_where_slack_refuses_the_plan_block_the_steps_show_as_marked_lines(
    planning: tuple[ScoutSlack, PlanningCore], slack: FakeSlack
) -> None:
    scout, _ = planning
    slack.reject_blocks(block_type="plan", times=10)
    await scout.app.async_dispatch(event_request(mention("why did conversion drop?")))
    await slack.wait_for("chat.update", where=is_answer)
    refused = [c for c in slack.calls("chat.update") if c.status != 200 or "_failed" in c.body]
    shown = [c for c in slack.ok_calls("chat.update") if not is_answer(c)]
    assert len(refused) <= 1, "refused once, then marked lines only"
    assert not any(plan_of(c) for c in shown)
    last = shown[-1].json_field("blocks")
    assert ":white_check_mark: Running the root-cause analysis…" in json.dumps(
        last, ensure_ascii=False
    )
    assert ":arrow_forward: *Writing up the answer…*" in json.dumps(last, ensure_ascii=False)
    assert "Step 3 of 3" in json.dumps(last, ensure_ascii=False)


async def test_steps_sooner_than_the_interval_are_shown_once_it_is_up(
    slack: FakeSlack,
) -> None:
    # The core reports the whole plan at once, then works on: the last state must appear
    # while it works (before, a step inside the interval was dropped, and a 35 s analysis
    # showed only "working on it"), in one edit, and never over the answer.
    core = PlanningCore(steps=STEPS, default=answer(chart=False))
    core.hold = asyncio.Event()
    scout = build_scout(core, replace(settings_for(slack), progress_interval=0.3))
    try:
        await scout.app.async_dispatch(event_request(mention("why did conversion drop?")))
        late = (await slack.wait_for("chat.update", where=lambda c: bool(plan_of(c))))[0]
        assert [s for _, s in plan_of(late)] == ["complete", "complete", "in_progress"]
        core.hold.set()
        await slack.wait_for("chat.update", where=is_answer)
        await scout.deps.work.drain(10)
        edits = slack.ok_calls("chat.update")
        assert [is_answer(e) for e in edits] == [False, True]
    finally:
        await scout.aclose(timeout=5)
        await core.aclose()


async def test_an_answer_inside_the_interval_is_not_overwritten_by_progress(
    slack: FakeSlack,
) -> None:
    core = PlanningCore(steps=STEPS, default=answer(chart=False))
    scout = build_scout(core, replace(settings_for(slack), progress_interval=0.3))
    try:
        await scout.app.async_dispatch(event_request(mention("why did conversion drop?")))
        answered = (await slack.wait_for("chat.update", where=is_answer))[0]
        # Bounded, past the interval: the progress held back must never land on the answer.
        with pytest.raises(AssertionError):
            await slack.wait_for("chat.update", 2, timeout=1.0)
        assert slack.ok_calls("chat.update") == [answered]
        held = next(m for m in slack.messages if m["ts"] == answered.body["ts"])
        assert "Conversion fell" in held["text"]
    finally:
        await scout.aclose(timeout=5)
        await core.aclose()


async def test_the_assistant_status_says_which_step_of_the_plan_runs(slack: FakeSlack) -> None:
    core = PlanningCore(steps=STEPS, default=answer(chart=False))
    # A long interval: the planned steps still show (a plan is a handful of them).
    scout = build_scout(core, replace(settings_for(slack), progress_interval=60.0))
    try:
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
        asked = message(
            "why?",
            channel="DUSER",
            channel_type="im",
            ts="1765000000.000950",
            thread_ts="1765000000.000900",
        )
        await scout.app.async_dispatch(event_request(asked))
        statuses = await slack.wait_for("assistant.threads.setStatus", 4)
        assert [s.body["status"] for s in statuses] == [
            "is analysing…",
            "is working on step 1 of 3: Reading the question…",
            "is working on step 2 of 3: Running the root-cause analysis…",
            "is working on step 3 of 3: Writing up the answer…",
        ]
        await slack.wait_for(
            "chat.postMessage", where=lambda c: "Conversion fell" in c.body["text"]
        )
    finally:
        await scout.aclose(timeout=5)
        await core.aclose()


async def test_the_real_core_shows_its_plan_ahead_and_ends_in_the_answer(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    config = ScoutConfig.model_validate(
        {
            "slack": {
                "digest_channel": "CDIGEST",
                "alerts_channel": "CALERTS",
                "approvers": [APPROVER],
            }
        }
    )
    deps = await open_deps(
        config,
        warehouse=DuckDBWarehouse(demo_warehouse.path),
        today=TODAY,
        memory_path=tmp_path / "memory.sqlite3",
        clock=lambda: datetime(2025, 12, 15, 9, 0, tzinfo=UTC),
    )
    core = ScoutService(deps)
    scout = build_scout(core, settings_for(slack))
    try:
        await scout.app.async_dispatch(event_request(mention("why did conversion drop last week?")))
        final = (await slack.wait_for("chat.update", where=is_answer, timeout=60))[0]
        edits = slack.ok_calls("chat.update")
        plans = [plan_of(e) for e in edits if plan_of(e)]
        assert plans, "the loop announced no plan"
        first = plans[0]
        assert [t for t, _ in first] == [
            "Reading the question…",
            "Running the root-cause analysis…",
            "Writing up the answer…",
        ]
        ahead = [t for t, s in first if s == "pending"]
        assert len(ahead) >= 2, f"more than one step ahead when the plan shows: {first}"
        # states only move forward, one edit after another, to the last step running
        for before, after in itertools.pairwise(plans):
            assert all(RANK[a] >= RANK[b] for (_, b), (_, a) in zip(before, after, strict=True))
        assert [s for _, s in plans[-1]] == ["complete", "complete", "in_progress"]
        assert edits[-1] is final or is_answer(edits[-1])
        assert {e.body["ts"] for e in edits} == {final.body["ts"]}
    finally:
        await scout.aclose(timeout=10)
        await core.close()
