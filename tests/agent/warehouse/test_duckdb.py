"""DuckDBWarehouse: read-only, timeout, row cap, friendly errors, thread safety."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from agent.errors import QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.warehouse import (
    DuckDBWarehouse,
    RowCapExceeded,
    Warehouse,
    convert_placeholders,
    open_warehouse,
)

SLOW = "SELECT SUM(a.range * b.range) FROM range(100000000) a, range(1000) b"


def test_is_a_warehouse(handmade: DuckDBWarehouse) -> None:
    assert isinstance(handmade, Warehouse)
    assert handmade.dialect == "duckdb"


def test_both_placeholder_styles_bind(handmade: DuckDBWarehouse) -> None:
    params = {"region": "West", "start": date(2025, 11, 10)}
    dollar = handmade.query(
        'SELECT COUNT(*) AS n FROM "orders" WHERE "region" = $region AND order_date >= $start',
        params,
    )
    colon = handmade.query(
        'SELECT COUNT(*) AS n FROM "orders" WHERE "region" = :region AND order_date >= :start',
        params,
    )
    assert dollar["n"].iloc[0] == colon["n"].iloc[0] > 0


def test_convert_placeholders_leaves_literals_and_casts_alone() -> None:
    sql = "SELECT ':x', \"$y\", a::DATE, b -- :c\nFROM t WHERE z = :z AND w = $w"
    assert convert_placeholders(sql, "dollar") == (
        "SELECT ':x', \"$y\", a::DATE, b -- :c\nFROM t WHERE z = $z AND w = $w"
    )
    assert convert_placeholders(sql, "colon").endswith("z = :z AND w = :w")


def test_read_only(handmade: DuckDBWarehouse) -> None:
    with pytest.raises(WarehouseError, match="read-only"):
        handmade.query('DELETE FROM "orders"')
    assert handmade.query('SELECT COUNT(*) AS n FROM "orders"')["n"].iloc[0] > 0


def test_timeout_interrupts_the_query(handmade_path: Path) -> None:
    warehouse = DuckDBWarehouse(handmade_path, timeout_s=0.2)
    try:
        with pytest.raises(QueryTimeout, match="cancelled"):
            warehouse.query(SLOW)
        # The warehouse is still usable afterwards.
        assert warehouse.query("SELECT 42 AS x")["x"].iloc[0] == 42
    finally:
        warehouse.close()


def test_row_cap_raises_instead_of_truncating(handmade_path: Path) -> None:
    warehouse = DuckDBWarehouse(handmade_path, row_cap=5000)
    try:
        assert len(warehouse.query("SELECT * FROM range(5000)")) == 5000
        with pytest.raises(RowCapExceeded, match="5,000"):
            warehouse.query("SELECT * FROM range(5001)")
    finally:
        warehouse.close()


def test_empty_result_keeps_columns(handmade: DuckDBWarehouse) -> None:
    frame = handmade.query('SELECT "region", revenue FROM "orders" WHERE 1 = 0')
    assert frame.empty and list(frame.columns) == ["region", "revenue"]


def test_sql_error_is_a_warehouse_error(handmade: DuckDBWarehouse) -> None:
    with pytest.raises(WarehouseError, match="no_such_table"):
        handmade.query("SELECT * FROM no_such_table")


def test_missing_file_is_unavailable_with_a_friendly_message(tmp_path: Path) -> None:
    with pytest.raises(WarehouseUnavailable, match="no DuckDB warehouse at"):
        DuckDBWarehouse(tmp_path / "nope.duckdb")
    with pytest.raises(WarehouseUnavailable):
        open_warehouse(tmp_path / "nope.duckdb")


async def test_concurrent_queries_from_threads(handmade: DuckDBWarehouse) -> None:
    regions = ["Northeast", "Southeast", "Midwest", "Southwest", "West"] * 4
    sql = 'SELECT COUNT(*) AS n FROM "sessions" WHERE "region" = $r'
    frames = await asyncio.gather(*(handmade.aquery(sql, {"r": r}) for r in regions))
    serial = {r: handmade.query(sql, {"r": r})["n"].iloc[0] for r in set(regions)}
    assert [f["n"].iloc[0] for f in frames] == [serial[r] for r in regions]


def test_open_warehouse_accepts_file_or_directory(handmade_path: Path) -> None:
    for target in (handmade_path, str(handmade_path)):
        warehouse = open_warehouse(target)
        try:
            assert isinstance(warehouse, DuckDBWarehouse)
            assert isinstance(warehouse.query("SELECT 1 AS one"), pd.DataFrame)
        finally:
            warehouse.close()
    directory = handmade_path.parent
    if (directory / "warehouse.duckdb").exists():
        return
    (directory / "warehouse.duckdb").symlink_to(handmade_path)
    warehouse = open_warehouse(directory)
    try:
        assert warehouse.query('SELECT COUNT(*) AS n FROM "orders"')["n"].iloc[0] > 0
    finally:
        warehouse.close()


def test_closed_warehouse_refuses(handmade_path: Path) -> None:
    warehouse = DuckDBWarehouse(handmade_path)
    warehouse.close()
    with pytest.raises(WarehouseUnavailable, match="closed"):
        warehouse.query("SELECT 1")


# ---------------------------------------------------------------- the file is shared with ETL

# A separate process that opens the file read-write (as an ETL job does), appends one order,
# and says "locked" while it holds the file; it lets go when its stdin closes.
_WRITER = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
conn.execute('INSERT INTO "orders" SELECT * FROM "orders" LIMIT 1')
print("locked", flush=True)
sys.stdin.read()
conn.close()
"""


