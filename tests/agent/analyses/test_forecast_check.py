"""forecast_check: WAPE and bias against pandas, the recorded bias found, a hand-made baseline."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.analyses.declared import transpile
from agent.analyses.forecast_check import PRODUCT_SQL, forecast_detail
from agent.analyses.forecast_stats import change_point, direction
from agent.demo_data import GeneratedWarehouse
from agent.domain import Finding, Goal, Intent, Window
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse
from tests.conftest import TODAY

WINDOW = Window(start=TODAY - timedelta(days=30), end=TODAY)


@pytest.fixture(scope="module")
def findings(ctx: AnalysisContext) -> tuple[Finding, ...]:
    return run_goal(Goal(intent=Intent.FORECAST_CHECK, metric="forecast_error"), ctx)


@pytest.fixture(scope="module")
def rows(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frame = raw["inventory_forecasts"]
    days = pd.to_datetime(frame["forecast_date"]).dt.date
    frame = frame[(days >= WINDOW.start) & (days < WINDOW.end)].copy()
    frame["error"] = (frame["forecast_units"] - frame["actual_units"]).abs()
    frame["diff"] = frame["forecast_units"] - frame["actual_units"]
    return frame


def test_wape_and_bias_per_category_match_pandas(
    findings: tuple[Finding, ...], rows: pd.DataFrame
) -> None:
    main = findings[0]
    sums = rows.groupby("category")[["error", "diff", "actual_units"]].sum()
    assert main.table is not None
    table = {r[0]: r for r in main.table.rows}
    assert set(table) == set(sums.index)
    for category, hand in sums.iterrows():
        _, wape, bias, words, *_ = table[category]
        assert wape == pytest.approx(hand["error"] / hand["actual_units"])
        assert bias == pytest.approx(hand["diff"] / hand["actual_units"])
        assert words == direction(bias)
    assert main.facts["wape"] == pytest.approx(rows["error"].sum() / rows["actual_units"].sum())
    assert main.facts["bias"] == pytest.approx(rows["diff"].sum() / rows["actual_units"].sum())
    biases = [abs(r[2]) for r in main.table.rows]
    assert biases == sorted(biases, reverse=True)


def test_worst_products_match_pandas(findings: tuple[Finding, ...], rows: pd.DataFrame) -> None:
    by_product = rows.groupby("product_id")[["error", "diff", "actual_units"]].sum()
    top = by_product.sort_values("error", ascending=False).head(5)
    items = findings[0].worst_items
    assert [i["product_id"] for i in items] == list(top.index)
    for item in items:
        hand = by_product.loc[item["product_id"]]
        assert item["wape"] == pytest.approx(hand["error"] / hand["actual_units"])
        assert item["bias"] == pytest.approx(hand["diff"] / hand["actual_units"])


def test_recorded_biased_category_is_the_worst_with_the_right_direction(
    findings: tuple[Finding, ...], demo_warehouse: GeneratedWarehouse
) -> None:
    scenario = demo_warehouse.scenario("forecast_bias")
    facts = findings[0].facts
    assert facts["worst_category"] == scenario.where["category"]
    assert (facts["worst_category_bias"] > 0) == (scenario.effect_size > 0)
    expected = "over-forecasting" if scenario.effect_size > 0 else "under-forecasting"
    assert facts["worst_category_direction"] == expected
    assert scenario.where["category"] in findings[0].summary


def test_drift_start_found_within_three_days(
    findings: tuple[Finding, ...], demo_warehouse: GeneratedWarehouse
) -> None:
    scenario = demo_warehouse.scenario("forecast_bias")
    start = findings[0].facts["drift_start"]
    assert start is not None
    assert abs((start - scenario.start).days) <= 3
    chart = findings[0].chart
    assert chart is not None and chart.kind == "line" and chart.highlight == (start,)


def test_change_point_on_a_clean_step_and_on_flat_noise() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(40)]
    step = [0.01 * ((-1) ** i) for i in range(25)] + [0.5 + 0.01 * ((-1) ** i) for i in range(15)]
    drift = change_point(days, step)
    assert drift is not None and drift.significant
    assert drift.start == days[25] and drift.after == pytest.approx(0.5, abs=0.01)
    flat = change_point(days, [0.05 * ((-1) ** i) for i in range(40)])
    assert flat is not None and not flat.significant


def test_baseline_finding_compares_on_the_same_days(findings: tuple[Finding, ...]) -> None:
    baseline = findings[1]
    assert baseline.kind == "forecast_baseline"
    assert baseline.chart is not None and baseline.chart.kind == "grouped_bar"
    assert baseline.facts["legacy_wape"] == pytest.approx(findings[0].facts["wape"])


HAND_DAYS = 35  # five weeks: the last one is the window


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> AnalysisContext:
    """A warehouse of three products whose baseline errors can be worked out by hand.

    A: actual 10, 12, 14, 16 in weeks 1–4 and 18 in the window; forecast 20.
       baseline = mean(16, 14, 12, 10) = 13 → |13 − 18| = 5 a day; legacy |20 − 18| = 2.
    B: only in weeks 4–5: actual 3 then 5, forecast 6 → baseline 3, error 2; legacy 1.
    C: only in the window (no history): actual 7, forecast 7 → not compared.
    """
    first = date(2025, 1, 6)
    records = []
    for day in range(HAND_DAYS):
        week = day // 7
        when = first + timedelta(days=day)
        records.append((when, "P1", "toys", 20.0, 10 + 2 * week))
        if week >= 3:
            records.append((when, "P2", "toys", 6.0, 3 if week == 3 else 5))
        if week == 4:
            records.append((when, "P3", "home", 7.0, 7))
    frame = pd.DataFrame(
        records,
        columns=["forecast_date", "product_id", "category", "forecast_units", "actual_units"],
    )
    path = Path(tmp_path_factory.mktemp("tiny_forecasts")) / "tiny.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute(
            "CREATE TABLE inventory_forecasts AS SELECT CAST(forecast_date AS DATE) AS "
            "forecast_date, product_id, category, CAST(forecast_units AS DOUBLE) AS "
            "forecast_units, CAST(actual_units AS INTEGER) AS actual_units FROM frame"
        )
    return AnalysisContext(
        warehouse=DuckDBWarehouse(path), layer=load_semantic(), today=first + timedelta(HAND_DAYS)
    )


def test_baseline_wape_on_a_hand_made_case(tiny: AnalysisContext) -> None:
    window = Window(start=tiny.today - timedelta(days=7), end=tiny.today)
    products, evidence = forecast_detail(tiny, window, {})
    p = products.set_index("product_id")
    assert p.loc["P1", "baseline_wape"] == pytest.approx(5 / 18)
    assert p.loc["P1", "legacy_wape_compared"] == pytest.approx(2 / 18)
    assert p.loc["P2", "baseline_wape"] == pytest.approx(2 / 5)
    assert p.loc["P2", "wape"] == pytest.approx(1 / 5)
    assert p.loc["P3", "compared_actual"] == 0 and p.loc["P3", "wape"] == 0
    assert evidence.params["history_start"] == window.start - timedelta(weeks=4)
    (main, baseline) = run_goal(
        Goal(intent=Intent.FORECAST_CHECK, metric="forecast_error", window=window), tiny
    )
    # Compared days: P1 and P2 (P3 has no history): baseline (35 + 14) / (126 + 35).
    assert baseline.facts["baseline_wape"] == pytest.approx((7 * 5 + 7 * 2) / (7 * 18 + 7 * 5))
    assert baseline.facts["legacy_wape"] == pytest.approx((7 * 2 + 7 * 1) / (7 * 18 + 7 * 5))
    assert main.facts["worst_category"] == "toys"


def test_product_sql_transpiles_with_native_placeholders() -> None:
    sql = PRODUCT_SQL.format(
        table='"inventory_forecasts"',
        time='"forecast_date"',
        category='"category"',
        product='"product_id"',
        forecast='"forecast_units"',
        actual='"actual_units"',
        filters="",
    )
    postgres = transpile(sql, "postgres")
    assert ":window_start" in postgres and "$" not in postgres
    assert "$window_start" in transpile(sql, "duckdb")
