"""The compiler: SQL snapshots per dialect, columns, parameters, friendly refusals."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from agent.domain import Window
from agent.errors import UnknownMetricError, UserError
from agent.semantic import MetricRequest, SemanticLayer, compile_request

SNAPSHOTS = Path(__file__).parent / "snapshots"
WEEK = Window(start=date(2025, 12, 8), end=date(2025, 12, 15))
MONTH = Window(start=date(2025, 11, 1), end=date(2025, 12, 1))

CASES: dict[str, MetricRequest] = {
    "revenue_total": MetricRequest("revenue", WEEK),
    "conversion_rate_by_device_weekly_ne": MetricRequest(
        "conversion_rate", MONTH, {"region": "Northeast"}, ("device",), "week"
    ),
    "customers_by_channel": MetricRequest("customers", WEEK, group_by=("channel",)),
    "return_rate_by_category_monthly": MetricRequest(
        "return_rate", MONTH, group_by=("category",), grain="month"
    ),
    "forecast_error_daily": MetricRequest("forecast_error", WEEK, grain="day"),
    "revenue_per_session_total": MetricRequest("revenue_per_session", WEEK),
    "revenue_per_session_by_region_daily_mobile": MetricRequest(
        "revenue_per_session", WEEK, {"device": "mobile"}, ("region",), "day"
    ),
}


def _check_snapshot(name: str, sql: str) -> None:
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("SCOUT_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(sql + "\n")
        return
    assert path.exists(), f"missing snapshot {path}; run with SCOUT_UPDATE_SNAPSHOTS=1"
    assert sql + "\n" == path.read_text(), (
        f"SQL for {name} changed; if intended, regenerate with SCOUT_UPDATE_SNAPSHOTS=1"
    )


# What Scout sends to each warehouse it speaks to; bigquery and snowflake are reached through
# SQLAlchemy, whose text() binds the :name placeholders in the driver's own style.
DIALECTS = ["duckdb", "postgres", "spark", "bigquery", "snowflake"]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_sql_snapshot(layer: SemanticLayer, case: str, dialect: str) -> None:
    compiled = compile_request(layer, CASES[case], dialect=dialect)
    assert compiled.dialect == dialect
    _check_snapshot(f"{case}.{dialect}", compiled.sql)


def test_compilation_is_deterministic(layer: SemanticLayer) -> None:
    request = CASES["revenue_per_session_by_region_daily_mobile"]
    assert compile_request(layer, request).sql == compile_request(layer, request).sql


def test_result_columns_per_metric_type(layer: SemanticLayer) -> None:
    assert compile_request(layer, CASES["revenue_total"]).columns == ("value",)
    assert compile_request(layer, CASES["conversion_rate_by_device_weekly_ne"]).columns == (
        "device", "period", "numerator", "denominator", "value",
    )  # fmt: skip
    assert compile_request(layer, CASES["revenue_per_session_by_region_daily_mobile"]).columns == (
        "region",
        "period",
        "revenue",
        "sessions",
        "value",
    )


def test_values_are_parameters_in_each_dialects_style(layer: SemanticLayer) -> None:
    request = CASES["conversion_rate_by_device_weekly_ne"]
    duck = compile_request(layer, request, "duckdb")
    pg = compile_request(layer, request, "postgresql")  # SQLAlchemy's name works too
    assert duck.params == {
        "window_start": MONTH.start,
        "window_end": MONTH.end,
        "f_region": "Northeast",
    }
    assert "$f_region" in duck.sql and ":f_region" in pg.sql
    assert "Northeast" not in duck.sql and "Northeast" not in pg.sql
    assert pg.dialect == "postgres"


def test_hostile_filter_value_never_reaches_the_sql(layer: SemanticLayer) -> None:
    hostile = "x'; DROP TABLE orders; --"
    compiled = compile_request(layer, MetricRequest("revenue", WEEK, {"region": hostile}))
    assert hostile not in compiled.sql and "DROP" not in compiled.sql
    assert compiled.params["f_region"] == hostile


def test_dimension_the_metric_lacks_names_the_valid_ones(layer: SemanticLayer) -> None:
    with pytest.raises(UserError) as caught:
        compile_request(layer, MetricRequest("conversion_rate", WEEK, group_by=("category",)))
    assert "category" in str(caught.value)
    assert "landing_category" in caught.value.hint and "device" in caught.value.hint
    with pytest.raises(UserError, match="topic"):
        compile_request(layer, MetricRequest("revenue", WEEK, {"topic": "billing"}))
    # Derived metrics accept only dimensions every component has.
    with pytest.raises(UserError, match="landing_category"):
        compile_request(
            layer, MetricRequest("revenue_per_session", WEEK, group_by=("landing_category",))
        )


def test_unknown_metric_dimension_and_grain(layer: SemanticLayer) -> None:
    with pytest.raises(UnknownMetricError):
        compile_request(layer, MetricRequest("profit", WEEK))
    with pytest.raises(UserError, match="planet"):
        compile_request(layer, MetricRequest("revenue", WEEK, group_by=("planet",)))
    with pytest.raises(UserError, match="grain"):
        compile_request(layer, MetricRequest("revenue", WEEK, grain="hour"))  # type: ignore[arg-type]
