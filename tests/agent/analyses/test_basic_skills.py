"""lookup, trend, breakdown, compare and help against numbers computed by hand in pandas."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.domain import Goal, Intent, Window
from agent.errors import UserError
from bot.text import row_texts
from tests.conftest import DEMO_DAYS, TODAY

YESTERDAY = Window(start=TODAY - timedelta(days=1), end=TODAY)
LAST_WEEK = Window(start=date(2025, 12, 8), end=date(2025, 12, 15))


def _day(frame: pd.DataFrame, column: str, window: Window) -> pd.DataFrame:
    days = pd.to_datetime(frame[column]).dt.date
    return frame[(days >= window.start) & (days < window.end)]


def test_lookup_matches_pandas_and_reports_change(
    ctx: AnalysisContext, raw: dict[str, pd.DataFrame]
) -> None:
    (finding,) = run_goal(Goal(intent=Intent.LOOKUP, metric="revenue", window=YESTERDAY), ctx)
    current = _day(raw["orders"], "order_date", YESTERDAY)["revenue"].sum()
    before = _day(raw["orders"], "order_date", YESTERDAY.previous())["revenue"].sum()
    assert finding.facts["value"] == pytest.approx(current)
    assert finding.facts["baseline"] == pytest.approx(before)
    assert finding.facts["relative_change"] == pytest.approx((current - before) / before)
    assert f"${current:,.0f}" in finding.summary
    assert all("SELECT" in e.sql.upper() for e in finding.evidence)
    assert finding.chart is not None and finding.chart.highlight == (YESTERDAY.start, YESTERDAY.end)


def test_lookup_of_a_ratio_with_filter(ctx: AnalysisContext, raw: dict[str, pd.DataFrame]) -> None:
    goal = Goal(
        intent=Intent.LOOKUP,
        metric="conversion_rate",
        window=LAST_WEEK,
        filters={"device": "mobile"},
    )
    (finding,) = run_goal(goal, ctx)
    rows = _day(raw["sessions"], "session_date", LAST_WEEK)
    rows = rows[rows["device"] == "mobile"]
    assert finding.facts["numerator"] == rows["converted"].sum()
    assert finding.facts["denominator"] == len(rows)
    assert finding.facts["value"] == pytest.approx(rows["converted"].mean())


def test_breakdown_values_shares_and_order(
    ctx: AnalysisContext, raw: dict[str, pd.DataFrame]
) -> None:
    goal = Goal(intent=Intent.BREAKDOWN, metric="revenue", window=LAST_WEEK, group_by=("region",))
    (finding,) = run_goal(goal, ctx)
    expected = _day(raw["orders"], "order_date", LAST_WEEK).groupby("region")["revenue"].sum()
    assert finding.table is not None
    assert finding.table.columns[:2] == ("region", "Revenue")
    got = {row[0]: row[1] for row in finding.table.rows}
    assert got == pytest.approx(expected.to_dict())  # exact numbers in the rows
    # and the column says how they read, so Slack and the terminal show money alike.
    assert finding.table.formats[1:5] == ("currency", "share", "currency", "change")
    west = next(row for row in finding.table.rows if row[0] == "West")
    assert row_texts(finding.table, west)[1] == f"${expected['West']:,.0f}"
    assert [row[0] for row in finding.table.rows] == list(
        expected.sort_values(ascending=False).index
    )
    assert sum(row[2] for row in finding.table.rows) == pytest.approx(1.0)
    assert finding.facts["top"] == expected.idxmax()


def test_breakdown_of_a_rate_reads_in_percent_and_points(
    ctx: AnalysisContext, raw: dict[str, pd.DataFrame]
) -> None:
    before = Window(start=LAST_WEEK.start - timedelta(days=7), end=LAST_WEEK.start)
    goal = Goal(
        intent=Intent.BREAKDOWN,
        metric="conversion_rate",
        window=LAST_WEEK,
        baseline=before,
        group_by=("device",),
    )
    (finding,) = run_goal(goal, ctx)
    now = _day(raw["sessions"], "session_date", LAST_WEEK).groupby("device")["converted"].mean()
    then = _day(raw["sessions"], "session_date", before).groupby("device")["converted"].mean()
    assert finding.table is not None
    assert finding.table.columns == (
        "device", "Conversion rate", "share of sessions", "before", "change", "change, points"
    )  # fmt: skip
    for row in finding.table.rows:
        device = row[0]
        rate, _share, baseline, change, points = row_texts(finding.table, row)[1:]
        assert rate == f"{now[device] * 100:.2f}%"
        assert baseline == f"{then[device] * 100:.2f}%"
        assert points == f"{(now[device] - then[device]) * 100:+.2f} pp"
        assert change == f"{(now[device] - then[device]) / then[device] * 100:+.1f}%"
        assert row[1] == pytest.approx(now[device])  # the row itself keeps the exact rate


def test_breakdown_by_a_dimension_the_metric_lacks_is_a_friendly_error(
    ctx: AnalysisContext,
) -> None:
    goal = Goal(
        intent=Intent.BREAKDOWN, metric="sessions", window=LAST_WEEK, group_by=("category",)
    )
    with pytest.raises(UserError, match="can't be split by category"):
        run_goal(goal, ctx)


def test_compare_mobile_desktop_conversion(
    ctx: AnalysisContext, raw: dict[str, pd.DataFrame]
) -> None:
    goal = Goal(
        intent=Intent.COMPARE,
        metric="conversion_rate",
        window=LAST_WEEK,
        compare={"device": ("mobile", "desktop")},
    )
    (finding,) = run_goal(goal, ctx)
    rows = _day(raw["sessions"], "session_date", LAST_WEEK)
    rates = rows.groupby("device")["converted"].mean()
    assert finding.facts["mobile"] == pytest.approx(rates["mobile"])
    assert finding.facts["desktop"] == pytest.approx(rates["desktop"])
    # Desktop converts about twice as often in the demo; with thousands of sessions that is real.
    assert finding.facts["significant"] is True
    assert finding.facts["test"] == "two-proportion z-test"


def test_compare_two_similar_regions_is_not_called_significant(ctx: AnalysisContext) -> None:
    # Two regions' revenue per day over a single week: 7 noisy points each, similar sizes.
    goal = Goal(
        intent=Intent.COMPARE,
        metric="aov",
        window=LAST_WEEK,
        compare={"region": ("Northeast", "Southeast")},
    )
    (finding,) = run_goal(goal, ctx)
    assert finding.facts["test"] == "Welch t-test on daily values"
    assert 0.0 <= finding.facts["p_value"] <= 1.0


def test_trend_series_and_direction(ctx: AnalysisContext, raw: dict[str, pd.DataFrame]) -> None:
    window = Window(start=date(2025, 11, 1), end=TODAY)
    (finding,) = run_goal(Goal(intent=Intent.TREND, metric="sessions", window=window), ctx)
    daily = _day(raw["sessions"], "session_date", window).groupby("session_date").size()
    assert finding.table is not None
    assert [row[1] for row in finding.table.rows] == daily.astype(float).tolist()
    slope = np.polyfit(np.arange(len(daily)), daily.to_numpy(dtype=float), 1)[0]
    assert finding.facts["slope_per_period"] == pytest.approx(slope, rel=1e-6)
    expected = (
        "flat" if finding.facts["p_value"] >= 0.05 else ("rising" if slope > 0 else "falling")
    )
    assert finding.facts["direction"] == expected


def test_no_data_window_says_so(ctx: AnalysisContext) -> None:
    window = Window(start=date(2020, 1, 1), end=date(2020, 1, 8))
    (finding,) = run_goal(Goal(intent=Intent.LOOKUP, metric="revenue", window=window), ctx)
    assert finding.kind == "no_data"
    assert math.isfinite(finding.confidence)
    # It says where the data is, so the user can ask again for a window that has some.
    first = (TODAY - timedelta(days=DEMO_DAYS)).strftime("%b %-d")
    assert f"The data covers {first}" in finding.summary


def test_help_lists_every_metric(ctx: AnalysisContext) -> None:
    (finding,) = run_goal(Goal(intent=Intent.UNKNOWN), ctx)
    for name in ctx.layer.metric_names:
        assert name in finding.summary
