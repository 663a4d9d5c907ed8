"""Cohorts: the demo's recorded churn-prone group is named as a group, with numbers that
hand-written pandas over the raw tables reproduce, in every door that answers about churn."""

from __future__ import annotations

import contextlib
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.churn.agent import CustomerChurnAgent
from agent.churn.cohorts import cohort_name, find_cohorts
from agent.churn.digest import churn_section
from agent.demo_data import GeneratedWarehouse
from agent.semantic import load_semantic
from agent.understand import understand
from agent.warehouse import DuckDBWarehouse
from bot.cli import main
from tests.agent.churn.conftest import load_json


@pytest.fixture(scope="module")
def named(demo_warehouse: GeneratedWarehouse) -> list[dict[str, Any]]:
    """The cohorts `scout churn --json` names (module-scoped: one run)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["churn", "--warehouse", str(demo_warehouse.path), "--today",
             demo_warehouse.today.isoformat(), "--top", "5", "--json"]
        )  # fmt: skip
    assert code == 0
    overview = load_json(out.getvalue())["overview"]
    assert isinstance(overview, dict)
    cohorts: list[dict[str, Any]] = overview["cohorts"]
    assert cohorts[0]["sentence"] in overview["summary"]
    return cohorts


def test_scout_churn_names_the_recorded_cohort_and_when_it_began(
    named: list[dict[str, Any]], demo_warehouse: GeneratedWarehouse
) -> None:
    truth = demo_warehouse.scenario("churn_cohort")
    first = named[0]
    assert first["where"] == dict(truth.where)
    assert first["name"] == cohort_name(truth.where)
    assert first["name"].startswith(f"{truth.where['region']} customers acquired via ")
    assert abs((date.fromisoformat(first["since"]) - truth.start).days) <= 7
    # No other group is named on this warehouse (one cohort was injected).
    assert len(named) == 1


def test_the_cohort_numbers_match_pandas_over_the_raw_tables(
    named: list[dict[str, Any]], demo_warehouse: GeneratedWarehouse
) -> None:
    today = demo_warehouse.today
    where = named[0]["where"]
    warehouse = DuckDBWarehouse(demo_warehouse.path)
    try:
        customers = warehouse.query("SELECT * FROM customers")
        tables = {
            "orders": (warehouse.query("SELECT customer_id, order_date FROM orders"), "order_date"),
            "tickets": (
                warehouse.query("SELECT customer_id, created_date FROM support_tickets"),
                "created_date",
            ),
        }
    finally:
        warehouse.close()
    signals = named[0]["signals"]
    assert signals["orders"]["change"] < -0.5 and signals["tickets"]["change"] > 1.0
    for signal, (frame, column) in tables.items():
        stated = signals[signal]
        since = date.fromisoformat(stated["since"])
        start = since - timedelta(days=stated["baseline_days"])
        people = customers[pd.to_datetime(customers["first_order_date"]) < pd.Timestamp(start)]
        inside = (people["acquisition_channel"] == where["acquisition_channel"]) & (
            people["region"] == where["region"]
        )
        day = pd.to_datetime(frame[column])
        for members, before_key, since_key in (
            (set(people.loc[inside, "customer_id"]), "per_customer_day_before",
             "per_customer_day_since"),
            (set(people.loc[~inside, "customer_id"]), None, None),
        ):  # fmt: skip
            mine = frame["customer_id"].isin(members)
            before = (mine & (day >= pd.Timestamp(start)) & (day < pd.Timestamp(since))).sum()
            after = (mine & (day >= pd.Timestamp(since)) & (day < pd.Timestamp(today))).sum()
            rate_before = before / len(members) / (since - start).days
            rate_since = after / len(members) / (today - since).days
            if before_key is not None:
                assert stated[before_key] == pytest.approx(rate_before, rel=1e-9)
                assert stated[since_key] == pytest.approx(rate_since, rel=1e-9)
            else:
                assert stated["rest_change"] == pytest.approx(rate_since / rate_before - 1)


def test_a_warehouse_without_a_churn_cohort_names_none(
    quiet_warehouse: GeneratedWarehouse,
) -> None:
    warehouse = DuckDBWarehouse(quiet_warehouse.path)
    try:
        start = quiet_warehouse.today - timedelta(days=120)
        scan = find_cohorts(warehouse, quiet_warehouse.today, data_start=start)
    finally:
        warehouse.close()
    assert scan.cohorts == ()
    assert scan.sentences() == []


def test_ask_and_the_digest_name_the_cohort(
    churn_agent: CustomerChurnAgent,
    churn_warehouse: DuckDBWarehouse,
    demo_warehouse: GeneratedWarehouse,
    tmp_path: Path,
) -> None:
    truth = demo_warehouse.scenario("churn_cohort")
    name = cohort_name(truth.where)
    ctx = AnalysisContext(
        warehouse=churn_warehouse,
        layer=load_semantic(None),
        today=demo_warehouse.today,
        out_dir=tmp_path,
    )
    goal = understand("which customers are at risk of churning?", layer=ctx.layer, today=ctx.today)
    (finding,) = run_goal(goal, ctx)
    assert f"Cohort at risk: {name} (" in finding.summary
    assert finding.facts["cohorts_at_risk"] == name
    assert any("first_line" in e.sql for e in finding.evidence)  # the cohort SQL is shown
    lines = churn_section(churn_agent).lines()
    assert any(line.startswith(f"Cohort at risk: {name} (") for line in lines)


def test_three_weeks_into_the_fall_the_cohort_is_named_and_leads_the_list(
    demo_warehouse: GeneratedWarehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    """As a CRM lead would have asked three weeks after the group began to leave (its few
    orders not yet fallen beyond noise; visits and tickets plainly moved): the group is
    named, and its members, whose own rows barely show it yet, head the list."""
    truth = demo_warehouse.scenario("churn_cohort")
    members = set(truth.details["customer_ids"])
    then = truth.start + timedelta(days=21)
    code = main(
        ["churn", "--warehouse", str(demo_warehouse.path), "--today", then.isoformat(),
         "--top", "20", "--json"]
    )  # fmt: skip
    assert code == 0
    answer = load_json(capsys.readouterr().out)
    assert [c["where"] for c in answer["overview"]["cohorts"]] == [dict(truth.where)]
    listed = [p["customer_id"] for p in answer["profiles"]]
    assert sum(cid in members for cid in listed) >= 15, listed
    assert answer["overview"]["flagged_in_cohort"] >= 1
