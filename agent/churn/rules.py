"""The `churn:` section of scout.yml: business rules for scoring and retention.

Imports nothing from the rest of Scout except pydantic, so `agent.config` can embed it.
Money is in dollars. Which retention actions need approval is the guardrails' business
(`guardrails.risk`): by default money and customer contact wait for a person.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class ChurnRules(BaseModel):
    """Risk thresholds, the label and history used for training, and retention spend rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Calibrated probabilities of going quiet (no order or visit within twice the customer's
    # own gap; about one repeat buyer in five does): high = more likely than not.
    medium_risk_threshold: float = Field(default=0.3, ge=0, le=1)
    high_risk_threshold: float = Field(default=0.5, ge=0, le=1)
    critical_risk_threshold: float = Field(default=0.7, ge=0, le=1)

    # Money rules live in the guardrails only (one minimum customer value, one per-customer
    # cap for every action): an old scout.yml that still sets them here is told where they went.
    @model_validator(mode="before")
    @classmethod
    def _moved_to_guardrails(cls, data: object) -> object:
        moved = {
            "min_customer_value": "guardrails.min_customer_value",
            "max_retention_spend": "guardrails.spend.per_customer",
        }
        if isinstance(data, dict):
            found = [f"churn.{k} is now {v}" for k, v in moved.items() if k in data]
            if found:
                raise ValueError("; ".join(found) + " (one place for money rules)")
        return data

    offer_share: float = Field(
        default=0.1, gt=0, le=1, description="offer = value × share × churn probability, capped"
    )
    campaign: str = Field(
        default="retention",
        pattern=r"^[a-z0-9_-]{1,40}$",
        description="offers are booked to '<campaign>-<date>': the guardrails' per-campaign "
        "cap is then the daily retention budget",
    )
    effort_costs: dict[str, float] = Field(
        default_factory=lambda: {
            "support_call": 15.0,
            "account_manager_alert": 25.0,
            "winback_sequence": 2.0,
        },
        description="staff time and sending costs (dollars) weighed when choosing an action; "
        "not booked against spend caps",
    )
    horizon_days: int = Field(
        default=60,
        ge=7,
        le=365,
        description="the longest label window: repeat buyers whose own window is longer are "
        "not labelled; first-time buyers are asked about a second purchase within it",
    )
    label_multiple: float = Field(
        default=2.0,
        ge=1.0,
        le=5.0,
        description="a repeat buyer has churned with no order within this many usual gaps",
    )
    min_label_days: int = Field(
        default=30, ge=1, le=365, description="the shortest label window (a burst is not a rhythm)"
    )
    long_window_label_days: int | None = Field(
        default=60,
        ge=1,
        le=365,
        description="a repeat buyer whose own window is longer than the days a training "
        "cut-off can judge is labelled by those days instead (no order or visit in all of "
        "them = churned), once at least this many (and min_label_days) have passed; unset, "
        "or above horizon_days, leaves such slow buyers out of training",
    )
    max_flagged_share: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="high + critical are at most this share of scored repeat buyers, the "
        "most likely first: a list a team can work through",
    )
    lookback_days: int = Field(default=365, ge=30, description="history read per customer")
    snapshot_every_days: int = Field(default=14, ge=1)
    max_snapshots: int = Field(default=6, ge=1, le=52)
    min_history_days: int = Field(
        default=45, ge=14, description="history a training snapshot needs before its cut-off"
    )
    min_training_rows: int = Field(default=300, ge=10)
    max_training_rows: int = Field(
        default=40_000, ge=1000, description="larger histories are sampled (seeded) to this"
    )
    support_queue: str = Field(default="customer-support", pattern=r"^[A-Za-z0-9_.-]{1,80}$")
    account_manager_channel: str = Field(
        default="account-managers", pattern=r"^[A-Za-z0-9_.-]{1,80}$"
    )
    account_managers: dict[str, str] = Field(
        default_factory=dict,
        description="customer id → the Slack user id (U…) of their account manager, who gets "
        "account_manager_alert as a DM; '*' names the manager of every other customer. "
        "Customers without one are alerted in account_manager_channel.",
    )

    @field_validator("account_managers")
    @classmethod
    def _slack_user_ids(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [u for u in value.values() if not re.fullmatch(r"[UW][A-Z0-9]{2,20}", u)]
        if bad:
            raise ValueError(f"not Slack user ids (U…): {', '.join(bad[:3])}")
        return value

    def account_manager(self, customer_id: str) -> str | None:
        return self.account_managers.get(customer_id) or self.account_managers.get("*")

    campaign_holdout_share: float = Field(
        default=0.1,
        ge=0,
        lt=1,
        description="share of a campaign's audience held out at random (by the campaign id) "
        "so that its effect can be measured",
    )
    contact_cooldown_days: int = Field(
        default=14, ge=0, le=365, description="customers Scout contacted this recently are "
        "left out of a new campaign",
    )  # fmt: skip
    outcome_days: int = Field(
        default=30, ge=1, le=365, description="a retention action worked when the customer "
        "ordered again within this many days (measured against the holdout)",
    )  # fmt: skip
    retrain_every_days: int = Field(default=7, ge=1)
    seed: int = 7

    @model_validator(mode="after")
    def _ordered(self) -> ChurnRules:
        if not (
            self.medium_risk_threshold <= self.high_risk_threshold <= self.critical_risk_threshold
        ):
            raise ValueError(
                "thresholds must satisfy medium_risk_threshold <= high_risk_threshold "
                "<= critical_risk_threshold"
            )
        if self.min_label_days > self.horizon_days:
            raise ValueError("min_label_days must not exceed horizon_days")
        return self
