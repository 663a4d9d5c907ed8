"""Rules × signals → a Plan of actions, ranked by what has worked; a Goal → analysis Steps.

A `Signal` is the planner's view of what perception and analysis found: a metric's relative
change, an anomaly, or a level (forecast error). Each rule that matches a signal proposes
its actions; learning then scales their priority by the posterior success of that action
kind in that situation (prior mean 0.5 leaves the configured priority unchanged) and mutes
kinds that have proven useless there.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, assert_never

from agent.domain import Action, Anomaly, format_segment, jsonable, stable_key
from agent.errors import PlanError
from agent.learning import Bandit, situation_key
from agent.plan.dag import Plan, PlannedAction, Skipped
from agent.plan.rules import PlanningConfig, Rule, Trigger

if TYPE_CHECKING:  # the planner stays light to import; the layer comes from its caller
    from agent.semantic import SemanticLayer

log = logging.getLogger(__name__)

_EPSILON = 1e-9  # thresholds are compared beyond float noise


@dataclass(frozen=True, kw_only=True)
class Signal:
    """Something worth acting on: a change, an anomaly or a level of one metric in a segment."""

    metric: str
    kind: Literal["change", "anomaly", "level"]
    value: float
    direction: Literal["up", "down"]
    where: Mapping[str, str] = field(default_factory=dict)
    period: str = ""
    ref: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable identity across cycles (the anomaly fingerprint when there is one)."""
        return self.ref or stable_key(
            "signal", self.metric, self.kind, dict(self.where), self.period
        )

    @property
    def situation(self) -> str:
        return situation_key(self.metric, self.direction, self.where)

    @property
    def label(self) -> str:
        """The signal inside planned-action ids ('conversion_rate[region=West]@2026-11-30');
        an identifier, never shown to a person (`describe` is)."""
        where = format_segment(self.where, style="key")
        text = self.metric + (f"[{where}]" if where else "")
        return text + (f"@{self.period}" if self.period else "")

    def describe(self, layer: SemanticLayer | None = None) -> str:
        """What moved, where, since when and by how much, as a person reads it.

        With the semantic layer the metric has its label and its values their unit; without
        one (a planner run on its own) the sentence keeps to unit-free relative changes rather
        than print a rate as a bare float."""
        known = layer is not None and self.metric in layer.metrics
        label = layer.metric(self.metric).label if layer and known else self.metric
        subject = label.replace("_", " ")
        subject = subject[:1].upper() + subject[1:]
        if self.where:
            subject += " in " + format_segment(self.where, style="words")

        def value(number: float) -> str:
            return layer.format_value(self.metric, number) if layer and known else ""

        detail = self.detail
        match self.kind:
            case "anomaly":
                try:
                    anomaly = Anomaly(
                        metric=self.metric,
                        where=dict(self.where),
                        day=date.fromisoformat(self.period),
                        actual=float(detail["actual"]),
                        expected=float(detail["expected"]),
                        score=self.value,
                        direction=self.direction,
                        days=int(detail.get("days", 1)),
                    )
                except (KeyError, TypeError, ValueError):
                    return f"{subject} is unusual"
                # The alert's own words, so an approver's card and the alert agree. Imported
                # here: observe pulls in pandas, and the planner stays light to import.
                from agent.observe import anomaly_moved, anomaly_values

                if layer is not None and known:
                    by = anomaly_values(layer, anomaly)
                else:
                    side = "below" if anomaly.actual < anomaly.expected else "above"
                    by = f"{_relative(anomaly.actual, anomaly.expected).lstrip('+-')} {side} expected"
                return f"{subject} {anomaly_moved(anomaly)}: {by}"
            case "change":
                current, baseline = float(detail["current"]), float(detail["baseline"])
                verb = "fell" if self.direction == "down" else "rose"
                # The monitor's movements compare the last 7 days with the 7 before.
                span = " week over week" if self.period.endswith("/7d") else ""
                text = f"{subject} {verb} {_relative(current, baseline).lstrip('+-')}{span}"
                if value(current):
                    text += f" ({value(baseline)} → {value(current)})"
                return text
            case "level":
                return f"{subject} is at {value(self.value) or f'{self.value:,.3g}'}"
            case _:
                assert_never(self.kind)

    @staticmethod
    def from_anomaly(anomaly: Anomaly) -> Signal:
        return Signal(
            metric=anomaly.metric,
            kind="anomaly",
            value=anomaly.score,
            direction=anomaly.direction,
            where=dict(anomaly.where),
            period=anomaly.day.isoformat(),
            ref=anomaly.fingerprint,
            detail={"actual": anomaly.actual, "expected": anomaly.expected, "days": anomaly.days},
        )

    @staticmethod
    def change(
        metric: str,
        current: float,
        baseline: float,
        *,
        where: Mapping[str, str] | None = None,
        period: str = "",
    ) -> Signal:
        """Relative change current/baseline − 1 (±inf from a zero baseline, 0 if both are 0)."""
        if baseline == 0:
            value = 0.0 if current == 0 else math.copysign(math.inf, current)
        else:
            value = current / baseline - 1.0
        return Signal(
            metric=metric,
            kind="change",
            value=value,
            direction="down" if value < 0 else "up",
            where=dict(where or {}),
            period=period,
            detail={"current": current, "baseline": baseline},
        )

    @staticmethod
    def level(
        metric: str, value: float, *, where: Mapping[str, str] | None = None, period: str = ""
    ) -> Signal:
        return Signal(
            metric=metric,
            kind="level",
            value=value,
            direction="up",
            where=dict(where or {}),
            period=period,
        )


