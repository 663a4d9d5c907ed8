"""The one store everything persists to: a sqlite file in WAL mode shared by the processes
on one host, or a PostgreSQL database shared by replicas (agent.db).

Writes go through one transaction helper (serialised with every other writer), so a batch
of observations is one commit and two coroutines never interleave their transactions.
Cross-process races (two replicas, a restart mid-cycle) are settled by the database itself:
de-duplication and digest claims are single atomic statements on a unique key; a digest's
claim is also a lease, taken over when its claimer died before finishing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent.db import Database, Row, Session, connect, postgres_url
from agent.domain import Finding, Goal, Observation
from agent.errors import UserError
from agent.memory import schema
from agent.memory.codec import dumps, iso, parse_iso
from agent.memory.conversation import ConversationStore
from agent.memory.learned import LearnedStore
from agent.memory.ledger import LedgerStore
from agent.memory.records import (
    AlertRecord,
    PruneReport,
    StoredFinding,
    ThreadContext,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Which timestamp column ages each table's rows. Learned weights are never pruned: they are
# one row per (action kind, situation) and are the point of remembering.
_PRAGMAS = (
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    # NORMAL in WAL mode is durable across application crashes, and skips an fsync per
    # commit; only a power cut can lose the last transactions.
    "PRAGMA synchronous = NORMAL",
)

_RETENTION = {
    "observations": "at",
    "findings": "created",
    "threads": "updated",
    "planned_actions": "updated",
    "outcomes": "recorded_at",
    "patterns": "created",
    "alert_fingerprints": "last_seen",
    "feedback": "at",
    "digests": "claimed_at",
    "audit": "at",
    "clarifications": "created",
    "feedback_links": "updated",
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Memory(LearnedStore, LedgerStore, ConversationStore):
    """Scout's persistent memory. Open with `await Memory.open(path_or_url)`; close when done."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self.location = db.location
        self._now = clock

    @classmethod
    async def open(cls, target: str | Path, *, clock: Clock | None = None) -> Memory:
        """Open (creating and migrating as needed) the memory at `target`: a sqlite file path
        or a PostgreSQL URL (postgresql://… or postgresql+psycopg://…)."""
        if str(target) == ":memory:":
            raise UserError(
                "Scout's memory needs a file path or a PostgreSQL URL.",
                hint="':memory:' would forget everything at exit and cannot be shared by processes.",
            )
        db = await connect(
            target,
            component=schema.COMPONENT,
            pragmas=_PRAGMAS if postgres_url(target) is None else (),
        )
        try:
            await schema.migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(db, clock or _utcnow)

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Memory:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _write(self) -> AbstractAsyncContextManager[Session]:
        return self._db.transaction()

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._db.rows(sql, params)

    async def _point(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """A primary-key read on the hot path (see agent.db.sqlite: inline on sqlite)."""
        return await self._db.point(sql, params)

    # ------------------------------------------------------------------ observations

    async def record_observations(
        self, observations: Iterable[Observation], *, cycle: str = ""
    ) -> int:
        """Persist a cycle's observations in one transaction; returns how many."""
        rows = [
            (iso(o.at), o.source, o.confidence, o.error, cycle, dumps(o.data), dumps(o.context))
            for o in observations
        ]
        if rows:
            async with self._write() as db:
                await db.executemany(
                    "INSERT INTO observations(at, source, confidence, error, cycle, data, context)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        return len(rows)

    async def recent_observations(
        self, *, source: str | None = None, limit: int = 100
    ) -> list[Observation]:
        """The latest observations (of one source), newest first."""
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        rows = await self._rows(
            f"SELECT at, source, confidence, error, data, context FROM observations {where} "
            "ORDER BY at DESC, id DESC LIMIT ?",
            [*params, limit],
        )
        return [
            Observation(
                source=r[1],
                at=parse_iso(r[0]),
                confidence=r[2],
                error=r[3],
                data=json.loads(r[4]),
                context=json.loads(r[5]),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ findings and threads

    async def record_finding(self, thread_key: str, goal: Goal, finding: Finding) -> int:
        """Persist one finding under its thread; returns its id."""
        async with self._write() as db:
            return await db.insert(
                "INSERT INTO findings(thread_key, kind, title, summary, goal, finding, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    thread_key,
                    finding.kind,
                    finding.title,
                    finding.summary,
                    dumps(_goal_json(goal)),
                    dumps(finding.to_json()),
                    iso(self._now()),
                ),
            )

    async def load_findings(self, ids: Sequence[int]) -> list[StoredFinding]:
        """Findings by id, in the order asked (missing or pruned ids are skipped)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self._rows(
            "SELECT id, thread_key, kind, title, summary, goal, finding, created FROM findings"
            f" WHERE id IN ({marks})",
            list(ids),
        )
        found = {r[0]: r for r in rows}
        return [_finding(found[i]) for i in ids if i in found]

    async def thread_findings(self, thread_key: str, *, limit: int = 20) -> list[StoredFinding]:
        """A thread's latest findings, newest first."""
        rows = await self._rows(
            "SELECT id, thread_key, kind, title, summary, goal, finding, created FROM findings"
            " WHERE thread_key = ? ORDER BY id DESC LIMIT ?",
            (thread_key, limit),
        )
        return [_finding(r) for r in rows]

    async def save_thread(self, thread_key: str, goal: Goal, finding_ids: Sequence[int]) -> None:
        """Remember a conversation's last goal and findings, replacing the previous ones."""
        async with self._write() as db:
            await db.execute(
                "INSERT INTO threads(thread_key, goal, finding_ids, updated) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(thread_key) DO UPDATE SET goal = excluded.goal,"
                " finding_ids = excluded.finding_ids, updated = excluded.updated",
                (thread_key, dumps(_goal_json(goal)), dumps(list(finding_ids)), iso(self._now())),
            )

    async def load_thread(self, thread_key: str) -> ThreadContext | None:
        """A thread's context for a follow-up, or None for a new conversation."""
        rows = await self._point(
            "SELECT goal, finding_ids, updated FROM threads WHERE thread_key = ?", (thread_key,)
        )
        if not rows:
            return None
        goal, ids, updated = rows[0]
        return ThreadContext(
            thread_key=thread_key,
            goal=Goal.from_json(json.loads(goal)),
            finding_ids=tuple(int(i) for i in json.loads(ids)),
            updated=parse_iso(updated),
        )

    # ------------------------------------------------------------------ de-duplication

    async def seen_anomaly(self, fingerprint: str, ref: str = "") -> bool:
        """True if this anomaly was already reported; either way, count this sighting."""
        now = iso(self._now())
        # One atomic upsert: two replicas seeing the same anomaly get counts 1 and 2, so
        # exactly one of them reports it.
        sql = (
            "INSERT INTO alert_fingerprints(fingerprint, first_seen, last_seen, count, ref)"
            " VALUES (?, ?, ?, 1, ?) ON CONFLICT(fingerprint) DO UPDATE SET"
            " last_seen = excluded.last_seen, count = alert_fingerprints.count + 1,"
            " ref = CASE WHEN alert_fingerprints.ref = '' THEN excluded.ref"
            " ELSE alert_fingerprints.ref END RETURNING count"
        )
        async with self._write() as db:
            row = await db.one(sql, (fingerprint, now, now, ref))
        return bool(row and row[0] > 1)

    async def set_alert_ref(self, fingerprint: str, ref: str) -> None:
        """Where the anomaly was posted (channel/ts), so later sightings update that message."""
        async with self._write() as db:
            await db.execute(
                "UPDATE alert_fingerprints SET ref = ? WHERE fingerprint = ?", (ref, fingerprint)
            )

    async def alert(self, fingerprint: str) -> AlertRecord | None:
        rows = await self._point(
            "SELECT first_seen, last_seen, count, ref FROM alert_fingerprints"
            " WHERE fingerprint = ?",
            (fingerprint,),
        )
        if not rows:
            return None
        first, last, count, ref = rows[0]
        return AlertRecord(
            fingerprint=fingerprint,
            first_seen=parse_iso(first),
            last_seen=parse_iso(last),
            count=count,
            ref=ref,
        )

    async def claim(self, key: str, owner: str = "", *, lease: timedelta | None = None) -> bool:
        """Claim `key` (a digest date, an error note, a Slack event); only the first claimer,
        in any process or replica sharing this database, ever gets True.

        With a `lease` the claim is work in progress until `finish(key)`: its claimer may die
        before finishing (killed while building a digest), so a claim older than the lease
        and never finished goes to the next claimer instead of being lost. The lease is far
        longer than the work, so two live claimers never both hold it."""
        now = self._now()
        async with self._write() as db:
            added = await db.execute(
                "INSERT OR IGNORE INTO digests(key, claimed_at, owner, done_at)"
                " VALUES (?, ?, ?, ?)",
                (key, iso(now), owner, None if lease is not None else iso(now)),
            )
            if added == 1 or lease is None:
                return added == 1
            stale = await db.one(
                "SELECT owner, claimed_at FROM digests"
                " WHERE key = ? AND done_at IS NULL AND claimed_at < ?",
                (key, iso(now - lease)),
            )
            if stale is None:
                return False
            taken = await db.execute(
                "UPDATE digests SET claimed_at = ?, owner = ?"
                " WHERE key = ? AND done_at IS NULL AND claimed_at = ?",
                (iso(now), owner, key, stale[1]),
            )
            if taken != 1:
                return False
        log.warning(
            "claim_taken_over key=%s dead_owner=%s claimed_at=%s owner=%s",
            key,
            stale[0],
            stale[1],
            owner,
        )
        return True

    async def finish(self, key: str) -> None:
        """The work a leased claim of `key` stood for is done: nobody takes it over now."""
        async with self._write() as db:
            await db.execute(
                "UPDATE digests SET done_at = ? WHERE key = ? AND done_at IS NULL",
                (iso(self._now()), key),
            )

    async def claimed_by(self, key: str) -> str | None:
        """The owner recorded by the first claim of `key` (None: never claimed)."""
        rows = await self._point("SELECT owner FROM digests WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    # ------------------------------------------------------------------ retention

    async def prune(self, older_than_days: float) -> PruneReport:
        """Delete rows older than the cutoff from every aging table; learned weights stay."""
        if older_than_days <= 0:
            raise ValueError("older_than_days must be positive")
        cutoff = self._now() - timedelta(days=older_than_days)
        removed: dict[str, int] = {}
        async with self._write() as db:
            for table, column in _RETENTION.items():
                removed[table] = await db.execute(
                    f"DELETE FROM {table} WHERE {column} < ?", (iso(cutoff),)
                )
        log.info("memory_pruned cutoff=%s removed=%s", iso(cutoff), removed)
        return PruneReport(cutoff=cutoff, removed=removed)

    async def counts(self) -> dict[str, int]:
        """Rows per table: what memory holds, for `scout` status and the demo."""
        out = {}
        for table in [*_RETENTION, "weights"]:
            rows = await self._rows(f"SELECT COUNT(*) FROM {table}")
            out[table] = int(rows[0][0])
        return out


def _goal_json(goal: Goal) -> dict[str, Any]:
    # to_json leaves out the original text, which follow-ups ("and last month?") need.
    return {**goal.to_json(), "text": goal.text}


def _finding(row: Row) -> StoredFinding:
    return StoredFinding(
        id=row[0],
        thread_key=row[1],
        kind=row[2],
        title=row[3],
        summary=row[4],
        goal=json.loads(row[5]),
        finding=json.loads(row[6]),
        created=parse_iso(row[7]),
    )
