"""Values the root-cause engine takes and returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from agent.domain import RootCause, jsonable


@dataclass(frozen=True, kw_only=True)
class NoiseModel:
    """What normal variation of the total looks like.

    `history`: past relative period-over-period changes of the total (e.g. -0.02 for -2%).
    `std_error`: the standard error of the total change, in the metric's units.
    A change is within noise when |z| < `z`.
    """

    history: tuple[float, ...] = ()
    std_error: float | None = None
    z: float = 2.5


@dataclass(frozen=True, kw_only=True)
class SearchParams:
    """Knobs of the cuboid search; `for_forecast()` and `for_periods()` are the two presets.

    `outlier_z`: a segment is a candidate only if its deviation, in noise units, is this many
    robust standard deviations out among its siblings (same dimensions, other values).
    Forecast residuals are heavy-tailed (one bad leaf forecast), hence the higher preset.
    `min_share`: a later cause must move at least this share of what the first one moved.
    `depth_penalty`: the score of a segment shrinks by this per extra dimension, so a parent
    that explains as well as its children wins. `prior_weight`: pseudo-count of denominator
    that shrinks a small leaf's baseline rate toward the overall rate (ratio metrics), or,
    with `main_effects_prior`, toward what its one-dimension segments predict (for leaves
    with a handful of events each, where shrinking toward the overall rate makes a segment
    that is always below average look like it dropped).
    `drill_share` / `drill_alpha`: a chosen segment gives way to a child that carries at least
    this share of its deviation when the rest of it shows no change of its own at this level
    (p ≥ `drill_alpha`); None turns the drill-down off (see drill.py).
    """

    max_dims: int = 3
    outlier_z: float = 5.0
    min_share: float = 0.2
    depth_penalty: float = 0.02
    prior_weight: float = 100.0
    main_effects_prior: bool = False
    drill_share: float | None = 0.8
    drill_alpha: float = 0.05

    @staticmethod
    def for_forecast() -> SearchParams:
        """Leaf-level actual vs forecast (each leaf has its own expectation)."""
        return SearchParams(outlier_z=20.0, min_share=0.0)

    @staticmethod
    def for_periods() -> SearchParams:
        """Period A vs period B, where the whole population may drift together."""
        return SearchParams()


@dataclass(frozen=True, kw_only=True)
class RCAResult:
    """The segments that explain a change, the totals, and whether the change is noise."""

    root_causes: tuple[RootCause, ...]
    total_baseline: float
    total_current: float
    total_change: float
    explained: float
    within_noise: bool
    noise_reason: str
    confidence: float
    significance: Mapping[str, float] = field(default_factory=dict)
    kind: Literal["additive", "ratio"] = "additive"
    # A cause the drill-down narrowed: describe_where(cause) -> the segment the search chose.
    refined: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def relative_change(self) -> float | None:
        if self.total_baseline == 0:
            return None
        return self.total_change / abs(self.total_baseline)

    def summary(self) -> str:
        """One plain sentence with the numbers."""
        rel = self.relative_change
        pct = f" ({rel:+.1%})" if rel is not None else ""
        head = (
            f"The total moved from {_fmt(self.total_baseline)} to {_fmt(self.total_current)}{pct}."
        )
        if self.within_noise:
            return f"{head} That is within normal variation: {self.noise_reason}"
        if not self.root_causes:
            return f"{head} No segment stands out; the change is spread across the data."
        parts = [
            f"{describe_where(rc.where)} ({rc.explains:.0%} of the change)"
            for rc in self.root_causes
        ]
        return f"{head} Mostly explained by " + "; ".join(parts) + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "root_causes": [rc.to_json() for rc in self.root_causes],
            "total": {
                "kind": self.kind,
                "baseline": jsonable(self.total_baseline),
                "current": jsonable(self.total_current),
                "change": jsonable(self.total_change),
                "relative_change": jsonable(self.relative_change),
                "explained": jsonable(self.explained),
            },
            "within_noise": self.within_noise,
            "noise_reason": self.noise_reason,
            "confidence": round(self.confidence, 3),
            "significance": {k: jsonable(v) for k, v in self.significance.items()},
            "refined_from": {k: dict(v) for k, v in self.refined.items()},
            "summary": self.summary(),
        }


def describe_where(where: Mapping[str, str]) -> str:
    return " & ".join(f"{k}={v}" for k, v in where.items()) or "everything"


def _fmt(x: float) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.4g}"
