"""Memory's store: batched observations, findings, threads, planned actions, audit."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import psycopg
import pytest

from agent.domain import Action, Finding, Goal, Intent, Observation, Window
from agent.memory import Memory
from agent.plan import PlannedAction
from tests.agent.memory.conftest import Clock
from tests.fakes.postgres import query


def _observations(n: int, clock: Clock) -> list[Observation]:
    return [
        Observation(
            source=f"kpi.{'revenue' if i % 2 else 'orders'}",
            at=clock.now - timedelta(seconds=n - i),
            data={"value": i * 1.5, "segment": {"region": "West"}, "day": date(2025, 12, 14)},
            confidence=0.0 if i % 1000 == 0 else 1.0,
            context={"i": i},
            error="boom" if i % 1000 == 0 else None,
        )
        for i in range(n)
    ]


async def test_batch_of_5000_observations_is_stored_exactly(
    mem: Memory, store_url: str, clock: Clock
) -> None:
    written = await mem.record_observations(_observations(5000, clock), cycle="c1")
    assert written == 5000

    rows = query(store_url, "SELECT data, error, cycle FROM observations")
    assert len(rows) == 5000
    assert sum(json.loads(data)["value"] for data, _, _ in rows) == sum(
        i * 1.5 for i in range(5000)
    )
    assert sum(error is not None for _, error, _ in rows) == 5  # i = 0, 1000, …, 4000
    assert {cycle for _, _, cycle in rows} == {"c1"}

    latest = await mem.recent_observations(source="kpi.revenue", limit=2)
    assert [o.context["i"] for o in latest] == [4999, 4997]
    assert latest[0].data == {
        "value": 4999 * 1.5,
        "segment": {"region": "West"},
        "day": "2025-12-14",
    }
    assert latest[0].at.tzinfo is not None


async def test_empty_batch_writes_nothing(mem: Memory) -> None:
    assert await mem.record_observations([]) == 0
    assert (await mem.counts())["observations"] == 0


async def test_thread_round_trip_keeps_goal_and_findings(mem: Memory, clock: Clock) -> None:
    goal = Goal(
        intent=Intent.EXPLAIN,
        metric="conversion_rate",
        filters={"region": "Northeast"},
        group_by=("device",),
        window=Window(start=date(2025, 12, 8), end=date(2025, 12, 15)),
        baseline=Window(start=date(2025, 12, 1), end=date(2025, 12, 8)),
        text="why did conversion drop in the NE?",
    )
    finding = Finding(
        kind="explain",
        title="Conversion fell 12%",
        summary="Conversion rate fell from 3.1% to 2.7%, mostly on mobile.",
        facts={"current": 0.027, "baseline": 0.031},
    )
    fid = await mem.record_finding("C1:171.2", goal, finding)
    await mem.save_thread("C1:171.2", goal, [fid])

    ctx = await mem.load_thread("C1:171.2")
    assert ctx is not None
    assert ctx.goal == goal
    assert ctx.finding_ids == (fid,)
    assert ctx.updated == clock.now
    [stored] = await mem.load_findings(ctx.finding_ids)
    assert stored.summary == finding.summary
    assert stored.finding["facts"] == {"current": 0.027, "baseline": 0.031}
    assert stored.goal["text"] == goal.text

    # A follow-up replaces the thread's goal; the earlier finding remains in the thread.
    clock.advance(minutes=5)
    west = Goal(intent=Intent.EXPLAIN, metric="conversion_rate", filters={"region": "West"})
    fid2 = await mem.record_finding("C1:171.2", west, finding)
    await mem.save_thread("C1:171.2", west, [fid, fid2])
    ctx2 = await mem.load_thread("C1:171.2")
    assert ctx2 is not None and ctx2.goal.filters == {"region": "West"}
    assert ctx2.finding_ids == (fid, fid2)
    assert [f.id for f in await mem.thread_findings("C1:171.2")] == [fid2, fid]
    assert await mem.load_thread("unknown") is None


async def test_planned_actions_keep_status_and_are_not_duplicated(mem: Memory) -> None:
    action = Action(kind="alert", target="#kpi-alerts", params={"metric": "revenue"})
    planned = PlannedAction(id="revenue_drop.alert:revenue", action=action, priority=80)
    assert await mem.record_planned([planned], cycle="c1") == 1
    assert await mem.set_action_status(planned.key, "executed", "posted ts=1.2")
    await mem.record_planned([planned], cycle="c2")  # the next cycle plans it again

    [stored] = await mem.planned_actions()
    assert stored.status == "executed" and stored.detail == "posted ts=1.2"
    assert stored.cycle == "c1" and stored.action["kind"] == "alert"
    assert not await mem.set_action_status("no-such-key", "executed")


async def test_audit_log_newest_first(mem: Memory) -> None:
    await mem.audit("cycle_started", ref="c1")
    await mem.audit("action_executed", actor="U123", ref="k1", detail={"kind": "alert"})
    entries = await mem.audit_log()
    assert [e.event for e in entries] == ["action_executed", "cycle_started"]
    assert entries[0].detail == {"kind": "alert"} and entries[0].actor == "U123"


async def test_failed_write_rolls_back_the_whole_batch(mem: Memory, clock: Clock) -> None:
    good = _observations(3, clock)
    bad = Observation(source="x", at=clock.now, data={}, confidence=1.0)
    object.__setattr__(bad, "source", None)  # violates NOT NULL inside the batch
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        await mem.record_observations([*good, bad])
    assert (await mem.counts())["observations"] == 0
    # The connection is usable afterwards (the transaction was closed, not left open).
    assert await mem.record_observations(good) == 3
