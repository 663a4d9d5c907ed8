"""The semantic layer as frozen values: tables, measures, dimensions, metrics, and formatting.

Built by `agent.semantic.loader.load_semantic` from semantic.yml after validation, so every
reference here is known to resolve (a metric's measures exist, a table's dimensions are
declared). The compiler reads only these values; nothing from a user becomes SQL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from agent.domain import format_quantity
from agent.errors import UnknownMetricError, UserError
from agent.semantic.entities import EntityDef

Agg = Literal["sum", "count", "count_distinct", "avg", "min", "max"]
MetricType = Literal["simple", "ratio", "derived"]
Format = Literal["currency", "percent", "integer", "number"]


@dataclass(frozen=True, kw_only=True)
class MeasureDef:
    """An aggregate over one table: `agg(expr)`; expr is trusted SQL from semantic.yml."""

    name: str
    table: str
    agg: Agg
    expr: str


@dataclass(frozen=True, kw_only=True)
class TableDef:
    """Where rows live: the physical relation, its time column and dimension columns."""

    name: str
    relation: str
    time_dimension: str
    dimensions: Mapping[str, str]  # dimension name -> column in this table
    measures: Mapping[str, MeasureDef]
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class DimensionDef:
    """A categorical dimension shared by name across tables."""

    name: str
    label: str
    values: tuple[str, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class MetricDef:
    """A business metric: one measure, a ratio of two, or arithmetic over other metrics."""

    name: str
    type: MetricType
    label: str
    unit: str = ""
    format: Format = "number"
    higher_is_better: bool = True
    synonyms: tuple[str, ...] = ()
    table: str | None = None
    measure: MeasureDef | None = None  # simple
    numerator: MeasureDef | None = None  # ratio
    denominator: MeasureDef | None = None  # ratio
    expr: str = ""  # derived: arithmetic over component metric names
    components: tuple[str, ...] = ()  # derived: the metrics expr refers to, in order
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class FunnelStep:
    """One step of a funnel: the measure that counts who reached it, and its name in text."""

    measure: MeasureDef
    label: str


@dataclass(frozen=True, kw_only=True)
class FunnelDef:
    """Ordered steps on one table, each counting a subset of the step before (sessions → order).

    A ratio metric whose numerator and denominator are two of its steps is the product of the
    step-to-step rates between them, so its change splits by step.
    """

    name: str
    label: str
    table: str
    steps: tuple[FunnelStep, ...]

    def span(self, metric: MetricDef) -> tuple[int, int] | None:
        """The (first, last) step indices a ratio metric runs between, or None."""
        if metric.type != "ratio" or metric.numerator is None or metric.denominator is None:
            return None
        names = [step.measure.name for step in self.steps]
        if metric.table != self.table:
            return None
        den, num = metric.denominator.name, metric.numerator.name
        if den in names and num in names and names.index(den) < names.index(num):
            return names.index(den), names.index(num)
        return None


def _norm(text: str) -> str:
    """Lower-case, unify separators, squeeze spaces: 'North-East ' -> 'north east'."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-]+", " ", text.strip().lower()))


@dataclass(frozen=True, kw_only=True)
class SemanticLayer:
    """Validated declarations plus the helpers every part of Scout uses to talk about them."""

    tables: Mapping[str, TableDef]
    dimensions: Mapping[str, DimensionDef]
    metrics: Mapping[str, MetricDef]
    source: str = ""
    funnels: Mapping[str, FunnelDef] = field(default_factory=dict)
    # Things actions reach (a customer's address and opt-out), see agent.semantic.entities.
    entities: Mapping[str, EntityDef] = field(default_factory=dict)

    # ------------------------------------------------------------------ lookups

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(self.metrics)

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(self.dimensions)

    def metric(self, name: str) -> MetricDef:
        """The metric called `name`; UnknownMetricError (friendly) otherwise."""
        try:
            return self.metrics[name]
        except KeyError:
            raise UnknownMetricError(name, self.metric_names) from None

    def dimension(self, name: str) -> DimensionDef:
        """The dimension called `name`; UserError listing the known ones otherwise."""
        try:
            return self.dimensions[name]
        except KeyError:
            raise UserError(
                f"I don't know a dimension called '{name}'.",
                hint="Dimensions I know: " + ", ".join(sorted(self.dimensions)),
            ) from None

    def table(self, name: str) -> TableDef:
        return self.tables[name]

    def funnel_for(self, metric_name: str) -> tuple[FunnelDef, int, int] | None:
        """The declared funnel a ratio metric runs along, with its first and last step."""
        metric = self.metric(metric_name)
        for funnel in self.funnels.values():
            span = funnel.span(metric)
            if span is not None:
                return funnel, span[0], span[1]
        return None

    def tables_for(self, metric_name: str) -> tuple[str, ...]:
        """The tables a metric reads (one for simple/ratio, one per component if derived)."""
        metric = self.metric(metric_name)
        if metric.type != "derived":
            assert metric.table is not None
            return (metric.table,)
        seen: dict[str, None] = {}
        for component in metric.components:
            for table in self.tables_for(component):
                seen[table] = None
        return tuple(seen)

    def dimensions_for(self, metric_name: str) -> tuple[str, ...]:
        """Dimensions a metric can be filtered/grouped by (intersection across its tables)."""
        tables = [self.tables[t] for t in self.tables_for(metric_name)]
        return tuple(d for d in self.dimensions if all(d in t.dimensions for t in tables))

    # ------------------------------------------------------------------ words people use

    def resolve_value(self, dimension: str, text: str) -> str | None:
        """The canonical value of `dimension` that `text` names ('NE' -> 'Northeast'), or None.

        Matches values and synonyms case-insensitively, treating '-', '_' and spaces alike.
        A dimension declared without values accepts any non-empty text as is.
        """
        dim = self.dimension(dimension)
        wanted = _norm(text)
        if not wanted:
            return None
        for value in dim.values:
            if _norm(value) == wanted:
                return value
        for value, words in dim.synonyms.items():
            if any(_norm(w) == wanted for w in words):
                return value
        return None if dim.values else text.strip()

    def resolve_metric(self, text: str) -> str | None:
        """The metric that `text` names by name, label or synonym ('sales' -> 'revenue')."""
        wanted = _norm(text)
        for metric in self.metrics.values():
            names = (metric.name, metric.label, *metric.synonyms)
            if any(_norm(n) == wanted for n in names):
                return metric.name
        return None

    # ------------------------------------------------------------------ formatting

    def format_value(self, metric_name: str, value: float | int | None) -> str:
        """A number as people read it for this metric: '$12,345', '3.12%', '1,234'."""
        metric = self.metric(metric_name)
        return format_quantity(value, metric.format, metric.unit)

    def format_change(
        self,
        metric_name: str,
        old: float | int | None,
        new: float | int | None,
        *,
        inline: bool = False,
    ) -> str:
        """The change from old to new: '-12.3%', or '-0.41 pp (-12.3%)' for percent metrics
        ('-0.41 pp, -12.3%' `inline`, for a sentence that puts the change in brackets)."""
        metric = self.metric(metric_name)
        if old is None or new is None or any(math.isnan(float(v)) for v in (old, new)):
            return "n/a"
        old_f, new_f = float(old), float(new)
        relative = "n/a" if old_f == 0 else f"{(new_f - old_f) / abs(old_f) * 100:+.1f}%"
        if metric.format == "percent":
            points = f"{(new_f - old_f) * 100:+.2f} pp"
            return f"{points}, {relative}" if inline else f"{points} ({relative})"
        return relative
