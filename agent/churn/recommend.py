"""Which retention action to take: Thompson sampling over action kinds, within cost caps.

For each action a customer is eligible for, draw a success rate from its Beta posterior for
the customer's risk level and value it as rate × customer value − cost; the best draw wins.
The rate is learned as an uplift (treated reorder rate − holdout reorder rate, among customers
at this risk level), so it already carries the chance of churning: multiplying it by value
at risk (probability × value) would count that probability twice.
Offers cost money (value × share × probability, capped by the guardrails' per-customer cap)
and are only eligible above the guardrails' `min_customer_value` (`OfferLimits`: the money
rules have one place, scout.yml's guardrails); the other actions cost staff time (`effort_costs`), weighed here but not booked against budgets. Posteriors live in memory keyed ("churn|<level>", kind).

`next_step` routes one scored customer: nothing for a lapsed one (past their own churn line:
win-back, not retention), win-back emails only for the segmentation's At risk
and Can't lose them segments (agent.churn.audience.WINBACK_SEGMENTS), a support call only
after a support ticket, an account manager alert for Can't lose them or a named manager, an
offer only above the minimum customer value; nothing for someone Scout contacted recently or who is
already in a retention flow, no email to someone who opted out. It says why in words.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from agent.act.rules import GuardrailSettings
from agent.churn.audience import EXCLUSION_WORDS, WINBACK_SEGMENTS
from agent.churn.profile import CustomerRiskProfile, RiskLevel
from agent.churn.rules import ChurnRules
from agent.domain import Action
from agent.learning import Bandit, BetaArm

ARMS: tuple[str, ...] = (
    "retention_offer",
    "support_call",
    "account_manager_alert",
    "winback_sequence",
)
# How the actions read in a list a CRM lead works through.
ACTION_WORDS: dict[str, str] = {
    "retention_offer": "retention offer",
    "support_call": "support call",
    "account_manager_alert": "account manager alert",
    "winback_sequence": "win-back emails",
}
EMAIL_ARMS = frozenset({"retention_offer", "winback_sequence"})  # they reach the customer by email
# Exclusions that stop every action, and those that stop only the emails.
STOP_ALL = frozenset({"contacted_recently", "in_retention_flow"})
STOP_EMAIL = frozenset({"opted_out", "no_email"})
# Before any outcome, every action is believed to keep about one customer in four.
PRIOR = BetaArm(prior_alpha=1.0, prior_beta=3.0)


def situation(level: RiskLevel | str) -> str:
    """The learning situation of a risk level: 'churn|high'."""
    return f"churn|{level}"


def belief(bandit: Bandit, level: str, arm: str) -> BetaArm:
    """The posterior for an action at a risk level, on top of the churn prior."""
    learned = bandit.arm(situation(level), arm)
    return BetaArm(
        successes=learned.successes,
        failures=learned.failures,
        prior_alpha=PRIOR.prior_alpha,
        prior_beta=PRIOR.prior_beta,
    )


@dataclass(frozen=True, kw_only=True)
class OfferLimits:
    """The guardrails' money rules as retention offers apply them."""

    min_customer_value: float
    per_customer_cap: float | None

    @classmethod
    def of(cls, guardrails: GuardrailSettings) -> OfferLimits:
        return cls(
            min_customer_value=guardrails.min_customer_value,
            per_customer_cap=guardrails.spend.per_customer,
        )


DEFAULT_LIMITS = OfferLimits.of(GuardrailSettings())


def offer_amount(
    customer_value: float, probability: float, rules: ChurnRules, limits: OfferLimits
) -> float:
    """Dollars to offer: value × share × probability, capped per customer; 0 below minimum."""
    if customer_value < limits.min_customer_value:
        return 0.0
    amount = customer_value * rules.offer_share * probability
    if limits.per_customer_cap is not None:
        amount = min(amount, limits.per_customer_cap)
    return round(max(0.0, amount), 2)


@dataclass(frozen=True, kw_only=True)
class Choice:
    """An action kind with its money cost and the sampled net value that ranked it."""

    kind: str
    cost: float
    score: float


def rank_actions(
    profile: CustomerRiskProfile,
    bandit: Bandit,
    rules: ChurnRules,
    *,
    rng: random.Random | None,
    limits: OfferLimits = DEFAULT_LIMITS,
    arms: Sequence[str] = ARMS,
) -> list[Choice]:
    """Eligible actions, best first (Thompson draws with an rng, posterior means without).
    None for low risk and for customers not scored for churn (first-time, lapsed)."""
    if profile.risk_level in (None, "low") or profile.churn_probability is None:
        return []
    probability, level = profile.churn_probability, profile.risk_level
    value = profile.customer_value
    choices = []
    for arm in arms:
        cost = 0.0
        if arm == "retention_offer":
            cost = offer_amount(profile.customer_value, probability, rules, limits)
            if cost <= 0:
                continue
        effort = rules.effort_costs.get(arm, 0.0)
        post = belief(bandit, level, arm)
        rate = post.sample(rng) if rng is not None else post.mean
        choices.append(Choice(kind=arm, cost=cost, score=rate * value - cost - effort))
    return sorted(choices, key=lambda c: (-c.score, arms.index(c.kind)))


