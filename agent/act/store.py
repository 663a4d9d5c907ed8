"""Acting's persistence in the shared database: its own tables, its own schema version.

Safety lives here, not in memory: exactly-once execution is a partial UNIQUE index on the
idempotency key, a decided approval is a conditional UPDATE, and spend is reserved inside a
write transaction that re-reads the ledger (serialised with every other writer: sqlite's
write lock, PostgreSQL's writer lock, see agent.db). So the guarantees hold across
coroutines, connections, processes and replicas. Readers (the CLI, the bot) look while a
writer works; writers queue instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.act.records import AuditEntry, dumps
from agent.db import Database, Row, Session, connect
from agent.migrations import migrate

COMPONENT = "act"

# Timestamps are UTC ISO-8601 text of fixed width (see `ts`), so text order is time order.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE IF NOT EXISTS act_approvals (
            id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, kind TEXT NOT NULL,
            action TEXT NOT NULL, requester TEXT NOT NULL, reason TEXT NOT NULL,
            approvers TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending','approved','rejected','expired')),
            decided_by TEXT, decided_at TEXT, decision_reason TEXT, execution_id TEXT)""",
        # One open request per proposal: a re-proposal finds the pending one.
        """CREATE UNIQUE INDEX IF NOT EXISTS act_approvals_one_pending
            ON act_approvals(idempotency_key) WHERE state = 'pending'""",
        "CREATE INDEX IF NOT EXISTS act_approvals_state ON act_approvals(state, created_at)",
        """CREATE TABLE IF NOT EXISTS act_executions (
            id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, kind TEXT NOT NULL,
            action TEXT NOT NULL, decision TEXT NOT NULL, requested_by TEXT NOT NULL,
            approval_id TEXT, dry_run INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running','executed','failed','dry_run')),
            attempts INTEGER NOT NULL DEFAULT 0, started_at TEXT NOT NULL,
            finished_at TEXT, duration_ms INTEGER, result TEXT, error TEXT)""",
        # The exactly-once guarantee: one live execution per key (a failed one may be retried;
        # a dry run never blocks the real one).
        """CREATE UNIQUE INDEX IF NOT EXISTS act_executions_once
            ON act_executions(idempotency_key, dry_run) WHERE status != 'failed'""",
        """CREATE TABLE IF NOT EXISTS act_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL,
            kind TEXT NOT NULL, op TEXT NOT NULL CHECK (op IN ('post','update')),
            update_of INTEGER REFERENCES act_outbox(id), channel TEXT, recipients TEXT NOT NULL,
            severity TEXT NOT NULL, text TEXT NOT NULL, fingerprint TEXT,
            rate_limited INTEGER NOT NULL, decision TEXT NOT NULL, approval_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('pending','sent','dry_run','failed')),
            dry_run INTEGER NOT NULL, created_at TEXT NOT NULL, delivered_at TEXT,
            delivered_via TEXT, delivery_ref TEXT, flags TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS act_outbox_rate ON act_outbox(channel, created_at)",
        "CREATE INDEX IF NOT EXISTS act_outbox_execution ON act_outbox(execution_id)",
        """CREATE TABLE IF NOT EXISTS act_fingerprints (
            fingerprint TEXT NOT NULL, dry_run INTEGER NOT NULL,
            first_outbox_id INTEGER NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL,
            updates INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (fingerprint, dry_run))""",
        """CREATE TABLE IF NOT EXISTS act_spend (
            id INTEGER PRIMARY KEY, execution_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
            customer_id TEXT, campaign TEXT, day TEXT NOT NULL,
            amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
            state TEXT NOT NULL CHECK (state IN ('reserved','spent','released')),
            dry_run INTEGER NOT NULL, created_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS act_spend_day ON act_spend(day, dry_run)",
        "CREATE INDEX IF NOT EXISTS act_spend_customer ON act_spend(customer_id, day)",
        "CREATE INDEX IF NOT EXISTS act_spend_campaign ON act_spend(campaign)",
        """CREATE TABLE IF NOT EXISTS act_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL,
            event TEXT NOT NULL, kind TEXT, idempotency_key TEXT, approval_id TEXT,
            execution_id TEXT, what TEXT NOT NULL, why TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS act_audit_approval ON act_audit(approval_id)",
        """CREATE TABLE IF NOT EXISTS act_state (
            key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
    ),
    # 2: an execution can be "queued" (in the outbox, no integration to send it). sqlite
    # cannot change a CHECK constraint in place, so the table is rebuilt with its rows.
    (
        """CREATE TABLE act_executions_v2 (
            id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, kind TEXT NOT NULL,
            action TEXT NOT NULL, decision TEXT NOT NULL, requested_by TEXT NOT NULL,
            approval_id TEXT, dry_run INTEGER NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('running','executed','queued','failed','dry_run')),
            attempts INTEGER NOT NULL DEFAULT 0, started_at TEXT NOT NULL,
            finished_at TEXT, duration_ms INTEGER, result TEXT, error TEXT)""",
        "INSERT INTO act_executions_v2 SELECT * FROM act_executions",
        "DROP TABLE act_executions",
        "ALTER TABLE act_executions_v2 RENAME TO act_executions",
        """CREATE UNIQUE INDEX act_executions_once
            ON act_executions(idempotency_key, dry_run) WHERE status != 'failed'""",
    ),
    # 3: sequences (a win-back: emails on days 0, 3, 7). Each step is a row with its due
    # time; a runner claims it with a conditional UPDATE (one replica wins), then executes it
    # as its own action under its own idempotency key, so it is sent at most once.
    (
        """CREATE TABLE act_sequences (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, step_kind TEXT NOT NULL,
            customer_id TEXT NOT NULL, requested_by TEXT NOT NULL, approval_id TEXT,
            approved_by TEXT NOT NULL, since TEXT NOT NULL, started_at TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('active','completed','cancelled','failed')),
            status TEXT NOT NULL, updated_at TEXT NOT NULL)""",
        """CREATE TABLE act_sequence_steps (
            sequence_id TEXT NOT NULL REFERENCES act_sequences(id), step INTEGER NOT NULL,
            total INTEGER NOT NULL, due_at TEXT NOT NULL,
            state TEXT NOT NULL
                CHECK (state IN ('scheduled','claimed','sent','queued','failed','cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0, claimed_by TEXT, claimed_at TEXT,
            execution_id TEXT, status TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (sequence_id, step))""",
        "CREATE INDEX act_sequence_steps_due ON act_sequence_steps(state, due_at)",
        "CREATE INDEX act_sequences_customer ON act_sequences(customer_id, state)",
    ),
    # 4: a single send that failed for a reason that may pass (an SMTP 4xx) is tried again
    # on a schedule, one row per idempotency key; and each delivery attempt is stamped on
    # its outbox row before it starts, so a claim left by a dead process can be told apart:
    # never attempted (safe to hand back) or attempted with no answer recorded (not resent).
    (
        "ALTER TABLE act_outbox ADD COLUMN attempted_at TEXT",
        """CREATE TABLE act_retries (
            idempotency_key TEXT PRIMARY KEY, execution_id TEXT NOT NULL,
            attempts INTEGER NOT NULL, due_at TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('scheduled','claimed','done','failed')),
            claimed_at TEXT, status TEXT NOT NULL, updated_at TEXT NOT NULL)""",
        "CREATE INDEX act_retries_due ON act_retries(state, due_at)",
        "CREATE INDEX act_sequence_steps_claimed ON act_sequence_steps(state, claimed_at)",
    ),
)


