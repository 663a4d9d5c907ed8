"""One churn agent over the session's demo warehouse: the model is trained once (a few s)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from agent.churn.agent import CustomerChurnAgent
from agent.churn.model import ChurnModel, train
from agent.churn.rules import ChurnRules
from agent.demo_data import GeneratedWarehouse
from agent.warehouse import DuckDBWarehouse


@pytest.fixture(scope="session")
def churn_warehouse(demo_warehouse: GeneratedWarehouse) -> Iterator[DuckDBWarehouse]:
    warehouse = DuckDBWarehouse(demo_warehouse.path)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="session")
def churn_model(churn_warehouse: DuckDBWarehouse, demo_warehouse: GeneratedWarehouse) -> ChurnModel:
    return train(churn_warehouse, demo_warehouse.today, ChurnRules())


@pytest.fixture(scope="session")
def churn_agent(
    churn_warehouse: DuckDBWarehouse,
    churn_model: ChurnModel,
    demo_warehouse: GeneratedWarehouse,
) -> CustomerChurnAgent:
    """Read-only use: tests that act or learn build their own agent around this model."""
    return CustomerChurnAgent(
        warehouse=churn_warehouse, today=demo_warehouse.today, model=churn_model
    )


@pytest.fixture(scope="session")
def cohort_ids(demo_warehouse: GeneratedWarehouse) -> frozenset[str]:
    details = demo_warehouse.scenario("churn_cohort").details
    return frozenset(details["customer_ids"])


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Model caches and CSVs go to a per-test directory, never the user's data dir.
    monkeypatch.setenv("SCOUT_HOME", str(tmp_path / "scout-home"))


def load_json(text: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(text)
    return data


def backtest_stated(overview: dict[str, Any], summary: str) -> bool:
    """The summary says what the tiers did on the held-out snapshot: their precision, or
    that nobody would have been flagged (on this small warehouse a model trained only on
    what was known by then flags nobody at the 50% line)."""
    day = date.fromisoformat(overview["backtest_as_of"])
    flagged, precision = overview["backtest_flagged"], overview["backtest_precision"]
    if flagged:
        return f"{precision:.0%} of the {flagged:,} flagged this way did go quiet" in summary
    return f"Backtest as of {day:%b %-d}: nobody would have been flagged then." in summary


def altered_copy(source: Path, target: Path, *statements: str) -> Path:
    """A copy of a DuckDB warehouse with `statements` run on it (a column dropped, added)."""
    shutil.copyfile(source, target)
    con = duckdb.connect(str(target))
    try:
        for statement in statements:
            con.execute(statement)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return target
