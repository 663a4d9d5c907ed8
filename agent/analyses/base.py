"""What every analysis gets and the small helpers they share.

An analysis is a function `(goal, ctx) -> tuple[Finding, ...]`. It reads the warehouse only
through the semantic layer (`run_metric`), so every number it reports carries the SQL that
produced it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from agent.domain import Evidence, Finding, FindingKind, Goal, Window, format_segment
from agent.errors import UserError
from agent.semantic import MetricDef, MetricFrame, MetricRequest, SemanticLayer, run_metric
from agent.semantic.compiler import quote, quote_relation
from agent.semantic.policies import UNRESTRICTED, Access
from agent.understand.lexicon import plural as plural_of
from agent.warehouse import Warehouse

DEFAULT_METRIC = "revenue"


@dataclass(frozen=True, kw_only=True)
class AnalysisContext:
    """The dependencies of an analysis: where the data is, what it means, what day it is."""

    warehouse: Warehouse
    layer: SemanticLayer
    today: date
    out_dir: Path | None = None  # where CSV attachments go (segment lists, churn lists)
    settings: Mapping[str, object] = field(default_factory=dict)
    # The asker's data access policy: applied here because `run` is the one road from an
    # analysis to the warehouse's numbers, so no analysis can forget it.
    access: Access = UNRESTRICTED

    def __post_init__(self) -> None:
        # Every analysis reads dimensions from `layer`, so it reads the policy's view of it:
        # hidden dimensions are skipped by drill-downs rather than refusing whole answers.
        object.__setattr__(self, "layer", self.access.view(self.layer))

    def run(self, request: MetricRequest) -> MetricFrame:
        return run_metric(self.warehouse, self.layer, self.access.restrict(self.layer, request))


Analysis = Callable[[Goal, AnalysisContext], tuple[Finding, ...]]


@dataclass(frozen=True, kw_only=True)
class Total:
    """A metric's value over a window, with its parts for ratio metrics."""

    value: float
    numerator: float | None
    denominator: float | None
    evidence: Evidence


def coverage(ctx: AnalysisContext, metric: str) -> Window | None:
    """The dates the metric's tables hold data for, or None when they are empty."""
    starts, ends = [], []
    for name in ctx.layer.tables_for(metric):
        table = ctx.layer.table(name)
        column = quote(table.time_dimension)
        sql = f"SELECT MIN({column}) AS first_day, MAX({column}) AS last_day FROM {quote_relation(table.relation)}"
        row = ctx.warehouse.query(sql).iloc[0]
        if row["first_day"] is None or row["first_day"] != row["first_day"]:
            return None
        starts.append(as_date(row["first_day"]))
        ends.append(as_date(row["last_day"]) + timedelta(days=1))
    return Window(start=max(starts), end=min(ends)) if starts and max(starts) < min(ends) else None


def outside_data(ctx: AnalysisContext, metric: str, window: Window) -> bool:
    """True when the window does not overlap the metric's data at all."""
    held = coverage(ctx, metric)
    return held is None or window.end <= held.start or window.start >= held.end


def missing_data(ctx: AnalysisContext, metric: str, windows: tuple[Window, ...]) -> str:
    """What the data lacks of these windows, in words; empty when it holds them all."""
    held = coverage(ctx, metric)
    if held is None:
        return "the data is empty"
    missing: list[str] = []
    for w in windows:
        if w.end <= held.start or w.start >= held.end:
            missing.append(w.describe())
            continue
        if w.start < held.start:
            missing.append(Window(start=w.start, end=held.start).describe())
        if w.end > held.end:
            missing.append(Window(start=held.end, end=w.end).describe())
    if not missing:
        return ""
    verb = "is" if len(missing) == 1 else "are"
    return f"{' and '.join(missing)} {verb} not in the data (it covers {held.describe()})"


def count_label_of(layer: SemanticLayer, ratio: MetricDef) -> str:
    """What a ratio's denominator counts, as its own metric's label ('orders', 'sessions'),
    else its measure's name."""
    den = ratio.denominator
    assert den is not None
    for candidate in layer.metrics.values():
        m = candidate.measure
        if (
            candidate.type == "simple"
            and m is not None
            and (m.table, m.name) == (den.table, den.name)
        ):
            return candidate.label.lower()
    return den.name.replace("_", " ")


def as_date(value: object) -> date:
    """A period, timestamp or ISO string from a query as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def plural(ctx: AnalysisContext, metric: str) -> bool:
    """Whether the metric's label is a plural noun ("Orders were", "Support tickets show"):
    every count is ("Orders", "Units sold"); a sum, a rate or an average is not."""
    return ctx.layer.metric(metric).format == "integer"


def dimension_words(ctx: AnalysisContext, dimension: str, *, many: bool = True) -> str:
    """A dimension as words in a sentence: "landing categories", "customer type"."""
    word = ctx.layer.dimension(dimension).label.lower()
    return plural_of(word) if many else word


def metric_of(goal: Goal) -> str:
    return goal.metric or DEFAULT_METRIC


def window_of(goal: Goal, today: date, *, default_days: int) -> Window:
    """The goal's window, or the last `default_days` complete days."""
    if goal.window is not None:
        return goal.window
    return Window(start=today - timedelta(days=default_days), end=today, label="default")


def baseline_of(goal: Goal, window: Window) -> Window:
    return goal.baseline or window.previous()


def total(ctx: AnalysisContext, metric: str, window: Window, filters: Mapping[str, str]) -> Total:
    """The metric over the window (no grouping); NaN when there is no data."""
    result = ctx.run(MetricRequest(metric=metric, window=window, filters=dict(filters)))
    frame = result.frame
    if frame.empty:
        return Total(value=math.nan, numerator=None, denominator=None, evidence=result.evidence)
    row = frame.iloc[0]
    numerator = float(row["numerator"]) if "numerator" in frame.columns else None
    denominator = float(row["denominator"]) if "denominator" in frame.columns else None
    return Total(
        value=float(row["value"]),
        numerator=numerator,
        denominator=denominator,
        evidence=result.evidence,
    )


def relative_change(old: float, new: float) -> float:
    if old == 0 or math.isnan(old) or math.isnan(new):
        return math.nan
    return (new - old) / abs(old)


def direction_word(change: float, *, flat_below: float = 0.005) -> str:
    if math.isnan(change) or abs(change) < flat_below:
        return "flat"
    return "up" if change > 0 else "down"


def where_text(filters: Mapping[str, str]) -> str:
    """' in mobile × Northeast' or '' — the filters as a phrase."""
    if not filters:
        return ""
    return " in " + format_segment(filters, style="words")


def no_data_finding(
    ctx: AnalysisContext, metric: str, window: Window, evidence: Evidence | None = None
) -> Finding:
    """'No data for that window', saying which dates the data does cover."""
    label = ctx.layer.metric(metric).label
    held = coverage(ctx, metric)
    span = f" The data covers {held.describe()}." if held else " Its tables are empty."
    return Finding(
        kind=FindingKind.NO_DATA,
        title=f"No data for {label}",
        summary=f"I found no {label.lower()} data for {window.describe()}.{span}",
        evidence=(evidence,) if evidence else (),
        confidence=1.0,
    )


def require_dimension(ctx: AnalysisContext, metric: str, dimension: str) -> None:
    if dimension not in ctx.layer.dimensions_for(metric):
        valid = ", ".join(ctx.layer.dimensions_for(metric)) or "none"
        label = ctx.layer.metric(metric).label
        raise UserError(
            f"{label} can't be split by {dimension}.",
            hint=f"Dimensions for {label}: {valid}.",
        )
