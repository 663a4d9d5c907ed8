"""semantic.yml loading: the repo's file is valid, mistakes are all reported with locations."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from agent.errors import ConfigError, UnknownMetricError, UserError
from agent.semantic import SemanticLayer, default_semantic_path, load_semantic, parse_semantic

REQUIRED_METRICS = {
    "revenue", "orders", "aov", "sessions", "conversion_rate", "add_to_cart_rate", "customers",
    "new_customers", "units_sold", "return_rate", "forecast_error", "support_tickets",
}  # fmt: skip


def test_repo_semantic_declares_every_required_metric(layer: SemanticLayer) -> None:
    assert set(layer.metric_names) >= REQUIRED_METRICS
    assert layer.metric("aov").type == "ratio"
    assert layer.metric("revenue").type == "simple"
    assert layer.metric("revenue_per_session").type == "derived"
    assert layer.metric("revenue_per_session").components == ("revenue", "sessions")
    assert layer.metric("revenue_per_session").table is None
    assert layer.metric("return_rate").higher_is_better is False
    assert layer.metric("conversion_rate").table == "sessions"


def test_dimension_values_match_the_warehouse_contract(layer: SemanticLayer) -> None:
    assert layer.dimension("region").values == (
        "Northeast", "Southeast", "Midwest", "Southwest", "West",
    )  # fmt: skip
    assert layer.dimension("device").values == ("desktop", "mobile", "tablet")
    assert set(layer.dimension("channel").values) == {
        "organic", "paid_search", "email", "social", "direct", "affiliate",
    }  # fmt: skip
    assert layer.dimension("customer_type").values == ("new", "returning")


def test_dimensions_for_uses_the_metric_tables(layer: SemanticLayer) -> None:
    assert "landing_category" in layer.dimensions_for("conversion_rate")
    assert "category" not in layer.dimensions_for("conversion_rate")
    assert layer.dimensions_for("forecast_error") == ("category",)
    # Derived across orders and sessions: only what both tables have.
    rps = set(layer.dimensions_for("revenue_per_session"))
    assert rps == set(layer.dimensions_for("revenue")) & set(layer.dimensions_for("sessions"))
    assert "landing_category" not in rps


@pytest.mark.parametrize(
    ("dimension", "text", "value"),
    [
        ("region", "NE", "Northeast"),
        ("region", "north-east", "Northeast"),
        ("region", "northeast", "Northeast"),
        ("channel", "PPC", "paid_search"),
        ("channel", "paid search", "paid_search"),
        ("channel", "SEM", "paid_search"),
        ("customer_type", "returning customers", "returning"),
        ("device", "iPhone", "mobile"),
        ("region", "Narnia", None),
    ],
)
def test_resolve_value_through_synonyms(
    layer: SemanticLayer, dimension: str, text: str, value: str | None
) -> None:
    assert layer.resolve_value(dimension, text) == value


def test_resolve_metric_by_synonym_and_label(layer: SemanticLayer) -> None:
    assert layer.resolve_metric("sales") == "revenue"
    assert layer.resolve_metric("CVR") == "conversion_rate"
    assert layer.resolve_metric("Average order value") == "aov"
    assert layer.resolve_metric("weather") is None


def test_unknown_names_are_friendly(layer: SemanticLayer) -> None:
    with pytest.raises(UnknownMetricError) as metric_error:
        layer.metric("revenu")
    assert "revenu" in str(metric_error.value) and "revenue" in metric_error.value.friendly
    with pytest.raises(UserError) as dim_error:
        layer.dimension("planet")
    assert "planet" in str(dim_error.value) and "region" in dim_error.value.friendly


def test_format_value(layer: SemanticLayer) -> None:
    assert layer.format_value("revenue", 12345.4) == "$12,345"
    assert layer.format_value("aov", 54.321) == "$54.32"
    assert layer.format_value("conversion_rate", 0.03123) == "3.12%"
    assert layer.format_value("orders", 1234.0) == "1,234"
    assert layer.format_value("revenue", -50.0) == "-$50.00"
    assert layer.format_value("revenue", math.nan) == "n/a"


def test_format_change(layer: SemanticLayer) -> None:
    assert layer.format_change("revenue", 1000, 877) == "-12.3%"
    assert layer.format_change("orders", 100, 110) == "+10.0%"
    assert layer.format_change("conversion_rate", 0.0333, 0.0292) == "-0.41 pp (-12.3%)"
    # Inside a sentence's brackets: no brackets within brackets.
    inline = layer.format_change("conversion_rate", 0.0333, 0.0292, inline=True)
    assert inline == "-0.41 pp, -12.3%"
    assert layer.format_change("revenue", 0, 10) == "n/a"


def test_default_path_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SCOUT_SEMANTIC", raising=False)
    assert default_semantic_path().name == "semantic.yml"
    target = tmp_path / "mine.yml"
    target.write_text(Path(default_semantic_path()).read_text())
    monkeypatch.setenv("SCOUT_SEMANTIC", str(target))
    assert default_semantic_path() == target
    assert load_semantic().source == str(target)


BROKEN = """
version: 1
tables:
  orders:
    time_dimension: order_date
    dimensions: [region, planet]
    measures:
      revenue: {agg: summ, expr: revenue}
      orders: {agg: count, expr: "*"}
      broken: {agg: sum, expr: "CASE WHEN THEN"}
  sessions:
    time_dimension: session_date
    dimensions: [region]
    measures:
      sessions: {agg: count, expr: "*"}
