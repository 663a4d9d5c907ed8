"""The scorecard: a segment's and a period's KPIs, each number checked against hand-written SQL.

The goals come from the real parser (agent.understand), so the test also pins which window and
comparison a question gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.demo_data import GeneratedWarehouse, generate
from agent.domain import Finding, Window
from agent.semantic import load_semantic
from agent.understand import understand
from agent.warehouse import DuckDBWarehouse
from tests.conftest import SEED, TODAY

# Every watched KPI by hand: (label, SQL over one day range with an optional region filter).
HAND = {
    "Revenue": "SELECT SUM(revenue) FROM orders WHERE order_date >= ? AND order_date < ? {r}",
    "Orders": "SELECT COUNT(*) FROM orders WHERE order_date >= ? AND order_date < ? {r}",
    "Sessions": "SELECT COUNT(*) FROM sessions WHERE session_date >= ? AND session_date < ? {r}",
    "Conversion rate": "SELECT AVG(CASE WHEN converted THEN 1.0 ELSE 0 END) FROM sessions"
    " WHERE session_date >= ? AND session_date < ? {r}",
    "Average order value": "SELECT SUM(revenue) / COUNT(*) FROM orders"
    " WHERE order_date >= ? AND order_date < ? {r}",
    "Add-to-cart rate": "SELECT AVG(CASE WHEN added_to_cart THEN 1.0 ELSE 0 END) FROM sessions"
    " WHERE session_date >= ? AND session_date < ? {r}",
    "Support tickets": "SELECT COUNT(*) FROM support_tickets"
    " WHERE created_date >= ? AND created_date < ? {r}",
}


def hand(path: Path, label: str, window: Window, region: str | None = None) -> float:
    sql = HAND[label].format(r="AND region = ?" if region else "")
    params: list[object] = [window.start, window.end, *([region] if region else [])]
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(sql, params).fetchone()
    assert row is not None
    return float(row[0] or 0.0)


def ask(ctx: AnalysisContext, text: str) -> Finding:
    goal = understand(text, layer=ctx.layer, today=ctx.today)
    (finding,) = run_goal(goal, ctx)
    return finding


def shown(ctx: AnalysisContext, label: str, value: float) -> str:
    """The number as the table must show it: the metric's own format (semantic.yml)."""
    metric = next(m for m in ctx.layer.metric_names if ctx.layer.metric(m).label == label)
    return ctx.layer.format_value(metric, value)


def test_the_west_yesterday_against_the_same_weekday_a_week_before(
    ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse
) -> None:
    finding = ask(ctx, "how are we doing in the West?")
    path = demo_warehouse.path
    now = Window(start=date(2025, 12, 14), end=date(2025, 12, 15))
    before = Window(start=date(2025, 12, 7), end=date(2025, 12, 8))  # a Sunday, like Dec 14
    assert finding.kind == "scorecard" and "West" in finding.title
    assert finding.table is not None
    assert finding.table.columns[1:3] == (now.describe(), before.describe())
    rows = {row[0]: row for row in finding.table.rows}
    assert set(rows) == set(HAND)  # every watched KPI, nothing else
    for label in HAND:
        current, earlier = hand(path, label, now, "West"), hand(path, label, before, "West")
        assert rows[label][1] == shown(ctx, label, current), label
        assert rows[label][2] == shown(ctx, label, earlier), label
        metric = next(m for m in ctx.layer.metric_names if ctx.layer.metric(m).label == label)
        assert finding.facts[f"{metric}.value"] == pytest.approx(current)
        assert finding.facts[f"{metric}.baseline"] == pytest.approx(earlier)
        assert rows[label][3] == ctx.layer.format_change(metric, earlier, current)
    # The West's numbers, not the company's.
    assert hand(path, "Revenue", now, "West") < hand(path, "Revenue", now)
    # Two queries per KPI, each filtered to the West, and the story's own evidence after them.
    assert len(finding.evidence) >= 2 * len(HAND)
    assert all(e.params.get("f_region") == "West" for e in finding.evidence[: 2 * len(HAND)])
    assert "Biggest story" in finding.summary or "beyond normal variation" in finding.summary
    # A rate's change reads "-0.35 pp (-10.3%)", never nested as "(-0.35 pp (-10.3%))".
    assert " pp (" in finding.summary and "))" not in finding.summary


