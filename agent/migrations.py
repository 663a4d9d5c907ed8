"""Versioned schema migrations for the components that share Scout's database.

Memory and the actor keep their tables in one database (a sqlite file, or PostgreSQL shared
by replicas), each with its own version row in `schema_versions`, so either can evolve
without touching the other's tables. Statements are written in sqlite's dialect and
rewritten for PostgreSQL (agent.db.translate), so one list of migrations serves both.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.db import Database
from agent.errors import ScoutError

CREATE_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS schema_versions ("
    " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)


async def migrate(db: Database, component: str, migrations: Sequence[Sequence[str]]) -> int:
    """Apply the component's missing migrations; safe from many processes at once."""
    target = len(migrations)
    # The write transaction is taken first (sqlite's write lock, PostgreSQL's schema and
    # writer locks), so two processes opening a fresh database cannot both apply the same
    # migration, nor race to create the versions table.
    async with db.migration() as tx:
        await tx.execute(CREATE_VERSIONS)
        row = await tx.one("SELECT version FROM schema_versions WHERE component = ?", (component,))
        current = int(row[0]) if row else 0
        if current > target:
            raise ScoutError(
                f"{component} schema version {current} is newer than this Scout understands "
                f"({target}); upgrade Scout or point it at another memory database"
            )
        for version in range(current + 1, target + 1):
            for statement in migrations[version - 1]:
                await tx.execute(statement)
        if current != target:
            await tx.execute(
                "INSERT INTO schema_versions(component, version) VALUES (?, ?) "
                "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                (component, target),
            )
    return target
