"""Declared SQL for analyses that are not metric requests (customer RFM, forecast detail).

A template is written once in DuckDB's dialect with `{name}` slots for identifiers and
`$name` placeholders for values. Slots are filled only with quoted names taken from the
semantic layer's declarations or fixed column names in this codebase; values (dates,
categories) are always bound parameters. The SQL is then transpiled for the warehouse in use,
and the exact text that ran comes back as Evidence.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlglot

from agent.analyses.base import AnalysisContext
from agent.domain import Evidence
from agent.semantic.compiler import quote, quote_relation
from agent.warehouse.params import render_placeholders, sqlglot_dialect


def identifiers(ctx: AnalysisContext, table: str, **columns: str) -> dict[str, str]:
    """Quoted identifiers for a declared table: `{table}`, `{time}` and the named columns.

    Dimension names are mapped through the table's declaration; other names are fixed
    column names chosen by the caller (never text from a user or from data).
    """
    declared = ctx.layer.table(table)
    names = {"table": quote_relation(declared.relation), "time": quote(declared.time_dimension)}
    for slot, column in columns.items():
        names[slot] = quote(declared.dimensions.get(column, column))
    return names


def filter_sql(
    ctx: AnalysisContext, table: str, filters: Mapping[str, str], *, alias: str = ""
) -> tuple[str, dict[str, str]]:
    """' AND col = $f_dim ...' for the goal's filters on `table`, and their parameters."""
    declared = ctx.layer.table(table)
    prefix = f"{alias}." if alias else ""
    clauses, params = [], {}
    for dimension in sorted(filters):
        column = declared.dimensions[dimension]
        name = f"f_{dimension}"
        clauses.append(f" AND {prefix}{quote(column)} = ${name}")
        params[name] = str(filters[dimension])
    return "".join(clauses), params


def run_declared(
    ctx: AnalysisContext,
    template: str,
    slots: Mapping[str, str],
    params: Mapping[str, Any],
    description: str,
) -> tuple[pd.DataFrame, Evidence]:
    """Fill the template's identifier slots, transpile, run with bound params, keep the SQL."""
    sql = transpile(template.format(**slots), sqlglot_dialect(ctx.warehouse.dialect))
    frame = ctx.warehouse.query(sql, dict(params))
    evidence = Evidence(sql=sql, params=dict(params), description=description, rows=len(frame))
    return frame, evidence


@functools.lru_cache(maxsize=256)
def transpile(sql: str, target: str) -> str:
    """DuckDB-dialect SQL with $placeholders → `target` dialect with its native placeholders."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return render_placeholders(tree, target).sql(dialect=target, pretty=True)
