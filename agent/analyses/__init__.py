"""The analyses: one skill per module, chosen by the goal's intent.

`run_goal` is the single entry point. Modules are imported when first used, so a skill with
heavy dependencies (the churn model) costs nothing until someone asks for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from agent.analyses.base import Analysis, AnalysisContext
from agent.domain import Finding, Goal, Intent
from agent.errors import UserError

SKILLS: Mapping[Intent, str] = {
    Intent.LOOKUP: "agent.analyses.lookup:lookup",
    Intent.TREND: "agent.analyses.trend:trend",
    Intent.BREAKDOWN: "agent.analyses.breakdown:breakdown",
    Intent.COMPARE: "agent.analyses.compare:compare",
    Intent.EXPLAIN: "agent.analyses.explain:explain",
    Intent.DETECT: "agent.analyses.detect:detect",
    Intent.SEGMENT: "agent.analyses.segment:segment",
    Intent.FORECAST_CHECK: "agent.analyses.forecast_check:forecast_check",
    Intent.CHURN: "agent.churn.analysis:churn",
    Intent.HELP: "agent.analyses.help:help_finding",
    Intent.UNKNOWN: "agent.analyses.help:help_finding",
}


def skill_for(intent: Intent) -> Analysis:
    """The analysis function for an intent (digest is the loop's job, not an analysis)."""
    target = SKILLS.get(intent)
    if target is None:
        raise UserError(f"I can't answer a '{intent.value}' request as a single analysis.")
    module, _, name = target.partition(":")
    fn: Analysis = getattr(importlib.import_module(module), name)
    return fn


def run_goal(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Answer a goal with findings, every number carrying its evidence."""
    return skill_for(goal.intent)(goal, ctx)


__all__ = ["SKILLS", "Analysis", "AnalysisContext", "run_goal", "skill_for"]
