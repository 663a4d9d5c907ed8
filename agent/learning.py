"""Learning from outcomes: a Beta posterior per (situation, arm), ranked by mean or Thompson.

An *arm* is whatever the agent chooses between (an action kind, a risk level × offer); a
*situation* is the context it chose in ("conversion_rate|down|region=Northeast"). Each
outcome (an alert acknowledged, a report found useful, a 👍 or 👎) is one Bernoulli trial, so
the conjugate Beta posterior is exact and cheap: success adds to alpha, failure to beta.
Ranking by the posterior mean exploits; ranking by a Thompson sample (one draw per arm from
its posterior) explores in proportion to uncertainty, and is reproducible with a seeded RNG.

Retention actions are different: a customer who was sent a win-back and ordered again might
have ordered anyway. Their arms learn only from `uplift_arm`, the measured difference
between treated customers and a random holdout, never from an approval or a delivery.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from agent.domain import format_segment

SITUATION_SEP = "|"
# Actions whose success is only ever measured against a holdout, never taken from an
# approval or a person's say-so (see `uplift_arm`).
RETENTION_KINDS = frozenset(
    {"retention_offer", "support_call", "account_manager_alert", "winback_sequence"}
)


@dataclass(frozen=True, kw_only=True)
class BetaArm:
    """Beta(prior_alpha + successes, prior_beta + failures): belief that an arm works."""

    successes: float = 0.0
    failures: float = 0.0
    prior_alpha: float = 1.0
    prior_beta: float = 1.0

    def __post_init__(self) -> None:
        if min(self.successes, self.failures) < 0 or min(self.prior_alpha, self.prior_beta) <= 0:
            raise ValueError(f"invalid Beta parameters: {self}")

    @property
    def alpha(self) -> float:
        return self.prior_alpha + self.successes

    @property
    def beta(self) -> float:
        return self.prior_beta + self.failures

    @property
    def samples(self) -> float:
        """How many outcomes (possibly weighted) the posterior has seen."""
        return self.successes + self.failures

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> float:
        total = self.alpha + self.beta
        return self.alpha * self.beta / (total * total * (total + 1.0))

    def update(self, success: bool, weight: float = 1.0) -> BetaArm:
        """The posterior after one more outcome (weight < 1 for weak evidence)."""
        if weight <= 0:
            raise ValueError("weight must be positive")
        if success:
            return replace(self, successes=self.successes + weight)
        return replace(self, failures=self.failures + weight)

    def sample(self, rng: random.Random) -> float:
        """One Thompson draw from the posterior."""
        return rng.betavariate(self.alpha, self.beta)


class Bandit:
    """Beta arms keyed by (situation, arm); unseen pairs start at the prior.

    A service object, not a domain value: it is mutable and its size is bounded by the
    number of situations × arms actually seen (both small, finite vocabularies).
    """

    def __init__(
        self,
        arms: Mapping[tuple[str, str], BetaArm] | None = None,
        *,
        prior: BetaArm | None = None,
    ) -> None:
        self._prior = prior or BetaArm()
        self._arms: dict[tuple[str, str], BetaArm] = dict(arms or {})

    def arm(self, situation: str, arm: str) -> BetaArm:
        """The posterior of one arm in one situation (the prior when never tried)."""
        return self._arms.get((situation, arm), self._prior)

    def update(self, situation: str, arm: str, success: bool, weight: float = 1.0) -> BetaArm:
        """Record one outcome and return the new posterior."""
        posterior = self.arm(situation, arm).update(success, weight)
        self._arms[(situation, arm)] = posterior
        return posterior

    def score(self, situation: str, arm: str, rng: random.Random | None = None) -> float:
        """Posterior mean, or a Thompson sample when an RNG is given."""
        belief = self.arm(situation, arm)
        return belief.sample(rng) if rng is not None else belief.mean

    def rank(
        self, situation: str, arms: Sequence[str], rng: random.Random | None = None
    ) -> list[str]:
        """Arms best first; ties keep the caller's order (a stable, predictable default)."""
        scored = [(self.score(situation, a, rng), -i, a) for i, a in enumerate(arms)]
        return [a for _, _, a in sorted(scored, reverse=True)]

    def items(self) -> Iterator[tuple[tuple[str, str], BetaArm]]:
        return iter(sorted(self._arms.items()))

    def __len__(self) -> int:
        return len(self._arms)


