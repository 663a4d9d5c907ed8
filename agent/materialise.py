"""Planned actions → concrete actions whose parameters fit their kind's schema.

A rule's action says *what kind* and *where* ("alert #kpi-alerts", "investigate"); the actor
needs the message or the goal itself. This fills them from the signal that fired the rule and
from the investigation's finding, keeping the plan's idempotency key, so the same proposal in
two cycles is still the same action (the actor executes it once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from agent.domain import Action, Finding, Goal, Intent, Window
from agent.plan import PlannedAction
from agent.semantic import SemanticLayer

# Keys the planner adds for bookkeeping; kinds' schemas forbid unknown keys.
_PLAN_KEYS = ("metric", "where", "signal", "value", "period")


def where_text(where: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(where.items()))


def investigation_goal(params: Mapping[str, Any], today: date) -> Goal:
    """The explain goal that investigates a signal: its metric in its segment.

    An anomaly is one day against the same weekday a week before; a change or a level is the
    last 7 days against the 7 before.
    """
    metric = str(params.get("metric") or "revenue")
    where = {str(k): str(v) for k, v in dict(params.get("where") or {}).items()}
    period = str(params.get("period") or "")
    if params.get("signal") == "anomaly" and period:
        day = date.fromisoformat(period)
        window = Window(start=day, end=day + timedelta(days=1), label="the unusual day")
        baseline = window.shifted(-7, label="same weekday last week")
    else:
        window = Window(start=today - timedelta(days=7), end=today, label="last 7 days")
        baseline = window.previous()
    label = f"{metric}{' in ' + where_text(where) if where else ''}"
    return Goal(
        intent=Intent.EXPLAIN,
        metric=metric,
        filters=where,
        window=window,
        baseline=baseline,
        text=f"why did {label} move?",
    )


def headline(layer: SemanticLayer, params: Mapping[str, Any]) -> str:
    """'Revenue (channel=organic) dropped: anomaly on 2025-12-07' and the like."""
    metric = str(params.get("metric") or "")
    label = layer.metric(metric).label if metric in layer.metrics else metric
    where = dict(params.get("where") or {})
    segment = f" ({where_text(where)})" if where else ""
    value = params.get("value")
    signal = params.get("signal")
    if signal == "change" and isinstance(value, int | float):
        word = "down" if value < 0 else "up"
        return f"{label}{segment} {word} {abs(value):.0%} week over week"
    if signal == "level" and isinstance(value, int | float):
        return f"{label}{segment} at {layer.format_value(metric, value) if metric in layer.metrics else value}"
    period = params.get("period") or ""
    return f"{label}{segment}: unusual day {period}".strip()


def concrete(
    planned: PlannedAction,
    *,
    layer: SemanticLayer,
    today: date,
    finding: Finding | None = None,
) -> Action:
    """The action the actor will see; `finding` is the investigation behind it, if any."""
    action = planned.action
    params = dict(action.params)
    extra = {k: v for k, v in params.items() if k not in _PLAN_KEYS}
    title = headline(layer, params)
    text = finding.summary if finding else action.reason
    target = action.target
    built: dict[str, Any]
    match action.kind:
        case "alert":
            built = {
                "channel": target,
                "title": title,
                "text": text,
                "severity": "medium",
                "fingerprint": planned.id.split(":", 1)[-1],
            }
        case "report":
            built = {"channel": target, "title": title, "text": text}
        case "investigate":
            goal = investigation_goal(params, today)
            built = {"question": goal.text, "goal": {**goal.to_json(), "text": goal.text}}
        case "escalate":
            built = {"owner": target, "title": title, "text": text, "severity": "medium"}
        case "optimize":
            built = {"change": title, "rationale": text}
            if target:
                built["owner"] = target
        case _:
            built = {}
    return replace(action, params={**built, **extra}, key=planned.key)