def _writer(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _write_once(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WRITER, str(path)],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def own_copy(handmade_path: Path, tmp_path: Path) -> Path:
    """A copy this test may let a writer change (the session's file stays pristine)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(handmade_path, path)
    return path


def _orders(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        row = conn.execute('SELECT COUNT(*) FROM "orders"').fetchone()
    assert row is not None
    return int(row[0])


def test_a_writer_can_open_the_file_between_questions(own_copy: Path) -> None:
    before = _orders(own_copy)
    warehouse = DuckDBWarehouse(own_copy, idle_s=0.1)
    try:
        assert warehouse.query('SELECT COUNT(*) AS n FROM "orders"')["n"].iloc[0] == before
        deadline = time.monotonic() + 10
        while warehouse.holds_file:  # let go once idle; bounded, never a fixed sleep
            assert time.monotonic() < deadline, "the warehouse kept the file open"
            time.sleep(0.01)
        written = _write_once(own_copy)
        assert written.returncode == 0, written.stderr
        # The next question opens the file afresh and sees what the writer added.
        assert warehouse.query('SELECT COUNT(*) AS n FROM "orders"')["n"].iloc[0] == before + 1
    finally:
        warehouse.close()
    assert not warehouse.holds_file


def test_a_locked_file_is_a_clear_error_and_the_next_question_recovers(own_copy: Path) -> None:
    before = _orders(own_copy)
    writer = _writer(own_copy)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
        # Constructed while locked (as at start-up): nothing is opened until a question comes.
        warehouse = DuckDBWarehouse(own_copy)
        with pytest.raises(WarehouseUnavailable, match="locked by another process"):
            warehouse.query('SELECT COUNT(*) AS n FROM "orders"')
    finally:
        writer.communicate(input="", timeout=60)
    assert writer.returncode == 0, writer.stderr
    try:
        assert warehouse.query('SELECT COUNT(*) AS n FROM "orders"')["n"].iloc[0] == before + 1
    finally:
        warehouse.close()


def test_a_file_that_is_not_duckdb_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"order_id,revenue\n1,10.0\n" * 1000)  # a CSV someone saved by that name
    warehouse = DuckDBWarehouse(path)
    with pytest.raises(WarehouseUnavailable, match="not a DuckDB database file"):
        warehouse.query("SELECT 1")
    warehouse.close()