def ts(moment: datetime) -> str:
    """Fixed-width UTC text for a moment (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_ts(text: str | None) -> datetime | None:
    """The inverse of `ts`."""
    return datetime.fromisoformat(text) if text else None


# sqlite only: durability (synchronous stays FULL, so exactly-once survives a power cut)
# and integrity; writers wait up to 30 s for the lock.
_PRAGMAS = (
    "PRAGMA busy_timeout = 30000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
)


class ActStore:
    """Acting's tables in the shared database (a sqlite file or PostgreSQL), migrated."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.location = db.location

    @classmethod
    async def open(cls, target: str | Path) -> ActStore:
        """Open (creating if needed) the database and bring acting's schema up to date."""
        db = await connect(target, component=COMPONENT, pragmas=_PRAGMAS)
        try:
            await migrate(db, COMPONENT, MIGRATIONS)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        await self.db.close()

    def tx(self) -> AbstractAsyncContextManager[Session]:
        """A write transaction, serialised with every other writer from its first statement."""
        return self.db.transaction()

    def read(self) -> AbstractAsyncContextManager[Session]:
        """A read of committed data (waits for this connection's open write transaction)."""
        return self.db.reading()

    # ------------------------------------------------------------------ kill switch

    async def paused(self, db: Session | None = None) -> tuple[str, str] | None:
        """(who, when) if outbound effects are paused, else None."""
        sql = "SELECT value, updated_by, updated_at FROM act_state WHERE key = 'paused'"
        if db is None:
            async with self.read() as conn:
                row = await fetch_one(conn, sql)
        else:
            row = await fetch_one(db, sql)
        if row is None or row["value"] != "1":
            return None
        return (row["updated_by"], row["updated_at"])

    async def set_paused(self, paused: bool, *, by: str, at: datetime, why: str) -> None:
        """Flip the kill switch for every process sharing this database, and audit it."""
        async with self.tx() as db:
            await db.execute(
                "INSERT INTO act_state(key, value, updated_by, updated_at) VALUES ('paused',?,?,?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                ("1" if paused else "0", by, ts(at)),
            )
            await audit(
                db,
                at=at,
                who=by,
                event="paused" if paused else "resumed",
                what="all outbound effects " + ("stopped" if paused else "allowed again"),
                why=why,
            )

    # ------------------------------------------------------------------ audit

    async def audit_entries(
        self, *, approval_id: str | None = None, key: str | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        """The audit log, newest last, optionally for one approval or idempotency key."""
        where, args = [], []
        if approval_id:
            where.append("approval_id = ?")
            args.append(approval_id)
        if key:
            where.append("idempotency_key = ?")
            args.append(key)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        sql = (
            f"SELECT * FROM (SELECT * FROM act_audit {clause} ORDER BY id DESC LIMIT ?) ORDER BY id"
        )
        async with self.read() as db:
            rows = await fetch_all(db, sql, (*args, limit))
        return [
            AuditEntry(
                id=r["id"],
                at=parse_ts(r["at"]) or datetime.min,
                who=r["who"],
                event=r["event"],
                kind=r["kind"],
                idempotency_key=r["idempotency_key"],
                approval_id=r["approval_id"],
                execution_id=r["execution_id"],
                what=r["what"],
                why=r["why"],
            )
            for r in rows
        ]


async def audit(
    db: Session,
    *,
    at: datetime,
    who: str,
    event: str,
    what: str | dict[str, Any],
    why: str,
    kind: str | None = None,
    key: str | None = None,
    approval_id: str | None = None,
    execution_id: str | None = None,
) -> None:
    """Append one audit entry inside the caller's transaction."""
    await db.execute(
        "INSERT INTO act_audit(at, who, event, kind, idempotency_key, approval_id, "
        "execution_id, what, why) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            ts(at),
            who,
            event,
            kind,
            key,
            approval_id,
            execution_id,
            what if isinstance(what, str) else dumps(what),
            why,
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Decided:
    """A decision's audit entry, written in the transaction that acts on it (one write
    transaction fewer per action: every replica's writers take turns on the actor's lock)."""

    who: str
    why: str
    what: dict[str, Any]

    async def write(self, db: Session, *, at: datetime, kind: str, key: str) -> None:
        await audit(
            db,
            at=at,
            who=self.who,
            event="decided",
            kind=kind,
            key=key,
            what=self.what,
            why=self.why,
        )


async def fetch_one(db: Session, sql: str, args: Iterable[Any] = ()) -> Row | None:
    """The first row of a query, or None."""
    return await db.one(sql, tuple(args))


async def fetch_all(db: Session, sql: str, args: Iterable[Any] = ()) -> list[Row]:
    """Every row of a query."""
    return await db.rows(sql, tuple(args))
