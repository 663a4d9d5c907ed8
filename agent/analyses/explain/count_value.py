"""A sum split into how many and how much each: revenue = orders × average order value.

"Why did revenue spike?" has two first answers before any segment: more orders, or bigger
ones. The split is found in the semantic layer, not written for revenue: a ratio metric whose
numerator is the sum's own measure and whose denominator counts rows of the same table
(`aov = orders.revenue / orders.orders`) says the sum is that count times that average. The
change splits exactly into the two (the symmetric, Shapley split: each effect at the mean of
the other factor, so they add up to the change with no residual term).

When an entity is keyed on the table's rows (`entities.order: {table: orders, key:
order_id}`), the largest rows of the period that carries the move are listed: a rise's
largest orders now, a fall's largest orders before. Each one's share of the change is what
it holds above the other period's average order, so "three orders explain the spike" is a
counterfactual (those orders at an ordinary size), not the raw size of a big order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot

from agent.analyses.base import AnalysisContext, count_label_of
from agent.analyses.explain.leaves import noise_history, shape_of
from agent.analyses.explain.verdict import Z_LIMIT
from agent.analyses.rca.model import NoiseModel
from agent.analyses.rca.noise import judge
from agent.domain import Evidence, Window
from agent.semantic import MetricDef, MetricRequest, SemanticLayer
from agent.semantic.compiler import END, START, param_name, quote, quote_relation
from agent.warehouse.params import render_placeholders, sqlglot_dialect

LARGEST = 3
# The largest rows "explain" the change when, at an ordinary size, they would take this much
# of it away.
FEW_EXPLAIN = 0.5


@dataclass(frozen=True, kw_only=True)
class BigRow:
    """One of the largest rows (an order) of the period that carries the move."""

    key: str
    value: float
    share: float  # of the change: its excess over the other period's average, over the change

    def to_json(self) -> dict[str, Any]:
        return {"id": self.key, "value": self.value, "share_of_change": self.share}


@dataclass(frozen=True, kw_only=True)
class CountValueSplit:
    """A sum's change as (count change) × (average) + count × (average change)."""

    metric: str  # the sum (revenue)
    count_label: str  # "orders"
    average_metric: str  # "aov", for its format and label
    count: tuple[float, float]  # baseline, current
    total: tuple[float, float]  # baseline, current (baseline scaled like the explanation's)
    largest: tuple[BigRow, ...] = ()
    largest_in: str = ""  # the period the largest rows come from: "on Wed Nov 11, 2026"
    # The average's change against its own past changes (set when beyond its noise): a
    # total that held while its baskets collapsed still changed in make-up.
    average_unusual: str = ""
    evidence: tuple[Evidence, ...] = ()

    @property
    def average(self) -> tuple[float, float]:
        (t0, t1), (n0, n1) = self.total, self.count
        return (t0 / n0 if n0 else 0.0, t1 / n1 if n1 else 0.0)

    @property
    def count_effect(self) -> float:
        (n0, n1), (a0, a1) = self.count, self.average
        return (n1 - n0) * (a0 + a1) / 2

    @property
    def average_effect(self) -> float:
        (n0, n1), (a0, a1) = self.count, self.average
        return (a1 - a0) * (n0 + n1) / 2

    @property
    def change(self) -> float:
        return self.total[1] - self.total[0]

    @property
    def offsetting(self) -> bool:
        """More orders of smaller value (or the reverse): the two effects cancel, and the net
        change is a small remainder that any large order exceeds."""
        gross = abs(self.count_effect) + abs(self.average_effect)
        return gross > 0 and abs(self.change) < gross / 2

    def few_explain(self) -> bool:
        """The largest rows, at an ordinary size, would take most of the change away."""
        return not self.offsetting and sum(r.share for r in self.largest) >= FEW_EXPLAIN

    def text(self, layer: SemanticLayer) -> str:
        """'Of the +$2,756, the average order value ($89.64 → $124.67) accounts for +$2,403
        (87%) and the number of orders (68 → 71) for +$352 (13%).' and the largest rows."""
        fmt = layer.format_value
        avg_label = layer.metric(self.average_metric).label.lower()
        (n0, n1), (a0, a1) = self.count, self.average
        change = self.change or 1e-300
        counted = (
            f"the number of {self.count_label} ({_n(n0)} → {_n(n1)})",
            self.count_effect,
        )
        averaged = (
            f"the {avg_label} ({fmt(self.average_metric, a0)} → {fmt(self.average_metric, a1)})",
            self.average_effect,
        )
        (first, x), (second, y) = sorted((averaged, counted), key=lambda part: -abs(part[1]))
        if self.offsetting:
            # Shares of a remainder ("2267% of the -$229") say nothing; the two moves do.
            text = (
                f"The {_signed(fmt, self.metric, self.change)} is what is left of two larger "
                f"moves that offset: {first} {_signed(fmt, self.metric, x)}, {second} "
                f"{_signed(fmt, self.metric, y)}."
            )
        else:
            text = (
                f"Of the {_signed(fmt, self.metric, self.change)}, {first} accounts for "
                f"{_signed(fmt, self.metric, x)} ({x / change:.0%}) and {second} for "
                f"{_signed(fmt, self.metric, y)} ({y / change:.0%})."
            )
        if self.average_unusual:
            text += (
                f" The {avg_label} moved beyond its own normal variation ({self.average_unusual})."
            )
        if self.largest and not self.offsetting:
            move = "rise" if self.change > 0 else "fall"
            top, *rest = self.largest
            rows = ", ".join(
                [
                    f"{top.key} {fmt(self.metric, top.value)} ({top.share:.0%} of the {move})",
                    *(f"{r.key} {fmt(self.metric, r.value)} ({r.share:.0%})" for r in rest),
                ]
            )
            if self.few_explain():
                text += f" A few {self.count_label} explain it, {self.largest_in}: {rows}."
            else:
                held = sum(r.share for r in self.largest)
                text += (
                    f" No handful of {self.count_label} explains it: the {len(self.largest)} "
                    f"largest {self.largest_in} ({rows}) hold {held:.0%} of it together."
                )
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "count": {
                "label": self.count_label,
                "baseline": self.count[0],
                "current": self.count[1],
            },
            "average": {
                "metric": self.average_metric,
                "baseline": self.average[0],
                "current": self.average[1],
            },
            "count_effect": self.count_effect,
            "average_effect": self.average_effect,
            "largest": [r.to_json() for r in self.largest],
            "largest_in": self.largest_in,
            "few_explain": self.few_explain() if self.largest else False,
            "average_unusual": self.average_unusual,
        }


