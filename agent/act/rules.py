"""Business rules and guardrail settings: the `guardrails` and `approvals` sections of scout.yml.

Every default is the safe one: money, customers, executives and bulk sends need a person;
nothing is refused that a person could reasonably approve. Money is configured in dollars
(what people write) and compared in integer cents (what never drifts).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # agent.config imports this module; the reverse is only for typing
    from agent.config import ScoutConfig

Severity = Literal["low", "medium", "high"]
SEVERITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


def to_cents(dollars: float) -> int:
    """Dollars as integer cents, rounded half-up via Decimal so 0.1 + 0.2 never drifts."""
    return int((Decimal(str(dollars)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def format_money(cents: int) -> str:
    """Cents as people read money: $5,000.00 (the one money format of acting)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpendCaps(_Rules):
    """Budget limits in dollars; None means no cap of that kind."""

    per_customer: float | None = Field(default=50.0, ge=0, description="per customer per window")
    per_customer_window_days: int = Field(default=30, ge=1)
    per_day: float | None = Field(default=500.0, ge=0, description="all actions, per UTC day")
    per_campaign: float | None = Field(default=2000.0, ge=0, description="per campaign, all time")


class RiskRules(_Rules):
    """What makes an action risky enough to wait for a person."""

    money_threshold: float = Field(
        default=0.0, ge=0, description="cost above this (dollars) needs approval; 0 = any cost"
    )
    customer_facing_needs_approval: bool = True
    executives: tuple[str, ...] = Field(
        default=(), description="recipient ids and channels that count as executives"
    )
    executive_min_severity: Severity = Field(
        default="low", description="alerts to executives at or above this need approval"
    )
    approval_min_severity: Severity | None = Field(
        default=None, description="any alert at or above this severity needs approval"
    )
    bulk_recipients: int = Field(default=5, ge=1, description="more recipients = bulk")


class RetrySettings(_Rules):
    """Bounded exponential backoff for transient delivery failures."""

    max_attempts: int = Field(default=4, ge=1, le=10)
    base_delay_s: float = Field(default=0.5, ge=0)
    max_delay_s: float = Field(default=8.0, ge=0)


class GuardrailSettings(_Rules):
    """The `guardrails` section of scout.yml."""

    allowed_kinds: tuple[str, ...] | None = Field(
        default=None, description="kinds Scout may propose; None = every registered kind"
    )
    allowed_channels: tuple[str, ...] | None = Field(
        default=None, description="channels Scout may post to; None = any"
    )
    allowed_recipients: tuple[str, ...] | None = Field(
        default=None, description="people Scout may name; None = any"
    )
    max_recipients: int = Field(default=50, ge=1, description="refuse above this many")
    alerts_per_channel_per_hour: int = Field(default=6, ge=0)
    dedup_minutes: int = Field(
        default=240, ge=0, description="same fingerprint within this updates the first alert"
    )
    costly_action: float = Field(
        default=20.0, ge=0, description="cost (dollars) from which min_customer_value applies"
    )
    min_customer_value: float = Field(
        default=100.0, ge=0, description="customer value (dollars) needed for costly actions"
    )
    spend: SpendCaps = SpendCaps()
    risk: RiskRules = RiskRules()
    retry: RetrySettings = RetrySettings()
    dry_run: bool = Field(default=False, description="decide and record everything, send nothing")


class ApprovalSettings(_Rules):
    """The `approvals` section of scout.yml: who may approve, for how long, with four eyes."""

    approvers: tuple[str, ...] = Field(default=(), description="user ids allowed to approve")
    groups: tuple[str, ...] = Field(
        default=(), description="user groups allowed to approve (resolved by the bot)"
    )
    by_kind: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="approvers for one kind, replacing `approvers`"
    )
    four_eyes: bool = Field(default=True, description="the requester cannot approve their own")
    expiry_hours: float = Field(default=24.0, gt=0)

    def approvers_for(self, kind: str) -> tuple[str, ...]:
        """The user ids allowed to approve an action of this kind (groups come on top)."""
        return tuple(self.by_kind.get(kind, self.approvers))


class ActSettings(_Rules):
    """Everything the actor needs from configuration."""

    guardrails: GuardrailSettings = GuardrailSettings()
    approvals: ApprovalSettings = ApprovalSettings()
    # The channels and people scout.yml names anywhere (targets, rules, slack ids, approvers,
    # executives, allowlists). A message to anywhere else waits for an approver, whoever
    # proposed it. None: not built from a configuration (library use), no such check.
    named_channels: frozenset[str] | None = None
    named_recipients: frozenset[str] | None = None

    @classmethod
    def from_config(cls, config: ScoutConfig) -> ActSettings:
        """Settings from scout.yml; `slack.approvers`/`slack.approver_group` count as approvers."""
        approvals = config.approvals
        slack = getattr(config, "slack", None)
        extra_users = tuple(getattr(slack, "approvers", ()) or ())
        group = getattr(slack, "approver_group", None)
        merged = approvals.model_copy(
            update={
                "approvers": tuple(dict.fromkeys((*approvals.approvers, *extra_users))),
                "groups": tuple(dict.fromkeys((*approvals.groups, *((group,) if group else ())))),
            }
        )
        rules = config.guardrails
        targets = [
            *config.planning.targets.values(),
            *(a.target for rule in config.planning.rules for a in rule.then if a.target),
        ]
        channels = {
            *targets,
            *(c for c in (config.slack.digest_channel, config.slack.alerts_channel) if c),
            config.churn.account_manager_channel,
            *(rules.allowed_channels or ()),
            *rules.risk.executives,
        }
        people = {
            *targets,
            *merged.approvers,
            *(u for users in merged.by_kind.values() for u in users),
            *(rules.allowed_recipients or ()),
            *rules.risk.executives,
            *config.churn.account_managers.values(),
        }
        return cls(
            guardrails=rules,
            approvals=merged,
            named_channels=frozenset(_bare(c) for c in channels),
            named_recipients=frozenset(_bare(p) for p in people),
        )


def _bare(name: str) -> str:
    return name.strip().removeprefix("#").removeprefix("@")
