"""Run a metric request on a warehouse and hand back a tidy frame with its evidence."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from agent.domain import Evidence, format_segment
from agent.semantic.compiler import CompiledQuery, MetricRequest, compile_request
from agent.semantic.model import SemanticLayer
from agent.warehouse.base import Warehouse


@dataclass(frozen=True, kw_only=True)
class MetricFrame:
    """The result rows (columns as `CompiledQuery.columns`) and the SQL that produced them.

    Dimension columns hold strings, "period" holds `datetime.date`, every number is float
    (NaN where a ratio's denominator is zero or a component is missing).
    """

    frame: pd.DataFrame
    evidence: Evidence


def run_metric(warehouse: Warehouse, layer: SemanticLayer, request: MetricRequest) -> MetricFrame:
    """Compile for the warehouse's dialect, run, normalise types, attach the evidence."""
    compiled = compile_request(layer, request, dialect=warehouse.dialect)
    raw = warehouse.query(compiled.sql, compiled.params)
    return _finish(layer, request, compiled, raw)


async def arun_metric(
    warehouse: Warehouse, layer: SemanticLayer, request: MetricRequest
) -> MetricFrame:
    """`run_metric` off the event loop."""
    compiled = compile_request(layer, request, dialect=warehouse.dialect)
    raw = await warehouse.aquery(compiled.sql, compiled.params)
    return _finish(layer, request, compiled, raw)


def _finish(
    layer: SemanticLayer, request: MetricRequest, compiled: CompiledQuery, raw: pd.DataFrame
) -> MetricFrame:
    frame = normalise_frame(raw, compiled, request)
    metric = layer.metric(request.metric)
    # The line that heads each "Show SQL" block: words a reader says, not column=value.
    where = format_segment(request.filters, style="words")
    description = f"{metric.label}, {request.window.describe()}"
    if where:
        description += f", in {where}"
    if request.group_by:
        description += ", by " + ", ".join(d.replace("_", " ") for d in request.group_by)
    if request.grain:
        description += f", per {request.grain}"
    evidence = Evidence(
        sql=compiled.sql, params=dict(compiled.params), description=description, rows=len(frame)
    )
    return MetricFrame(frame=frame, evidence=evidence)


def normalise_frame(
    raw: pd.DataFrame, compiled: CompiledQuery, request: MetricRequest
) -> pd.DataFrame:
    """Same types whatever the driver: str keys, date periods, float numbers."""
    frame = raw.copy()
    frame.columns = list(compiled.columns)
    for name in request.group_by:
        column = frame[name]
        frame[name] = column.astype(object).where(column.notna(), None)
        if not all(isinstance(v, str) for v in frame[name].dropna()):
            frame[name] = frame[name].map(lambda v: None if v is None else str(v))
    if request.grain:
        # One vectorised conversion; drivers hand back dates, datetimes or strings.
        periods = pd.to_datetime(frame["period"], errors="coerce")
        frame["period"] = [None if pd.isna(v) else v.date() for v in periods]
    keys = (*request.group_by, "period") if request.grain else request.group_by
    for name in compiled.columns:
        if name not in keys:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame.reset_index(drop=True)
