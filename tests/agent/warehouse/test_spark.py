"""Spark Connect as the warehouse: the demo's answers through a real local Spark equal
DuckDB's and hand-written SQL's; the warehouse binds, caps, times out and fails plainly."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from agent.errors import QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.warehouse import RowCapExceeded, open_warehouse
from agent.warehouse.spark import SparkConnectWarehouse
from bot.cli import main
from tests.conftest import SEED, TODAY

# Small on purpose: the JVM is slow to feed, and these are about equality, not volume.
DAYS, SCALE = 60, 0.25

# The demo's questions, one per path a number takes to the warehouse: compiled metrics
# (lookup, breakdown, explain) and a declared hand-written template (forecast_check).
QUESTIONS = (
    "What was revenue yesterday?",
    "Revenue by region last week",
    "Why did conversion drop in the Southeast last week?",
    "The inventory predictions seem off, can you investigate?",
)


@pytest.fixture(scope="module")
def loaded(spark_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse, built and loaded into Spark by the command a user runs."""
    out = tmp_path_factory.mktemp("spark_demo")
    code = main(
        [
            "demo-data", "--out", str(out), "--seed", str(SEED), "--today", TODAY.isoformat(),
            "--days", str(DAYS), "--scale", str(SCALE), "--spark", spark_url,
        ]
    )  # fmt: skip
    assert code == 0
    return out / "warehouse.duckdb"


@pytest.fixture
def spark(spark_url: str, loaded: Path) -> Iterator[SparkConnectWarehouse]:
    warehouse = open_warehouse(spark_url)
    assert isinstance(warehouse, SparkConnectWarehouse)
    yield warehouse
    warehouse.close()


