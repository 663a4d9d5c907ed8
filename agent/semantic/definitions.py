"""A metric's definition in words, from semantic.yml: what is counted or summed, over which
table, and what it can be split by. It answers "how is conversion rate computed?" with the
same expressions the compiler turns into SQL, so the answer cannot drift from the numbers."""

from __future__ import annotations

from agent.semantic.model import MeasureDef, SemanticLayer

_AGGREGATES = {
    "sum": "the sum of",
    "avg": "the average of",
    "min": "the smallest",
    "max": "the largest",
    "count_distinct": "the number of distinct",
}


def define(layer: SemanticLayer, name: str) -> str:
    """'Conversion rate: the sum of `CASE WHEN converted …` in sessions (one row per web
    session), divided by the number of rows in sessions. Split by: region, device, …'."""
    metric = layer.metric(name)
    if metric.type == "ratio" and metric.numerator and metric.denominator:
        top, bottom = metric.numerator, metric.denominator
        if top.table == bottom.table:
            body = (
                f"{_aggregate(top)} divided by {_aggregate(bottom)}, both over "
                f"{_where(layer, top.table)}"
            )
        else:
            body = f"{_measure(layer, top)}, divided by {_measure(layer, bottom)}"
    elif metric.type == "derived":
        parts = "; ".join(
            f"{layer.metric(c).label.lower()} is {_core(layer, c)}" for c in metric.components
        )
        body = f"`{metric.expr}`, where {parts}"
    elif metric.measure is not None:
        body = _measure(layer, metric.measure)
    else:
        body = "defined in semantic.yml"
    text = f"{metric.label}: {body}."
    if metric.description:
        text += f" {metric.description.rstrip('.')}."
    dims = layer.dimensions_for(name)
    if dims:
        text += f" It can be split by {', '.join(dims)}."
    return text


def _core(layer: SemanticLayer, name: str) -> str:
    metric = layer.metric(name)
    if metric.measure is not None:
        return _measure(layer, metric.measure)
    return f"`{metric.expr}`" if metric.expr else metric.label.lower()


def _measure(layer: SemanticLayer, measure: MeasureDef) -> str:
    return f"{_aggregate(measure)} in {_where(layer, measure.table)}"


def _aggregate(measure: MeasureDef) -> str:
    if measure.agg == "count" and measure.expr.strip() == "*":
        return "the number of rows"
    if measure.agg == "count":
        return f"the number of rows with `{measure.expr}`"
    return f"{_AGGREGATES.get(measure.agg, measure.agg)} `{measure.expr}`"


def _where(layer: SemanticLayer, name: str) -> str:
    description = layer.tables[name].description.rstrip(".")
    if not description:
        return name
    return f"{name} ({description[:1].lower()}{description[1:]})"
