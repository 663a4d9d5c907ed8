"""Memory that is busy or full: a decision is refused whole (nothing runs, nothing is half
written) with a message naming the file, and a question is still answered, with a note.

The faults are sqlite's own: another connection holding the write lock past the busy timeout,
and `PRAGMA max_page_count`, which makes sqlite answer "database or disk is full" exactly as a
full disk does. Both settings are per connection, so they are set on Scout's connections.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import aiosqlite
import pytest

from agent.act import Actor
from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.domain import Action
from agent.errors import MemoryUnavailable
from agent.memory import Memory
from agent.service import ScoutService
from bot.core import ThreadRef
from tests.agent.loop_helpers import demo_deps
from tests.conftest import TODAY

APPROVER = "UAPPROVER"
EXEC_CHANNEL = "CEXEC"
CONFIG = ScoutConfig.model_validate(
    {
        "slack": {"approvers": [APPROVER], "alerts_channel": "CALERTS"},
        "guardrails": {"risk": {"executives": [EXEC_CHANNEL]}},
    }
)


async def _quiet(_: str) -> None:
    return None


def _connections(core: ScoutService) -> list[aiosqlite.Connection]:
    """Scout's write connections to the memory file: the stores' and the actor's."""
    actor = core.deps.act
    assert isinstance(actor, Actor)
    return [core.deps.memory._db._conn, actor.store.db._conn]  # type: ignore[attr-defined]


async def _set(core: ScoutService, pragma: str) -> None:
    for conn in _connections(core):
        await conn.execute(pragma)


async def _fill(core: ScoutService) -> None:
    """No page may be added: the next write that needs one fails as on a full disk."""
    for conn in _connections(core):
        async with conn.execute("PRAGMA page_count") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        await conn.execute(f"PRAGMA max_page_count = {row[0]}")


@contextmanager
def _write_lock(path: Path) -> Iterator[None]:
    """Another process's transaction holding the file's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
async def core(demo_warehouse: GeneratedWarehouse, tmp_path: Path) -> AsyncIterator[ScoutService]:
    service = ScoutService(
        await demo_deps(demo_warehouse.path, tmp_path / "memory.sqlite3", TODAY, config=CONFIG)
    )
    yield service
    await service.close()


async def _pending(core: ScoutService, reason: str = "revenue fell 18% in the Northeast") -> str:
    action = Action(
        kind="alert",
        target=EXEC_CHANNEL,
        params={"channel": EXEC_CHANNEL, "title": "Revenue fell 18%", "severity": "high"},
        reason=reason,
    )
    proposed = await core.deps.act.propose(action, requested_by="scout")
    assert proposed.status == "pending_approval" and proposed.approval_id
    return proposed.approval_id


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql))


def _state(path: Path, approval_id: str) -> tuple[object, ...]:
    """The request's state, the audit trail and the executions, to compare before and after."""
    return (
        _rows(path, f"SELECT state, decided_by FROM act_approvals WHERE id = '{approval_id}'"),
        _rows(path, "SELECT event, who FROM act_audit ORDER BY id"),
        _rows(path, "SELECT COUNT(*) FROM act_executions"),
        _rows(path, "SELECT COUNT(*) FROM act_outbox"),
    )


async def test_an_approval_while_memory_is_locked_is_refused_whole_then_works(
    core: ScoutService,
) -> None:
    path = Path(core.deps.memory.location)
    approval_id = await _pending(core)
    before = _state(path, approval_id)
    assert before[0] == [("pending", None)] and before[2] == [(0,)]
    await _set(core, "PRAGMA busy_timeout = 50")  # instead of waiting the real 10 s
    with _write_lock(path):
        outcome = await core.decide(approval_id, APPROVER, approve=True)
    assert outcome.kind == "unrecorded" and outcome.action is None
    assert str(path) in outcome.message and "busy" in outcome.message
    assert "Nothing was executed" in outcome.message and "try again" in outcome.message
    assert _state(path, approval_id) == before

    # No integration is wired here, so the approved alert waits in the outbox: once.
    assert (await core.decide(approval_id, APPROVER, approve=True)).kind == "queued"
    assert _rows(path, "SELECT COUNT(*) FROM act_executions") == [(1,)]


async def test_a_decision_while_memory_is_full_is_refused_whole_then_works(
    core: ScoutService,
) -> None:
    path = Path(core.deps.memory.location)
    # A long reason (the evidence behind a proposal) is copied into the decision: those pages
    # are the ones a full database cannot add.
    approval_id = await _pending(core, reason="revenue fell 18% in the Northeast. " * 600)
    before = _state(path, approval_id)
    await _fill(core)
    for approve in (True, False):
        outcome = await core.decide(approval_id, APPROVER, approve=approve)
        assert outcome.kind == "unrecorded"
        assert "is full" in outcome.message and str(path) in outcome.message
        assert ("approval" if approve else "rejection") in outcome.message
        assert _state(path, approval_id) == before

    await _set(core, "PRAGMA max_page_count = 1073741823")  # the disk was cleared
    assert (await core.decide(approval_id, APPROVER, approve=True)).kind == "queued"
    assert _rows(path, "SELECT COUNT(*) FROM act_executions") == [(1,)]


async def test_a_question_while_memory_is_locked_is_answered_with_a_note(
    core: ScoutService,
) -> None:
    path = Path(core.deps.memory.location)
    findings_before = _rows(path, "SELECT COUNT(*) FROM findings")
    await _set(core, "PRAGMA busy_timeout = 50")
    thread = ThreadRef(channel="C1", thread_ts="1.0")
    with _write_lock(path):
        reply = await core.ask("revenue yesterday", thread=thread, user="U1", on_progress=_quiet)
    # Yesterday's revenue, summed by hand from the warehouse the answer read.
    truth = core.deps.warehouse.query(
        "SELECT SUM(revenue) AS r FROM orders WHERE order_date = $d",
        {"d": TODAY.fromordinal(TODAY.toordinal() - 1)},
    )["r"].iloc[0]
    assert reply.error is None and reply.findings
    assert reply.findings[0].facts["value"] == pytest.approx(float(truth))
    assert "could not save this to memory" in reply.text and "is busy" in reply.text
    assert str(path) in reply.text
    assert _rows(path, "SELECT COUNT(*) FROM findings") == findings_before  # nothing half-kept


async def test_a_write_names_the_file_when_memory_is_busy_or_full(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite3"
    memory = await Memory.open(path)
    conn: aiosqlite.Connection = memory._db._conn  # type: ignore[attr-defined]
    try:
        await conn.execute("PRAGMA busy_timeout = 50")
        with _write_lock(path), pytest.raises(MemoryUnavailable) as busy:
            await memory.claim("delivery:Ev1")
        assert busy.value.trouble == "busy" and busy.value.location == str(path)
        assert str(path) in busy.value.friendly and "try again" in busy.value.friendly
        assert await memory.claim("delivery:Ev1") is True  # the lock is gone: it works again

        async with conn.execute("PRAGMA page_count") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        await conn.execute(f"PRAGMA max_page_count = {row[0]}")
        with pytest.raises(MemoryUnavailable) as full:
            await memory.claim("delivery:Ev2", owner="x" * 65_536)  # needs new pages
        assert full.value.trouble == "full" and "disk space" in full.value.friendly
        assert await memory.claimed_by("delivery:Ev2") is None  # rolled back, not half-kept
    finally:
        await memory.close()