def _ask(question: str, warehouse: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    argv = ["ask", question, "--warehouse", warehouse, "--today", TODAY.isoformat(), "--json"]
    assert main(argv) == 0, capsys.readouterr().err
    return dict(json.loads(capsys.readouterr().out))


def _truth(path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _same(a: object, b: object) -> bool:
    """Equal, floats to 1e-9: Spark sums in another order than DuckDB."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (a != a and b != b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.spark
def test_demo_questions_through_spark_match_duckdb(
    spark_url: str, loaded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = {}
    for question in QUESTIONS:
        on_spark = _ask(question, spark_url, capsys)
        on_duck = _ask(question, str(loaded), capsys)
        assert on_spark["goal"] == on_duck["goal"], question
        assert len(on_spark["findings"]) == len(on_duck["findings"]) >= 1, question
        for got, want in zip(on_spark["findings"], on_duck["findings"], strict=True):
            assert got["summary"] == want["summary"], question
            assert _same(got["facts"], want["facts"]), question
            assert _same(got["table"], want["table"]), question
            # The evidence is the SQL Spark ran: backticks and :name, not DuckDB's.
            assert all("`" in e["sql"] and "$" not in e["sql"] for e in got["evidence"])
        answers[question] = on_spark["findings"][0]

    # And both equal the numbers hand-written SQL gives.
    yesterday = date(2025, 12, 14)
    ((revenue,),) = _truth(
        loaded, "SELECT SUM(revenue) FROM orders WHERE order_date = ?", yesterday
    )
    assert answers[QUESTIONS[0]]["facts"]["value"] == pytest.approx(revenue, rel=1e-9)
    by_region = _truth(
        loaded,
        "SELECT region, SUM(revenue) FROM orders WHERE order_date >= ? AND order_date < ? "
        "GROUP BY region ORDER BY 2 DESC",
        date(2025, 12, 8),
        TODAY,
    )
    rows = answers[QUESTIONS[1]]["table"]["rows"]
    assert [r[0] for r in rows] == [r[0] for r in by_region]
    assert [r[1] for r in rows] == pytest.approx([r[1] for r in by_region], rel=1e-9)
    rates = _truth(
        loaded,
        "SELECT AVG(CASE WHEN converted THEN 1.0 ELSE 0.0 END) FROM sessions "
        "WHERE region = 'Southeast' AND session_date >= ? AND session_date < ?",
        date(2025, 12, 8),
        TODAY,
    )
    assert answers[QUESTIONS[2]]["facts"]["value"] == pytest.approx(rates[0][0], rel=1e-9)


@pytest.mark.spark
def test_parameters_bind_by_name_in_either_style(
    spark: SparkConnectWarehouse, loaded: Path
) -> None:
    sql = (
        'SELECT COUNT(*) AS n, MIN("order_date") AS first_day FROM orders '
        "WHERE order_date >= :since AND region = $region"
    )
    since = date(2025, 12, 1)
    frame = spark.query(sql, {"since": since, "region": "West"})
    ((n, first_day),) = _truth(
        loaded,
        "SELECT COUNT(*), MIN(order_date) FROM orders WHERE order_date >= ? AND region = ?",
        since,
        "West",
    )
    assert list(frame.columns) == ["n", "first_day"]
    # Double-quoted names are identifiers on Spark too, as in standard SQL (not strings).
    assert (frame["n"].iloc[0], frame["first_day"].iloc[0]) == (n, first_day)
    hostile = "West'; DROP TABLE orders; --"
    assert spark.query(sql, {"since": since, "region": hostile})["n"].iloc[0] == 0
    ((total,),) = _truth(loaded, "SELECT COUNT(*) FROM orders")
    assert spark.query("SELECT COUNT(*) AS n FROM orders")["n"].iloc[0] == total


@pytest.mark.spark
def test_row_cap_raises_instead_of_truncating(spark_url: str, loaded: Path) -> None:
    capped = SparkConnectWarehouse(spark_url, row_cap=5)
    try:
        assert len(capped.query("SELECT id FROM range(5)")) == 5
        with pytest.raises(RowCapExceeded, match="5 rows"):
            capped.query("SELECT id FROM range(6)")
    finally:
        capped.close()


@pytest.mark.spark
def test_a_slow_query_is_cancelled_on_the_server(spark_url: str) -> None:
    hurried = SparkConnectWarehouse(spark_url, timeout_s=1.0)
    try:
        with pytest.raises(QueryTimeout, match="cancelled after 1s"):
            # Hours of work for two cores: only the cancel can end it within the test.
            hurried.query("SELECT SUM(hash(id) % 2) AS s FROM range(0, 1000000000000)")
        # The session outlives the cancelled query.
        assert hurried.query("SELECT 41 + 1 AS v")["v"].iloc[0] == 42
    finally:
        hurried.close()


@pytest.mark.spark
def test_bad_sql_is_a_warehouse_error_with_sparks_reason(spark: SparkConnectWarehouse) -> None:
    with pytest.raises(WarehouseError, match=r"TABLE_OR_VIEW_NOT_FOUND") as caught:
        spark.query("SELECT * FROM no_such_table")
    assert not isinstance(caught.value, WarehouseUnavailable)


# --------------------------------------------------------------------------- no server


def test_without_pyspark_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    with pytest.raises(WarehouseUnavailable, match=r"pip install -e '\.\[spark\]'"):
        open_warehouse("sc://127.0.0.1:15002")


def test_an_unreachable_server_is_a_plain_message(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyspark.sql.connect.session", reason="needs the spark extra")
    # Port 1 on loopback: refused at once, no network leaves the machine.
    with pytest.raises(WarehouseUnavailable, match="unreachable"):
        open_warehouse("sc://127.0.0.1:1")
    argv = ["ask", "revenue yesterday", "--warehouse", "sc://127.0.0.1:1", "--today", "2025-12-15"]
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "the warehouse could not answer" in err.lower() and "unreachable" in err
    assert "Traceback" not in err


def test_demo_data_refuses_a_url_that_is_not_spark_connect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["demo-data", "--out", str(tmp_path), "--days", "7", "--spark", "http://x:1"]
    assert main(argv) == 2
    assert "sc://" in capsys.readouterr().err
    assert not (tmp_path / "warehouse.duckdb").exists()


@pytest.mark.spark
def test_the_spark_bench_runs_small_on_the_sessions_server(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Here, not with the other scripts' runs: the file's tests share one worker and one JVM.
    from tests.bench.test_bench_smoke import SMOKES, run_smoke

    (smoke,) = [s for s in SMOKES if s.spark]
    run_smoke(smoke, tmp_path, request)
