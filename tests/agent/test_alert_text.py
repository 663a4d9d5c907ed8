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


def test_an_agreeing_investigation_says_which_baseline_it_compares_with() -> None:
    # The alert's "vs $14,483 expected" is the detector's; the investigation compares with
    # the same weekdays before, and must say so rather than sit next to it unexplained.
    finding = Finding(
        kind="explain",
        title="Why revenue in organic fell",
        summary="Revenue in organic fell from $120,000 to $89,300 (-25.6%).",
        facts={
            "direction": "down",
            "relative_change": -0.256,
            "baseline_window": "Nov 17 – Nov 24, 2026",
        },
    )
    line = investigation_line(_anomaly("down"), finding)
    assert line == (
        "Investigated against the same weekdays before (Nov 17 – Nov 24, 2026), not the "
        "expected level above: Revenue in organic fell from $120,000 to $89,300 (-25.6%)."
    )


def test_a_store_wide_drop_on_black_friday_says_the_holiday_explains_the_rise() -> None:
    # Thanksgiving 2026 is Thu Nov 26, so Black Friday is Fri Nov 27.
    total = Anomaly(
        metric="revenue",
        where={},
        day=date(2026, 11, 27),
        actual=30_000.0,
        expected=70_000.0,
        score=6.0,
        direction="down",
        days=1,
    )
    line = investigation_line(total, _finding("up", 0.05))
    assert line.startswith("This was Black Friday")
    assert "rose (+5.0%), less than Black Friday usually does" in line
    assert "rest of the store" not in line  # the total has no rest


def test_a_segment_behind_the_black_friday_surge_names_the_day() -> None:
    segment = Anomaly(
        metric="revenue",
        where={"channel": "organic"},
        day=date(2026, 11, 27),
        actual=7_933.0,
        expected=18_951.0,
        score=6.2,
        direction="down",
        days=1,
    )
    line = investigation_line(segment, _finding("up", 0.05))
    assert "less than the rest of the store on Black Friday" in line


def test_an_ordinary_total_that_moved_the_other_way_blames_no_rest() -> None:
    total = Anomaly(
        metric="orders",
        where={},
        day=date(2026, 3, 11),
        actual=300.0,
        expected=450.0,
        score=4.0,
        direction="down",
        days=1,
    )
    line = investigation_line(total, _finding("up", 0.02))
    assert "rest of the store" not in line and "Black Friday" not in line
    assert "rose (+2.0%)" in line
