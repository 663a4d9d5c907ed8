"""The semantic layer: semantic.yml loaded and validated, metric requests compiled to SQL."""

from agent.errors import UnknownMetricError
from agent.semantic.compiler import CompiledQuery, MetricRequest, compile_request
from agent.semantic.loader import default_semantic_path, load_semantic, parse_semantic
from agent.semantic.model import DimensionDef, MeasureDef, MetricDef, SemanticLayer, TableDef
from agent.semantic.run import MetricFrame, arun_metric, run_metric

__all__ = [
    "CompiledQuery",
    "DimensionDef",
    "MeasureDef",
    "MetricDef",
    "MetricFrame",
    "MetricRequest",
    "SemanticLayer",
    "TableDef",
    "UnknownMetricError",
    "arun_metric",
    "compile_request",
    "default_semantic_path",
    "load_semantic",
    "parse_semantic",
    "run_metric",
]
