"""The one validator every action passes through: Action → Allow | NeedsApproval | Refuse.

`Guardrails.evaluate` applies the rules that need no shared state (kind, schema, allowlists,
recipients, customer value, risky traits) plus a read of current spend. The rules that must
hold under concurrency (spend caps, alert rate limit, de-duplication) are enforced again,
atomically, by the store when the action is claimed for execution; `spend_problem` is the
single definition both use.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.act.kinds import CheckedAction, KindParams, KindRegistry, normalise_channel
from agent.act.rules import SEVERITY_RANK, ActSettings, SpendCaps, to_cents
from agent.act.rules import format_money as _money
from agent.domain import Action, Allow, Decision, NeedsApproval, RefusalCode, Refuse


class Blocked(Exception):
    """A rule only the claiming transaction can check said no; rolls that transaction back."""

    def __init__(self, reason: str, code: RefusalCode) -> None:
        super().__init__(reason)
        self.code: RefusalCode = code


@dataclass(frozen=True, kw_only=True)
class SpendUsage:
    """Cents already reserved or spent against each cap that applies to an action."""

    customer_cents: int = 0
    day_cents: int = 0
    campaign_cents: int = 0


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The decision, and the checked action when its schema was valid."""

    decision: Decision
    checked: CheckedAction | None


def spend_problem(
    caps: SpendCaps,
    amount_cents: int,
    usage: SpendUsage,
    *,
    customer: str | None,
    campaign: str | None,
) -> str | None:
    """Why spending `amount_cents` now would break a cap, or None when it fits."""
    # The narrowest cap first: "over the customer's $50 cap" is what an approver can act on.
    checks = [
        (f"customer {customer}", caps.per_customer, usage.customer_cents, customer is not None),
        (f"campaign {campaign}", caps.per_campaign, usage.campaign_cents, campaign is not None),
        ("daily", caps.per_day, usage.day_cents, True),
    ]
    for label, cap, used, applies in checks:
        if cap is None or not applies:
            continue
        limit = to_cents(cap)
        if used + amount_cents > limit:
            left = max(limit - used, 0)
            to = f" to {customer}" if customer else ""
            return (
                f"{_money(amount_cents)}{to} is over the {label} spend cap of "
                f"{_money(limit)} ({_money(left)} left)"
            )
    return None


