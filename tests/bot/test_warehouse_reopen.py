"""A warehouse that is missing when Scout starts: the question gets a clear reply, and once the
file is there the next question is answered, without a restart. The real core behind the real
Bolt app, the fake Slack Web API, DuckDB files; truth is hand-written SQL on the file.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import REOPEN_AFTER_S, UnavailableWarehouse, open_deps
from agent.errors import WarehouseUnavailable
from agent.service import ScoutService
from agent.warehouse import Warehouse, open_warehouse
from bot.app import ScoutSlack, build_scout
from tests.bot.conftest import settings_for
from tests.bot.real_env import NOW
from tests.bot.slack_requests import event_body, mention, request
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack

YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


def _revenue_yesterday(path: Path) -> float:
    with duckdb.connect(str(path), read_only=True) as conn:
        row = conn.execute(
            "SELECT SUM(revenue) FROM orders WHERE order_date = CAST($d AS DATE)",
            {"d": YESTERDAY},
        ).fetchone()
    assert row is not None
    return float(row[0])


@pytest.fixture
async def scout_without_warehouse(slack: FakeSlack, tmp_path: Path) -> AsyncIterator[ScoutSlack]:
    """The service up, in Slack, configured with a warehouse file that is not there yet."""
    config = ScoutConfig(warehouse=str(tmp_path / "warehouse.duckdb"))
    deps = await open_deps(
        config, today=TODAY, memory_path=tmp_path / "memory.sqlite3", clock=lambda: NOW
    )
    core = ScoutService(deps)
    scout = build_scout(core, settings_for(slack))
    yield scout
    await scout.aclose(timeout=10)
    await core.close()


async def _ask(scout: ScoutSlack, slack: FakeSlack, ts: str) -> str:
    """Ask for yesterday's revenue in a new thread; the text Scout finally posts there."""
    body = event_body(mention("revenue yesterday", ts=ts))
    assert (await scout.app.async_dispatch(request(body, "application/json"))).status == 200
    await slack.wait_for("chat.postMessage", where=lambda c: c.body.get("thread_ts") == ts)
    await scout.deps.work.drain(30)
    return str(next(m for m in slack.messages if m["thread_ts"] == ts)["text"])


async def test_a_warehouse_missing_at_start_is_answered_once_it_appears(
    scout_without_warehouse: ScoutSlack,
    slack: FakeSlack,
    demo_warehouse: GeneratedWarehouse,
    tmp_path: Path,
) -> None:
    path = tmp_path / "warehouse.duckdb"
    refused = await _ask(scout_without_warehouse, slack, "1765000000.000100")
    assert "The warehouse could not answer" in refused and str(path) in refused, refused
    assert "Something went wrong" not in refused

    shutil.copyfile(demo_warehouse.path, path)  # the ETL job's first run lands
    await asyncio.sleep(REOPEN_AFTER_S)  # the documented pause between attempts, no more
    answered = await _ask(scout_without_warehouse, slack, "1765000000.000200")
    assert f"${round(_revenue_yesterday(path)):,}" in answered, answered
    assert "could not answer" not in answered


class _Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reopening_is_tried_at_most_once_per_pause_then_delegates(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    path = tmp_path / "warehouse.duckdb"
    attempts: list[Path] = []

    def reopen() -> Warehouse:
        attempts.append(path)
        return open_warehouse(path)

    ticks = _Ticks()
    warehouse = UnavailableWarehouse(
        WarehouseUnavailable(f"no DuckDB warehouse at {path}"), reopen, monotonic=ticks
    )
    try:
        for _ in range(5):  # one question's queries, within the pause after start-up
            with pytest.raises(WarehouseUnavailable, match="no DuckDB warehouse"):
                warehouse.query("SELECT 1")
        assert attempts == []

        ticks.now += REOPEN_AFTER_S
        for _ in range(5):  # the next question: one attempt, the file is still missing
            with pytest.raises(WarehouseUnavailable, match=str(path)):
                warehouse.query("SELECT 1")
        assert len(attempts) == 1

        shutil.copyfile(demo_warehouse.path, path)
        ticks.now += REOPEN_AFTER_S
        sql = "SELECT COUNT(*) AS n FROM orders"
        for _ in range(3):
            assert int(warehouse.query(sql)["n"].iloc[0]) == _count_orders(path)
        assert len(attempts) == 2  # opened once, then every query went to it
        assert warehouse.dialect == "duckdb"
    finally:
        warehouse.close()
    with pytest.raises(WarehouseUnavailable, match="closed"):
        warehouse.query("SELECT 1")


def _count_orders(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        row = conn.execute("SELECT COUNT(*) FROM orders").fetchone()
    assert row is not None
    return int(row[0])