def test_last_week_for_a_segment_is_compared_with_the_week_before(
    ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse
) -> None:
    finding = ask(ctx, "how did the Midwest do last week?")
    path = demo_warehouse.path
    week = Window(start=date(2025, 12, 8), end=date(2025, 12, 15))
    before = Window(start=date(2025, 12, 1), end=date(2025, 12, 8))
    assert finding.facts["window"] == week.to_json()
    assert finding.facts["baseline_window"] == before.to_json()
    assert finding.facts["orders.value"] == hand(path, "Orders", week, "Midwest")
    assert finding.facts["orders.baseline"] == hand(path, "Orders", before, "Midwest")


def test_the_biggest_story_is_the_largest_move_that_is_not_noise(ctx: AnalysisContext) -> None:
    # Black Friday against the Friday before: everything surged, and the explain analysis
    # calls a move of that size broad, not noise.
    finding = ask(ctx, "how did Black Friday go?")
    assert finding.facts["window"] == {"start": "2025-11-28", "end": "2025-11-29"}
    changes = {
        key.removesuffix(".change"): value
        for key, value in finding.facts.items()
        if key.endswith(".change") and value is not None
    }
    largest = max(changes, key=lambda m: abs(changes[m]))
    assert finding.summary.count("Biggest story: ") == 1
    story = finding.summary.split("Biggest story: ")[1]
    assert story.startswith(ctx.layer.metric(largest).label)
    # The demo data starts in August 2025: Black Friday 2024 is missing, and the answer says so.
    assert "Fri Nov 29, 2024 is not in the data" in finding.summary
    assert finding.facts["baseline_window"] == {"start": "2025-11-21", "end": "2025-11-22"}


def test_a_period_without_data_says_so_instead_of_numbers(ctx: AnalysisContext) -> None:
    finding = ask(ctx, "how did the West do in March?")
    assert finding.kind == "no_data"
    assert finding.table is None and "$" not in finding.summary
    assert "Mar 1 – Mar 31, 2025 is not in the data" in finding.summary
    assert "it covers" in finding.summary


@pytest.fixture(scope="module")
def two_years(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[AnalysisContext, Path]]:
    """A small warehouse holding two Black Fridays (Nov 24, 2023 and Nov 29, 2024)."""
    out = tmp_path_factory.mktemp("two_years")
    built = generate(out=out, seed=SEED, today=TODAY, days=760, scale=0.03, scenarios=[])
    warehouse = DuckDBWarehouse(built.path)
    yield AnalysisContext(warehouse=warehouse, layer=load_semantic(), today=TODAY), built.path
    warehouse.close()


def test_black_friday_last_year_against_black_friday_the_year_before(
    two_years: tuple[AnalysisContext, Path],
) -> None:
    ctx, path = two_years
    finding = ask(ctx, "how did Black Friday go last year?")
    day = Window(start=date(2024, 11, 29), end=date(2024, 11, 30))
    year_before = Window(start=date(2023, 11, 24), end=date(2023, 11, 25))
    assert finding.facts["window"] == day.to_json()
    assert finding.facts["baseline_window"] == year_before.to_json()
    assert "Black Friday (Fri Nov 29, 2024)" in finding.title
    assert finding.facts["revenue.value"] == pytest.approx(hand(path, "Revenue", day))
    assert finding.facts["revenue.baseline"] == pytest.approx(hand(path, "Revenue", year_before))
    assert "not in the data" not in finding.summary
