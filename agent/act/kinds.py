"""The action-kind registry: what Scout may do, each kind with its parameter schema and traits.

Adding a kind is one declared change: a `KindParams` model and an `ActionKind(...)` entry,
either in `BUILTIN_KINDS` here or via `REGISTRY.register(...)` from the module that owns it.
Free text in params is data: the executor neutralises and redacts it before anything leaves;
structured fields (channel, recipients) are validated here and checked against allowlists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agent.act.rules import Severity
from agent.domain import Action

# Slack channel names / ids, and recipient ids or handles: no spaces, brackets or markup, so
# a structured field can never carry a mention or a link.
_CHANNEL = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"
_RECIPIENT = r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,79}$"
_TS = r"^[0-9]{1,12}\.[0-9]{1,8}$"  # a delivery reference: a Slack message ts


def normalise_channel(value: str) -> str:
    """`#kpi-alerts` and `kpi-alerts` name the same channel."""
    return value.strip().removeprefix("#")


class KindParams(BaseModel):
    """Base of every kind's parameters; the methods expose what guardrails need to know."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    # Any kind that declares a `channel` field gets the same reading of it, in one place.
    @field_validator("channel", mode="before", check_fields=False)
    @classmethod
    def _strip_hash(cls, value: Any) -> Any:
        return normalise_channel(value) if isinstance(value, str) else value

    def channel_name(self) -> str | None:
        channel = getattr(self, "channel", None)
        return channel if isinstance(channel, str) else None

    def recipient_ids(self) -> tuple[str, ...]:
        return ()

    def severity_level(self) -> Severity:
        return "low"

    def message_parts(self) -> tuple[str, str]:
        """(title, body) as given; both are treated as untrusted text."""
        return ("", "")

    def customer(self) -> str | None:
        return None

    def customer_value_dollars(self) -> float | None:
        return None

    def campaign_name(self) -> str | None:
        return None

    def promised_dollars(self) -> float | None:
        """The money these params promise someone, or None when the kind carries no money.

        A kind that carries money is costed here, from its own params, never by the
        proposer: the amount promised is the amount reserved, capped and shown.
        """
        return None

    def fingerprint_parts(self) -> tuple[str, ...] | None:
        """What makes two alerts 'the same' for de-duplication; None = never deduplicated."""
        return None

    def sequence_days(self) -> tuple[int, ...] | None:
        """Days after the start on which each step of a sequence goes out; None = one send."""
        return None

    def reply_under(self) -> str | None:
        """The delivery reference of the message this one answers in its thread, if any."""
        return getattr(self, "thread", None)

    def replaces_ref(self) -> str | None:
        """The delivery reference of a message of Scout's that this one is edited into."""
        return None


class _Addressed(KindParams):
    channel: str = Field(pattern=_CHANNEL)
    recipients: tuple[str, ...] = ()

    @field_validator("recipients")
    @classmethod
    def _recipient_shape(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [r for r in value if not re.match(_RECIPIENT, r)]
        if bad:
            raise ValueError(f"recipient ids must be plain ids or handles, got {bad!r}")
        return tuple(dict.fromkeys(value))  # duplicates would be counted twice for bulk

    def recipient_ids(self) -> tuple[str, ...]:
        return self.recipients


class AlertParams(_Addressed):
    severity: Severity = "medium"
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=3000)
    fingerprint: str | None = Field(default=None, max_length=200)

    def severity_level(self) -> Severity:
        return self.severity

    def message_parts(self) -> tuple[str, str]:
        return (self.title, self.text)

    def fingerprint_parts(self) -> tuple[str, ...]:
        # Without an explicit fingerprint, the channel and title identify "the same problem".
        return (self.channel, self.fingerprint or self.title)


class ReportParams(_Addressed):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=12000)
    finding: dict[str, Any] | None = Field(default=None, description="Finding.to_json()")
    thread: str | None = Field(
        default=None,
        pattern=_TS,
        description="the delivery reference (a Slack ts) of the message to reply under",
    )

    def message_parts(self) -> tuple[str, str]:
        body = self.text or str((self.finding or {}).get("summary", ""))
        return (self.title, body)


