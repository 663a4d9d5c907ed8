"""The injected scenarios: what the seed picks, and the recorded ground truth.

A `Plan` says what to inject (segment, dates, intended size); after generation the effect is
measured from the data itself and recorded as a `Scenario` (see `measure.py` for the exact
definitions), so `effect_size` is what an analyst would find, not what we aimed for.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from agent.demo_data import world
from agent.errors import UserError

SCENARIO_KINDS: tuple[str, ...] = (
    "conversion_drop",
    "revenue_anomaly",
    "forecast_bias",
    "churn_cohort",
)
METRIC_OF_KIND: Mapping[str, str] = {
    "conversion_drop": "conversion_rate",
    "revenue_anomaly": "revenue",
    "forecast_bias": "forecast_error",
    "churn_cohort": "customers",
}


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One injected change, as recorded in scenarios.json and the `scenarios` table."""

    id: str
    kind: str
    metric: str
    where: Mapping[str, str]
    start: date
    end: date  # exclusive
    effect_size: float
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "metric": self.metric,
            "where": dict(self.where),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "effect_size": self.effect_size,
            "details": dict(self.details),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Scenario:
        return Scenario(
            id=str(data["id"]),
            kind=str(data["kind"]),
            metric=str(data["metric"]),
            where={str(k): str(v) for k, v in data["where"].items()},
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            effect_size=float(data["effect_size"]),
            details=dict(data.get("details", {})),
        )


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What to inject: `target` is the intended relative change (or decay speed for churn)."""

    kind: str
    where: Mapping[str, str]
    start: date
    end: date
    target: float


def load_scenarios(path: str | Path) -> tuple[Scenario, ...]:
    """Read the scenarios recorded next to a generated warehouse (scenarios.json)."""
    file = Path(path)
    if file.is_dir():
        file = file / "scenarios.json"
    try:
        raw = json.loads(file.read_text())
    except FileNotFoundError:
        raise UserError(f"No scenarios file at {file}.") from None
    except json.JSONDecodeError as error:
        raise UserError(f"{file} is not valid JSON ({error}).") from None
    items = raw["scenarios"] if isinstance(raw, dict) else raw
    return tuple(Scenario.from_json(item) for item in items)


def resolve_kinds(scenarios: Sequence[str] | None) -> tuple[str, ...]:
    """The kinds to inject: None means all; 'none' or [] means a quiet warehouse."""
    if scenarios is None:
        return SCENARIO_KINDS
    kinds = [s.strip() for s in scenarios if s.strip() and s.strip() != "none"]
    unknown = sorted(set(kinds) - set(SCENARIO_KINDS))
    if unknown:
        raise UserError(
            f"Unknown scenario kind(s): {', '.join(unknown)}.",
            hint="Choose from: " + ", ".join(SCENARIO_KINDS) + " (or 'none').",
        )
    return tuple(k for k in SCENARIO_KINDS if k in kinds)


def _segments(max_dims: int, low: float, high: float, *, by_conversions: bool) -> list[dict]:
    """All segments of 1..max_dims dimensions whose expected share lies in [low, high]."""
    found = []
    for n in range(1, max_dims + 1):
        for dims in itertools.combinations(world.SEGMENT_DIMENSIONS, n):
            for values in itertools.product(*(world.DIMENSION_VALUES[d] for d in dims)):
                where = dict(zip(dims, values, strict=True))
                share = world.segment_share(where, by_conversions=by_conversions)
                if low <= share <= high:
                    found.append(where)
    return found


def plan_scenarios(seed: int, today: date, days: int, kinds: Sequence[str]) -> dict[str, Plan]:
    """Pick each requested scenario from its own random stream, so subsets pick the same."""
    plans: dict[str, Plan] = {}
    for index, kind in enumerate(SCENARIO_KINDS):
        if kind not in kinds:
            continue
        rng = np.random.default_rng([seed, 1000 + index])
        plans[kind] = _PLANNERS[kind](rng, today, days)
    return plans


def _pick(rng: np.random.Generator, options: Sequence[dict]) -> dict[str, str]:
    return dict(options[int(rng.integers(len(options)))])


def _plan_conversion_drop(rng: np.random.Generator, today: date, days: int) -> Plan:
    # The drop must be the clear top root cause of the week-over-week change at ~10k
    # sessions a day, so the segment holds at least 15% of conversions (which rules out three
    # dimensions) and the drop starts 5-7 days back, covering most of the last week.
    n_dims = int(rng.choice([1, 2], p=[0.4, 0.6]))
    options = [w for w in _segments(2, 0.15, 0.45, by_conversions=True) if len(w) == n_dims]
    where = _pick(rng, options)
    start = today - timedelta(days=int(rng.integers(5, 8)))
    return Plan(
        kind="conversion_drop",
        where=where,
        start=start,
        end=today,
        target=float(rng.uniform(-0.5, -0.4)),
    )


def _plan_revenue_anomaly(rng: np.random.Generator, today: date, days: int) -> Plan:
    # 8 to 14 days back: inside the last 14 days and always before any conversion drop. The
    # segment holds a fifth to a half of orders, so one day's change stands out of the noise.
    options = _segments(2, 0.2, 0.5, by_conversions=True)
    where = _pick(rng, options)
    day = today - timedelta(days=int(rng.integers(8, 15)))
    spike = rng.random() < 0.55
    target = float(rng.uniform(0.6, 1.5) if spike else rng.uniform(-0.8, -0.5))
    return Plan(
        kind="revenue_anomaly",
        where=where,
        start=day,
        end=day + timedelta(days=1),
        target=target,
    )


def _plan_forecast_bias(rng: np.random.Generator, today: date, days: int) -> Plan:
    category = world.CATEGORIES[int(rng.integers(len(world.CATEGORIES)))]
    # Since 20-29 days back, so the bias dominates the last 30 days' forecast error.
    start = today - timedelta(days=int(rng.integers(20, 30)))
    sign = 1.0 if rng.random() < 0.5 else -1.0
    return Plan(
        kind="forecast_bias",
        where={"category": category},
        start=start,
        end=today,
        target=sign * float(rng.uniform(0.4, 0.6)),
    )


def _plan_churn_cohort(rng: np.random.Generator, today: date, days: int) -> Plan:
    channels = ("organic", "paid_search", "social", "direct", "affiliate")
    where = {
        "acquisition_channel": channels[int(rng.integers(len(channels)))],
        "region": world.REGIONS[int(rng.integers(len(world.REGIONS)))],
    }
    back = min(int(rng.integers(35, 57)), days - 28)
    return Plan(
        kind="churn_cohort",
        where=where,
        start=today - timedelta(days=back),
        end=today,
        target=float(rng.uniform(8.0, 14.0)),  # decay time constant in days
    )


_PLANNERS = {
    "conversion_drop": _plan_conversion_drop,
    "revenue_anomaly": _plan_revenue_anomaly,
    "forecast_bias": _plan_forecast_bias,
    "churn_cohort": _plan_churn_cohort,
}
