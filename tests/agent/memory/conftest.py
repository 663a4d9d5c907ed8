"""Memory fixtures: a store per test (sqlite, and PostgreSQL when its binaries are installed) and a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.memory import Memory
from tests.fakes.postgres import postgres_database, store_url  # noqa: F401  (fixtures)


class Clock:
    """A settable UTC clock: memory asks it for 'now', the test advances it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 12, 15, 9, 0, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "memory.sqlite"


@pytest.fixture
async def mem(store_url: str, clock: Clock) -> AsyncIterator[Memory]:  # noqa: F811
    """Memory on each backend: a sqlite file, then a PostgreSQL database of its own."""
    memory = await Memory.open(store_url, clock=clock)
    try:
        yield memory
    finally:
        await memory.close()