def average_metric_of(layer: SemanticLayer, metric: str) -> MetricDef | None:
    """The ratio metric that is `metric` per counted row of its table (aov for revenue)."""
    definition = layer.metric(metric)
    measure = definition.measure
    if definition.type != "simple" or measure is None or measure.agg != "sum":
        return None
    for candidate in layer.metrics.values():
        num, den = candidate.numerator, candidate.denominator
        if (
            candidate.type == "ratio"
            and num is not None
            and den is not None
            and (num.table, num.name) == (measure.table, measure.name)
            and den.table == measure.table
            and den.agg == "count"
            and den.expr == "*"
        ):
            return candidate
    return None


def count_value_split(
    ctx: AnalysisContext,
    metric: str,
    filters: Mapping[str, str],
    window: Window,
    baseline: Window,
    *,
    scaled: float = 1.0,
) -> CountValueSplit | None:
    """The metric's change as count × average, with the largest rows; None when it is not a
    sum that the semantic layer declares an average of."""
    average = average_metric_of(ctx.layer, metric)
    if average is None:
        return None
    assert average.denominator is not None
    results = [
        ctx.run(MetricRequest(metric=average.name, window=span, filters=dict(filters)))
        for span in (baseline, window)
    ]
    sums = []
    for result in results:
        frame = result.frame
        num = float(frame["numerator"].fillna(0.0).sum()) if len(frame) else 0.0
        den = float(frame["denominator"].fillna(0.0).sum()) if len(frame) else 0.0
        sums.append((num, den))
    (t0, n0), (t1, n1) = sums
    # Windows of different lengths compare per day, as the explanation does.
    split = CountValueSplit(
        metric=metric,
        count_label=count_label_of(ctx.layer, average),
        average_metric=average.name,
        count=(n0 * scaled, n1),
        total=(t0 * scaled, t1),
        evidence=tuple(r.evidence for r in results),
    )
    unusual, history = _unusual_average(
        ctx, average.name, filters, (window, baseline), split.average
    )
    if unusual:
        split = dataclasses.replace(
            split, average_unusual=unusual, evidence=(*split.evidence, *history)
        )
    if split.change == 0:
        return split
    # A rise is carried by the current period's largest rows, a fall by the baseline's.
    rising = split.change > 0
    span = window if rising else baseline
    found = largest_rows(ctx, metric, filters, span)
    if found is None:
        return split
    rows, evidence = found
    # What each row holds above an ordinary row of the other period, in the change's units
    # (a baseline row counts `scaled` times, as the baseline does).
    ordinary, weight = (split.average[0], 1.0) if rising else (split.average[1], scaled)
    big = tuple(
        BigRow(key=key, value=value, share=(value - ordinary) * weight / abs(split.change))
        for key, value in rows
    )
    return dataclasses.replace(
        split,
        largest=big,
        largest_in=("on " if span.days == 1 else "in ") + span.describe(),
        evidence=(*split.evidence, evidence),
    )


