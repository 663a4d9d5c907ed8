"""The ledger half of memory: what the agent planned, what became of it, and the audit log.

A mixin of `Memory` (see store.py). The executor (agent/act) keeps its own execution and
approval tables; these rows are the planner's view, keyed by the action's idempotency key,
so planning the same action in two cycles records it once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from agent.memory.base import StoreBase
from agent.memory.codec import dumps, iso, parse_iso
from agent.memory.records import AuditEntry, StoredAction
from agent.plan.dag import PlannedAction


class LedgerStore(StoreBase):
    """Planned actions with their status, and an append-only audit log."""

    # ------------------------------------------------------------------ planned actions

    async def record_planned(self, actions: Iterable[PlannedAction], *, cycle: str = "") -> int:
        """Persist a cycle's planned actions (status 'planned'); known keys keep their status."""
        now = iso(self._now())
        rows = [
            (
                a.id,
                a.key,
                a.action.kind,
                a.situation,
                cycle,
                a.rank,
                dumps(list(a.depends_on)),
                dumps(a.action.to_json()),
                now,
                now,
            )
            for a in actions
        ]
        if rows:
            async with self._write() as db:
                await db.executemany(
                    "INSERT INTO planned_actions(id, action_key, kind, situation, cycle, priority,"
                    " depends_on, action, status, created, updated)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?)"
                    " ON CONFLICT(action_key) DO NOTHING",
                    rows,
                )
        return len(rows)

    async def set_action_status(self, action_key: str, status: str, detail: str = "") -> bool:
        """Move a planned action along (executed, failed, pending_approval, refused…)."""
        async with self._write() as db:
            changed = await db.execute(
                "UPDATE planned_actions SET status = ?, detail = ?, updated = ?"
                " WHERE action_key = ?",
                (status, detail, iso(self._now()), action_key),
            )
        return changed == 1

    async def planned_actions(
        self, *, status: str | None = None, limit: int = 50
    ) -> list[StoredAction]:
        """Latest planned actions (with one status), newest first."""
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        rows = await self._rows(
            "SELECT id, action_key, kind, situation, cycle, priority, depends_on, action, status,"
            f" detail, updated FROM planned_actions {where} ORDER BY updated DESC LIMIT ?",
            [*params, limit],
        )
        return [
            StoredAction(
                id=r[0],
                action_key=r[1],
                kind=r[2],
                situation=r[3],
                cycle=r[4],
                priority=r[5],
                depends_on=tuple(json.loads(r[6])),
                action=json.loads(r[7]),
                status=r[8],
                detail=r[9],
                updated=parse_iso(r[10]),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ audit

    async def audit(
        self,
        event: str,
        *,
        actor: str = "scout",
        ref: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one line to the audit log."""
        async with self._write() as db:
            await db.execute(
                "INSERT INTO audit(at, event, actor, ref, detail) VALUES (?, ?, ?, ?, ?)",
                (iso(self._now()), event, actor, ref, dumps(dict(detail or {}))),
            )

    async def audit_log(self, *, limit: int = 50) -> list[AuditEntry]:
        rows = await self._rows(
            "SELECT id, at, event, actor, ref, detail FROM audit ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            AuditEntry(
                id=r[0],
                at=parse_iso(r[1]),
                event=r[2],
                actor=r[3],
                ref=r[4],
                detail=json.loads(r[5]),
            )
            for r in rows
        ]
