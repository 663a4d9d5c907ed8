"""`scout churn` in the terminal: the top list, one customer, JSON, friendly errors."""

from __future__ import annotations

import json

import pytest

from agent.churn.agent import CustomerChurnAgent
from agent.demo_data import GeneratedWarehouse
from bot.cli import main


def _args(demo: GeneratedWarehouse, *extra: str) -> list[str]:
    return ["churn", "--warehouse", str(demo.path), "--today", demo.today.isoformat(), *extra]


def test_top_list_as_json(
    demo_warehouse: GeneratedWarehouse,
    churn_agent: CustomerChurnAgent,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(_args(demo_warehouse, "--top", "5", "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["customer_id"] for p in data["profiles"]] == list(churn_agent.ranked().index[:5])
    assert data["profiles"][0]["risk_level"] in ("high", "critical")


def test_one_customer_in_the_terminal(
    demo_warehouse: GeneratedWarehouse,
    churn_agent: CustomerChurnAgent,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cid = churn_agent.ranked().index[0]
    assert main(_args(demo_warehouse, "--customer", cid.lower())) == 0
    out = capsys.readouterr().out
    assert cid in out and "recommended:" in out


def test_unknown_customer_exits_2_with_a_message(
    demo_warehouse: GeneratedWarehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(demo_warehouse, "--customer", "C999999")) == 2
    assert "C999999" in capsys.readouterr().err
