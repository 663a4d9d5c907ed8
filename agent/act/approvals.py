"""Approval requests: persisted, expiring, decided once by an authorised person.

A request moves pending → approved | rejected | expired exactly once: each transition is a
conditional UPDATE (`WHERE state = 'pending' AND expires_at > now`), so of two people
clicking Approve at the same moment, in one process or two, exactly one wins.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Literal

from agent.act.ports import Clock, IsAuthorised
from agent.act.records import ApprovalRequest, dumps
from agent.act.rules import ApprovalSettings
from agent.act.store import ActStore, audit, fetch_all, fetch_one, parse_ts, ts
from agent.db import Row, Session
from agent.domain import Action
from agent.errors import UserError


class ApprovalNotFound(UserError):
    """No approval request has this id."""

    def __init__(self, approval_id: str) -> None:
        super().__init__(
            f"There is no approval request {approval_id!r}.",
            hint="`scout approvals` lists the pending ones.",
        )
        self.approval_id = approval_id


def _request(row: Row) -> ApprovalRequest:
    return ApprovalRequest(
        id=row["id"],
        action=Action.from_json(json.loads(row["action"])),
        requester=row["requester"],
        reason=row["reason"],
        approvers=tuple(json.loads(row["approvers"])),
        created_at=parse_ts(row["created_at"]) or datetime.min,
        expires_at=parse_ts(row["expires_at"]) or datetime.min,
        state=row["state"],
        decided_by=row["decided_by"],
        decided_at=parse_ts(row["decided_at"]),
        decision_reason=row["decision_reason"],
        execution_id=row["execution_id"],
    )


class Approvals:
    """The approval table and who may decide."""

    def __init__(
        self,
        store: ActStore,
        settings: ApprovalSettings,
        *,
        clock: Clock,
        is_authorised: IsAuthorised | None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.is_authorised = is_authorised

    async def authorised(self, user: str, kind: str) -> bool:
        """True if `user` is a configured approver for `kind` or in an approver group."""
        if user in self.settings.approvers_for(kind):
            return True
        return bool(self.is_authorised and await self.is_authorised(user))

    async def request(
        self, action: Action, *, requester: str, reason: str, approvers: tuple[str, ...]
    ) -> tuple[ApprovalRequest, bool]:
        """Open a request, or return the pending one for the same proposal (and False)."""
        now = self.clock()
        key = action.idempotency_key
        expires = now + timedelta(hours=self.settings.expiry_hours)
        async with self.store.tx() as db:
            await self._expire_due(db, now)
            row = await fetch_one(
                db,
                "SELECT * FROM act_approvals WHERE idempotency_key = ? AND state = 'pending'",
                (key,),
            )
            if row is not None:
                return _request(row), False
            approval_id = "ap_" + secrets.token_hex(4)
            await db.execute(
                "INSERT INTO act_approvals(id, idempotency_key, kind, action, requester, reason, "
                "approvers, created_at, expires_at, state) VALUES (?,?,?,?,?,?,?,?,?,'pending')",
                (
                    approval_id,
                    key,
                    action.kind,
                    dumps(action.to_json()),
                    requester,
                    reason,
                    json.dumps(list(approvers)),
                    ts(now),
                    ts(expires),
                ),
            )
            await audit(
                db,
                at=now,
                who=requester,
                event="approval_requested",
                kind=action.kind,
                key=key,
                approval_id=approval_id,
                what=action.to_json(),
                why=reason,
            )
            row = await fetch_one(db, "SELECT * FROM act_approvals WHERE id = ?", (approval_id,))
        assert row is not None
        return _request(row), True

    async def get(self, approval_id: str) -> ApprovalRequest:
        """One request by id; unknown ids are a user error."""
        async with self.store.read() as db:
            row = await fetch_one(db, "SELECT * FROM act_approvals WHERE id = ?", (approval_id,))
        if row is None:
            raise ApprovalNotFound(approval_id)
        return _request(row)

    async def last_rejection(self, key: str) -> ApprovalRequest | None:
        """The most recent rejected request for this proposal, if any."""
        async with self.store.read() as db:
            row = await fetch_one(
                db,
                "SELECT * FROM act_approvals WHERE idempotency_key = ? AND state = 'rejected' "
                "ORDER BY decided_at DESC LIMIT 1",
                (key,),
            )
        return _request(row) if row else None

    async def pending(self) -> list[ApprovalRequest]:
        """Requests still waiting, oldest first; overdue ones are marked expired first."""
        now = self.clock()
        async with self.store.tx() as db:
            await self._expire_due(db, now)
            rows = await fetch_all(
                db, "SELECT * FROM act_approvals WHERE state = 'pending' ORDER BY created_at, id"
            )
        return [_request(r) for r in rows]

    async def transition(
        self,
        approval_id: str,
        to: Literal["approved", "rejected", "expired"],
        *,
        by: str,
        why: str,
    ) -> bool:
        """Move a pending, unexpired request to `to`; False if someone else got there first."""
        now = self.clock()
        async with self.store.tx() as db:
            live = "" if to == "expired" else " AND expires_at > ?"
            args: tuple[object, ...] = (to, by, ts(now), why, approval_id)
            changed = await db.execute(
                "UPDATE act_approvals SET state = ?, decided_by = ?, decided_at = ?, "
                f"decision_reason = ? WHERE id = ? AND state = 'pending'{live}",
                args if to == "expired" else (*args, ts(now)),
            )
            won = changed == 1
            if won:
                row = await fetch_one(
                    db,
                    "SELECT kind, idempotency_key FROM act_approvals WHERE id = ?",
                    (approval_id,),
                )
                await audit(
                    db,
                    at=now,
                    who=by,
                    event=to,
                    kind=row["kind"] if row else None,
                    key=row["idempotency_key"] if row else None,
                    approval_id=approval_id,
                    what=f"approval {approval_id} {to}",
                    why=why,
                )
        return won

    async def note(self, approval_id: str, *, who: str, event: str, why: str) -> None:
        """Audit an attempt that changed nothing (not authorised, four-eyes, paused…)."""
        async with self.store.tx() as db:
            await audit(
                db,
                at=self.clock(),
                who=who,
                event=event,
                approval_id=approval_id,
                what=f"approval {approval_id}",
                why=why,
            )

    async def _expire_due(self, db: Session, now: datetime) -> None:
        rows = await fetch_all(
            db,
            "SELECT id, kind, idempotency_key FROM act_approvals "
            "WHERE state = 'pending' AND expires_at <= ?",
            (ts(now),),
        )
        for row in rows:
            await db.execute(
                "UPDATE act_approvals SET state = 'expired', decided_by = 'scout', "
                "decided_at = ?, decision_reason = 'expired' WHERE id = ? AND state = 'pending'",
                (ts(now), row["id"]),
            )
            await audit(
                db,
                at=now,
                who="scout",
                event="expired",
                kind=row["kind"],
                key=row["idempotency_key"],
                approval_id=row["id"],
                what=f"approval {row['id']} expired",
                why="nobody decided before it expired",
            )
