"""help: what Scout can do, with examples built from the semantic layer."""

from __future__ import annotations

from agent.analyses.base import AnalysisContext
from agent.domain import Finding, FindingKind, Goal, Intent, Table
from agent.semantic.definitions import define
from agent.understand import lexicon_for

EXAMPLES = (
    ("lookup", "What was revenue yesterday?"),
    ("trend", "Conversion rate trend over the last 30 days"),
    ("breakdown", "Revenue by region last week"),
    ("compare", "Mobile vs desktop conversion last month"),
    ("explain", "Why did conversion drop in the Northeast?"),
    ("detect", "Anything unusual this week?"),
    ("segment", "Latest customer segmentation for tomorrow's campaign"),
    ("forecast_check", "The inventory predictions seem off, can you investigate?"),
    ("churn", "Which customers are at risk of churning?"),
    ("digest", "Morning digest"),
)


def help_finding(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """A short guide: the questions Scout answers and the metrics it knows; the definition of
    each metric the question names ("how is conversion rate computed?") comes first."""
    metrics = ", ".join(ctx.layer.metric_names)
    opener = (
        "I couldn't tell what you'd like me to look at, so here is what I can do."
        if goal.intent is Intent.UNKNOWN
        else "Here is what I can do."
    )
    named = lexicon_for(ctx.layer).metrics_named(goal.text) if goal.intent is Intent.HELP else ()
    if named:
        opener = " ".join(define(ctx.layer, name) for name in named) + " " + opener
    return (
        Finding(
            kind=FindingKind.HELP,
            title="What Scout can do",
            summary=f"{opener} Ask about any of these metrics: {metrics}.",
            facts={"metrics": metrics},
            table=Table(columns=("kind", "example"), rows=EXAMPLES),
            confidence=1.0,
        ),
    )