dimensions:
  region:
    values: [Northeast, West]
    synonyms:
      Nowhere: [NW]
metrics:
  aov:
    type: ratio
    numerator: orders.revenu
    denominator: orders.orders
    format: dollars
  mixed:
    type: ratio
    numerator: orders.orders
    denominator: sessions.sessions
  per_session:
    type: derived
    expr: orders / visits
  odd:
    type: fancy
"""


def test_validation_reports_every_problem_with_its_location() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_semantic(yaml.safe_load(BROKEN), source="broken.yml")
    problems = caught.value.problems
    expected = [
        "tables.orders.dimensions[1]: unknown dimension 'planet'",
        "tables.orders.measures.revenue.agg: unknown aggregation 'summ'",
        "tables.orders.measures.broken.expr: not a valid SQL expression",
        "dimensions.region.synonyms.Nowhere: 'Nowhere' is not one of the values",
        "metrics.aov.numerator: unknown measure 'orders.revenu'",
        "metrics.aov.format: unknown format 'dollars'",
        "metrics.mixed: numerator and denominator are on different tables",
        "metrics.per_session.expr: unknown metric 'orders'",
        "metrics.per_session.expr: unknown metric 'visits'",
        "metrics.odd.type: unknown type 'fancy'",
    ]
    for fragment in expected:
        assert any(p.startswith(fragment) for p in problems), (fragment, problems)
    assert "broken.yml has" in str(caught.value)


def test_missing_file_and_bad_yaml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_semantic(tmp_path / "absent.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("tables: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_semantic(bad)


def test_mapped_columns_and_schema_qualified_tables() -> None:
    doc = yaml.safe_load(
        """
tables:
  orders:
    table: analytics.fct_orders
    time_dimension: created_at
    dimensions: [{region: ship_region}]
    measures:
      revenue: {agg: sum, expr: amount}
dimensions:
  region: {label: Region}
metrics:
  revenue: {type: simple, measure: orders.revenue, format: currency}
"""
    )
    layer = parse_semantic(doc)
    table = layer.table("orders")
    assert table.relation == "analytics.fct_orders"
    assert table.dimensions == {"region": "ship_region"}
    # A dimension without declared values accepts any text.
    assert layer.resolve_value("region", " Atlantis ") == "Atlantis"
