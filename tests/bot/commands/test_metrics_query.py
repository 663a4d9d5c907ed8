"""`scout metrics` and `scout query` through the real CLI entry point."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from agent.domain import Window
from bot.cli import main
from tests.agent.semantic.handmade import handmade_frames, handmade_path
from tests.agent.semantic.reference import expected

__all__ = ["handmade_frames", "handmade_path"]


def test_metrics_lists_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in rows}
    assert by_name["conversion_rate"]["type"] == "ratio"
    assert "cvr" in by_name["conversion_rate"]["synonyms"]
    assert "landing_category" in by_name["conversion_rate"]["dimensions"]
    assert main(["metrics"]) == 0
    assert "revenue_per_session" in capsys.readouterr().out


def test_query_json_with_synonyms_and_default_window(
    capsys: pytest.CaptureFixture[str],
    handmade_path: Path,
    handmade_frames: dict[str, pd.DataFrame],
) -> None:
    args = ["query", "CVR", "--by", "device", "--where", "region=NE", "--json"]
    args += ["--warehouse", str(handmade_path), "--today", "2025-11-20"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metric"] == "conversion_rate"
    # Last 7 complete days before today.
    assert out["window"] == {"start": "2025-11-13", "end": "2025-11-20"}
    assert out["columns"] == ["device", "numerator", "denominator", "value"]
    assert out["params"]["f_region"] == "Northeast"
    assert "$f_region" in out["sql"]
    window = Window(start=date(2025, 11, 13), end=date(2025, 11, 20))
    want = expected(
        handmade_frames, "conversion_rate", window, {"region": "Northeast"}, ("device",)
    )
    assert [r[0] for r in out["rows"]] == want["device"].tolist()
    assert [r[3] for r in out["rows"]] == pytest.approx(want["value"].tolist())


def test_query_table_with_range_and_grain(
    capsys: pytest.CaptureFixture[str], handmade_path: Path
) -> None:
    args = ["query", "revenue_per_session", "--from", "2025-11-03", "--to", "2025-11-16"]
    args += ["--grain", "week", "--warehouse", str(handmade_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Revenue per session" in out and "2025-11-03" in out and "2025-11-10" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["revenu"], "I don't know a metric called 'revenu'"),
        (["revenue", "--by", "topic"], "can't group by 'topic'"),
        (["revenue", "--where", "region=Narnia"], "'Narnia' is not a region"),
        (["revenue", "--where", "region"], "dimension=value"),
        (["revenue", "--from", "2025-13-01"], "not a date"),
        (["revenue", "--from", "2025-11-10", "--to", "2025-11-01"], "is after"),
    ],
)
def test_query_mistakes_are_friendly(
    capsys: pytest.CaptureFixture[str], handmade_path: Path, extra: list[str], message: str
) -> None:
    args = ["query", *extra, "--warehouse", str(handmade_path), "--today", "2025-11-20"]
    assert main(args) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_query_missing_warehouse_is_friendly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["query", "revenue", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "no DuckDB warehouse at" in " ".join(capsys.readouterr().err.split())
