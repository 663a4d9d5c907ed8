"""The spend ledger and execution rows: sums against caps, records rebuilt from rows."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from agent.act.guardrails import SpendUsage
from agent.act.records import ExecutionRecord, decision_from_json
from agent.act.store import fetch_one, parse_ts
from agent.db import Row, Session
from agent.domain import Action


async def spend_usage(
    db: Session,
    *,
    customer: str | None,
    campaign: str | None,
    day: date,
    window_days: int,
    dry_run: bool,
) -> SpendUsage:
    """Cents reserved or spent so far against the caps an action touches."""
    live = "state != 'released' AND dry_run = ?"
    first_day = (day - timedelta(days=window_days - 1)).isoformat()

    async def total(sql: str, args: tuple[object, ...]) -> int:
        row = await fetch_one(
            db, f"SELECT COALESCE(SUM(amount_cents), 0) FROM act_spend WHERE {sql}", args
        )
        return int(row[0]) if row else 0

    return SpendUsage(
        day_cents=await total(f"day = ? AND {live}", (day.isoformat(), int(dry_run))),
        customer_cents=(
            await total(
                f"customer_id = ? AND day >= ? AND {live}", (customer, first_day, int(dry_run))
            )
            if customer
            else 0
        ),
        campaign_cents=(
            await total(f"campaign = ? AND {live}", (campaign, int(dry_run))) if campaign else 0
        ),
    )


def execution_from_row(row: Row) -> ExecutionRecord:
    """Rebuild an execution record from its row."""
    return ExecutionRecord(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        action=Action.from_json(json.loads(row["action"])),
        decision=decision_from_json(json.loads(row["decision"])),
        status=row["status"],
        requested_by=row["requested_by"],
        approval_id=row["approval_id"],
        dry_run=bool(row["dry_run"]),
        attempts=row["attempts"],
        started_at=parse_ts(row["started_at"]) or datetime.min,
        finished_at=parse_ts(row["finished_at"]),
        duration_ms=row["duration_ms"],
        result=row["result"],
        error=row["error"],
    )
