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

from agent.analyses.base import where_text
from agent.domain import Action, Anomaly, Finding, Goal, Intent, Window
from agent.plan import PlannedAction
from agent.semantic import SemanticLayer

# Keys the planner adds for bookkeeping; kinds' schemas forbid unknown keys.
_PLAN_KEYS = ("metric", "where", "signal", "value", "period", "days")


def anomaly_params(anomaly: Anomaly) -> dict[str, object]:
    """The signal parameters of an anomaly, as investigations and alerts key them."""
    return {
        "metric": anomaly.metric,
        "where": dict(anomaly.where),
        "signal": "anomaly",
        "period": anomaly.day.isoformat(),
        "days": anomaly.days,
    }


def investigation_goal(params: Mapping[str, Any], today: date) -> Goal:
    """The explain goal that investigates a signal: its metric in its segment.

    An anomaly is its unusual day (or the whole run of days) against the same weekdays a week
    before; a change or a level is the last 7 days against the 7 before.
    """
    metric = str(params.get("metric") or "revenue")
    where = {str(k): str(v) for k, v in dict(params.get("where") or {}).items()}
    period = str(params.get("period") or "")
    if params.get("signal") == "anomaly" and period:
        day = date.fromisoformat(period)
        days = min(max(int(params.get("days") or 1), 1), today.toordinal() - day.toordinal() or 1)
        # A run of unusual days is investigated whole: one day of a segment is often too
        # little data to tell a cause from noise, three days usually are not.
        window = Window(start=day, end=day + timedelta(days=days), label="the unusual days")
        weeks_back = -(-days // 7)
        baseline = window.shifted(-7 * weeks_back, label="same weekdays before")
    else:
        window = Window(start=today - timedelta(days=7), end=today, label="last 7 days")
        baseline = window.previous()
    # The question reads like one a person would ask; the goal itself carries the keys.
    label = metric.replace("_", " ") + where_text(where)
    return Goal(
        intent=Intent.EXPLAIN,
        metric=metric,
        filters=where,
        window=window,
        baseline=baseline,
        text=f"why did {label} move?",
    )


def headline(layer: SemanticLayer, params: Mapping[str, Any]) -> str:
    """'Revenue in organic traffic: unusual day 2025-12-07' and the like (an alert's title)."""
    metric = str(params.get("metric") or "")
    label = layer.metric(metric).label if metric in layer.metrics else metric
    segment = where_text({str(k): str(v) for k, v in dict(params.get("where") or {}).items()})
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