def matches(trigger: Trigger, signal: Signal) -> bool:
    """Whether a rule's trigger fires on a signal."""
    if trigger.metric and trigger.metric != signal.metric:
        return False
    if trigger.signal != signal.kind:
        return False
    if (trigger.scope == "overall" and signal.where) or (
        trigger.scope == "segment" and not signal.where
    ):
        return False
    if any(signal.where.get(k) != v for k, v in trigger.where.items()):
        return False
    if signal.kind == "level":
        if trigger.direction == "down":
            return trigger.threshold - signal.value > _EPSILON
        return signal.value - trigger.threshold > _EPSILON
    if trigger.direction != "any" and trigger.direction != signal.direction:
        return False
    if signal.kind == "change":
        # 85/100 − 1 is −0.15000000000000002 in floats; "more than 15%" must not fire on it.
        return abs(signal.value) - trigger.threshold > _EPSILON
    return abs(signal.value) >= trigger.threshold - _EPSILON


def _relative(new: float, old: float) -> str:
    """'-23.4%': the change from old to new ('n/a' from zero)."""
    if old == 0:
        return "n/a"
    return f"{new / old - 1:+.1%}"


def actions_for(
    rule: Rule,
    signal: Signal,
    targets: Mapping[str, str],
    *,
    layer: SemanticLayer | None = None,
) -> list[PlannedAction]:
    """The planned actions one rule proposes for one signal, dependencies wired by id.

    The reason is the signal in words (the approver reads it): the rule's name and the
    detector's score stay in the ids and the log."""
    ids = {a.id: f"{rule.name}.{a.id}:{signal.label}" for a in rule.then}
    planned = []
    for step in rule.then:
        depends = tuple(ids[d] for d in step.after)
        params: dict[str, Any] = {
            "metric": signal.metric,
            "where": dict(signal.where),
            "signal": signal.kind,
            "value": jsonable(signal.value),
            "period": signal.period,
            **({"days": int(signal.detail.get("days", 1))} if signal.kind == "anomaly" else {}),
            **step.params,
        }
        action = Action(
            kind=step.kind,
            target=step.target or targets.get(step.kind, ""),
            params=params,
            priority=step.priority,
            depends_on=depends,
            reason=signal.describe(layer),
            source="rules",
            key=stable_key("plan", rule.name, step.id, signal.key),
        )
        planned.append(
            PlannedAction(
                id=ids[step.id],
                action=action,
                priority=step.priority,
                depends_on=depends,
                situation=signal.situation,
                rule=rule.name,
            )
        )
    return planned


def plan_from_signals(
    signals: Iterable[Signal],
    config: PlanningConfig,
    *,
    bandit: Bandit | None = None,
    rng: random.Random | None = None,
    extra: Iterable[PlannedAction] = (),
    done: Collection[str] = (),
    layer: SemanticLayer | None = None,
) -> Plan:
    """Apply every rule to every signal, add validated `extra` proposals, rank and order.

    With `config.ranking == "thompson"` an `rng` is required (seed it in tests).
    """
    if config.ranking == "thompson" and rng is None:
        raise PlanError("Thompson ranking needs an rng (random.Random(seed))")
    proposed: dict[str, PlannedAction] = {}
    for signal in signals:
        for rule in config.rules:
            if matches(rule.when, signal):
                for planned in actions_for(rule, signal, config.targets, layer=layer):
                    proposed.setdefault(planned.id, planned)  # the same signal twice: once
    for planned in extra:
        if planned.id in proposed:
            raise PlanError(f"proposal '{planned.id}' duplicates a rule action")
        proposed[planned.id] = planned
    merged = merge_same(list(proposed.values()))
    kept, skipped = _apply_learning(merged, config, bandit, rng)
    return Plan.build(kept, skipped=skipped, done=done)


