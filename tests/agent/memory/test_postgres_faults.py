"""Memory on PostgreSQL that cannot take a write: the server down, read-only, or a lock held
past the timeout. A decision is refused whole (nothing runs, nothing is half written) with a
message naming the server, never its password, and the fix; once the fault clears it works.

The faults are the real server's: a port nothing listens on, `ALTER DATABASE … SET
default_transaction_read_only`, a row lock held by another session, and a backend ended by
`pg_terminate_backend`. Timeouts are per session, so they are set on Scout's connections.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from agent.act import Actor
from agent.config import ScoutConfig
from agent.db import postgres_url as libpq_url
from agent.db.postgres import PostgresDatabase
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.domain import Action
from agent.errors import MemoryUnavailable
from agent.memory import Memory
from agent.service import ScoutService
from agent.warehouse import DuckDBWarehouse
from tests.conftest import TODAY
from tests.fakes.postgres import free_port, query

APPROVER = "UAPPROVER"
EXEC_CHANNEL = "CEXEC"
NOW = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)
CONFIG = ScoutConfig.model_validate(
    {
        "slack": {"approvers": [APPROVER], "alerts_channel": "CALERTS"},
        "guardrails": {"risk": {"executives": [EXEC_CHANNEL]}},
    }
)


def _admin(url: str, sql: str, params: tuple[Any, ...] = ()) -> None:
    """A statement from another session (the DBA's, another replica's), autocommitted."""
    target = libpq_url(url)
    assert target is not None
    with psycopg.connect(target, autocommit=True) as conn:
        # The DBA's own session may write even when the database's default is read-only.
        conn.execute("SET default_transaction_read_only = off")
        conn.execute(sql, params)


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _databases(core: ScoutService) -> list[PostgresDatabase]:
    actor = core.deps.act
    assert isinstance(actor, Actor)
    found = [core.deps.memory._db, actor.store.db]  # type: ignore[attr-defined]
    assert all(isinstance(db, PostgresDatabase) for db in found)
    return found


async def _reconnect(core: ScoutService) -> None:
    """Scout's connections end (a failover, a pool recycle): each is reopened at its next use
    and picks up the database's settings as they are now."""
    for db in _databases(core):
        for link in (db._writer, db._reader):
            await link.conn.close()


async def _set_on_writers(core: ScoutService, statement: str) -> None:
    for db in _databases(core):
        await db._writer.conn.execute(statement)


@pytest.fixture
async def core(
    postgres_database: str, demo_warehouse: GeneratedWarehouse
) -> AsyncIterator[ScoutService]:
    deps = await open_deps(
        CONFIG,
        warehouse=DuckDBWarehouse(demo_warehouse.path),
        today=TODAY,
        memory_path=postgres_database,
        clock=lambda: NOW,
    )
    service = ScoutService(deps)
    yield service
    await service.close()


async def _pending(core: ScoutService) -> str:
    action = Action(
        kind="alert",
        target=EXEC_CHANNEL,
        params={"channel": EXEC_CHANNEL, "title": "Revenue fell 18%", "severity": "high"},
        reason="revenue fell 18% in the Northeast",
    )
    proposed = await core.deps.act.propose(action, requested_by="scout")
    assert proposed.status == "pending_approval" and proposed.approval_id
    return proposed.approval_id


def _state(url: str, approval_id: str) -> tuple[object, ...]:
    """The request's state, its audit trail and the executions, read with SQL."""
    return (
        query(url, "SELECT state, decided_by FROM act_approvals WHERE id = ?", (approval_id,)),
        query(url, "SELECT event, who FROM act_audit ORDER BY id"),
        query(url, "SELECT COUNT(*) FROM act_executions"),
        query(url, "SELECT COUNT(*) FROM act_outbox"),
    )


