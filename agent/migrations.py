"""Versioned schema migrations for the components that share Scout's sqlite file.

Memory and the actor keep their tables in one database, each with its own version row in
`schema_versions`, so either can evolve without touching the other's tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from agent.errors import ScoutError

CREATE_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS schema_versions ("
    " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)


async def migrate(
    db: aiosqlite.Connection, component: str, migrations: Sequence[Sequence[str]]
) -> int:
    """Apply the component's missing migrations; safe from many processes at once."""
    target = len(migrations)
    await db.execute(CREATE_VERSIONS)
    # BEGIN IMMEDIATE takes the write lock first, so two processes opening a fresh file
    # cannot both decide to apply the same migration.
    await db.execute("BEGIN IMMEDIATE")
    try:
        async with db.execute(
            "SELECT version FROM schema_versions WHERE component = ?", (component,)
        ) as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        if current > target:
            raise ScoutError(
                f"{component} schema version {current} is newer than this Scout understands "
                f"({target}); upgrade Scout or point it at another memory file"
            )
        for version in range(current + 1, target + 1):
            for statement in migrations[version - 1]:
                await db.execute(statement)
        await db.execute(
            "INSERT INTO schema_versions(component, version) VALUES (?, ?) "
            "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
            (component, target),
        )
        await db.execute("COMMIT")
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    return target
