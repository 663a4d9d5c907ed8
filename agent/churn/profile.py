"""A customer's churn risk, in the words and numbers a retention lead would use."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import pandas as pd

from agent.churn.rules import ChurnRules
from agent.domain import jsonable

RiskLevel = Literal["low", "medium", "high", "critical"]
RISK_LEVELS: tuple[RiskLevel, ...] = ("low", "medium", "high", "critical")
ScoredBy = Literal["model", "rules"]


@dataclass(frozen=True, kw_only=True)
class CustomerRiskProfile:
    """One customer's churn risk as of `as_of`, why, and what to do about it."""

    customer_id: str
    as_of: date
    churn_probability: float
    risk_level: RiskLevel
    risk_factors: tuple[str, ...]
    confidence_score: float
    last_activity: date | None
    last_order: date | None
    predicted_churn_date: date | None
    recommended_actions: tuple[str, ...]
    customer_value: float
    scored_by: ScoredBy
    scoring_note: str
    facts: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def value_at_risk(self) -> float:
        """Expected yearly revenue lost if nothing is done: probability × value."""
        return self.churn_probability * self.customer_value

    def summary(self) -> str:
        """One plain sentence with the numbers."""
        why = "; ".join(self.risk_factors) if self.risk_factors else "no warning signs"
        when = (
            f" Likely to lapse by {self.predicted_churn_date:%b %-d}."
            if self.predicted_churn_date and self.risk_level in ("high", "critical")
            else ""
        )
        return (
            f"{self.customer_id} is at {self.risk_level} risk of churning "
            f"({self.churn_probability:.0%} chance of no purchase in the next "
            f"{int(self.facts.get('horizon_days') or 0)} days): {why}.{when}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "as_of": self.as_of.isoformat(),
            "churn_probability": round(self.churn_probability, 4),
            "risk_level": self.risk_level,
            "risk_factors": list(self.risk_factors),
            "confidence_score": round(self.confidence_score, 3),
            "last_activity": jsonable(self.last_activity),
            "last_order": jsonable(self.last_order),
            "predicted_churn_date": jsonable(self.predicted_churn_date),
            "recommended_actions": list(self.recommended_actions),
            "customer_value": round(self.customer_value, 2),
            "value_at_risk": round(self.value_at_risk, 2),
            "scored_by": self.scored_by,
            "scoring_note": self.scoring_note,
            "facts": {k: jsonable(v) for k, v in self.facts.items()},
        }


def risk_level(probability: float, rules: ChurnRules) -> RiskLevel:
    """The business rules' thresholds applied to a calibrated probability."""
    if probability >= rules.critical_risk_threshold:
        return "critical"
    if probability >= rules.high_risk_threshold:
        return "high"
    if probability >= rules.medium_risk_threshold:
        return "medium"
    return "low"


def predicted_churn_date(
    last_order: date | None, usual_gap: float | None, today: date, horizon_days: int
) -> date | None:
    """When the customer will have missed two of their usual purchase cycles (or, with no
    rhythm yet, gone a whole label horizon without buying); today if that is already past."""
    if last_order is None:
        return None
    if usual_gap is not None and not math.isnan(usual_gap) and usual_gap > 0:
        lapse = timedelta(days=round(2 * usual_gap))
    else:
        lapse = timedelta(days=horizon_days)
    return max(today, last_order + lapse)


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
