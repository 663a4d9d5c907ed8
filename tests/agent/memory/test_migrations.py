"""Schema versioning: idempotent, shared with other components, refuses a newer file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agent.errors import ScoutError, UserError
from agent.memory import SCHEMA_VERSION, Memory


def _versions(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as raw:
        return dict(raw.execute("SELECT component, version FROM schema_versions").fetchall())


async def test_migration_is_idempotent_and_keeps_data(db_path: Path) -> None:
    mem = await Memory.open(db_path)
    assert await mem.claim("k") is True
    await mem.close()
    tables_before = _tables(db_path)

    for _ in range(2):
        mem = await Memory.open(db_path)
        assert await mem.claim("k") is False  # the row survived re-opening
        await mem.close()

    assert _versions(db_path) == {"memory": SCHEMA_VERSION}
    assert _tables(db_path) == tables_before
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_other_components_tables_and_versions_are_left_alone(db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        raw.execute("CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INT)")
        raw.execute("INSERT INTO schema_versions VALUES ('act', 3)")
        raw.execute("CREATE TABLE approvals (id TEXT PRIMARY KEY)")
        raw.execute("INSERT INTO approvals VALUES ('a1')")

    mem = await Memory.open(db_path)
    await mem.close()

    assert _versions(db_path) == {"act": 3, "memory": SCHEMA_VERSION}
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT id FROM approvals").fetchall() == [("a1",)]


async def test_a_newer_schema_is_refused_with_a_clear_error(db_path: Path) -> None:
    await (await Memory.open(db_path)).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE schema_versions SET version = 99 WHERE component = 'memory'")
    with pytest.raises(ScoutError, match="newer than this Scout"):
        await Memory.open(db_path)


def _tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [r[0] for r in rows]


async def test_in_memory_path_is_refused() -> None:
    with pytest.raises(UserError, match="needs a file path"):
        await Memory.open(":memory:")
