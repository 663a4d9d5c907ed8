"""A customer's churn risk, in the words and numbers a retention lead would use."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from agent.churn.rules import ChurnRules
from agent.domain import jsonable

Population = Literal["repeat", "first_time", "lapsed"]

RiskLevel = Literal["low", "medium", "high", "critical"]
RISK_LEVELS: tuple[RiskLevel, ...] = ("low", "medium", "high", "critical")
ScoredBy = Literal["model", "rules"]


@dataclass(frozen=True, kw_only=True)
class CustomerRiskProfile:
    """One customer's churn risk as of `as_of`, why, and what to do about it.

    Only repeat buyers not yet past their own churn line have a churn risk
    (`churn_probability`, `risk_level`): a first-time buyer has `second_purchase_probability`
    instead, and a lapsed customer (no order in the history read, or a repeat buyer quiet
    for longer than their window) has neither.
    """

    customer_id: str
    as_of: date
    churn_probability: float | None
    risk_level: RiskLevel | None
    risk_factors: tuple[str, ...]
    confidence_score: float
    last_activity: date | None
    last_order: date | None
    # When the customer passes (or, lapsed, passed) their own churn line unless they return.
    predicted_churn_date: date | None
    recommended_actions: tuple[str, ...]
    customer_value: float
    scored_by: ScoredBy
    scoring_note: str
    population: Population = "repeat"
    second_purchase_probability: float | None = None
    churn_window: str = ""  # "within 34 days, twice the 17-day gap between their visits…"
    # The RFM segment (agent.analyses.rfm) the customer falls in over the history read:
    # win-back is for the At risk and Can't lose them segments only.
    segment: str | None = None
    # The next step in plain words with its reason: "win-back emails: in the At risk
    # segment", or "none: …" saying why nothing is proposed.
    next_action: str = ""
    facts: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def value_at_risk(self) -> float:
        """Expected spend over the next year (BG/NBD purchases × Gamma-Gamma spend, never
        more than the revenue in the history read), times the probability of losing it."""
        return (self.churn_probability or 0.0) * self.customer_value

    def summary(self) -> str:
        """One plain sentence with the numbers."""
        if self.population == "first_time":
            return self._first_time_summary()
        if self.churn_probability is None or self.risk_level is None:
            return self._lapsed_summary()
        why = "; ".join(self.risk_factors) if self.risk_factors else "no warning signs"
        when = ""
        if self.predicted_churn_date and self.risk_level in ("high", "critical"):
            # Not lapsed, so the line is today at the earliest: quiet exactly a whole window.
            day = (
                "after today"
                if self.predicted_churn_date <= self.as_of
                else f"on {self.predicted_churn_date:%b %-d}"
            )
            when = f" Past their window {day} unless they come back."
        within = f" {self.churn_window}" if self.churn_window else ""
        return (
            f"{self.customer_id} is at {self.risk_level} risk of churning "
            f"({self.churn_probability:.0%} chance of no order or visit{within}): "
            f"{why}.{when}"
        )

    def _lapsed_summary(self) -> str:
        """Gone already: quiet past their own churn line (a repeat buyer), or no order in
        the whole history read. A win-back question, never a risk."""
        quiet = self.facts.get("days_since_active")
        if quiet is not None and self.churn_window:
            return (
                f"{self.customer_id} has already lapsed: quiet for {int(quiet)} days (no "
                f"order or visit), longer than their own churn line (an order or visit "
                f"{self.churn_window}). Not at risk of churning but gone by that rule: a "
                "win-back question, so not scored for churn."
            )
        days = int(self.facts.get("history_days") or 0)
        return (
            f"{self.customer_id} has not ordered in the last {days} days: already "
            "lapsed, not scored for churn."
        )

    def _first_time_summary(self) -> str:
        since = self.facts.get("days_since_last")
        when = f", {int(since)} days ago" if since is not None else ""
        horizon = int(self.facts.get("horizon_days") or 0)
        chance = (
            f"{self.second_purchase_probability:.0%} chance of a second purchase within "
            f"{horizon} days"
            if self.second_purchase_probability is not None
            else "no estimate of a second purchase yet"
        )
        return (
            f"{self.customer_id} has bought once{when}: a first-time buyer has no rhythm to "
            f"fall behind, so they are not scored for churn; {chance}."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "as_of": self.as_of.isoformat(),
            "population": self.population,
            "churn_probability": _rounded(self.churn_probability, 4),
            "risk_level": self.risk_level,
            "second_purchase_probability": _rounded(self.second_purchase_probability, 4),
            "churn_window": self.churn_window,
            "risk_factors": list(self.risk_factors),
            "confidence_score": round(self.confidence_score, 3),
            "last_activity": jsonable(self.last_activity),
            "last_order": jsonable(self.last_order),
            "predicted_churn_date": jsonable(self.predicted_churn_date),
            "recommended_actions": list(self.recommended_actions),
            "segment": self.segment,
            "next_action": self.next_action,
            "customer_value": round(self.customer_value, 2),
            "value_at_risk": round(self.value_at_risk, 2),
            "scored_by": self.scored_by,
            "scoring_note": self.scoring_note,
            "facts": {k: jsonable(v) for k, v in self.facts.items()},
        }


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def assign_tiers(probability: np.ndarray, rules: ChurnRules) -> np.ndarray:
    """Risk levels for a whole scored population at once.

    The thresholds apply to calibrated probabilities, and high + critical are further
    limited to the top `max_flagged_share` of the population (most likely first): past that
    line a customer above the high threshold is medium, because a tier nobody can work
    through is not a tier. Ties keep their order, so the slice is deterministic.
    """
    p = np.asarray(probability, dtype=float)
    levels = np.array([risk_level(v, rules) for v in p], dtype=object)
    slots = int(np.floor(rules.max_flagged_share * len(p)))
    order = np.argsort(-p, kind="mergesort")
    beyond = order[slots:]
    over = beyond[np.isin(levels[beyond], ("high", "critical"))]
    levels[over] = "medium"
    return levels


def risk_level(probability: float, rules: ChurnRules) -> RiskLevel:
    """The business rules' thresholds applied to one calibrated probability (before the
    population's slice limit: see `assign_tiers`)."""
    if probability >= rules.critical_risk_threshold:
        return "critical"
    if probability >= rules.high_risk_threshold:
        return "high"
    if probability >= rules.medium_risk_threshold:
        return "medium"
    return "low"


