"""SQLAlchemyWarehouse on a real Postgres: read-only, timeout, row cap, placeholders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from agent.errors import QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.warehouse import RowCapExceeded, SQLAlchemyWarehouse, open_warehouse

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url(postgres_url: str) -> Iterator[str]:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS wh_items"))
        conn.execute(sa.text("CREATE TABLE wh_items (id int, region text)"))
        conn.execute(
            sa.text(
                "INSERT INTO wh_items SELECT g, CASE WHEN g % 2 = 0 THEN 'West' ELSE 'East' END "
                "FROM generate_series(1, 100) g"
            )
        )
    engine.dispose()
    yield postgres_url


def test_dialect_and_both_placeholder_styles(pg_url: str) -> None:
    warehouse = open_warehouse(pg_url)
    try:
        assert isinstance(warehouse, SQLAlchemyWarehouse)
        assert warehouse.dialect == "postgres"
        colon = warehouse.query(
            "SELECT COUNT(*) AS n FROM wh_items WHERE region = :r", {"r": "West"}
        )
        dollar = warehouse.query(
            "SELECT COUNT(*) AS n FROM wh_items WHERE region = $r", {"r": "West"}
        )
        assert colon["n"].iloc[0] == dollar["n"].iloc[0] == 50
    finally:
        warehouse.close()


def test_read_only_transaction(pg_url: str) -> None:
    warehouse = SQLAlchemyWarehouse(pg_url)
    try:
        with pytest.raises(WarehouseError, match="read-only"):
            warehouse.query("DELETE FROM wh_items")
        assert warehouse.query("SELECT COUNT(*) AS n FROM wh_items")["n"].iloc[0] == 100
    finally:
        warehouse.close()


def test_statement_timeout(pg_url: str) -> None:
    warehouse = SQLAlchemyWarehouse(pg_url, timeout_s=0.2)
    try:
        with pytest.raises(QueryTimeout):
            warehouse.query("SELECT pg_sleep(30)")
        assert warehouse.query("SELECT 1 AS one")["one"].iloc[0] == 1
    finally:
        warehouse.close()


def test_row_cap(pg_url: str) -> None:
    warehouse = SQLAlchemyWarehouse(pg_url, row_cap=100)
    try:
        assert len(warehouse.query("SELECT * FROM wh_items")) == 100
        with pytest.raises(RowCapExceeded):
            warehouse.query("SELECT * FROM generate_series(1, 101)")
    finally:
        warehouse.close()


async def test_aquery(pg_url: str) -> None:
    warehouse = SQLAlchemyWarehouse(pg_url)
    try:
        frame = await warehouse.aquery("SELECT MAX(id) AS m FROM wh_items")
        assert frame["m"].iloc[0] == 100
    finally:
        warehouse.close()


def test_unreachable_server_is_unavailable() -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    warehouse = SQLAlchemyWarehouse("postgresql+psycopg://nobody@127.0.0.1:9/none")
    with pytest.raises(WarehouseUnavailable):
        warehouse.query("SELECT 1")


def test_bad_url_is_unavailable() -> None:
    with pytest.raises(WarehouseUnavailable):
        SQLAlchemyWarehouse("nosuchdriver://x/y")
