"""explain: why a metric moved between two windows, from the warehouse, in plain words.

`explain(goal, ctx)` pulls the leaves of both windows with grouped queries (leaves.py), judges
the change against the metric's own history, runs the pure root-cause engine
(agent.analyses.rca) and writes the Finding (finding.py).
"""

from agent.analyses.explain.core import explain, explain_result
from agent.analyses.explain.leaves import MAX_SEARCH_CARDINALITY, search_dimensions

__all__ = ["MAX_SEARCH_CARDINALITY", "explain", "explain_result", "search_dimensions"]