def predicted_churn_date(
    last_activity: date | None, window_days: float | None, today: date
) -> date | None:
    """When the customer will have been quiet (no order, no visit) for longer than their
    own label window; today if that is already past."""
    line = churn_line_date(last_activity, window_days)
    return None if line is None else max(today, line)


def churn_line_date(last_activity: date | None, window_days: float | None) -> date | None:
    """The day a customer's own label window runs out after their last order or visit:
    past it with no return they have churned (lapsed) by the label's rule."""
    if last_activity is None or window_days is None or math.isnan(window_days):
        return None
    return last_activity + timedelta(days=math.ceil(window_days))


def confidence(scored_by: ScoredBy, holdout_auc: float | None, orders: float) -> float:
    """How much to trust a score: the model's held-out separation (rules count as a coin
    with an opinion) times how much of the customer's own history we have seen."""
    quality = 0.5 if scored_by == "rules" or holdout_auc is None else max(0.5, holdout_auc)
    history = 1.0 if orders >= 3 else 0.85 if orders >= 2 else 0.7
    return round(quality * history, 3)


def as_date(value: object) -> date | None:
    """A pandas timestamp (or NaT) as a date."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    stamp = pd.Timestamp(str(value)) if not isinstance(value, pd.Timestamp) else value
    return None if pd.isna(stamp) else stamp.date()
