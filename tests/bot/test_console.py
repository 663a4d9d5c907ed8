"""The terminal's rendering of findings: the same words and units as Slack's."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from agent.domain import Anomaly, Finding, Goal, Intent, RootCause, Table, Window
from bot.console import finding_panel, goal_line


def _text(finding: Finding) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(finding_panel(finding))
    return console.export_text()


def test_goal_line_says_the_segment_in_words() -> None:
    goal = Goal(
        intent=Intent.EXPLAIN,
        metric="conversion_rate",
        filters={"device": "desktop", "channel": "paid_search"},
        window=Window(start=date(2026, 11, 28), end=date(2026, 12, 5)),
        confidence=0.9,
    )
    line = goal_line(goal)
    assert line.startswith("explain · conversion rate · in paid search traffic × desktop · ")
    assert "=" not in line and "_" not in line


def test_anomalies_without_a_table_read_as_labels_and_words() -> None:
    anomaly = Anomaly(
        metric="conversion_rate",
        where={"channel": "organic", "device": "desktop"},
        day=date(2026, 11, 30),
        actual=0.0221,
        expected=0.0439,
        score=8.0,
        direction="down",
        value_format="percent",
    )
    text = _text(Finding(kind="anomalies", title="Unusual days", summary="", anomalies=(anomaly,)))
    assert "Conversion rate" in text and "conversion_rate" not in text
    assert "organic traffic × desktop" in text and "channel=" not in text
    assert "2.21%" in text and "4.39%" in text


def test_the_findings_own_table_is_shown_as_slack_shows_it() -> None:
    # A rate's baseline column reads as a percent, not as the raw fraction 0.045; the
    # segments behind the table are not shown a second time with their raw keys.
    finding = Finding(
        kind="segment",
        title="Segments",
        summary="",
        table=Table(columns=("device", "baseline", "share"), rows=(("mobile", 0.045, 0.5),)),
        segments=({"segment": "mobile", "avg_recency_days": 12.5},),
        value_format="percent",
    )
    text = _text(finding)
    assert "4.50%" in text and "0.045" not in text
    assert "50.0%" in text
    assert "avg_recency_days" not in text and "avg recency" not in text


def test_causes_name_their_segment_in_words() -> None:
    cause = RootCause(
        where={"device": "desktop"}, baseline=0.0439, current=0.0224, change=-0.0215, explains=0.99
    )
    finding = Finding(
        kind="explain", title="Why", summary="", root_causes=(cause,), value_format="percent"
    )
    text = _text(finding)
    assert "desktop" in text and "device=" not in text
    assert "4.39%" in text and "-2.15 pp" in text
