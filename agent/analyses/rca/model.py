"""Values the root-cause engine takes and returns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from agent.domain import RootCause, format_segment, jsonable


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
class SegmentTest:
    """A segment's change against the rest's: its counts, the test, and what it had to pass.

    `counts` and `rest` are (numerator base, denominator base, numerator current, denominator
    current); an additive measure has denominators of 1. `z` is the departure of the
    segment's log change from the rest's, in noise units; `limit` is the p-value it had to
    beat after correcting for the `tested` segments it competed with.
    """

    where: Mapping[str, str]
    counts: tuple[float, float, float, float]
    rest: tuple[float, float, float, float]
    change: float  # the segment's relative change
    rest_change: float  # the rest's relative change
    z: float
    p: float
    log_p: float  # log of p, finite where p underflows: ranks strong departures
    limit: float
    tested: int
    enough: bool  # enough volume to be called beyond noise at all

    @property
    def departs(self) -> bool:
        return self.enough and self.p < self.limit

    @property
    def rank(self) -> float:
        """Lower departs more: the p-value against the segment's own corrected limit (log)."""
        return self.log_p - math.log(self.limit)

    def to_json(self) -> dict[str, Any]:
        return {
            "where": dict(self.where),
            "counts": [jsonable(c) for c in self.counts],
            "rest": [jsonable(c) for c in self.rest],
            "change": jsonable(self.change),
            "rest_change": jsonable(self.rest_change),
            "z": jsonable(self.z),
            "p": jsonable(self.p),
            "limit": jsonable(self.limit),
            "tested": self.tested,
            "enough_volume": self.enough,
        }


@dataclass(frozen=True, kw_only=True)
class Spread:
    """A broad move: every value of every searched dimension changed alike.

    `low` and `high` bound the relative changes of the values (with enough volume) of
    `dims`; no segment departed from the rest beyond noise.
    """

    dims: tuple[str, ...]
    low: float
    high: float
    segments: int

    @property
    def same_direction(self) -> bool:
        return self.low * self.high > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "dims": list(self.dims),
            "low": jsonable(self.low),
            "high": jsonable(self.high),
            "segments": self.segments,
            "same_direction": self.same_direction,
        }


# Beyond this many noise units a change is unusual even when it stays inside the band that
# names no cause (two-sided 5%).
BORDERLINE_Z = 1.96


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
    # Each named cause's test against the rest (describe_where -> test), with its sample sizes.
    tests: Mapping[str, SegmentTest] = field(default_factory=dict)
    # Set when the move is broad: every segment moved alike, so no segment is named.
    spread: Spread | None = None
    # Segments that moved against the total by a large amount: what makes a share above 100%,
    # and what a flat total hides.
    offsets: tuple[RootCause, ...] = ()
    # The total's change in noise units (None: nothing told what noise is).
    noise_z: float | None = None

    @property
    def borderline(self) -> bool:
        """Within the noise band, but larger than about 19 changes in 20: not called noise
        plainly (a reader sees a 40% fall; the honest verdict is "not clearly beyond")."""
        return self.within_noise and self.noise_z is not None and abs(self.noise_z) >= BORDERLINE_Z

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
        if self.spread is not None and self.spread.same_direction:
            return (
                f"{head} The move is broad: every value of {', '.join(self.spread.dims)} "
                f"moved {self.spread.low:+.0%} to {self.spread.high:+.0%}; no segment departs "
                "from the rest beyond noise."
            )
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
            "tests": {k: v.to_json() for k, v in self.tests.items()},
            "spread": self.spread.to_json() if self.spread else None,
            "offsets": [rc.to_json() for rc in self.offsets],
            "summary": self.summary(),
        }


def describe_where(where: Mapping[str, str]) -> str:
    """A segment named by its dimensions ('device=mobile, region=NE'): a cause's row in a table
    and its key in `tests`, `significance` and `refined`; the whole store is 'everything'."""
    return format_segment(where) or "everything"


def _fmt(x: float) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.4g}"
