"""The semantic layer: semantic.yml loaded and validated, metric requests compiled to SQL.

Exports load on first use (PEP 562): reading semantic.yml should not import the warehouse
drivers and pandas that compiling and running a query need (`scout parse` starts fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.lazy import lazy_exports

if TYPE_CHECKING:
    from agent.errors import UnknownMetricError
    from agent.semantic.compiler import CompiledQuery, MetricRequest, compile_request
    from agent.semantic.loader import default_semantic_path, load_semantic, parse_semantic
    from agent.semantic.model import (
        DimensionDef,
        MeasureDef,
        MetricDef,
        SemanticLayer,
        TableDef,
    )
    from agent.semantic.policies import (
        UNRESTRICTED,
        Access,
        AccessDenied,
        Policies,
        load_policies,
        parse_policies,
    )
    from agent.semantic.run import MetricFrame, arun_metric, run_metric

_WHERE = {
    "UnknownMetricError": "agent.errors",
    "CompiledQuery": "agent.semantic.compiler",
    "MetricRequest": "agent.semantic.compiler",
    "compile_request": "agent.semantic.compiler",
    "default_semantic_path": "agent.semantic.loader",
    "load_semantic": "agent.semantic.loader",
    "parse_semantic": "agent.semantic.loader",
    "DimensionDef": "agent.semantic.model",
    "MeasureDef": "agent.semantic.model",
    "MetricDef": "agent.semantic.model",
    "SemanticLayer": "agent.semantic.model",
    "TableDef": "agent.semantic.model",
    "UNRESTRICTED": "agent.semantic.policies",
    "Access": "agent.semantic.policies",
    "AccessDenied": "agent.semantic.policies",
    "Policies": "agent.semantic.policies",
    "load_policies": "agent.semantic.policies",
    "parse_policies": "agent.semantic.policies",
    "MetricFrame": "agent.semantic.run",
    "arun_metric": "agent.semantic.run",
    "run_metric": "agent.semantic.run",
}


__getattr__ = lazy_exports(__name__, _WHERE)


__all__ = [
    "UNRESTRICTED",
    "Access",
    "AccessDenied",
    "CompiledQuery",
    "DimensionDef",
    "MeasureDef",
    "MetricDef",
    "MetricFrame",
    "MetricRequest",
    "Policies",
    "SemanticLayer",
    "TableDef",
    "UnknownMetricError",
    "arun_metric",
    "compile_request",
    "default_semantic_path",
    "load_policies",
    "load_semantic",
    "parse_policies",
    "parse_semantic",
    "run_metric",
]
