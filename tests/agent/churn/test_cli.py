"""`scout churn` in the terminal: the top list, one customer, JSON, friendly errors."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from agent.churn.agent import CustomerChurnAgent
from agent.demo_data import GeneratedWarehouse
from agent.learning import RetentionAssignment
from agent.memory import Memory
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
    assert cid in out and "next action:" in out


def test_unknown_customer_exits_2_with_a_message(
    demo_warehouse: GeneratedWarehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(demo_warehouse, "--customer", "C999999")) == 2
    assert "C999999" in capsys.readouterr().err


def test_measure_from_the_terminal(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two customers held out six weeks ago: their windows have closed; one ordered since.
    since = demo_warehouse.today - timedelta(days=42)
    con = duckdb.connect(str(demo_warehouse.path), read_only=True)
    ids = [
        row[0]
        for row in con.execute(
            "SELECT customer_id FROM orders WHERE order_date >= ? AND order_date < ?"
            " GROUP BY 1 ORDER BY 1 LIMIT 1",
            [since, since + timedelta(days=30)],
        ).fetchall()
    ]
    ids += [
        row[0]
        for row in con.execute(
            "SELECT customer_id FROM orders GROUP BY 1 HAVING MAX(order_date) < ?"
            " ORDER BY 1 LIMIT 1",
            [since],
        ).fetchall()
    ]
    con.close()
    assert len(set(ids)) == 2
    memory = tmp_path / "memory.sqlite3"

    async def hold_out() -> None:
        mem = await Memory.open(memory)
        rows = [
            RetentionAssignment(
                customer_id=cid, kind="support_call", segment="high", group="holdout", since=since
            )
            for cid in ids
        ]
        await mem.record_retention_assignments(rows)
        await mem.close()

    asyncio.run(hold_out())
    args = _args(demo_warehouse, "--measure", "--memory", str(memory), "--json")
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["measured"], data["recorded"], data["not_executed"]) == (2, 2, 0)
    assert data["what_works"] == [
        "support call for high-risk customers: not enough data yet (0 treated, 2 held out; "
        "at least 30 of each are needed)."
    ]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["recorded"] == 0  # measured once

    async def reordered() -> int:
        mem = await Memory.open(memory)
        (measured,) = await mem.retention_uplifts()
        await mem.close()
        return measured.uplift.held_out_reordered

    assert asyncio.run(reordered()) == 1  # the one who ordered inside the window