class AnswerParams(_Addressed):
    """An answer to someone who asked, in the conversation they asked in (or their DM)."""

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=12000)
    thread: str | None = Field(default=None, pattern=_TS, description="the question's thread")
    replaces: str | None = Field(
        default=None, pattern=_TS, description="the placeholder this answer is edited into"
    )
    asker: str | None = Field(default=None, pattern=_RECIPIENT)

    def message_parts(self) -> tuple[str, str]:
        return (self.title, self.text)

    def replaces_ref(self) -> str | None:
        return self.replaces


class InvestigateParams(KindParams):
    question: str = Field(min_length=1, max_length=1000)
    goal: dict[str, Any] | None = Field(default=None, description="Goal.to_json()")


class EscalateParams(KindParams):
    owner: str = Field(pattern=_RECIPIENT)
    channel: str | None = Field(default=None, pattern=_CHANNEL)
    severity: Severity = "medium"
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=3000)

    def recipient_ids(self) -> tuple[str, ...]:
        return (self.owner,)

    def severity_level(self) -> Severity:
        return self.severity

    def message_parts(self) -> tuple[str, str]:
        return (self.title, self.text)


class OptimizeParams(KindParams):
    change: str = Field(min_length=1, max_length=500)
    rationale: str = Field(default="", max_length=3000)
    owner: str | None = Field(default=None, pattern=_RECIPIENT)
    channel: str | None = Field(default=None, pattern=_CHANNEL)
    campaign: str | None = Field(default=None, max_length=100)
    expected_impact: str = Field(default="", max_length=500)

    def recipient_ids(self) -> tuple[str, ...]:
        return (self.owner,) if self.owner else ()

    def message_parts(self) -> tuple[str, str]:
        impact = f"\nExpected impact: {self.expected_impact}" if self.expected_impact else ""
        return (f"Recommended change: {self.change}", self.rationale + impact)

    def campaign_name(self) -> str | None:
        return self.campaign


class WaitParams(KindParams):
    minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    why: str = Field(default="", max_length=500)


# --------------------------------------------------------------------------- retention
# The churn agent's actions (agent/churn). Customer value and churn probability travel in
# the params so guardrails can apply the minimum-value rule. A kind whose params carry money
# (`promised_dollars`) is costed by that money, whatever the proposer set as the cost.

_CUSTOMER_ID = r"^[A-Za-z0-9_-]{1,40}$"
RiskLevel = Literal["low", "medium", "high", "critical"]


class _CustomerParams(KindParams):
    customer_id: str = Field(pattern=_CUSTOMER_ID)
    customer_value: float | None = Field(default=None, ge=0, description="dollars a year")
    churn_probability: float | None = Field(default=None, ge=0, le=1)
    risk_level: RiskLevel | None = None
    as_of: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    reason: str = Field(default="", max_length=1000)

    def customer(self) -> str | None:
        return self.customer_id

    def customer_value_dollars(self) -> float | None:
        return self.customer_value

    def _risk(self) -> str:
        if self.churn_probability is None:
            return ""
        return f" ({self.risk_level or 'unknown'} risk, {self.churn_probability:.0%})"


