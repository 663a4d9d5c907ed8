"""The churn agent: perceive (one feature query), score (one predict call), explain, act
through the actor (guardrails + approvals, never around them), and learn from outcomes.

    agent = CustomerChurnAgent(warehouse=wh, today=today, act=actor, memory=memory)
    profile = await agent.assess_churn_risk("C000123")
    result = await agent.execute_retention_action(profile, "retention_offer")
    await agent.learn_from_outcomes("C000123", ["retention_offer"], "retained")
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from agent.churn.factors import describe_factors
from agent.churn.features import Features, customer_features
from agent.churn.model import ChurnModel
from agent.churn.profile import (
    CustomerRiskProfile,
    as_date,
    confidence,
    predicted_churn_date,
    risk_level,
)
from agent.churn.recommend import ARMS, build_action, offer_amount, rank_actions, situation
from agent.churn.rules import ChurnRules
from agent.churn.store import load_or_train
from agent.domain import Action, Refuse, stable_key
from agent.errors import UserError
from agent.learning import Bandit
from agent.warehouse import Warehouse

if TYPE_CHECKING:
    from agent.act import ActResult
    from agent.act.ports import Act
    from agent.deps import Deps
    from agent.memory import Memory

Outcome = Literal["retained", "churned", "redeemed"]
OUTCOMES: tuple[str, ...] = ("retained", "churned", "redeemed")


@dataclass(frozen=True, kw_only=True)
class Scores:
    """Every customer scored at once: features, probability, level, value at risk."""

    features: Features
    frame: pd.DataFrame  # features + probability, risk_level, value_at_risk (active only)


class CustomerChurnAgent:
    """Churn risk for one customer or all of them, and retention through the actor."""

    def __init__(
        self,
        *,
        warehouse: Warehouse,
        today: date,
        rules: ChurnRules | None = None,
        act: Act | None = None,
        memory: Memory | None = None,
        model: ChurnModel | None = None,
        model_dir: Path | None = None,
        per_customer_cap: float | None = None,
        requested_by: str = "scout-churn",
    ) -> None:
        self.warehouse = warehouse
        self.today = today
        self.rules = rules or ChurnRules()
        self.act = act
        self.memory = memory
        self.model_dir = model_dir
        self.per_customer_cap = per_customer_cap
        self.requested_by = requested_by
        self._model = model
        self._scores: Scores | None = None

    @classmethod
    def from_deps(cls, deps: Deps) -> CustomerChurnAgent:
        """The agent over Scout's own warehouse, actor, memory and scout.yml rules."""
        return cls(
            warehouse=deps.warehouse,
            today=deps.today(),
            rules=deps.config.churn,
            act=deps.act,
            memory=deps.memory,
            per_customer_cap=deps.config.guardrails.spend.per_customer,
        )

    # ------------------------------------------------------------------ perceive + score

    @property
    def model(self) -> ChurnModel:
        """The model for today (cached per warehouse + day in the data dir)."""
        if self._model is None:
            self._model = load_or_train(
                self.warehouse, self.today, self.rules, folder=self.model_dir
            )
        return self._model

    def scores(self) -> Scores:
        """Every customer, one feature query and one predict call (cached)."""
        if self._scores is None:
            model = self.model
            start = self.today - timedelta(days=model.history_days)
            features = customer_features(self.warehouse, self.today, start, model.recent_days)
            frame = features.frame
            frame = frame.assign(probability=model.predict(frame))
            frame = frame.assign(
                risk_level=[risk_level(p, self.rules) for p in frame["probability"]],
                value_at_risk=frame["probability"] * frame["customer_value"],
            )
            self._scores = Scores(features=features, frame=frame)
        return self._scores

    def profiles(
        self, ids: Sequence[str], bandit: Bandit | None = None, rng: random.Random | None = None
    ) -> list[CustomerRiskProfile]:
        """Profiles for these customers (batch attribution: one predict call per factor)."""
        scores = self.scores()
        rows = scores.frame.loc[list(ids)]
        contributions = self.model.contributions(rows)
        default_bandit = bandit or Bandit()
        return [
            self._profile(cid, rows.loc[cid], contributions.loc[cid], default_bandit, rng)
            for cid in ids
        ]

    def profile(self, customer_id: str, bandit: Bandit | None = None) -> CustomerRiskProfile:
        """One customer's profile; a friendly error for an unknown customer."""
        cid = customer_id.strip().upper()
        if cid not in self.scores().frame.index:
            raise UserError(
                f"I don't know a customer {customer_id!r} with an order before "
                f"{self.today:%b %-d, %Y}.",
                hint="Customer ids look like C000123; `scout churn --top 10` lists some.",
            )
        return self.profiles([cid], bandit)[0]

    def ranked(self, *, active_only: bool = True) -> pd.DataFrame:
        """Customers by value at risk (probability × yearly value), then probability.

        Most active customers score high on this data, so the expected revenue lost is what
        tells a retention team where to spend first.
        """
        frame = self.scores().frame
        if active_only:
            frame = frame[frame["active"]]
        return frame.sort_values(
            ["value_at_risk", "probability"], ascending=[False, False], kind="mergesort"
        )

    def _profile(
        self,
        cid: str,
        row: pd.Series,
        contribution: pd.Series,
        bandit: Bandit,
        rng: random.Random | None,
    ) -> CustomerRiskProfile:
        model, scores = self.model, self.scores()
        p = float(row["probability"])
        gap = float(row["usual_gap"]) if pd.notna(row["usual_gap"]) else None
        last_order = as_date(row["last_order"])
        factors = describe_factors(
            row,
            contribution,
            recent_days=scores.features.recent_days,
            history_days=scores.features.history_days,
        )
        note = model.describe()
        facts = {
            "horizon_days": float(model.horizon_days),
            "days_since_last": _num(row["days_since_last"]),
            "usual_gap_days": gap,
            "orders_in_history": _num(row["orders_total"]),
            "orders_recent": _num(row["orders_recent"]),
            "tickets_30": _num(row["tickets_30"]),
            "tickets_90": _num(row["tickets_90"]),
            "unresolved_tickets": _num(row["unresolved"]),
            "sessions_30": _num(row["sessions_30"]),
            "revenue_in_history": _num(row["revenue_total"]),
        }
        profile = CustomerRiskProfile(
            customer_id=cid,
            as_of=self.today,
            churn_probability=p,
            risk_level=risk_level(p, self.rules),
            risk_factors=factors,
            confidence_score=confidence(
                model.kind, model.report.holdout_auc, float(row["orders_total"])
            ),
            last_activity=as_date(row["last_activity"]),
            last_order=last_order,
            predicted_churn_date=predicted_churn_date(
                last_order, gap, self.today, model.horizon_days
            ),
            recommended_actions=(),
            customer_value=float(row["customer_value"]),
            scored_by=model.kind,
            scoring_note=note,
            facts=facts,
        )
        ranked = rank_actions(
            profile, bandit, self.rules, rng=rng, per_customer_cap=self.per_customer_cap
        )
        return _with_actions(profile, tuple(c.kind for c in ranked))

    # ------------------------------------------------------------------ async API

    async def bandit(self) -> Bandit:
        """What memory has learned so far (an empty bandit without memory)."""
        return await self.memory.bandit() if self.memory is not None else Bandit()

    async def assess_churn_risk(self, customer_id: str) -> CustomerRiskProfile:
        """One customer's risk profile, recommended actions ranked by what has worked."""
        bandit = await self.bandit()
        return await asyncio.to_thread(self.profile, customer_id, bandit)

    async def scan(self, top: int = 20) -> list[CustomerRiskProfile]:
        """The `top` active customers most likely to churn, with profiles."""
        bandit = await self.bandit()

        def work() -> list[CustomerRiskProfile]:
            ids = list(self.ranked().index[: max(0, top)])
            return self.profiles(ids, bandit)

        return await asyncio.to_thread(work)

    def proposal(
        self,
        profile: CustomerRiskProfile,
        kind: str | None = None,
        rng: random.Random | None = None,
    ) -> Action | None:
        """The Action for a profile: `kind`, or the Thompson pick (None when low risk)."""
        if kind is None:
            return self.recommend(profile, Bandit(), rng)
        cost = 0.0
        if kind == "retention_offer":
            cost = offer_amount(
                profile.customer_value, profile.churn_probability, self.rules, self.per_customer_cap
            )
        return build_action(profile, kind, self.rules, cost=cost)

    def recommend(
        self, profile: CustomerRiskProfile, bandit: Bandit, rng: random.Random | None
    ) -> Action | None:
        """The best action by a Thompson draw (posterior mean without an rng)."""
        ranked = rank_actions(
            profile, bandit, self.rules, rng=rng, per_customer_cap=self.per_customer_cap
        )
        if not ranked:
            return None
        return build_action(profile, ranked[0].kind, self.rules, cost=ranked[0].cost)

    async def execute_retention_action(
        self, profile: CustomerRiskProfile, action: str | Action
    ) -> ActResult:
        """Propose a retention action to the actor: it executes, waits for approval, or is
        refused with a reason. The churn rules refuse first what they forbid outright."""
        from agent.act import ActResult

        if self.act is None:
            raise UserError("Retention actions need Scout's actor (memory and guardrails).")
        if isinstance(action, str):
            if action not in ARMS:
                raise UserError(
                    f"I don't know the retention action {action!r}.",
                    hint="Retention actions: " + ", ".join(ARMS) + ".",
                )
            built = self.proposal(profile, action)
            assert built is not None
            action = built
        problem = self._rule_problem(profile, action)
        if problem:
            return ActResult(status="refused", decision=Refuse(reason=problem), reason=problem)
        return await self.act.propose(action, requested_by=self.requested_by)

    def _rule_problem(self, profile: CustomerRiskProfile, action: Action) -> str | None:
        if action.kind != "retention_offer":
            return None
        value = profile.customer_value
        if value < self.rules.min_customer_value:
            return (
                f"{profile.customer_id} is worth ${value:,.0f} a year, below the "
                f"${self.rules.min_customer_value:,.0f} minimum for a retention offer"
            )
        if action.cost <= 0:
            return "a retention offer needs an amount above $0"
        if action.cost > self.rules.max_retention_spend:
            return (
                f"${action.cost:,.2f} is above the ${self.rules.max_retention_spend:,.2f} "
                "maximum retention spend per customer"
            )
        return None

    async def learn_from_outcomes(
        self,
        customer_id: str,
        actions_taken: Sequence[str | Action],
        outcome: str,
        *,
        risk_level: str | None = None,
    ) -> list[bool]:
        """Record whether each action kept the customer (once per action) and update the
        posterior for its risk level × kind. Returns which outcomes were new."""
        if self.memory is None:
            raise UserError("Learning from outcomes needs Scout's memory.")
        if outcome not in OUTCOMES:
            raise UserError(f"Outcome must be one of {', '.join(OUTCOMES)} (got {outcome!r}).")
        success = outcome in ("retained", "redeemed")
        recorded = []
        for taken in actions_taken:
            kind = taken.kind if isinstance(taken, Action) else taken
            if kind not in ARMS:
                raise UserError(f"{kind!r} is not a retention action ({', '.join(ARMS)}).")
            level = risk_level or _level_of(taken)
            if level is None:
                level = (await self.assess_churn_risk(customer_id)).risk_level
            key = (
                taken.idempotency_key
                if isinstance(taken, Action)
                else stable_key("churn-outcome", customer_id, kind, self.today.isoformat())
            )
            recorded.append(await self.memory.record_outcome(key, kind, situation(level), success))
        return recorded

    async def what_works(self, *, min_samples: float = 1) -> list[str]:
        """Which actions kept which customers, with sample sizes, most evidence first."""
        bandit = await self.bandit()
        lines = []
        for (where, kind), arm in bandit.items():
            if not where.startswith("churn|") or arm.samples < min_samples:
                continue
            level = where.split("|", 1)[1]
            lines.append(
                (
                    -arm.samples,
                    f"{kind.replace('_', ' ')} for {level}-risk customers kept "
                    f"{arm.successes:g} of {arm.samples:g} ({arm.successes / arm.samples:.0%})",
                )
            )
        return [text for _, text in sorted(lines)]


async def retrain(deps: Deps) -> ChurnModel:
    """The scheduled hook: train on today's history (new labels included) and cache it."""
    rules = deps.config.churn
    return await asyncio.to_thread(load_or_train, deps.warehouse, deps.today(), rules, retrain=True)


def _with_actions(profile: CustomerRiskProfile, actions: tuple[str, ...]) -> CustomerRiskProfile:
    from dataclasses import replace

    return replace(profile, recommended_actions=actions)


def _level_of(taken: str | Action) -> str | None:
    if isinstance(taken, Action):
        level = taken.params.get("risk_level")
        return str(level) if level else None
    return None


def _num(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number
