"""`scout ask "how are we doing in the West?"`: the West's scorecard, from the CLI entry point,
every number against hand-written SQL on the demo warehouse."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from agent.demo_data import GeneratedWarehouse
from bot.cli import main


def test_a_segment_question_gets_that_segments_scorecard(
    capsys: pytest.CaptureFixture[str], demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    argv = ["ask", "how are we doing in the West?", "--json", "--today", "2025-12-15"]
    argv += ["--warehouse", str(demo_warehouse.path), "--memory", str(tmp_path / "m.sqlite3")]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    (card,) = [f for f in answer["findings"] if f["kind"] == "scorecard"]
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        sql = "SELECT SUM(revenue), COUNT(*) FROM orders WHERE region = 'West' AND order_date = ?"
        now = con.execute(sql, [date(2025, 12, 14)]).fetchone()
        before = con.execute(sql, [date(2025, 12, 7)]).fetchone()  # the same weekday
        sessions = con.execute(
            "SELECT COUNT(*), AVG(CASE WHEN converted THEN 1.0 ELSE 0 END) FROM sessions"
            " WHERE region = 'West' AND session_date = ?",
            [date(2025, 12, 14)],
        ).fetchone()
    assert now is not None and before is not None and sessions is not None
    facts = card["facts"]
    assert facts["revenue.value"] == pytest.approx(now[0])
    assert facts["revenue.baseline"] == pytest.approx(before[0])
    assert facts["orders.value"] == now[1] and facts["orders.baseline"] == before[1]
    assert facts["sessions.value"] == sessions[0]
    assert facts["conversion_rate.value"] == pytest.approx(sessions[1])
    rows = {row[0]: row for row in card["table"]["rows"]}
    assert rows["Revenue"][1] == f"${now[0]:,.0f}"
    assert rows["Conversion rate"][1] == f"{sessions[1] * 100:.2f}%"
    assert all(e["params"].get("f_region") == "West" for e in card["evidence"][:2])
