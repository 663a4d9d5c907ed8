"""The daily measurement: did the customers a retention action reached order again, against
those held out when it was proposed?

Only actions the actor really executed count as treated (an approval, a queued or dry-run
action reached nobody); the treated window starts on the day the action ran, the holdout's
on the day it was drawn. A window still open is left for a later run, and every outcome is
kept once per customer × action × day, so running the job twice records nothing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from agent.churn.audience import RECORDS_READ
from agent.churn.outcomes import measure_retention
from agent.churn.schema import DEMO_SCHEMA, ChurnSchema, churn_schema
from agent.learning import RetentionAssignment, RetentionOutcome

if TYPE_CHECKING:
    from agent.act.records import ExecutionRecord
    from agent.deps import Deps
    from agent.memory import Memory
    from agent.warehouse import Warehouse


class ExecutionSource(Protocol):
    """Where the actor says what it executed (agent.act.Actor, agent.deps.ActDesk)."""

    async def executions(
        self, *, key: str | None = None, limit: int = 100
    ) -> list[ExecutionRecord]: ...


@dataclass(frozen=True, kw_only=True)
class MeasureReport:
    """What one run measured and what Scout now believes works."""

    day: date
    measured: int  # customers whose window had closed, treated and held out
    recorded: int  # of them, outcomes not recorded before
    not_executed: int  # proposed as treated, but the actor never executed the action
    what_works: tuple[str, ...]

    def summary(self) -> str:
        head = (
            f"Retention outcomes on {self.day:%b %-d}: {self.measured:,} customers with a "
            f"closed window measured, {self.recorded:,} new."
        )
        if self.not_executed:
            head += (
                f" {self.not_executed:,} proposed actions never ran (not approved, queued or "
                "refused), so they are not counted as treated."
            )
        return head


def executed_days(records: Iterable[ExecutionRecord]) -> dict[str, date]:
    """The first day each action (by idempotency key) really executed; dry runs and queued
    or failed attempts reached no customer."""
    days: dict[str, date] = {}
    for record in records:
        if record.status != "executed" or record.dry_run:
            continue
        day = record.started_at.date()
        key = record.idempotency_key
        days[key] = min(day, days.get(key, day))
    return days


def assignment_frame(
    assignments: Iterable[RetentionAssignment], executed: dict[str, date]
) -> tuple[pd.DataFrame, int]:
    """The customers to measure (customer_id, kind, segment, group, since) and how many
    treated were left out because their action never executed."""
    rows: list[tuple[str, str, str, str, date]] = []
    missing = 0
    for a in assignments:
        if a.group == "holdout":
            rows.append((a.customer_id, a.kind, a.segment, a.group, a.since))
        elif a.action_key in executed:
            rows.append((a.customer_id, a.kind, a.segment, a.group, executed[a.action_key]))
        else:
            missing += 1
    columns = ["customer_id", "kind", "segment", "group", "since"]
    return pd.DataFrame(rows, columns=columns), missing


async def measure_outcomes(
    *,
    warehouse: Warehouse,
    memory: Memory,
    records: ExecutionSource,
    today: date,
    days: int,
    schema: ChurnSchema = DEMO_SCHEMA,
) -> MeasureReport:
    """Measure every recorded retention decision whose outcome window has closed by
    `today` and keep the outcomes in memory (idempotent)."""
    # A window can only have closed for decisions at least `days` old.
    until = today - timedelta(days=days - 1)
    assignments = await memory.retention_assignments(until=until)
    executed = executed_days(await records.executions(limit=RECORDS_READ))
    frame, missing = assignment_frame(assignments, executed)
    measured = (
        await asyncio.to_thread(
            measure_retention, warehouse, frame, days=days, today=today, schema=schema
        )
        if not frame.empty
        else frame
    )
    outcomes = [
        RetentionOutcome(
            customer_id=str(r.customer_id),
            kind=str(r.kind),
            segment=str(r.segment),
            group="holdout" if r.group == "holdout" else "treated",
            since=pd.Timestamp(r.since).date(),
            reordered=bool(r.reordered),
        )
        for r in measured.itertuples()
    ]
    recorded = await memory.record_retention_outcomes(outcomes, days=days)
    return MeasureReport(
        day=today,
        measured=len(outcomes),
        recorded=recorded,
        not_executed=missing,
        what_works=tuple(await memory.what_works()),
    )


async def measure_retention_job(deps: Deps, day: date | None = None) -> MeasureReport:
    """The scheduled job over Scout's own warehouse, memory and actor records."""
    return await measure_outcomes(
        warehouse=deps.warehouse,
        memory=deps.memory,
        records=deps.act,
        today=day or deps.today(),
        days=deps.config.churn.outcome_days,
        schema=churn_schema(deps.layer),
    )