def _unusual_average(
    ctx: AnalysisContext,
    average: str,
    filters: Mapping[str, str],
    spans: tuple[Window, Window],
    values: tuple[float, float],
) -> tuple[str, tuple[Evidence, ...]]:
    """The noise verdict's reason when the average moved beyond its own past changes between
    windows like these (the same test the total gets), with the history's SQL; '' when it did
    not or cannot say."""
    (window, baseline), (a0, a1) = spans, values
    if not a0 or not a1:
        return "", ()
    history = noise_history(ctx, average, shape_of(ctx, average), filters, window, baseline)
    if len(history.changes) < 3:
        return "", ()
    verdict = judge(a1 - a0, a0, NoiseModel(history=history.changes, z=Z_LIMIT))
    return ("", ()) if verdict.within else (verdict.reason, (history.evidence,))


def largest_rows(
    ctx: AnalysisContext, metric: str, filters: Mapping[str, str], window: Window
) -> tuple[list[tuple[str, float]], Evidence] | None:
    """The `LARGEST` rows of the metric's table by its summed expression, with their key;
    None when no entity is keyed on that table. SQL from declarations and bound values only."""
    definition = ctx.layer.metric(metric)
    measure = definition.measure
    assert measure is not None and definition.table is not None
    table = ctx.layer.tables[definition.table]
    entity = next((e for e in ctx.layer.entities.values() if e.table == table.relation), None)
    if entity is None:
        return None
    time = quote(table.time_dimension)
    where = [f"{time} >= ${START}", f"{time} < ${END}"]
    where += [f"{quote(table.dimensions[d])} = ${param_name(d)}" for d in sorted(filters)]
    sql = (
        f"SELECT {quote(entity.key)} AS row_key, {measure.expr} AS row_value "
        f"FROM {quote_relation(table.relation)} WHERE {' AND '.join(where)} "
        f"ORDER BY row_value DESC NULLS LAST, row_key LIMIT {LARGEST}"
    )
    target = sqlglot_dialect(ctx.warehouse.dialect)
    text = render_placeholders(sqlglot.parse_one(sql, read="duckdb"), target).sql(
        dialect=target, pretty=True
    )
    params: dict[str, Any] = {START: window.start, END: window.end}
    params.update({param_name(d): str(v) for d, v in sorted(filters.items())})
    frame = ctx.warehouse.query(text, params)
    rows = [(str(k), float(v)) for k, v in zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True)]
    evidence = Evidence(
        sql=text,
        params=params,
        description=f"Largest {entity.name}s by {definition.label.lower()}, {window.describe()}",
        rows=len(rows),
    )
    return rows, evidence


def _n(count: float) -> str:
    return f"{count:,.0f}"


def _signed(fmt: Any, metric: str, value: float) -> str:
    return ("+" if value >= 0 else "-") + fmt(metric, abs(value))