class Guardrails:
    """Business rules applied to one action, configured by `ActSettings`."""

    def __init__(self, settings: ActSettings, kinds: KindRegistry) -> None:
        self.settings = settings
        self.kinds = kinds

    def approvers_for(self, kind: str) -> tuple[str, ...]:
        """Who may approve this kind: configured user ids, then groups as `group:NAME`."""
        approvals = self.settings.approvals
        return approvals.approvers_for(kind) + tuple(f"group:{g}" for g in approvals.groups)

    def check(self, action: Action) -> CheckedAction | Refuse:
        """Kind allowlist and parameter schema."""
        allowed = self.settings.guardrails.allowed_kinds
        kind = self.kinds.get(action.kind)
        # Answering whoever asked is what Scout is for; the allowlist limits what it does.
        if allowed is not None and action.kind not in allowed and not (kind and kind.to_asker):
            return Refuse(reason=f"action kind {action.kind!r} is not allowed here")
        checked = self.kinds.check(action)
        if isinstance(checked, str):
            return Refuse(reason=checked)
        return checked

    def evaluate(self, action: Action, usage: SpendUsage | None = None) -> Verdict:
        """Decide what may happen to `action`; `usage` is the spend already committed."""
        checked = self.check(action)
        if isinstance(checked, Refuse):
            return Verdict(decision=checked, checked=None)
        refusal = self._refusal(checked, usage or SpendUsage())
        if refusal:
            reason, code = refusal
            return Verdict(decision=Refuse(reason=reason, code=code), checked=checked)
        risks = self._risks(checked)
        if risks:
            reason = "; ".join(risks)
            approvers = self.approvers_for(checked.kind.name)
            return Verdict(
                decision=NeedsApproval(reason=reason, approvers=approvers), checked=checked
            )
        return Verdict(decision=Allow(reason="within guardrails"), checked=checked)

    def _refusal(self, checked: CheckedAction, usage: SpendUsage) -> tuple[str, RefusalCode] | None:
        problem = self._guardrail_problem(checked)
        if problem:
            return problem, "guardrail"
        cents = to_cents(checked.action.cost)
        if cents > 0:
            params = checked.params
            over = spend_problem(
                self.settings.guardrails.spend,
                cents,
                usage,
                customer=params.customer(),
                campaign=params.campaign_name(),
            )
            return (over, "spend_cap") if over else None
        return None

    def _guardrail_problem(self, checked: CheckedAction) -> str | None:
        rules = self.settings.guardrails
        params = checked.params
        channel = params.channel_name()
        channels = rules.allowed_channels
        if (
            channel
            and channels is not None
            and not checked.kind.to_asker
            and channel not in {normalise_channel(c) for c in channels}
        ):
            return f"channel #{channel} is not on the allowlist"
        recipients = params.recipient_ids()
        if rules.allowed_recipients is not None:
            unknown = [r for r in recipients if r not in rules.allowed_recipients]
            if unknown:
                return f"recipients not on the allowlist: {', '.join(unknown)}"
        if len(recipients) > rules.max_recipients:
            return f"{len(recipients)} recipients is over the cap of {rules.max_recipients}"
        if checked.action.cost < 0:
            return "cost cannot be negative"
        cents = to_cents(checked.action.cost)
        customer = params.customer()
        if customer is not None and cents > 0 and cents >= to_cents(rules.costly_action):
            value = params.customer_value_dollars()
            if value is None:
                return f"customer {customer} has no known value; costly actions need one"
            if to_cents(value) < to_cents(rules.min_customer_value):
                return (
                    f"customer {customer} is worth {_money(to_cents(value))}, below the "
                    f"{_money(to_cents(rules.min_customer_value))} minimum for costly actions"
                )
        return None

    def _risks(self, checked: CheckedAction) -> list[str]:
        risk = self.settings.guardrails.risk
        kind, params = checked.kind, checked.params
        risks: list[str] = []
        if kind.always_needs_approval:
            risks.append(f"{kind.name} actions always need approval")
        cents = to_cents(checked.action.cost)
        if cents > to_cents(risk.money_threshold):
            risks.append(
                f"spends {_money(cents)} (approval above {_money(to_cents(risk.money_threshold))})"
            )
        if kind.customer_facing and risk.customer_facing_needs_approval:
            risks.append("reaches customers")
        if kind.to_asker:
            return risks  # the asker chose the conversation; nothing in it is Scout's choice
        severity = SEVERITY_RANK[params.severity_level()]
        audience = set(params.recipient_ids())
        if params.channel_name():
            audience.add(str(params.channel_name()))
        executives = {normalise_channel(e) for e in risk.executives} | set(risk.executives)
        named = sorted(audience & executives)
        if named and severity >= SEVERITY_RANK[risk.executive_min_severity]:
            risks.append(f"goes to executives ({', '.join(named)})")
        if risk.approval_min_severity and severity >= SEVERITY_RANK[risk.approval_min_severity]:
            risks.append(f"severity {params.severity_level()} needs approval")
        risks += self._unnamed_audience(params)
        if len(params.recipient_ids()) > risk.bulk_recipients:
            risks.append(f"bulk: {len(params.recipient_ids())} recipients")
        return risks

    def _unnamed_audience(self, params: KindParams) -> list[str]:
        """A channel or person scout.yml never names is a new audience: a person decides."""
        risks = []
        channel = params.channel_name()
        named = self.settings.named_channels
        if channel and named is not None and normalise_channel(channel) not in named:
            risks.append(f"posts to #{channel}, a channel scout.yml does not name")
        people = self.settings.named_recipients
        if people is not None:
            unnamed = [r for r in params.recipient_ids() if r not in people]
            if unnamed:
                risks.append(f"goes to people scout.yml does not name ({', '.join(unnamed)})")
        return risks