def build_action(
    profile: CustomerRiskProfile, kind: str, rules: ChurnRules, *, cost: float = 0.0
) -> Action:
    """The Action for one retention step, with the params its kind declares."""
    p = profile.churn_probability
    base: dict[str, object] = {
        "customer_id": profile.customer_id,
        "customer_value": round(profile.customer_value, 2),
        "churn_probability": None if p is None else round(p, 4),
        "risk_level": profile.risk_level,
        "as_of": profile.as_of.isoformat(),
        "reason": "; ".join(profile.risk_factors)[:1000],
    }
    if kind == "retention_offer":
        base |= {"amount": cost, "campaign": f"{rules.campaign}-{profile.as_of.isoformat()}"}
    elif kind == "support_call":
        base |= {"queue": rules.support_queue}
    elif kind == "account_manager_alert":
        manager = rules.account_manager(profile.customer_id)
        # Their own manager hears it directly (a DM); otherwise the team's channel does.
        base |= {"manager": manager} if manager else {"channel": rules.account_manager_channel}
    why = (
        f"{profile.risk_level} churn risk ({p:.0%})"
        if p is not None and profile.risk_level is not None
        else f"{profile.population.replace('_', '-')} buyer, not scored for churn"
    )
    if profile.risk_factors:
        why += ": " + profile.risk_factors[0]
    return Action(
        kind=kind,
        target=profile.customer_id,
        params=base,
        cost=cost if kind == "retention_offer" else 0.0,
        reason=why,
        source="churn",
        priority={"critical": 90, "high": 70, "medium": 50}.get(profile.risk_level or "", 30),
    )


@dataclass(frozen=True, kw_only=True)
class NextStep:
    """What one customer gets next and why: an action kind with its cost, or none."""

    kind: str | None
    why: str
    cost: float = 0.0
    ranked: tuple[str, ...] = ()  # every eligible action, best first

    def words(self) -> str:
        """'win-back emails: in the At risk segment' or 'none: low churn risk'."""
        return f"{ACTION_WORDS[self.kind] if self.kind else 'none'}: {self.why}"


def next_step(
    profile: CustomerRiskProfile,
    bandit: Bandit,
    rules: ChurnRules,
    *,
    rng: random.Random | None,
    limits: OfferLimits = DEFAULT_LIMITS,
    exclusion: str | None = None,
) -> NextStep:
    """The action for one customer after the routing rules, with its reason in words.

    `exclusion` is an `audience.EXCLUSION_WORDS` key: contacted recently or in a retention
    flow stop everything; an opt-out (or no address) stops only the emails."""
    if profile.churn_probability is None or profile.risk_level is None:
        if profile.population == "first_time":
            return NextStep(kind=None, why="first-time buyer, not scored for churn")
        # Gone already: winning them back is the segmentation's win-back audiences' job,
        # not a retention step taken as if they were still at risk.
        winback = (
            f"; a win-back target in the segmentation ({profile.segment} segment)"
            if profile.segment in WINBACK_SEGMENTS
            else ""
        )
        return NextStep(kind=None, why=f"already lapsed, not scored for churn{winback}")
    if profile.risk_level == "low":
        return NextStep(kind=None, why="low churn risk")
    if exclusion in STOP_ALL:
        return NextStep(kind=None, why=EXCLUSION_WORDS[exclusion])
    target = profile.segment in WINBACK_SEGMENTS
    segment = f"{profile.segment} segment" if profile.segment else "no segment"
    trouble = bool(profile.facts.get("tickets_56") or profile.facts.get("unresolved_tickets"))
    personal = profile.segment == "Can't lose them" or bool(
        rules.account_manager(profile.customer_id)
    )
    eligible = {
        "winback_sequence": target,
        "retention_offer": True,  # rank_actions drops it below the offer minimum
        "support_call": trouble,  # a call follows up a real support problem
        "account_manager_alert": personal,
    }
    arms = [
        arm for arm in ARMS if eligible[arm] and not (arm in EMAIL_ARMS and exclusion in STOP_EMAIL)
    ]
    notes = [] if target else [f"not a win-back target ({segment})"]
    if exclusion in STOP_EMAIL:
        notes.append(f"no email: {EXCLUSION_WORDS[exclusion]}")
    choices = rank_actions(profile, bandit, rules, rng=rng, limits=limits, arms=arms)
    if not choices:
        notes.append("no support issue to follow up")
        if profile.customer_value < limits.min_customer_value:
            notes.append(
                f"${profile.customer_value:,.0f} of expected value, below the "
                f"${limits.min_customer_value:,.0f} an offer needs"
            )
        return NextStep(kind=None, why="; ".join(notes))
    best = choices[0]
    return NextStep(
        kind=best.kind,
        why="; ".join([_reason(profile, best), *notes]),
        cost=best.cost,
        ranked=tuple(c.kind for c in choices),
    )


def _reason(profile: CustomerRiskProfile, choice: Choice) -> str:
    """Why this action fits this customer, from their own data."""
    tickets = int(profile.facts.get("tickets_56") or 0)
    match choice.kind:
        case "winback_sequence":
            return f"in the {profile.segment} segment"
        case "retention_offer":
            return f"${choice.cost:,.0f} offer on ${profile.customer_value:,.0f} of expected value"
        case "support_call" if tickets:
            return f"{tickets} support ticket{'s' if tickets > 1 else ''} in the last 8 weeks"
        case "support_call":
            return "an unresolved support ticket"
        case "account_manager_alert" if profile.segment == "Can't lose them":
            return "in the Can't lose them segment: a personal call"
        case _:
            return "their account manager is named"