def subject(planned: PlannedAction) -> tuple[str, str, str]:
    """What makes two planned actions the same deed: kind, target and the signal's subject."""
    params = planned.action.params
    about = dumps_sorted(
        {
            "metric": params.get("metric"),
            "where": params.get("where") or {},
            "period": params.get("period"),
        }
    )
    return planned.action.kind, planned.action.target, about


def merge_same(actions: list[PlannedAction]) -> list[PlannedAction]:
    """One action per (kind, target, subject): two rules firing on one signal act once.

    The higher configured priority wins (the first proposed on a tie); the survivor takes
    the union of both dependency lists, and whatever depended on the dropped one now
    depends on the survivor, so dependants of both still run after it.
    """
    groups: dict[tuple[str, str, str], list[PlannedAction]] = {}
    for planned in actions:
        groups.setdefault(subject(planned), []).append(planned)
    alias: dict[str, str] = {}
    survivors: dict[str, PlannedAction] = {}
    for group in groups.values():
        best = max(group, key=lambda p: p.priority)  # max keeps the first of equals
        for other in group:
            alias[other.id] = best.id
        survivors[best.id] = best
        if len(group) > 1:
            log.info(
                "actions_merged kept=%s dropped=%s",
                best.id,
                ",".join(p.id for p in group if p is not best),
            )
    out: list[PlannedAction] = []
    for planned in actions:
        if planned.id not in survivors:
            continue
        group = groups[subject(planned)]
        depends: list[str] = []
        for member in group:
            for dep in member.depends_on:
                target = alias.get(dep, dep)
                if target != planned.id and target not in depends:
                    depends.append(target)
        if tuple(depends) == planned.depends_on and len(group) == 1:
            out.append(planned)
            continue
        rules = [p.rule for p in group if p.rule and p.rule != planned.rule]
        # Rule names are configuration keys: the reason counts them, the log names them.
        also = f" (also proposed by {len(rules)} other rule{'s' if len(rules) > 1 else ''})"
        reason = planned.action.reason + (also if rules else "")
        action = replace(planned.action, depends_on=tuple(depends), reason=reason)
        out.append(replace(planned, action=action, depends_on=tuple(depends)))
    return out


def dumps_sorted(value: object) -> str:
    return json.dumps(jsonable(value), sort_keys=True, separators=(",", ":"))


def _apply_learning(
    actions: list[PlannedAction],
    config: PlanningConfig,
    bandit: Bandit | None,
    rng: random.Random | None,
) -> tuple[list[PlannedAction], list[Skipped]]:
    if bandit is None:
        return actions, []
    draw = rng if config.ranking == "thompson" else None
    muted: dict[str, str] = {}
    scored = []
    for planned in actions:
        belief = bandit.arm(planned.situation, planned.action.kind)
        if belief.samples >= config.mute_min_samples and belief.mean < config.mute_below:
            muted[planned.id] = (
                f"{planned.action.kind} worked {belief.successes:g} of {belief.samples:g} times "
                f"in {planned.situation}"
            )
        # Prior mean 0.5 leaves the configured priority as is; proven kinds rise, duds sink.
        p = bandit.score(planned.situation, planned.action.kind, draw)
        scored.append(_with_score(planned, planned.priority * (0.5 + p)))
    # An action that depends on a muted one cannot run either; say so rather than fail.
    changed = True
    while changed:
        changed = False
        for planned in scored:
            blocked = [d for d in planned.depends_on if d in muted]
            if planned.id not in muted and blocked:
                muted[planned.id] = f"depends on skipped {blocked[0]}"
                changed = True
    skipped = [Skipped(action=a, reason=muted[a.id]) for a in scored if a.id in muted]
    for item in skipped:
        log.info("action_muted id=%s reason=%s", item.action.id, item.reason)
    return [a for a in scored if a.id not in muted], skipped


def _with_score(planned: PlannedAction, score: float) -> PlannedAction:
    return PlannedAction(
        id=planned.id,
        action=planned.action,
        priority=planned.priority,
        depends_on=planned.depends_on,
        situation=planned.situation,
        rule=planned.rule,
        score=score,
    )
