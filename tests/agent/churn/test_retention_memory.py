"""Memory's side of retention learning: assignments kept once, open holdouts, and approvals
of retention kinds never counted as outcomes in the insights people read."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from agent.learning import RetentionAssignment
from agent.memory import Memory

TODAY = date(2025, 12, 15)


def _held(cid: str, since: date) -> RetentionAssignment:
    return RetentionAssignment(
        customer_id=cid, kind="support_call", segment="high", group="holdout", since=since
    )


async def test_assignments_are_kept_once_and_open_holdouts_found(tmp_path: Path) -> None:
    memory = await Memory.open(tmp_path / "memory.sqlite3")
    try:
        rows = [
            _held("C1", TODAY - timedelta(days=30)),  # window [Nov 15, Dec 15): closed today
            _held("C2", TODAY - timedelta(days=29)),  # closes tomorrow
            _held("C3", TODAY),
            RetentionAssignment(
                customer_id="C4", kind="support_call", segment="high", group="treated",
                since=TODAY, action_key="k4",
            ),
        ]  # fmt: skip
        assert await memory.record_retention_assignments(rows) == 4
        assert await memory.record_retention_assignments(rows) == 0
        assert await memory.held_out(TODAY, 30) == frozenset({"C2", "C3"})
        assert await memory.retention_assignments() == sorted(
            rows, key=lambda a: (a.since, a.kind, a.customer_id)
        )
        assert await memory.retention_assignments(until=TODAY) == rows[:2]
    finally:
        await memory.close()


async def test_insights_leave_out_retention_kinds(tmp_path: Path) -> None:
    memory = await Memory.open(tmp_path / "memory.sqlite3")
    try:
        # A row an approval wrote before approvals stopped counting for retention kinds.
        await memory.record_outcome("a1", "winback_sequence", "churn|high", success=True)
        await memory.record_outcome("a2", "alert", "conversion_rate|down", success=True)
        await memory.record_outcome("a3", "alert", "conversion_rate|down", success=False)
        insights = await memory.insights()
        assert [(i.kind, i.samples, i.success_rate) for i in insights] == [("alert", 2, 0.5)]
    finally:
        await memory.close()
