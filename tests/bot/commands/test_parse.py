"""`scout parse`: the Goal as JSON (keys never missing) or a panel; bad input is friendly."""

from __future__ import annotations

import json

import pytest

from bot.cli import main


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    text = "Can you analyze why conversion rates dropped in the Northeast?"
    assert main(["parse", text, "--today", "2025-12-15", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["intent"] == "explain"
    assert data["metric"] == "conversion_rate"
    assert data["filters"] == {"region": "Northeast"}
    assert data["window"] == {"start": "2025-12-08", "end": "2025-12-15"}
    assert data["baseline"] == {"start": "2025-12-01", "end": "2025-12-08"}
    assert data["needs_clarification"] is False and data["clarification"] is None


def test_json_with_a_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["parse", "how are we doing in Antarctica?", "--today", "2025-12-15", "--json"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["needs_clarification"] is True
    assert data["clarification"]["options"] == [
        "Northeast",
        "Southeast",
        "Midwest",
        "Southwest",
        "West",
    ]


def test_panel_output_escapes_markup(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "[bold]revenue[/] by region", "--today", "2025-12-15"]) == 0
    out = capsys.readouterr().out
    assert "breakdown" in out and "region" in out and "[bold]revenue[/]" in out


def test_bad_date_is_a_friendly_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "revenue", "--today", "2025-13-40"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
