"""Root-cause ("explain") engine: which few segments explain a change of a metric.

Pure: it works on a DataFrame of leaves (one row per full combination of dimension values)
and never touches the warehouse. See `search.py` for the method and `decompose.py` for the
rate/mix identity of ratio metrics.
"""

from agent.analyses.rca.engine import explain_change, explain_ratio_change
from agent.analyses.rca.model import NoiseModel, RCAResult, SearchParams, describe_where

__all__ = [
    "NoiseModel",
    "RCAResult",
    "SearchParams",
    "describe_where",
    "explain_change",
    "explain_ratio_change",
]
