"""Metric request -> SQL, built only from semantic-layer declarations and bound parameters.

SQL is written once, in DuckDB's dialect, parsed by sqlglot and generated for the target
dialect. Identifiers come from the validated semantic.yml (quoted); every value a person
supplies (window bounds, filter values) is a named parameter. Placeholders are rendered in
the target's native style by `agent.warehouse.params.render_placeholders`.

Result columns: *group_by, "period" (when a grain is asked), then
  simple: value; ratio: numerator, denominator, value; derived: one per component + value.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from agent.domain import Grain, Window
from agent.errors import UserError
from agent.semantic.model import MeasureDef, MetricDef, SemanticLayer, TableDef
from agent.warehouse.params import render_placeholders, sqlglot_dialect

GRAINS: tuple[str, ...] = ("day", "week", "month")
START, END = "window_start", "window_end"


@dataclass(frozen=True)
class MetricRequest:
    """What to compute: a metric over a window, filtered, grouped, optionally per period."""

    metric: str
    window: Window
    filters: Mapping[str, str] = field(default_factory=dict)
    group_by: tuple[str, ...] = ()
    grain: Grain | None = None


@dataclass(frozen=True, kw_only=True)
class CompiledQuery:
    """SQL in the target dialect with its named parameters and the result's column names."""

    sql: str
    params: Mapping[str, Any]
    dialect: str
    columns: tuple[str, ...]


def quote(name: str) -> str:
    """A double-quoted identifier; names are validated, so quoting is belt and braces."""
    return '"' + name.replace('"', '""') + '"'


def quote_relation(relation: str) -> str:
    return ".".join(quote(part) for part in relation.split("."))


def param_name(dimension: str) -> str:
    return f"f_{dimension}"


def compile_request(
    layer: SemanticLayer, request: MetricRequest, dialect: str = "duckdb"
) -> CompiledQuery:
    """Compile a request into SQL for `dialect`; UserError for dimensions the metric lacks."""
    metric = layer.metric(request.metric)
    _check(layer, metric, request)
    group_by = tuple(dict.fromkeys(request.group_by))
    keys = group_by + (("period",) if request.grain else ())
    params: dict[str, Any] = {START: request.window.start, END: request.window.end}
    for dim, value in sorted(request.filters.items()):
        params[param_name(dim)] = str(value)

    if metric.type == "derived":
        sql, value_columns = _derived(layer, metric, request, group_by, keys)
    else:
        assert metric.table is not None
        sql = _aggregate(layer.tables[metric.table], _value_columns(metric), request, group_by)
        if keys:
            sql += "\nORDER BY " + ", ".join(str(i + 1) for i in range(len(keys)))
        value_columns = tuple(alias for alias, _ in _value_columns(metric))

    target = sqlglot_dialect(dialect)
    return CompiledQuery(
        sql=_transpile(sql, target), params=params, dialect=target, columns=keys + value_columns
    )


@functools.lru_cache(maxsize=1024)
def _transpile(sql: str, target: str) -> str:
    # The template holds no values (they are parameters), so the same shape of request
    # reuses its SQL; parsing and pretty-printing is most of the compile time.
    tree = sqlglot.parse_one(sql, read="duckdb")
    return render_placeholders(tree, target).sql(dialect=target, pretty=True)


# --------------------------------------------------------------------------- checks


def _check(layer: SemanticLayer, metric: MetricDef, request: MetricRequest) -> None:
    valid = layer.dimensions_for(metric.name)
    for role, names in (("filter by", tuple(request.filters)), ("group by", request.group_by)):
        for name in names:
            layer.dimension(name)  # unknown dimension: friendly error listing all
            if name not in valid:
                raise UserError(
                    f"{metric.label} can't {role} '{name}': its data has no {name}.",
                    hint=f"{metric.label} can be split by: " + ", ".join(valid),
                )
    if request.grain is not None and request.grain not in GRAINS:
        raise UserError(f"Unknown time grain '{request.grain}'.", hint="Use day, week or month.")


# --------------------------------------------------------------------------- single table


def _agg_sql(measure: MeasureDef) -> str:
    match measure.agg:
        case "count" if measure.expr == "*":
            return "COUNT(*)"
        case "count_distinct":
            return f"COUNT(DISTINCT {measure.expr})"
        case "sum":
            # Rows whose values are all NULL (nothing returned yet) sum to zero, not unknown.
            return f"COALESCE(SUM({measure.expr}), 0)"
        case agg:
            return f"{agg.upper()}({measure.expr})"


def _ratio_sql(numerator: str, denominator: str) -> str:
    # CAST: Postgres divides integers as integers.
    return f"CAST({numerator} AS DOUBLE) / NULLIF({denominator}, 0)"


