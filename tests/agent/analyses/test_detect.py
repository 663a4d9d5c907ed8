"""The warehouse-backed detect scan: the injected drop is found, a quiet store stays quiet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from agent.analyses import AnalysisContext
from agent.analyses.anomaly import daily_checks, detect_segments, find_runs
from agent.analyses.detect import detect, scan
from agent.demo_data import GeneratedWarehouse
from agent.domain import Goal, Intent, Window
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse
from tests.conftest import TODAY

LAST_WEEK = Window(start=TODAY - timedelta(days=7), end=TODAY)


@pytest.fixture(scope="module")
def quiet_ctx(quiet_warehouse: GeneratedWarehouse) -> Iterator[AnalysisContext]:
    warehouse = DuckDBWarehouse(quiet_warehouse.path)
    yield AnalysisContext(warehouse=warehouse, layer=load_semantic(), today=TODAY)
    warehouse.close()


def test_conversion_drop_is_reported_from_its_first_day(
    ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse
) -> None:
    truth = demo_warehouse.scenario("conversion_drop")
    result = scan(ctx, LAST_WEEK, metrics=("conversion_rate",))
    hits = [
        a
        for a in result.anomalies
        if a.metric == "conversion_rate"
        and a.direction == "down"
        and a.where
        and set(a.where.items()) <= set(truth.where.items())
    ]
    assert hits, result.anomalies
    assert abs((hits[0].day - truth.start).days) <= 1
    # One sustained shift, not one anomaly per day.
    assert hits[0].days >= 4
    assert hits[0].actual < hits[0].expected * 0.8


def test_quiet_warehouse_has_at_most_one_anomaly(quiet_ctx: AnalysisContext) -> None:
    result = scan(quiet_ctx, LAST_WEEK)
    assert result.series_checked > 50
    assert len(result.anomalies) <= 1, result.anomalies


def test_black_friday_week_is_not_reported(quiet_ctx: AnalysisContext) -> None:
    bf = Window(start=date(2025, 11, 24), end=date(2025, 12, 3))
    result = scan(quiet_ctx, bf, metrics=("revenue", "orders", "sessions"))
    assert len(result.anomalies) <= 1, result.anomalies


def test_expected_value_by_hand_for_a_tiny_series() -> None:
    # Four weeks of a flat weekly pattern (Mon..Sun) then a checked week at half the level.
    pattern = np.array([100.0, 100, 100, 100, 100, 200, 200])
    idx = pd.date_range("2025-10-06", periods=35, freq="D")  # starts on a Monday
    values = np.tile(pattern, 5)
    values[28:] = pattern / 2
    series = pd.Series(values, index=idx)
    checks = daily_checks(series, since=date(2025, 11, 3), holidays={})
    # Hand computation: the level is the median of the deseasonalised last 21 days of history,
    # all equal to mean(log(pattern)) + profile: the expectation is the pattern itself, not
    # pulled down by the checked week's own low days.
    assert [round(c.expected, 6) for c in checks] == list(pattern)
    assert all(c.z < -4 for c in checks)
    (run,) = find_runs(checks)
    assert (run.start, run.days) == (date(2025, 11, 3), 7)
    assert run.actual == pytest.approx(pattern.mean() / 2)


def test_sustained_binomial_drop_is_one_run_with_binomial_z() -> None:
    rng = np.random.default_rng(3)
    idx = pd.date_range("2025-09-01", "2025-12-14", freq="D")
    sessions = pd.Series(np.full(len(idx), 2000.0), index=idx)
    rate = np.where(idx >= pd.Timestamp("2025-12-09"), 0.018, 0.03)
    conversions = pd.Series(rng.binomial(2000, rate).astype(float), index=idx)
    frame = pd.DataFrame(
        {"date": idx, "numerator": conversions.to_numpy(), "denominator": sessions.to_numpy()}
    )
    (found,) = detect_segments(
        {"conversion_rate": frame}, dimensions=[], since=date(2025, 12, 8), holidays={}
    )
    assert (found.day, found.days, found.direction) == (date(2025, 12, 9), 6, "down")
    # Per day, binomial z = (0.018 - 0.03) / sqrt(0.03 * 0.97 / 2000) = -3.1; over six days
    # about -7.7, a little less after calibration and the level's own uncertainty.
    assert 5.5 < found.score < 8.5
    assert found.expected == pytest.approx(0.03, abs=0.002)


def test_the_table_reads_a_rate_run_as_a_daily_average_and_scores_to_one_decimal(
    ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse
) -> None:
    goal = Goal(intent=Intent.DETECT, metric="conversion_rate", window=LAST_WEEK)
    (finding,) = [f for f in detect(goal, ctx) if f.table is not None]
    assert finding.table is not None
    runs = [row for row in finding.table.rows if row[0] == "Conversion rate" and row[3] > 1]
    assert runs, finding.table.rows
    for row in runs:
        assert str(row[4]).endswith("% avg") and "/day" not in str(row[4])
        assert str(row[6]).count(".") == 1 and len(str(row[6]).split(".")[1]) == 1


def test_a_drop_still_live_is_named_with_its_real_start(
    ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse
) -> None:
    """Asked about one day (or this week) in the middle of a drop, the answer names the drop
    and the day it began, not "nothing unusual" or the first day of the window."""
    truth = demo_warehouse.scenario("conversion_drop")
    for window in (
        Window(start=TODAY - timedelta(days=1), end=TODAY),  # yesterday
        Window(start=truth.start + timedelta(days=3), end=TODAY),  # a window begun after it
    ):
        assert window.start > truth.start + timedelta(days=1)
        result = scan(ctx, window, metrics=("conversion_rate",))
        hits = [
            a
            for a in result.anomalies
            if a.direction == "down"
            and a.where
            and set(a.where.items()) <= set(truth.where.items())
        ]
        assert hits, (window, result.anomalies)
        assert abs((hits[0].day - truth.start).days) <= 1, hits[0]
        assert hits[0].day + timedelta(days=hits[0].days) > window.start
        # Never told twice: once from its real start, not again from the window's first day.
        assert not [a for a in hits if a.day == window.start]
    (finding,) = detect(
        Goal(
            intent=Intent.DETECT,
            metric="conversion_rate",
            window=Window(start=TODAY - timedelta(days=1), end=TODAY),
        ),
        ctx,
    )
    assert f"since {truth.start:%a %b %-d}" in finding.summary or (
        f"since {truth.start + timedelta(days=1):%a %b %-d}" in finding.summary
    )
