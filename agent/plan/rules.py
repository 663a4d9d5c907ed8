"""Business rules as configuration: the `planning` section of scout.yml.

A rule says *when* (a metric's change, anomaly or level crosses a threshold) and *then*
(actions, with dependencies between them by local id). Everything is validated when the
configuration loads, so a rule that refers to an unknown step fails at start-up, not at 3am.
This module imports nothing from the rest of Scout except pydantic, so `agent.config` can
embed it without import cycles.
"""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ParamValue = str | int | float | bool


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trigger(_Section):
    """When a rule fires. Thresholds are fractions: 0.15 means 15%."""

    metric: str | None = Field(default=None, description="metric name; empty = any metric")
    signal: Literal["change", "anomaly", "level"] = "change"
    direction: Literal["up", "down", "any"] = "any"
    threshold: float = Field(
        default=0.0,
        ge=0,
        description="change: |relative change| above it; anomaly: |score| at least it; "
        "level: the value above it (direction up/any) or below it (down)",
    )
    scope: Literal["overall", "segment", "any"] = "any"
    where: dict[str, str] = Field(default_factory=dict, description="segment must include these")


class RuleAction(_Section):
    """One action a rule proposes; `after` names other actions of the same rule."""

    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    kind: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")
    target: str = Field(
        default="",
        description="empty = planning.targets (the kpi-alerts/kpi-digest aliases, mapped to "
        "channel ids by slack settings); otherwise a channel id (C…) or a user id (U…): a "
        "message posted to a channel name cannot be updated later with chat.update",
    )
    priority: int = Field(default=50, ge=0, le=100)
    after: list[str] = Field(default_factory=list)
    params: dict[str, ParamValue] = Field(default_factory=dict)


class Rule(_Section):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")
    when: Trigger
    then: list[RuleAction] = Field(min_length=1)

    @model_validator(mode="after")
    def _dependencies_resolve(self) -> Rule:
        ids = [a.id for a in self.then]
        problems = [
            f"action id '{i}' appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})
        ]
        for action in self.then:
            problems += [
                f"action '{action.id}' runs after '{d}', which is not an action of this rule"
                for d in action.after
                if d not in ids
            ]
        if not problems:
            sorter: TopologicalSorter[str] = TopologicalSorter()
            for action in self.then:
                sorter.add(action.id, *action.after)
            try:
                sorter.prepare()
            except CycleError as error:
                problems.append(
                    "actions depend on each other in a loop: " + " → ".join(error.args[1])
                )
        if problems:
            raise ValueError(f"rule '{self.name}': " + "; ".join(problems))
        return self


def default_rules() -> list[Rule]:
    """The rules Scout ships with; a scout.yml `planning.rules` list replaces them."""
    return [
        Rule(
            name="revenue_drop",
            when=Trigger(
                metric="revenue", signal="change", direction="down", threshold=0.15, scope="overall"
            ),
            then=[
                RuleAction(id="alert", kind="alert", priority=80),
                RuleAction(id="investigate", kind="investigate", priority=70),
            ],
        ),
        Rule(
            name="conversion_anomaly",
            when=Trigger(metric="conversion_rate", signal="anomaly", direction="any"),
            then=[
                RuleAction(id="investigate", kind="investigate", priority=60),
                RuleAction(id="report", kind="report", priority=55, after=["investigate"]),
            ],
        ),
        Rule(
            name="forecast_error_high",
            when=Trigger(metric="forecast_error", signal="level", direction="up", threshold=0.30),
            # No channel of its own: it goes to the `alert` target (kpi-alerts), which Slack
            # settings map to a channel id. A message posted to a channel *name* cannot be
            # edited later (chat.update needs the id), so shipped rules use the aliases only.
            then=[RuleAction(id="alert", kind="alert", priority=70)],
        ),
    ]


def default_targets() -> dict[str, str]:
    return {"alert": "#kpi-alerts", "report": "#kpi-digest", "investigate": "scout"}


class PlanningConfig(_Section):
    """How Scout plans: rules, default targets, actions per cycle, how learning ranks."""

    max_actions_per_cycle: int = Field(default=5, ge=1, le=100)
    ranking: Literal["mean", "thompson"] = Field(
        default="mean", description="posterior mean (exploit) or Thompson sample (explore)"
    )
    mute_below: float = Field(
        default=0.1, ge=0, le=1, description="skip an action kind whose learned success is below"
    )
    mute_min_samples: int = Field(default=10, ge=1, description="…once it has this many outcomes")
    targets: dict[str, str] = Field(default_factory=default_targets)
    rules: list[Rule] = Field(default_factory=default_rules)

    @model_validator(mode="after")
    def _unique_rule_names(self) -> PlanningConfig:
        names = [r.name for r in self.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError("rule names must be unique; repeated: " + ", ".join(twice))
        return self
