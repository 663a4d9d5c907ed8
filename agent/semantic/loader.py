"""Read semantic.yml, validate everything at once, and build a `SemanticLayer`.

Validation walks the whole file and collects every problem with its location
("metrics.aov.numerator: unknown measure 'orders.revenu'"), so a person fixing their own
semantic.yml sees all mistakes in one go instead of one per run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, cast, get_args

import sqlglot
import yaml
from sqlglot import exp

from agent.errors import ConfigError
from agent.paths import REPO_ROOT
from agent.semantic.entities import parse_entities
from agent.semantic.funnels import parse_funnels
from agent.semantic.model import (
    Agg,
    DimensionDef,
    Format,
    MeasureDef,
    MetricDef,
    SemanticLayer,
    TableDef,
)

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A physical relation may be schema-qualified: analytics.orders
RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")
# Result column names the compiler uses; a dimension of the same name would collide.
RESERVED = frozenset({"period", "value", "numerator", "denominator", "keys"})
AGGS: tuple[str, ...] = get_args(Agg)
FORMATS: tuple[str, ...] = get_args(Format)
# Derived expressions are plain arithmetic over metric names and numbers.
DERIVED_NODES = (exp.Column, exp.Identifier, exp.Literal, exp.Add, exp.Sub, exp.Mul, exp.Div)
DERIVED_NODES_EXTRA = (exp.Paren, exp.Neg)


def default_semantic_path() -> Path:
    """SCOUT_SEMANTIC if set, else semantic.yml at the repository root."""
    override = os.environ.get("SCOUT_SEMANTIC")
    return Path(override).expanduser() if override else REPO_ROOT / "semantic.yml"


def load_semantic(path: str | Path | None = None) -> SemanticLayer:
    """Load and validate a semantic.yml; ConfigError lists every problem with its location."""
    file = Path(path) if path is not None else default_semantic_path()
    try:
        raw = yaml.safe_load(file.read_text())
    except FileNotFoundError:
        raise ConfigError([f"{file}: file not found"], source="semantic layer") from None
    except yaml.YAMLError as error:
        raise ConfigError([f"{file}: not valid YAML ({error})"], source=str(file)) from None
    return parse_semantic(raw, source=str(file))


def parse_semantic(raw: Any, *, source: str = "semantic.yml") -> SemanticLayer:
    """Validate an already-parsed document (a mapping) and build the layer."""
    builder = _Builder()
    layer = builder.build(raw, source)
    if builder.problems:
        raise ConfigError(builder.problems, source=source)
    assert layer is not None
    return layer


class _Builder:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    # ------------------------------------------------------------------ helpers

    def mapping(self, value: Any, where: str, *, required: bool = True) -> dict[str, Any]:
        if value is None:
            if required:
                self.problem(where, "missing (expected a mapping)")
            return {}
        if not isinstance(value, dict):
            self.problem(where, f"expected a mapping, got {type(value).__name__}")
            return {}
        return value

    def string(self, value: Any, where: str, *, default: str | None = None) -> str:
        if value is None:
            if default is None:
                self.problem(where, "missing")
                return ""
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(where, f"expected text, got {type(value).__name__}")
            return default or ""
        return str(value)

    def string_list(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(where, "expected a list")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problem(f"{where}[{i}]", "expected text")
            else:
                out.append(str(item))
        return tuple(out)

    def unknown_keys(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(f"{where}.{key}", f"unknown key (expected one of {sorted(allowed)})")

    def identifier(self, name: Any, where: str) -> bool:
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            self.problem(where, f"'{name}' is not a valid name (letters, digits, _)")
            return False
        return True

    # ------------------------------------------------------------------ sections

    def build(self, raw: Any, source: str) -> SemanticLayer | None:
        doc = self.mapping(raw, "(top)")
        self.unknown_keys(
            doc, {"version", "tables", "dimensions", "metrics", "funnels", "entities"}, "(top)"
        )
        if "version" in doc and doc["version"] != 1:
            self.problem("version", f"unsupported version {doc['version']!r} (expected 1)")
        dimensions = self.dimensions(self.mapping(doc.get("dimensions"), "dimensions"))
        tables = self.tables(self.mapping(doc.get("tables"), "tables"), dimensions)
        metrics = self.metrics(self.mapping(doc.get("metrics"), "metrics"), tables)
        funnels = parse_funnels(doc.get("funnels"), tables, self.problem)
        entities = parse_entities(doc.get("entities"), self.problem)
        if self.problems:
            return None
        return SemanticLayer(
            tables=tables,
            dimensions=dimensions,
            metrics=metrics,
            source=source,
            funnels=funnels,
            entities=entities,
        )

    def dimensions(self, raw: dict[str, Any]) -> dict[str, DimensionDef]:
        out: dict[str, DimensionDef] = {}
        for name, body in raw.items():
            where = f"dimensions.{name}"
            if not self.identifier(name, where):
                continue
            if name in RESERVED:
                self.problem(where, f"'{name}' is reserved for result columns; rename it")
            data = self.mapping(body, where)
            self.unknown_keys(data, {"label", "values", "synonyms", "description"}, where)
            values = self.string_list(data.get("values"), f"{where}.values")
            synonyms: dict[str, tuple[str, ...]] = {}
            for value, words in self.mapping(
                data.get("synonyms"), f"{where}.synonyms", required=False
            ).items():
                if values and str(value) not in values:
                    self.problem(
                        f"{where}.synonyms.{value}",
                        f"'{value}' is not one of the values {list(values)}",
                    )
                synonyms[str(value)] = self.string_list(words, f"{where}.synonyms.{value}")
            label = self.string(data.get("label"), f"{where}.label", default=name)
            out[name] = DimensionDef(name=name, label=label, values=values, synonyms=synonyms)
        return out

    def tables(self, raw: dict[str, Any], dims: dict[str, DimensionDef]) -> dict[str, TableDef]:
        out: dict[str, TableDef] = {}
        allowed = {"description", "table", "time_dimension", "dimensions", "measures"}
        for name, body in raw.items():
            where = f"tables.{name}"
            if not self.identifier(name, where):
                continue
            data = self.mapping(body, where)
            self.unknown_keys(data, allowed, where)
            relation = self.string(data.get("table"), f"{where}.table", default=name)
            if not RELATION.match(relation):
                self.problem(f"{where}.table", f"'{relation}' is not a valid table name")
            time_dim = self.string(data.get("time_dimension"), f"{where}.time_dimension")
            if time_dim:
                self.identifier(time_dim, f"{where}.time_dimension")
            columns = self.table_dimensions(data.get("dimensions"), f"{where}.dimensions", dims)
            measures: dict[str, MeasureDef] = {}
            for mname, mbody in self.mapping(data.get("measures"), f"{where}.measures").items():
                measure = self.measure(name, mname, mbody, f"{where}.measures.{mname}")
                if measure is not None:
                    measures[mname] = measure
            out[name] = TableDef(
                name=name,
                relation=relation,
                time_dimension=time_dim,
                dimensions=columns,
                measures=measures,
                description=self.string(data.get("description"), where, default=""),
            )
        return out

    def table_dimensions(
        self, raw: Any, where: str, dims: dict[str, DimensionDef]
    ) -> dict[str, str]:
        """`[region, {state: customer_state}]`: a dimension, optionally mapped to a column."""
        if raw is None:
            return {}
        if not isinstance(raw, list):
            self.problem(where, "expected a list of dimension names")
            return {}
        out: dict[str, str] = {}
        for i, item in enumerate(raw):
            pairs = list(item.items()) if isinstance(item, dict) else [(item, item)]
            for dim, column in pairs:
                if dim not in dims:
                    self.problem(
                        f"{where}[{i}]",
                        f"unknown dimension '{dim}' (declared: {', '.join(sorted(dims))})",
                    )
                elif self.identifier(column, f"{where}[{i}]"):
                    out[str(dim)] = str(column)
        return out

    def measure(self, table: str, name: str, body: Any, where: str) -> MeasureDef | None:
        if not self.identifier(name, where):
            return None
        data = self.mapping(body, where)
        self.unknown_keys(data, {"agg", "expr", "description"}, where)
        agg = self.string(data.get("agg"), f"{where}.agg")
        expr = self.string(data.get("expr"), f"{where}.expr")
        ok = True
        if agg and agg not in AGGS:
            self.problem(f"{where}.agg", f"unknown aggregation '{agg}' (expected one of {AGGS})")
            ok = False
        if expr == "*" and agg not in ("count", ""):
            self.problem(f"{where}.expr", "'*' only makes sense with agg: count")
            ok = False
        elif expr and expr != "*":
            try:
                parsed = sqlglot.parse_one(expr, read="duckdb")
            except sqlglot.errors.ParseError as error:
                first = str(error).splitlines()[0]
                self.problem(f"{where}.expr", f"not a valid SQL expression: {first}")
                ok = False
            else:
                if parsed.find(exp.Query, exp.AggFunc) is not None:
                    self.problem(f"{where}.expr", "must be a row-level expression (no aggregates)")
                    ok = False
        if not (ok and agg and expr):
            return None
        return MeasureDef(name=name, table=table, agg=cast(Agg, agg), expr=expr)

    def metrics(self, raw: dict[str, Any], tables: dict[str, TableDef]) -> dict[str, MetricDef]:
        out: dict[str, MetricDef] = {}
        derived: list[tuple[str, dict[str, Any], str]] = []
        common = {"type", "label", "unit", "format", "higher_is_better", "synonyms", "description"}
        for name, body in raw.items():
            where = f"metrics.{name}"
            if not self.identifier(name, where):
                continue
            data = self.mapping(body, where)
            kind = self.string(data.get("type"), f"{where}.type")
            extra = {"simple": {"measure"}, "ratio": {"numerator", "denominator"}}.get(
                kind, {"expr"}
            )
            self.unknown_keys(data, common | extra, where)
            fmt = self.string(data.get("format"), f"{where}.format", default="number")
            if fmt not in FORMATS:
                self.problem(f"{where}.format", f"unknown format '{fmt}' (expected {FORMATS})")
            hib = data.get("higher_is_better", True)
            if not isinstance(hib, bool):
                self.problem(f"{where}.higher_is_better", "expected true or false")
            base: dict[str, Any] = dict(
                name=name,
                label=self.string(data.get("label"), f"{where}.label", default=name),
                unit=self.string(data.get("unit"), f"{where}.unit", default=""),
                format=fmt,
                higher_is_better=bool(hib),
                synonyms=self.string_list(data.get("synonyms"), f"{where}.synonyms"),
                description=self.string(data.get("description"), where, default=""),
            )
            if kind == "simple":
                measure = self.measure_ref(data.get("measure"), f"{where}.measure", tables)
                if measure:
                    out[name] = MetricDef(
                        type="simple", table=measure.table, measure=measure, **base
                    )
            elif kind == "ratio":
                num = self.measure_ref(data.get("numerator"), f"{where}.numerator", tables)
                den = self.measure_ref(data.get("denominator"), f"{where}.denominator", tables)
                if num and den and num.table != den.table:
                    self.problem(
                        where,
                        f"numerator and denominator are on different tables ('{num.table}', "
                        f"'{den.table}'); use a derived metric over two metrics instead",
                    )
                elif num and den:
                    out[name] = MetricDef(
                        type="ratio",
                        table=num.table,
                        numerator=num,
                        denominator=den,
                        **base,
                    )
            elif kind == "derived":
                derived.append((name, {**data, **base}, where))
            elif kind:
                self.problem(f"{where}.type", f"unknown type '{kind}' (simple, ratio or derived)")
        for name, data, where in derived:
            metric = self.derived(name, data, where, out, tables)
            if metric is not None:
                out[name] = metric
        # Keep the file's order: it is the order of the catalog.
        return {n: out[n] for n in raw if n in out}

    def measure_ref(self, ref: Any, where: str, tables: dict[str, TableDef]) -> MeasureDef | None:
        text = self.string(ref, where)
        if not text:
            return None
        table, _, measure = text.partition(".")
        if table not in tables or measure not in tables[table].measures:
            self.problem(where, f"unknown measure '{text}' (write it as table.measure)")
            return None
        return tables[table].measures[measure]

    def derived(
        self,
        name: str,
        data: dict[str, Any],
        where: str,
        metrics: dict[str, MetricDef],
        tables: dict[str, TableDef],
    ) -> MetricDef | None:
        text = self.string(data.get("expr"), f"{where}.expr")
        if not text:
            return None
        try:
            parsed = sqlglot.parse_one(text, read="duckdb")
        except sqlglot.errors.ParseError as error:
            self.problem(f"{where}.expr", f"not a valid expression: {str(error).splitlines()[0]}")
            return None
        components: dict[str, None] = {}
        ok = True
        for node in parsed.walk():
            if not isinstance(node, DERIVED_NODES + DERIVED_NODES_EXTRA):
                self.problem(f"{where}.expr", f"only + - * / over metrics and numbers ({text})")
                return None
            if isinstance(node, exp.Column):
                ref = node.name
                if ref not in metrics:
                    self.problem(
                        f"{where}.expr",
                        f"unknown metric '{ref}' (derived metrics refer to "
                        "simple or ratio metrics by name)",
                    )
                    ok = False
                else:
                    components[ref] = None
        if not components:
            self.problem(f"{where}.expr", "refers to no metric")
        if not ok or not components:
            return None
        owners = {metrics[c].table for c in components}
        table = owners.pop() if len(owners) == 1 else None
        fields: dict[str, Any] = {
            k: data[k] for k in ("label", "unit", "format", "higher_is_better", "synonyms")
        }
        return MetricDef(
            name=name,
            type="derived",
            table=table,
            expr=text,
            components=tuple(components),
            description=data.get("description", ""),
            **fields,
        )
