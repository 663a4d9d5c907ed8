"""The agent loop end to end on the demo warehouse: real DuckDB, real memory, the real actor."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.domain import Action, Intent
from agent.loop import run_cycle
from agent.loop_parts import CycleResult, MonitorTick, PersonAsked
from agent.memory import Memory
from agent.plan import DependencyCycle, Plan, PlannedAction, Signal, plan_from_signals
from agent.plan.rules import PlanningConfig
from tests.agent.loop_helpers import NOW, BrokenWarehouse, demo_deps
from tests.conftest import TODAY

REPO = Path(__file__).resolve().parents[2]


@dataclass
class TwoCycles:
    first: CycleResult
    second: CycleResult
    memory: Path


@pytest.fixture(scope="module")
def two_cycles(
    demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> TwoCycles:
    memory = tmp_path_factory.mktemp("loop") / "memory.sqlite3"

    async def main() -> TwoCycles:
        deps = await demo_deps(demo_warehouse.path, memory, TODAY)
        try:
            first = await run_cycle(deps, MonitorTick())
            second = await run_cycle(deps, MonitorTick())
        finally:
            await deps.close()
        return TwoCycles(first=first, second=second, memory=memory)

    return asyncio.run(main())


def test_monitor_finds_investigates_and_acts(
    two_cycles: TwoCycles, demo_warehouse: GeneratedWarehouse
) -> None:
    first = two_cycles.first
    assert first.errors == () and first.confidence == 1.0
    assert first.new_anomalies, "the injected scenarios leave unusual days"
    scenario = demo_warehouse.scenario("conversion_drop")
    assert any(
        a.metric == "conversion_rate" and dict(a.where).items() <= dict(scenario.where).items()
        for a in first.new_anomalies
    )
    # named from its first day (within a day: the first day of a drop is partly noise)
    assert any(
        a.metric == "conversion_rate" and abs((a.day - scenario.start).days) <= 1
        for a in first.new_anomalies
    )
    explained = [f for f in first.findings if f.kind == "explain"]
    assert explained, "new anomalies are investigated"
    assert first.actions and all(o.result.status != "failed" for o in first.actions)
    # the DAG order holds in execution: an investigation runs before the report that needs it
    order = [o.planned_id for o in first.actions]
    for index, outcome in enumerate(first.actions):
        for dependency in outcome.action.depends_on:
            if dependency in order:
                assert order.index(dependency) < index


def test_a_second_cycle_reports_nothing_new(two_cycles: TwoCycles) -> None:
    second = two_cycles.second
    assert second.new_anomalies == ()
    assert second.actions == ()
    first_keys = {a.fingerprint for a in two_cycles.first.new_anomalies}
    assert {a.fingerprint for a in second.updated_anomalies} <= first_keys


async def test_memory_recorded_the_cycles(two_cycles: TwoCycles) -> None:
    async with await Memory.open(two_cycles.memory) as memory:
        counts = await memory.counts()
        assert (
            counts["observations"] == two_cycles.first.observations + two_cycles.second.observations
        )
        assert counts["findings"] >= len(two_cycles.first.findings)
        planned = await memory.planned_actions(limit=100)
        assert {p.status for p in planned} & {"executed", "pending_approval", "deduplicated"}
        fingerprint = two_cycles.first.new_anomalies[0].fingerprint
        record = await memory.alert(fingerprint)
        assert record is not None and record.count >= 1


async def test_a_failing_warehouse_still_completes_the_cycle(tmp_path: Path) -> None:
    broken = BrokenWarehouse()
    deps = await open_deps(
        ScoutConfig(),
        warehouse=broken,
        today=TODAY,
        memory_path=tmp_path / "m.sqlite3",
        clock=lambda: NOW,
    )
    try:
        result = await run_cycle(deps, MonitorTick())
        stored = await deps.memory.recent_observations(limit=500)
    finally:
        await deps.close()
    assert broken.calls > 0
    assert result.confidence == 0.0 and result.new_anomalies == () and result.actions == ()
    assert result.errors and "KPI reads failed" in result.errors[0]
    failed = [o for o in stored if o.source.startswith("warehouse:")]
    assert failed and all(o.confidence == 0.0 and o.error for o in failed)


async def test_a_failing_warehouse_answers_a_person_politely(tmp_path: Path) -> None:
    deps = await open_deps(
        ScoutConfig(), warehouse=BrokenWarehouse(), today=TODAY, memory_path=tmp_path / "m.sqlite3"
    )
    try:
        result = await run_cycle(deps, PersonAsked(text="revenue yesterday", thread_key="t"))
    finally:
        await deps.close()
    assert result.goal is not None and result.goal.intent is Intent.LOOKUP
    assert result.findings == () and result.errors
    assert "connection refused" in result.errors[0]


async def test_follow_ups_resolve_through_memory(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    memory = tmp_path / "m.sqlite3"
    deps = await demo_deps(demo_warehouse.path, memory, TODAY)
    try:
        first = await run_cycle(
            deps, PersonAsked(text="why did conversion drop in the Southeast?", thread_key="C1:1")
        )
    finally:
        await deps.close()
    assert first.goal is not None and first.goal.intent is Intent.EXPLAIN
    # The injected drop is all of the Southeast: within it, the honest answer is "broad".
    assert "broad" in first.findings[0].summary and "checkout" in first.findings[0].summary
    # a new process (new deps, same memory file) still knows the thread
    deps = await demo_deps(demo_warehouse.path, memory, TODAY)
    try:
        follow = await run_cycle(
            deps, PersonAsked(text="break that down by device", thread_key="C1:1")
        )
        other = await run_cycle(
            deps, PersonAsked(text="break that down by device", thread_key="C1:2")
        )
    finally:
        await deps.close()
    goal = follow.goal
    assert goal is not None and goal.intent is Intent.BREAKDOWN
    assert goal.metric == "conversion_rate" and dict(goal.filters) == {"region": "Southeast"}
    assert goal.group_by == ("device",) and follow.findings
    assert other.goal is not None and dict(other.goal.filters) == {}  # another thread: no context


async def test_learning_shifts_the_ranking_after_outcomes(tmp_path: Path) -> None:
    config = PlanningConfig()
    signal = Signal.change("revenue", 80.0, 100.0)  # -20%: the revenue_drop rule fires
    async with await Memory.open(tmp_path / "m.sqlite3") as memory:
        before = plan_from_signals([signal], config, bandit=await memory.bandit())
        assert [a.action.kind for a in before.actions] == ["alert", "investigate"]
        situation = before.actions[0].situation
        for i in range(6):
            await memory.record_outcome(f"a{i}", "alert", situation, success=False)
            await memory.record_outcome(f"i{i}", "investigate", situation, success=True)
        after = plan_from_signals([signal], config, bandit=await memory.bandit())
    assert [a.action.kind for a in after.actions] == ["investigate", "alert"]
    assert after.select(1)[0].action.kind == "investigate"


def test_a_dependency_cycle_is_an_error_naming_the_actions() -> None:
    def planned(name: str, after: str) -> PlannedAction:
        return PlannedAction(
            id=name, action=Action(kind="report", target="#x"), priority=50, depends_on=(after,)
        )

    with pytest.raises(DependencyCycle) as caught:
        Plan.build([planned("a", "b"), planned("b", "a")])
    assert set(caught.value.actions) >= {"a", "b"}


def test_dedup_holds_across_a_restart(demo_warehouse: GeneratedWarehouse, tmp_path: Path) -> None:
    memory = tmp_path / "memory.sqlite3"
    command = [
        sys.executable, "-m", "bot.cli", "run", "--once", "--json",
        "--warehouse", str(demo_warehouse.path), "--today", TODAY.isoformat(), "--memory", str(memory),
    ]  # fmt: skip
    env = {**os.environ, "TZ": "UTC", "SCOUT_CONFIG": str(tmp_path / "absent.yml")}
    (tmp_path / "absent.yml").write_text("{}\n")

    def run() -> dict[str, object]:
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    first, second = run(), run()
    assert first["new_anomalies"] and first["actions"]
    assert second["new_anomalies"] == [] and second["actions"] == []
    assert second["errors"] == []


async def test_lookback_is_two_weeks_first_then_since_the_last_cycle(tmp_path: Path) -> None:
    from agent.domain import Observation
    from agent.loop import _days_to_check

    deps = await open_deps(
        ScoutConfig(), warehouse=BrokenWarehouse(), today=TODAY, memory_path=tmp_path / "m.sqlite3"
    )
    try:
        assert await _days_to_check(deps, TODAY) == 14  # nothing in memory yet
        checks = ((TODAY, 1), (TODAY - timedelta(days=3), 3), (TODAY.replace(year=2024), 14))
        for minute, (through, days) in enumerate(checks):
            seen = Observation(
                source="monitor",
                at=NOW + timedelta(minutes=minute),
                data={"checked_through": through.isoformat()},
                confidence=1.0,
            )
            await deps.memory.record_observations([seen])
            assert await _days_to_check(deps, TODAY) == days
    finally:
        await deps.close()
