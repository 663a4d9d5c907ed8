"""The analyses: one skill per module, chosen by the goal's intent.

`run_goal` is the single entry point. Modules are imported when first used, so a skill with
heavy dependencies (the churn model) costs nothing until someone asks for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from agent.analyses.base import DEFAULT_METRIC, Analysis, AnalysisContext, coverage
from agent.domain import ALL_TIME, Finding, Goal, Intent, Window
from agent.errors import UserError
from agent.understand.widened import widened


@dataclass(frozen=True)
class Skill:
    """The analysis behind an intent: what progress calls it and where its function lives."""

    label: str
    target: str  # "module:function", imported on first use


# The one table from intent to analysis (the loop, the CLI and the service all use it).
# The morning digest is the loop's job (agent/digest.py); a digest request about a segment or
# a period ("how are we doing in the West?", "how did Black Friday go?") is the scorecard.
SKILLS: Mapping[Intent, Skill] = {
    Intent.LOOKUP: Skill("the lookup", "agent.analyses.lookup:lookup"),
    Intent.TREND: Skill("the trend", "agent.analyses.trend:trend"),
    Intent.BREAKDOWN: Skill("the breakdown", "agent.analyses.breakdown:breakdown"),
    Intent.COMPARE: Skill("the comparison", "agent.analyses.compare:compare"),
    Intent.EXPLAIN: Skill("the root-cause analysis", "agent.analyses.explain:explain"),
    Intent.DETECT: Skill("the anomaly check", "agent.analyses.detect:detect"),
    Intent.SEGMENT: Skill("the segmentation", "agent.analyses.segment:segment"),
    Intent.FORECAST_CHECK: Skill(
        "the forecast check", "agent.analyses.forecast_check:forecast_check"
    ),
    Intent.CHURN: Skill("the churn risk model", "agent.churn.analysis:churn"),
    Intent.DIGEST: Skill("the KPI scorecard", "agent.analyses.scorecard:scorecard"),
    Intent.HELP: Skill("help", "agent.analyses.help:help_finding"),
    Intent.UNKNOWN: Skill("help", "agent.analyses.help:help_finding"),
}


def skill_for(intent: Intent) -> Analysis:
    """The analysis function for an intent."""
    skill = SKILLS.get(intent)
    if skill is None:
        raise UserError(f"I can't answer a '{intent.value}' request as a single analysis.")
    module, _, name = skill.target.partition(":")
    fn: Analysis = getattr(importlib.import_module(module), name)
    return fn


def run_goal(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Answer a goal with findings, every number carrying its evidence."""
    found = skill_for(goal.intent)(all_the_data(goal, ctx), ctx)
    said = widened_note(goal, ctx)
    if not found or not said:
        return found
    # "conversion on android": the figure is all mobile's, and the first sentence says so.
    return (replace(found[0], summary=f"{said} {found[0].summary}"), *found[1:])


def widened_note(goal: Goal, ctx: AnalysisContext) -> str:
    """What a filter read from a narrower word ("Android" → mobile) covers, in a sentence."""
    notes = []
    for typed, dim, value in widened(goal.text, goal.filters):
        definition = ctx.layer.dimension(dim)
        kept = ", ".join(str(v) for v in definition.values)
        notes.append(
            f"\u201c{typed}\u201d is read as all {value}: the data records "
            f"{definition.label.lower()} only as {kept}."
        )
    return " ".join(notes)


def all_the_data(goal: Goal, ctx: AnalysisContext) -> Goal:
    """ "Lifetime revenue": the window cut to the dates the warehouse holds, with nothing
    before it to compare with."""
    if goal.window is None or goal.window.label != ALL_TIME:
        return goal
    held = coverage(ctx, goal.metric or DEFAULT_METRIC)
    if held is None:
        return goal
    start, end = max(goal.window.start, held.start), min(goal.window.end, held.end)
    if end <= start:
        return goal
    return replace(goal, window=Window(start=start, end=end, label=ALL_TIME), baseline=None)


__all__ = ["SKILLS", "Analysis", "AnalysisContext", "Skill", "run_goal", "skill_for"]
