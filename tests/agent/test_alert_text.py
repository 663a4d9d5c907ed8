"""An alert never pairs 'down' with an investigation that says 'rose'."""

from __future__ import annotations

from datetime import date

from agent.domain import Anomaly, Finding
from agent.loop import investigation_line


def _anomaly(direction: str) -> Anomaly:
    return Anomaly(
        metric="revenue",
        where={"channel": "organic"},
        day=date(2026, 11, 25),
        actual=11_165.0,
        expected=14_483.0,
        score=5.4,
        direction="down" if direction == "down" else "up",
        days=8,
    )


def _finding(direction: str, relative: float) -> Finding:
    return Finding(
        kind="explain",
        title="Why revenue in organic rose",
        summary="Revenue in organic rose from $80,000 to $89,600.",
        facts={"direction": direction, "relative_change": relative},
    )


def test_an_investigation_that_agrees_is_quoted() -> None:
    finding = _finding("down", -0.2)
    assert investigation_line(_anomaly("down"), finding) == finding.summary


def test_a_drop_against_a_surge_says_so_instead_of_rose() -> None:
    line = investigation_line(_anomaly("down"), _finding("up", 0.12))
    assert "rose (+12.0%), less than the rest of the store" in line
    assert "Revenue in organic rose from" not in line


def test_a_spike_against_a_dip_reads_the_other_way() -> None:
    line = investigation_line(_anomaly("up"), _finding("down", -0.05))
    assert "fell (-5.0%), less than the rest of the store" in line
