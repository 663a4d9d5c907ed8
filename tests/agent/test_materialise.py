"""Investigations of anomalies: the whole run of unusual days, against the same weekdays before."""

from __future__ import annotations

from datetime import date

from agent.domain import Anomaly, Window
from agent.materialise import anomaly_params, investigation_goal

TODAY = date(2025, 12, 15)


def _span(window: Window | None) -> tuple[date, date] | None:
    return (window.start, window.end) if window else None


def _anomaly(day: date, days: int) -> Anomaly:
    return Anomaly(
        metric="conversion_rate",
        where={"channel": "organic"},
        day=day,
        actual=0.02,
        expected=0.03,
        score=5.0,
        direction="down",
        days=days,
    )


def test_a_single_unusual_day_is_compared_with_the_same_weekday_last_week() -> None:
    goal = investigation_goal(anomaly_params(_anomaly(date(2025, 12, 12), 1)), TODAY)
    assert _span(goal.window) == (date(2025, 12, 12), date(2025, 12, 13))
    assert _span(goal.baseline) == (date(2025, 12, 5), date(2025, 12, 6))
    assert goal.filters == {"channel": "organic"}


def test_a_run_is_investigated_whole_against_the_same_weekdays_before() -> None:
    goal = investigation_goal(anomaly_params(_anomaly(date(2025, 12, 12), 3)), TODAY)
    assert _span(goal.window) == (date(2025, 12, 12), date(2025, 12, 15))
    assert _span(goal.baseline) == (date(2025, 12, 5), date(2025, 12, 8))


def test_a_long_run_moves_its_baseline_back_whole_weeks_and_never_past_today() -> None:
    goal = investigation_goal(anomaly_params(_anomaly(date(2025, 12, 1), 20)), TODAY)
    assert _span(goal.window) == (date(2025, 12, 1), TODAY)
    assert goal.baseline is not None and goal.baseline.end <= goal.window.start
    assert (goal.window.start - goal.baseline.start).days % 7 == 0