def _value_columns(metric: MetricDef) -> tuple[tuple[str, str], ...]:
    """(alias, aggregate SQL) pairs for a simple or ratio metric."""
    if metric.type == "simple":
        assert metric.measure is not None
        return (("value", _agg_sql(metric.measure)),)
    assert metric.numerator is not None and metric.denominator is not None
    num, den = _agg_sql(metric.numerator), _agg_sql(metric.denominator)
    return (("numerator", num), ("denominator", den), ("value", _ratio_sql(num, den)))


def _period_sql(table: TableDef, grain: Grain) -> str:
    column = quote(table.time_dimension)
    if grain == "day":
        return f"CAST({column} AS DATE)"
    # DuckDB and Postgres weeks start on Monday (ISO); CAST keeps the type DATE everywhere.
    return f"CAST(DATE_TRUNC('{grain}', {column}) AS DATE)"


def _aggregate(
    table: TableDef,
    values: tuple[tuple[str, str], ...],
    request: MetricRequest,
    group_by: tuple[str, ...],
) -> str:
    """SELECT keys, aggregates FROM one table WHERE window and filters GROUP BY keys."""
    select = [f"{quote(table.dimensions[d])} AS {quote(d)}" for d in group_by]
    if request.grain:
        select.append(f"{_period_sql(table, request.grain)} AS {quote('period')}")
    n_keys = len(select)
    select += [f"{sql} AS {quote(alias)}" for alias, sql in values]
    time = quote(table.time_dimension)
    where = [f"{time} >= ${START}", f"{time} < ${END}"]
    where += [f"{quote(table.dimensions[d])} = ${param_name(d)}" for d in sorted(request.filters)]
    sql = (
        "SELECT " + ", ".join(select) + f"\nFROM {quote_relation(table.relation)}"
        "\nWHERE " + " AND ".join(where)
    )
    if n_keys:
        sql += "\nGROUP BY " + ", ".join(str(i + 1) for i in range(n_keys))
    return sql


# --------------------------------------------------------------------------- derived


def _derived(
    layer: SemanticLayer,
    metric: MetricDef,
    request: MetricRequest,
    group_by: tuple[str, ...],
    keys: tuple[str, ...],
) -> tuple[str, tuple[str, ...]]:
    """One CTE per component grouped by the same keys, joined on the union of their keys.

    Joining every component to the union of keys is a full outer join that also matches
    NULL keys (IS NOT DISTINCT FROM) and runs on Postgres, whose FULL JOIN needs plain
    equality.
    """
    ctes: list[str] = []
    refs: dict[str, str] = {}
    for name in metric.components:
        component = layer.metric(name)
        assert component.table is not None
        alias = f"c_{name}"
        value_sql = dict(_value_columns(component))["value"]
        body = _aggregate(layer.tables[component.table], (("value", value_sql),), request, group_by)
        ctes.append(f"{quote(alias)} AS (\n{body}\n)")
        ref = f"{quote(alias)}.{quote('value')}"
        measure = component.measure if component.type == "simple" else None
        if measure is not None and measure.agg in ("sum", "count", "count_distinct"):
            ref = f"COALESCE({ref}, 0)"  # no rows in a group means zero, not unknown
        refs[name] = ref

    if keys:
        union = "\nUNION\n".join(
            "SELECT " + ", ".join(quote(k) for k in keys) + f" FROM {quote('c_' + c)}"
            for c in metric.components
        )
        ctes.append(f"{quote('keys')} AS (\n{union}\n)")
        source = quote("keys")
        for name in metric.components:
            alias = quote(f"c_{name}")
            on = " AND ".join(
                f'"keys".{quote(k)} IS NOT DISTINCT FROM {alias}.{quote(k)}' for k in keys
            )
            source += f"\nLEFT JOIN {alias} ON {on}"
        key_select = [f"{quote('keys')}.{quote(k)} AS {quote(k)}" for k in keys]
    else:
        # Aggregates without GROUP BY return exactly one row each.
        source = "\nCROSS JOIN ".join(quote(f"c_{c}") for c in metric.components)
        key_select = []

    select = key_select + [f"{refs[c]} AS {quote(c)}" for c in metric.components]
    select.append(f"{_derived_expr(metric.expr, refs)} AS {quote('value')}")
    sql = "WITH " + ",\n".join(ctes) + "\nSELECT " + ", ".join(select) + f"\nFROM {source}"
    if keys:
        sql += "\nORDER BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    return sql, (*metric.components, "value")


def _derived_expr(expr: str, refs: Mapping[str, str]) -> str:
    """Metric names -> component columns as DOUBLE; every divisor guarded by NULLIF(x, 0)."""

    tree = sqlglot.parse_one(expr, read="duckdb")
    # Divisions first, on the original tree, so the component columns are not re-visited.
    for div in list(tree.find_all(exp.Div)):
        div.set("expression", exp.func("NULLIF", div.expression.copy(), exp.Literal.number(0)))
    for column in list(tree.find_all(exp.Column)):
        inner = sqlglot.parse_one(refs[column.name], read="duckdb")
        column.replace(exp.cast(inner, "DOUBLE"))
    return tree.sql(dialect="duckdb")
