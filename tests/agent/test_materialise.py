"""Investigations of anomalies: the whole run of unusual days, against the same weekdays before."""

from __future__ import annotations

from datetime import date

from agent.domain import Anomaly, Window
from agent.materialise import anomaly_params, headline, investigation_goal
from agent.semantic import load_semantic

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


def test_an_alert_title_and_its_question_name_the_segment_in_words() -> None:
    wape = Anomaly(
        metric="forecast_error",
        where={"category": "apparel", "region": "West"},
        day=date(2025, 12, 12),
        actual=0.4,
        expected=0.2,
        score=5.0,
        direction="up",
    )
    params = anomaly_params(wape)
    # The label comes from semantic.yml; the segment reads as format_segment's "words".
    assert headline(load_semantic(), params) == (
        "Forecast error (WAPE) in apparel products × West: unusual day 2025-12-12"
    )
    goal = investigation_goal(params, TODAY)
    assert goal.text == "why did forecast error in apparel products × West move?"
    assert goal.filters == {"category": "apparel", "region": "West"}
