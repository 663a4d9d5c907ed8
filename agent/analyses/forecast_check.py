"""forecast_check: the legacy inventory forecast against the units actually sold.

WAPE and bias per category and product over the window (default the last 30 days), the
worst offenders, when the worst category's bias shifted (a change point on its daily bias),
and a seasonal baseline — each day's forecast taken as the mean of the same weekday's actual
units over the four weeks before — evaluated on the same days, to show how much better even
a simple forecast would do.

The headline WAPE comes from the semantic layer's forecast_error metric; product and daily
detail from the declared SQL below (identifiers from the inventory_forecasts declaration or
fixed column names, values bound).
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd

from agent.analyses.base import (
    AnalysisContext,
    coverage,
    no_data_finding,
    outside_data,
    require_dimension,
    total,
    where_text,
    window_of,
)
from agent.analyses.declared import filter_sql, identifiers, run_declared
from agent.analyses.forecast_report import baseline_finding, drift_chart, side_bias, summary_text
from agent.analyses.forecast_stats import Drift, bias, change_point, direction, wape
from agent.domain import Evidence, Finding, FindingKind, Goal, Table, Window
from agent.semantic import MetricRequest

METRIC = "forecast_error"
TABLE = "inventory_forecasts"
DEFAULT_DAYS = 30
BASELINE_WEEKS = 4
DRIFT_HISTORY_DAYS = 90
WORST_PRODUCTS = 5
COLUMNS = {"category": "category", "product": "product_id"}
COLUMNS |= {"forecast": "forecast_units", "actual": "actual_units"}

# Per product over [window_start, window_end): legacy sums, and the seasonal baseline
# (mean actual units of the same product on the same weekday 1–4 weeks earlier), scored
# only on the days it exists so both forecasts are judged on the same days.
PRODUCT_SQL = """
WITH daily AS (
  SELECT {category} AS category, {product} AS product_id, CAST({time} AS DATE) AS day,
         SUM({forecast}) AS forecast_units, SUM({actual}) AS actual_units,
         SUM(ABS({forecast} - {actual})) AS absolute_error
  FROM {table}
  WHERE {time} >= $history_start AND {time} < $window_end{filters}
  GROUP BY 1, 2, 3
), scored AS (
  SELECT d.category, d.product_id, d.day, d.forecast_units, d.actual_units,
         d.absolute_error, AVG(h.actual_units) AS baseline_units
  FROM daily AS d
  LEFT JOIN daily AS h
    ON h.product_id = d.product_id
   AND h.day IN (d.day - INTERVAL 7 DAY, d.day - INTERVAL 14 DAY,
                 d.day - INTERVAL 21 DAY, d.day - INTERVAL 28 DAY)
  WHERE d.day >= $window_start
  GROUP BY 1, 2, 3, 4, 5, 6
)
SELECT category, product_id,
       CAST(SUM(forecast_units) AS DOUBLE) AS forecast_units,
       CAST(SUM(actual_units) AS DOUBLE) AS actual_units,
       CAST(SUM(absolute_error) AS DOUBLE) AS absolute_error,
       CAST(SUM(CASE WHEN baseline_units IS NULL THEN 0 ELSE actual_units END) AS DOUBLE)
         AS compared_actual,
       CAST(SUM(CASE WHEN baseline_units IS NULL THEN 0 ELSE absolute_error END) AS DOUBLE)
         AS compared_error,
       CAST(COALESCE(SUM(ABS(baseline_units - actual_units)), 0) AS DOUBLE) AS baseline_error
FROM scored
GROUP BY 1, 2
ORDER BY 1, 2
"""

# The daily forecast and actual units of one category, for the change point.
DAILY_SQL = """
SELECT CAST({time} AS DATE) AS day,
       CAST(SUM({forecast}) AS DOUBLE) AS forecast_units,
       CAST(SUM({actual}) AS DOUBLE) AS actual_units
