"""A rate along a declared funnel, split by step: which step broke, and which held.

Conversion rate is the product of the step-to-step rates (sessions → add to cart → checkout
→ purchase), so its log change is the sum of theirs. Each step's change is tested on its own
counts (two-proportion test, Bonferroni over the steps), and the one that carries the change
is named with its counts; steps that did not move are said to have held.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.analyses.base import AnalysisContext
from agent.analyses.stats import two_proportion_p
from agent.domain import Evidence, Window
from agent.semantic import MetricDef, MetricRequest, run_metric

STEP_ALPHA = 0.05


@dataclass(frozen=True, kw_only=True)
class StepChange:
    """One step of the funnel in both periods: how many reached it, and how many went on."""

    name: str  # "checkout → purchase"
    base: tuple[float, float]  # (reached the step before, reached this one)
    cur: tuple[float, float]
    p: float
    held: bool
    share: float  # share of the metric's log change carried by this step

    @property
    def rate_base(self) -> float:
        return self.base[1] / self.base[0] if self.base[0] else math.nan

    @property
    def rate_cur(self) -> float:
        return self.cur[1] / self.cur[0] if self.cur[0] else math.nan

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.name,
            "baseline": {"from": self.base[0], "to": self.base[1], "rate": self.rate_base},
            "current": {"from": self.cur[0], "to": self.cur[1], "rate": self.rate_cur},
            "p_value": self.p,
            "held": self.held,
            "share_of_change": self.share,
        }


@dataclass(frozen=True, kw_only=True)
class FunnelChange:
    """A metric's change split over the steps of its funnel, for one segment."""

    funnel: str
    where: Mapping[str, str]
    steps: tuple[StepChange, ...]
    evidence: tuple[Evidence, Evidence]

    def broke(self) -> tuple[StepChange, ...]:
        """The steps that moved beyond noise, the one carrying most of the change first."""
        return tuple(sorted((s for s in self.steps if not s.held), key=lambda s: -s.share))

    def text(self) -> str:
        """'checkout → purchase fell from 72.6% (…) to 39.2% (…), while … held.'"""
        moved, held = self.broke(), [s for s in self.steps if s.held]
        if not moved:
            return "No step of the funnel moved beyond noise on its own."
        parts = [
            f"{s.name} {'fell' if s.rate_cur < s.rate_base else 'rose'} from "
            f"{_pct(s.rate_base)} ({_n(s.base[1])} of {_n(s.base[0])}) to "
            f"{_pct(s.rate_cur)} ({_n(s.cur[1])} of {_n(s.cur[0])})"
            for s in moved
        ]
        text = "By funnel step: " + "; ".join(parts)
        if held:
            words = [f"{s.name} ({_pct(s.rate_base)} → {_pct(s.rate_cur)})" for s in held]
            kept = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
            text += f", while {kept} held"
        return text + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "funnel": self.funnel,
            "where": dict(self.where),
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True, kw_only=True)
class StepCounts:
    """How many reached each step of a metric's funnel in one period and segment."""

    labels: tuple[str, ...]  # "sessions", "add to cart", …
    counts: tuple[float, ...]
    evidence: Evidence

    def steps(self) -> list[tuple[str, tuple[float, float]]]:
        """Each step's name with (reached the step before, reached this one)."""
        return [
            (f"{self.labels[i - 1]} → {self.labels[i]}", (self.counts[i - 1], self.counts[i]))
            for i in range(1, len(self.labels))
        ]


def step_counts(
    ctx: AnalysisContext, metric: str, filters: Mapping[str, str], span: Window
) -> StepCounts | None:
    """The counts of every step of the funnel declaring `metric`; None when none declares it."""
    found = ctx.layer.funnel_for(metric)
    if found is None:
        return None
    funnel, first, last = found
    steps = funnel.steps[first : last + 1]
    # One query: the step counts as components of one derived metric.
    names = [f"step_{step.measure.name}" for step in steps]
    extra: dict[str, MetricDef] = {
        name: MetricDef(
            name=name, type="simple", label=step.label, table=funnel.table, measure=step.measure
        )
        for name, step in zip(names, steps, strict=True)
    }
    counts = MetricDef(
        name="funnel_counts",
        type="derived",
        label=funnel.label,
        table=funnel.table,
        expr=f"{names[-1]} / {names[0]}",
        components=tuple(names),
    )
    layer = dataclasses.replace(
        ctx.layer, metrics={**ctx.layer.metrics, **extra, counts.name: counts}
    )
    # Its own layer, so not `ctx.run`: the asker's row filters are added here the same way.
    request = MetricRequest(metric=counts.name, window=span, filters=dict(filters))
    result = run_metric(ctx.warehouse, layer, ctx.access.restrict(layer, request))
    return StepCounts(
        labels=tuple(step.label for step in steps),
        counts=tuple(float(result.frame[n].fillna(0.0).sum()) for n in names),
        evidence=result.evidence,
    )


def funnel_change(
    ctx: AnalysisContext,
    metric: str,
    filters: Mapping[str, str],
    window: Window,
    baseline: Window,
) -> FunnelChange | None:
    """The metric's change by funnel step inside `filters`; None when no funnel declares it."""
    found = ctx.layer.funnel_for(metric)
    before = step_counts(ctx, metric, filters, baseline)
    after = step_counts(ctx, metric, filters, window)
    if found is None or before is None or after is None:
        return None
    base, cur = before.counts, after.counts
    total = log_ratio(base[-1] / base[0] if base[0] else 0, cur[-1] / cur[0] if cur[0] else 0)
    tests = len(base) - 1
    changes = []
    for (name, b), (_, c) in zip(before.steps(), after.steps(), strict=True):
        p = two_proportion_p(b[1], b[0], c[1], c[0])
        step_log = log_ratio(b[1] / b[0] if b[0] else 0, c[1] / c[0] if c[0] else 0)
        changes.append(
            StepChange(
                name=name,
                base=b,
                cur=c,
                p=p,
                held=p >= STEP_ALPHA / tests,
                share=step_log / total if total else 0.0,
            )
        )
    return FunnelChange(
        funnel=found[0].label,
        where=dict(filters),
        steps=tuple(changes),
        evidence=(before.evidence, after.evidence),
    )


def log_ratio(before: float, after: float) -> float:
    if before <= 0 or after <= 0:
        return 0.0
    return math.log(after / before)


def _pct(rate: float) -> str:
    return "n/a" if math.isnan(rate) else f"{rate * 100:.1f}%"


def _n(count: float) -> str:
    return f"{round(count):,}"