async def test_a_server_that_refuses_connections_is_named_without_its_password() -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://scout:s3cret-pw@127.0.0.1:{port}/scout"
    with pytest.raises(MemoryUnavailable) as refused:
        await Memory.open(url)
    error = refused.value
    assert error.trouble == "unreachable"
    assert f"postgresql://scout:***@127.0.0.1:{port}/scout" in str(error)
    assert "s3cret-pw" not in error.friendly
    assert "cannot be reached" in str(error) and "running" in error.hint
    assert "`memory:`" in error.hint


async def test_a_read_only_database_refuses_a_decision_whole_then_it_works(
    core: ScoutService, postgres_database: str
) -> None:
    approval_id = await _pending(core)
    before = _state(postgres_database, approval_id)
    assert before[0] == [("pending", None)] and before[2] == [(0,)]
    name = _database_name(postgres_database)
    _admin(postgres_database, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    await _reconnect(core)

    outcome = await core.decide(approval_id, APPROVER, approve=True)
    assert outcome.kind == "unrecorded" and outcome.action is None
    assert "is read-only" in outcome.message
    assert "@127.0.0.1:" in outcome.message and name in outcome.message  # the server, named
    assert "Nothing was executed" in outcome.message
    assert _state(postgres_database, approval_id) == before

    # A replica starting now cannot even apply its migrations: it says so by name, at start.
    with pytest.raises(MemoryUnavailable) as at_start:
        await Memory.open(postgres_database)
    assert at_start.value.trouble == "read_only" and name in str(at_start.value)
    assert "default_transaction_read_only = off" in at_start.value.friendly  # the fix

    _admin(postgres_database, f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
    await _reconnect(core)
    # No integration is wired, so the approved alert waits in the outbox: once.
    assert (await core.decide(approval_id, APPROVER, approve=True)).kind == "queued"
    assert query(postgres_database, "SELECT COUNT(*) FROM act_executions") == [(1,)]


@contextmanager
def _row_locked(url: str, approval_id: str) -> Iterator[None]:
    """Another session holding the approval's row lock in an open transaction."""
    target = libpq_url(url)
    assert target is not None
    with psycopg.connect(target) as other:
        other.execute("SELECT id FROM act_approvals WHERE id = %s FOR UPDATE", (approval_id,))
        try:
            yield
        finally:
            other.rollback()


@pytest.mark.parametrize("timeout", ["lock_timeout", "statement_timeout"])
async def test_a_lock_held_past_the_timeout_refuses_a_decision_whole_then_it_works(
    core: ScoutService, postgres_database: str, timeout: str
) -> None:
    approval_id = await _pending(core)
    before = _state(postgres_database, approval_id)
    # Instead of waiting the real 30 s.
    await _set_on_writers(core, f"SET {timeout} = '200ms'")
    with _row_locked(postgres_database, approval_id):
        outcome = await core.decide(approval_id, APPROVER, approve=True)
    assert outcome.kind == "unrecorded" and outcome.action is None
    assert "is busy" in outcome.message
    assert _database_name(postgres_database) in outcome.message
    assert "Nothing was executed" in outcome.message and "try again" in outcome.message
    assert _state(postgres_database, approval_id) == before

    assert (await core.decide(approval_id, APPROVER, approve=True)).kind == "queued"
    assert query(postgres_database, "SELECT COUNT(*) FROM act_executions") == [(1,)]


async def test_a_dropped_connection_is_named_and_reopened_at_the_next_write(
    postgres_database: str,
) -> None:
    memory = await Memory.open(postgres_database)
    try:
        assert await memory.claim("delivery:Ev1") is True
        # The server ends Scout's sessions (a restart, a failover).
        _admin(
            postgres_database,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (_database_name(postgres_database),),
        )
        with pytest.raises(MemoryUnavailable) as dropped:
            await memory.claim("delivery:Ev2")
        assert dropped.value.trouble == "unreachable"
        assert _database_name(postgres_database) in str(dropped.value)
        assert await memory.claim("delivery:Ev2") is True  # reconnected
    finally:
        await memory.close()
    assert sorted(query(postgres_database, "SELECT key FROM digests")) == [
        ("delivery:Ev1",),
        ("delivery:Ev2",),
    ]