FROM {table}
WHERE {time} >= $history_start AND {time} < $window_end AND {category} = $category{filters}
GROUP BY 1
ORDER BY 1
"""

SUMS: tuple[str, ...] = ("forecast_units", "actual_units", "absolute_error")
SUMS += ("compared_actual", "compared_error", "baseline_error")


def forecast_detail(
    ctx: AnalysisContext, window: Window, filters: dict[str, str]
) -> tuple[pd.DataFrame, Evidence]:
    """Per-product sums for the legacy forecast and the seasonal baseline over the window."""
    where, params = filter_sql(ctx, TABLE, filters)
    frame, evidence = run_declared(
        ctx,
        PRODUCT_SQL,
        identifiers(ctx, TABLE, **COLUMNS) | {"filters": where},
        {
            "history_start": window.start - timedelta(weeks=BASELINE_WEEKS),
            "window_start": window.start,
            "window_end": window.end,
            **params,
        },
        f"Forecast vs actual units per product, {window.describe()}{where_text(filters)}, "
        "with the 4-week same-weekday baseline",
    )
    frame = frame.astype({"category": str, "product_id": str} | dict.fromkeys(SUMS, float))
    return _with_rates(frame), evidence


def daily_bias(
    ctx: AnalysisContext, category: str, history: Window, filters: dict[str, str]
) -> tuple[pd.DataFrame, Evidence]:
    """Daily bias of one category over `history`."""
    where, params = filter_sql(ctx, TABLE, {k: v for k, v in filters.items() if k != "category"})
    frame, evidence = run_declared(
        ctx,
        DAILY_SQL,
        identifiers(ctx, TABLE, **COLUMNS) | {"filters": where},
        {
            "history_start": history.start,
            "window_end": history.end,
            "category": category,
            **params,
        },
        f"Daily forecast vs actual units, {category}, {history.describe()}",
    )
    frame["day"] = [pd.Timestamp(d).date() for d in frame["day"]]
    frame["bias"] = [
        bias(float(f), float(a))
        for f, a in zip(frame["forecast_units"], frame["actual_units"], strict=True)
    ]
    return frame, evidence


def by_category(products: pd.DataFrame) -> pd.DataFrame:
    """Category sums and rates from the product rows, largest systematic error first.

    WAPE also counts the day-to-day noise of demand, which no forecast removes and which is
    largest where volumes are small; |bias| is the part a fix to the model would remove, so
    it decides which category is the worst offender (WAPE breaks ties).
    """
    grouped = _with_rates(products.groupby("category", as_index=False)[list(SUMS)].sum())
    grouped["_abs_bias"] = grouped["bias"].abs()
    ranked = grouped.sort_values(["_abs_bias", "wape"], ascending=False, kind="stable")
    return ranked.drop(columns="_abs_bias")


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["wape"] = [
        wape(e, a) for e, a in zip(out["absolute_error"], out["actual_units"], strict=True)
    ]
    out["bias"] = [
        bias(f, a) for f, a in zip(out["forecast_units"], out["actual_units"], strict=True)
    ]
    out["direction"] = [direction(b) for b in out["bias"]]
    out["legacy_wape_compared"] = [
        wape(e, a) for e, a in zip(out["compared_error"], out["compared_actual"], strict=True)
    ]
    out["baseline_wape"] = [
        wape(e, a) for e, a in zip(out["baseline_error"], out["compared_actual"], strict=True)
    ]
    return out


def forecast_check(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """How far off the inventory forecast is, where, since when, and what a baseline would do."""
    filters = dict(goal.filters)
    for dimension in filters:
        require_dimension(ctx, METRIC, dimension)
    window = window_of(goal, ctx.today, default_days=DEFAULT_DAYS)
    headline = total(ctx, METRIC, window, filters)
    if math.isnan(headline.value) or outside_data(ctx, METRIC, window):
        return (no_data_finding(ctx, METRIC, window, headline.evidence),)
    per_category = ctx.run(
        MetricRequest(metric=METRIC, window=window, filters=filters, group_by=("category",))
    )
    products, product_evidence = forecast_detail(ctx, window, filters)
    categories = by_category(products)
    worst = categories.iloc[0]
    history = drift_history(ctx, window)
    daily, daily_evidence = daily_bias(ctx, str(worst["category"]), history, filters)
    drift = _drift(daily)
    overall = _with_rates(products[list(SUMS)].sum().to_frame().T).iloc[0]
    metric_wape = dict(
        zip(per_category.frame["category"], per_category.frame["value"], strict=True)
    )
    evidence = (headline.evidence, per_category.evidence, product_evidence, daily_evidence)
    offenders = products.sort_values(["absolute_error", "product_id"], ascending=[False, True])
    worst_items = tuple(_item(row) for _, row in offenders.head(WORST_PRODUCTS).iterrows())
    facts: dict[str, object] = {
        "wape": headline.value,
        "bias": float(overall["bias"]),
        "direction": str(overall["direction"]),
        "worst_category": str(worst["category"]),
        "worst_category_wape": float(worst["wape"]),
        "worst_category_bias": float(worst["bias"]),
        "worst_category_direction": str(worst["direction"]),
        "drift_start": drift.start if drift and drift.significant else None,
        "drift_bias_before": side_bias(daily, drift, after=False),
        "drift_bias_after": side_bias(daily, drift, after=True),
        "drift_t_stat": drift.t_stat if drift else None,
        "legacy_wape_compared": float(overall["legacy_wape_compared"]),
        "baseline_wape": float(overall["baseline_wape"]),
        "worst_category_baseline_wape": float(worst["baseline_wape"]),
        "window": window.describe(),
    }
    table = Table(
        columns=(
            "category",
            "wape",
            "bias",
            "direction",
            "baseline_wape",
            "forecast_units",
            "actual_units",
        ),
        rows=tuple(
            (
                row["category"],
                float(metric_wape.get(row["category"], row["wape"])),
                float(row["bias"]),
                row["direction"],
                float(row["baseline_wape"]),
                float(row["forecast_units"]),
                float(row["actual_units"]),
            )
            for _, row in categories.iterrows()
        ),
    )
    main = Finding(
        kind=FindingKind.FORECAST_CHECK,
        title=f"Inventory forecast accuracy{where_text(filters)}, {window.describe()}",
        summary=summary_text(window, headline.value, overall, worst, drift, daily, offenders),
        facts=facts,
        table=table,
        worst_items=worst_items,
        evidence=evidence,
        confidence=0.9 if drift is None or drift.significant else 0.75,
        chart=drift_chart(str(worst["category"]), daily, drift),
    )
    return (main, baseline_finding(window, categories, overall, product_evidence))


def _drift(daily: pd.DataFrame) -> Drift | None:
    """When the worst category's bias shifted.

    Daily actual units are noisy (a few busy days read as a bias swing), so the step is
    located on the forecast against a centred 7-day average of actual units, and tested on
    the plain daily log ratio of forecast to actual.
    """
    forecast = daily["forecast_units"].to_numpy(float)
    actual = daily["actual_units"].to_numpy(float)
    level = daily["actual_units"].rolling(7, center=True, min_periods=4).mean().to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        locate = np.log(forecast / level)
        test = np.log(forecast / actual)
    locate[~np.isfinite(locate)] = np.nan
    test[~np.isfinite(test)] = np.nan
    return change_point(list(daily["day"]), locate, test)


def drift_history(ctx: AnalysisContext, window: Window) -> Window:
    held = coverage(ctx, METRIC)
    start = window.end - timedelta(days=max(DRIFT_HISTORY_DAYS, window.days))
    if held is not None:
        start = max(start, held.start)
    return Window(start=min(start, window.start), end=window.end)


def _item(row: pd.Series) -> dict[str, object]:
    return {
        "product_id": row["product_id"],
        "category": row["category"],
        "wape": float(row["wape"]),
        "bias": float(row["bias"]),
        "direction": row["direction"],
        "units_off": float(row["absolute_error"]),
        "forecast_units": float(row["forecast_units"]),
        "actual_units": float(row["actual_units"]),
        "baseline_wape": float(row["baseline_wape"]),
    }