@dataclass(frozen=True, kw_only=True)
class RetentionOutcome:
    """What happened to one customer after a retention decision, read from the warehouse:
    treated (the action was sent) or held out at random, and whether they ordered again
    within the outcome window that began on `since`."""

    customer_id: str
    kind: str
    segment: str  # the risk level the action was chosen for
    group: Literal["treated", "holdout"]
    since: date
    reordered: bool


@dataclass(frozen=True, kw_only=True)
class RetentionAssignment:
    """Who a retention decision treated or held out, recorded when it was proposed: the
    treated customer's action (by its idempotency key) or a random holdout, on `since`."""

    customer_id: str
    kind: str
    segment: str  # the risk level the action was chosen for
    group: Literal["treated", "holdout"]
    since: date  # the day of the proposal
    action_key: str = ""  # the treated customer's action; empty for the holdout


def uplift_arm(treated: int, treated_yes: int, held: int, held_yes: int) -> BetaArm:
    """Measured uplift as evidence about an arm's *incremental* success rate.

    The uplift (treated rate − holdout rate, floored at 0: an action cannot un-keep a
    customer in this model) is the arm's success share; its weight is the effective sample
    size of a difference of two proportions, treated·held / (treated + held), so a large
    treated group against a tiny holdout counts as little as the holdout allows. Without
    both groups there is no evidence, and the prior stands.
    """
    if treated <= 0 or held <= 0:
        return BetaArm()
    uplift = min(1.0, max(0.0, treated_yes / treated - held_yes / held))
    weight = treated * held / (treated + held)
    return BetaArm(successes=weight * uplift, failures=weight * (1.0 - uplift))


# --------------------------------------------------------------------------- situations


def situation_key(metric: str, direction: str, where: Mapping[str, str] | None = None) -> str:
    """A stable, readable situation: 'conversion_rate|down|region=Northeast'."""
    parts = [metric, direction]
    if where:
        parts.append(format_segment(where, style="key"))
    return SITUATION_SEP.join(parts)


def describe_situation(situation: str) -> str:
    """'conversion_rate|down|region=Northeast' → 'conversion rate drops in Northeast'."""
    parts = situation.split(SITUATION_SEP)
    if len(parts) < 2:
        return situation
    metric, direction = parts[0], parts[1]
    moves = {"down": "drops", "up": "rises"}.get(direction, f"{direction} moves")
    text = f"{metric.replace('_', ' ')} {moves}"
    if len(parts) > 2 and parts[2]:
        # The key's segment is format_segment's "key" form: read it back to say it in words.
        pairs = (pair.partition("=") for pair in parts[2].split(","))
        where = {name: value for name, _, value in pairs}
        text += " in " + format_segment(where, style="words")
    return text


_PLURAL = {"alert": "alerts", "report": "reports", "investigate": "investigations"}
_VERB = {
    "alert": "were acknowledged",
    "report": "were found useful",
    "investigate": "found a cause",
    "escalate": "were acted on",
}


def describe_learning(
    arms: Bandit | Iterable[tuple[tuple[str, str], BetaArm]], *, min_samples: float = 1
) -> list[str]:
    """What the agent has learned, as plain sentences with sample sizes, most evidence first."""
    pairs = list(arms.items() if isinstance(arms, Bandit) else arms)
    pairs = [(k, b) for k, b in pairs if b.samples >= min_samples]
    pairs.sort(key=lambda kb: (-kb[1].samples, kb[0]))
    lines = []
    for (situation, arm), belief in pairs:
        noun = _PLURAL.get(arm, f"{arm.replace('_', ' ')} actions")
        verb = _VERB.get(arm, "succeeded")
        lines.append(
            f"{noun[:1].upper()}{noun[1:]} on {describe_situation(situation)} {verb} "
            f"{_count(belief.successes)} of {_count(belief.samples)} times "
            f"(expected success {belief.mean:.0%})."
        )
    return lines


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