class RetentionOfferParams(_CustomerParams):
    amount: float = Field(
        gt=0, le=100_000, description="offer value in dollars; this is the action's cost"
    )
    campaign: str = Field(default="retention", pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    text: str = Field(default="", max_length=1000)

    def campaign_name(self) -> str | None:
        return self.campaign

    def promised_dollars(self) -> float | None:
        return self.amount

    def message_parts(self) -> tuple[str, str]:
        return (
            f"Retention offer: ${self.amount:,.2f} for {self.customer_id}{self._risk()}",
            self.text or self.reason,
        )


class SupportCallParams(_CustomerParams):
    queue: str = Field(default="customer-support", pattern=_CHANNEL)

    def message_parts(self) -> tuple[str, str]:
        return (f"Proactive support call: {self.customer_id}{self._risk()}", self.reason)


class AccountManagerAlertParams(_CustomerParams):
    channel: str | None = Field(default=None, pattern=_CHANNEL)
    manager: str | None = Field(default=None, pattern=_RECIPIENT)

    def recipient_ids(self) -> tuple[str, ...]:
        return (self.manager,) if self.manager else ()

    def message_parts(self) -> tuple[str, str]:
        return (f"Customer at risk: {self.customer_id}{self._risk()}", self.reason)


# Days 0, 3 and 7 by default; a longer sequence continues weekly.
WINBACK_DAYS = (0, 3, 7, 14, 21, 28)


class WinbackSequenceParams(_CustomerParams):
    emails: int = Field(default=3, ge=1, le=len(WINBACK_DAYS))
    days: tuple[int, ...] | None = Field(
        default=None, description="days after approval of each email; default 0, 3, 7"
    )
    text: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _schedule(self) -> WinbackSequenceParams:
        days = self.days
        if days is None:
            return self
        if not days or days[0] != 0 or any(b <= a for a, b in pairwise(days)):
            raise ValueError("days must start at 0 and increase, e.g. [0, 3, 7]")
        if days[-1] > 90 or len(days) > len(WINBACK_DAYS):
            raise ValueError(f"at most {len(WINBACK_DAYS)} emails within 90 days")
        if "emails" in self.model_fields_set and self.emails != len(days):
            raise ValueError(f"emails is {self.emails} but days lists {len(days)}")
        return self

    def sequence_days(self) -> tuple[int, ...]:
        return self.days or WINBACK_DAYS[: self.emails]

    def message_parts(self) -> tuple[str, str]:
        days = ", ".join(str(d) for d in self.sequence_days())
        return (
            f"Win-back sequence ({len(self.sequence_days())} emails, days {days}) for "
            f"{self.customer_id}{self._risk()}",
            self.text or self.reason,
        )


class WinbackEmailParams(KindParams):
    """One email of a running win-back sequence (the sequence runner proposes these)."""

    customer_id: str = Field(pattern=_CUSTOMER_ID)
    sequence_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    step: int = Field(ge=1, le=len(WINBACK_DAYS))
    of: int = Field(ge=1, le=len(WINBACK_DAYS))
    # The customer's most recent item, from the warehouse: data, cleaned before it is used.
    product: str = Field(default="", max_length=200)

    def customer(self) -> str | None:
        return self.customer_id

    def recipient_ids(self) -> tuple[str, ...]:
        # The outbox names who it went to by id; the address stays in the warehouse.
        return (self.customer_id,)

    def message_parts(self) -> tuple[str, str]:
        return (f"Win-back email {self.step} of {self.of} to {self.customer_id}", "")


Handler = Literal["notify", "investigate", "wait"] | str


@dataclass(frozen=True, kw_only=True)
class ActionKind:
    """One kind of action: its schema, where it goes, and the traits guardrails weigh."""

    name: str
    params: type[KindParams]
    description: str
    # Which integration executes it: "investigate" and "wait" are internal; any other name is
    # looked up among the injected integrations, and the outbox records it either way.
    handler: Handler
    outbound: bool
    target_param: str | None = None  # the param Action.target fills when params omit it
    customer_facing: bool = False
    always_needs_approval: bool = False
    rate_limited: bool = False
    deduplicated: bool = False
    # A kind whose params list days (`sequence_days`) runs as steps of this kind, one per
    # day, each sent on its own (agent.act.sequences).
    step_kind: str | None = None
    # A reply to the person who asked, in the conversation Slack's signed event named: no
    # allowlist or new-audience rule can apply (nobody chose the place but the asker), and a
    # dry run still answers (it holds what Scout does on its own). Redaction, the outbox,
    # exactly-once and the kill switch hold as for every other kind.
    to_asker: bool = False


BUILTIN_KINDS: tuple[ActionKind, ...] = (
    ActionKind(
        name="answer",
        params=AnswerParams,
        description="answer a question in the thread (or DM) it was asked in",
        handler="notify",
        outbound=True,
        target_param="channel",
        to_asker=True,
    ),
    ActionKind(
        name="alert",
        params=AlertParams,
        description="tell a channel (and named people) that a KPI moved",
        handler="notify",
        outbound=True,
        target_param="channel",
        rate_limited=True,
        deduplicated=True,
    ),
    ActionKind(
        name="report",
        params=ReportParams,
        description="post a finding or a digest to a channel",
        handler="notify",
        outbound=True,
        target_param="channel",
    ),
    ActionKind(
        name="investigate",
        params=InvestigateParams,
        description="run a follow-up analysis step",
        handler="investigate",
        outbound=False,
        target_param="question",
    ),
    ActionKind(
        name="escalate",
        params=EscalateParams,
        description="hand a problem to its owner",
        handler="notify",
        outbound=True,
        target_param="owner",
    ),
    ActionKind(
        name="optimize",
        params=OptimizeParams,
        description="recommend a change (a price, a budget, a campaign)",
        handler="notify",
        outbound=True,
        target_param="owner",
        always_needs_approval=True,
    ),
    ActionKind(
        name="wait",
        params=WaitParams,
        description="do nothing now and look again later",
        handler="wait",
        outbound=False,
    ),
    ActionKind(
        name="retention_offer",
        params=RetentionOfferParams,
        description="a personalised discount to a customer at risk of churning",
        handler="email",
        outbound=True,
        target_param="customer_id",
        customer_facing=True,
    ),
    ActionKind(
        name="support_call",
        params=SupportCallParams,
        description="a ticket in the support queue to call a customer at risk",
        handler="support",
        outbound=True,
        target_param="customer_id",
    ),
    ActionKind(
        name="account_manager_alert",
        params=AccountManagerAlertParams,
        description="tell the account manager (DM or channel) that a customer is at risk",
        handler="notify",
        outbound=True,
        target_param="customer_id",
    ),
    ActionKind(
        name="winback_sequence",
        params=WinbackSequenceParams,
        description="start a win-back email sequence to a customer at risk",
        handler="email",
        outbound=True,
        target_param="customer_id",
        customer_facing=True,
        step_kind="winback_email",
    ),
    ActionKind(
        name="winback_email",
        params=WinbackEmailParams,
        description="one email of an approved win-back sequence",
        handler="email",
        outbound=True,
        target_param="customer_id",
        customer_facing=True,
    ),
)


@dataclass(frozen=True, kw_only=True)
class CheckedAction:
    """An action whose kind is known and whose params passed its schema."""

    action: Action
    kind: ActionKind
    params: KindParams


class KindRegistry:
    """The kinds an actor knows. The module-level REGISTRY holds the built-ins."""

    def __init__(self, kinds: Iterable[ActionKind] = ()) -> None:
        self._kinds: dict[str, ActionKind] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: ActionKind) -> None:
        """Declare a kind; registering the same name twice is a programming error."""
        if kind.name in self._kinds and self._kinds[kind.name] != kind:
            raise ValueError(f"action kind {kind.name!r} is already registered")
        self._kinds[kind.name] = kind

    def with_kinds(self, *kinds: ActionKind) -> KindRegistry:
        """A copy with extra kinds (tests and plug-ins that must not touch the global one)."""
        return KindRegistry([*self._kinds.values(), *kinds])

    def get(self, name: str) -> ActionKind | None:
        return self._kinds.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._kinds))

    def check(self, action: Action) -> CheckedAction | str:
        """Validate an action against its kind's schema; a problem comes back as a sentence."""
        kind = self._kinds.get(action.kind)
        if kind is None:
            return f"unknown action kind {action.kind!r} (known: {', '.join(self.names())})"
        raw: dict[str, Any] = dict(action.params)
        if kind.target_param and kind.target_param not in raw and action.target:
            raw[kind.target_param] = action.target
        try:
            params = kind.params.model_validate(raw)
        except ValidationError as error:
            return f"{kind.name} parameters are invalid: {_problems(error)}"
        promised = params.promised_dollars()
        if promised is not None and promised != action.cost:
            # Whatever the proposer wrote as cost, the money in the params is what counts.
            action = replace(action, cost=promised)
        return CheckedAction(action=action, kind=kind, params=params)

    def replace_kind(self, name: str, **changes: Any) -> KindRegistry:
        """A copy where one kind's traits are changed (e.g. a test marking a kind costly)."""
        kinds = [replace(k, **changes) if k.name == name else k for k in self._kinds.values()]
        return KindRegistry(kinds)


def _problems(error: ValidationError) -> str:
    parts = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"]) or "params"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def params_json(params: KindParams) -> Mapping[str, Any]:
    """The validated params as JSON, for records."""
    return params.model_dump(mode="json")


REGISTRY = KindRegistry(BUILTIN_KINDS)
