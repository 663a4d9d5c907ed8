"""The churn agent: perceive (one feature query), score (one predict call), explain, act
through the actor (guardrails + approvals, never around them), and learn from outcomes
measured against a random holdout (agent.churn.measure), never from approvals.

    agent = CustomerChurnAgent(warehouse=wh, today=today, act=actor, memory=memory)
    profile = await agent.assess_churn_risk("C000123")
    result = await agent.execute_retention_action(profile, "retention_offer")
    draw, results = await agent.propose_retention(await agent.scan(top=5))
    await agent.what_works()
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agent.churn.audience import WINBACK_SEGMENTS, rfm_segments
from agent.churn.cohorts import CohortScan, find_cohorts
from agent.churn.factors import describe_factors
from agent.churn.features import VALUE_DAYS, Features, customer_features, data_span
from agent.churn.holdout import RetentionDraw, draw_holdout
from agent.churn.model import Backtest, ChurnModel, label_window, past_churn_line
from agent.churn.profile import (
    RISK_LEVELS,
    CustomerRiskProfile,
    as_date,
    assign_tiers,
    churn_line_date,
    confidence,
    predicted_churn_date,
)
from agent.churn.pull import cohort_pull, pulled
from agent.churn.recommend import (
    ARMS,
    DEFAULT_LIMITS,
    STOP_ALL,
    STOP_EMAIL,
    NextStep,
    OfferLimits,
    build_action,
    next_step,
    offer_amount,
)
from agent.churn.rules import ChurnRules
from agent.churn.schema import DEMO_SCHEMA, ChurnSchema, churn_schema
from agent.churn.scope import Scope, customer_groups
from agent.churn.store import load_or_train
from agent.domain import Action, Evidence, Refuse
from agent.errors import UserError
from agent.learning import Bandit
from agent.warehouse import Warehouse

if TYPE_CHECKING:
    from agent.act import ActResult
    from agent.act.ports import Act
    from agent.deps import Deps
    from agent.memory import Memory


@dataclass(frozen=True, kw_only=True)
class Scores:
    """Every customer scored at once: features, probability, level, value at risk."""

    features: Features
    # Features + probability (of churning, repeat buyers only; for the lapsed among them,
    # of staying away through the horizon: a score, never shown as a risk), past_churn_line
    # (repeat buyers already past it: lapsed), risk_level (the tiers, over repeat buyers
    # not yet lapsed), label_window_days, value_at_risk (not yet lapsed only),
    # second_purchase (first-time buyers), comeback (the lapsed: an order or visit within
    # the horizon).
    frame: pd.DataFrame
    # The SQL that drew each cohort's members, whose probability the cohort raised.
    pull_evidence: tuple[Evidence, ...] = ()

    def evidence(self) -> tuple[Evidence, ...]:
        """The feature SQL and the cohort membership SQL behind every score."""
        return (self.features.evidence, *self.pull_evidence)


@dataclass(frozen=True, kw_only=True)
class ChurnOverview:
    """The whole scored population in a few numbers: the tiers, what they are worth, how
    precise they were on past data, the repeat buyers already lapsed, and the first-time
    buyers asked another question."""

    as_of: date
    scored: int  # repeat buyers not yet lapsed: the population the tiers are drawn from
    counts: dict[str, int]
    value_at_risk: float  # high + critical, over the next VALUE_DAYS
    flagged_revenue: float  # what the flagged customers spent in the history read
    history_days: int
    backtest: Backtest | None
    first_time: int
    second_purchase_rate: float | None
    horizon_days: int
    label_words: str
    scored_by: str
    rules_reason: str | None
    cohorts: CohortScan | None = None
    value_modelled: bool = False  # False: the pace fallback (the models could not be fitted)
    # Repeat buyers already past their own churn line: gone by the label's rule, so not
    # scored as at risk (a win-back question).
    lapsed: int = 0
    expected_loss: float = 0.0  # every scored customer's probability × value, summed
    lapsed_revenue: float = 0.0  # what the lapsed spent in the history read
    # Flagged members of a cohort at risk, whose probability its fall raised (pull.py).
    flagged_in_cohort: int = 0

    @property
    def flagged(self) -> int:
        return self.counts["high"] + self.counts["critical"]

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.scored if self.scored else 0.0

    def sentences(self) -> list[str]:
        """The tiers, their backtest, the value at risk and the first-time buyers, in words."""
        tiers = (
            f"Of {self.scored:,} repeat customers not yet lapsed, {self.flagged:,} "
            f"({self.flagged_share:.1%}) are at high or critical risk "
            f"({self.counts['critical']:,} critical) of churning: no order or visit within "
            f"{self.label_words}."
        )
        if self.lapsed:  # in the same sentence group: whatever is inserted after the tiers
            tiers += (
                f" Another {self.lapsed:,} repeat customers are already lapsed, with no order "
                "or visit for longer than that: a win-back question, not a risk one."
            )
        out = [tiers]
        bt = self.backtest
        if bt is not None and bt.precision is not None:
            recall = (
                f"; they were {_share(bt.recall)} of all who did" if bt.recall is not None else ""
            )
            out.append(
                f"Backtest as of {bt.cutoff:%b %-d} (a model trained only on what was known "
                f"then, on the {bt.customers:,} customers not yet lapsed then whose window "
                f"has closed since): "
                f"{bt.precision:.0%} of the {bt.flagged:,} flagged this way did go quiet{recall}."
            )
        elif bt is not None:
            out.append(f"Backtest as of {bt.cutoff:%b %-d}: nobody would have been flagged then.")
        elif self.rules_reason is None:
            out.append("No backtest yet: too little history to hold a snapshot out.")
        if self.flagged:
            days = min(self.history_days, VALUE_DAYS)
            how = (
                "expected orders × expected order value, from purchase and spend models "
                "fitted on this store's history"
                if self.value_modelled
                else "revenue at their own pace"
            )
            out.append(
                f"${self.value_at_risk:,.0f} of revenue expected over the next 12 months is at "
                f"risk with them (probability × {how}, never more than the "
                f"${self.flagged_revenue:,.0f} they spent in the last {days} days)."
            )
        if self.scored:
            # The flagged are a thin slice: most of the revenue churn will take is spread over
            # the many at lower risk, and the lapsed took theirs already.
            out.append(
                f"Across all {self.scored:,} repeat customers not yet lapsed, "
                f"${self.expected_loss:,.0f} of that revenue is expected to be lost to churn "
                "(each customer's probability × value, summed)."
                + (
                    f" The {self.lapsed:,} already lapsed spent ${self.lapsed_revenue:,.0f} in "
                    f"the last {min(self.history_days, VALUE_DAYS)} days: revenue gone unless "
                    "they are won back."
                    if self.lapsed
                    else ""
                )
            )
        if self.first_time:
            chance = (
                f"{self.second_purchase_rate:.0%} are expected to buy again within "
                f"{self.horizon_days} days"
                if self.second_purchase_rate is not None
                else "their second purchase is not estimated yet"
            )
            out.append(f"{self.first_time:,} first-time buyers are not scored for churn: {chance}.")
        if self.rules_reason:
            out.append(f"Scored by rules, not a model: {self.rules_reason}.")
        if self.cohorts is not None:  # the groups are the news: right after the tiers
            pulled_in = (
                [
                    f"{self.flagged_in_cohort:,} of the {self.flagged:,} flagged are in "
                    + ("that group" if len(self.cohorts.cohorts) == 1 else "those groups")
                    + ": each member's chance of churning is raised by the group's fall in "
                    "visits and orders, which their own history cannot show yet."
                ]
                if self.flagged_in_cohort
                else []
            )
            out[1:1] = self.cohorts.sentences() + pulled_in
        return out

    def to_json(self) -> dict[str, object]:
        bt = self.backtest
        return {
            "as_of": self.as_of.isoformat(),
            "scored_customers": self.scored,
            "lapsed_customers": self.lapsed,
            **{f"{level}_risk": self.counts[level] for level in RISK_LEVELS},
            "flagged": self.flagged,
            "flagged_share": round(self.flagged_share, 4),
            "value_at_risk_high_and_critical": round(self.value_at_risk, 2),
            "value_horizon_days": VALUE_DAYS,
            "flagged_revenue": round(self.flagged_revenue, 2),
            "flagged_in_cohort": self.flagged_in_cohort,
            "expected_loss_all_scored": round(self.expected_loss, 2),
            "lapsed_revenue": round(self.lapsed_revenue, 2),
            "backtest_as_of": bt.cutoff.isoformat() if bt else None,
            "backtest_customers": bt.customers if bt else None,
            "backtest_flagged": bt.flagged if bt else None,
            "backtest_precision": _rounded(bt.precision if bt else None),
            "backtest_recall": _rounded(bt.recall if bt else None),
            "first_time_buyers": self.first_time,
            "second_purchase_rate": _rounded(self.second_purchase_rate),
            "horizon_days": self.horizon_days,
            "scored_by": self.scored_by,
            "cohorts": [c.to_json() for c in self.cohorts.cohorts] if self.cohorts else [],
            "summary": " ".join(self.sentences()),
        }


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
        limits: OfferLimits = DEFAULT_LIMITS,
        schema: ChurnSchema = DEMO_SCHEMA,
        requested_by: str = "scout-churn",
        exclusions: Mapping[str, str] | None = None,
        scope: Scope | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.today = today
        self.rules = rules or ChurnRules()
        self.act = act
        self.memory = memory
        self.model_dir = model_dir
        self.limits = limits
        self.schema = schema  # where the customer entity's tables and columns are
        self.requested_by = requested_by
        # customer id → an audience.EXCLUSION_WORDS key (opted out, contacted recently, in a
        # retention flow): the routing holds their actions back and says why.
        self.exclusions: Mapping[str, str] = exclusions or {}
        # Everyone is scored and tiered; a scope keeps one group's customers (scope.py).
        self.scope = scope
        self._model = model
        self._scores: Scores | None = None
        self._cohorts: CohortScan | None = None

    @classmethod
    def from_deps(cls, deps: Deps) -> CustomerChurnAgent:
        """The agent over Scout's own warehouse, actor, memory and scout.yml rules."""
        return cls(
            warehouse=deps.warehouse,
            today=deps.today(),
            rules=deps.config.churn,
            act=deps.act,
            memory=deps.memory,
            limits=OfferLimits.of(deps.config.guardrails),
            schema=churn_schema(deps.layer),
        )

    # ------------------------------------------------------------------ perceive + score

    @property
    def model(self) -> ChurnModel:
        """The model for today (cached per warehouse + day in the data dir)."""
        if self._model is None:
            self._model = load_or_train(
                self.warehouse, self.today, self.rules, folder=self.model_dir, schema=self.schema
            )
        return self._model

    def scores(self) -> Scores:
        """Every customer, one feature query and one predict call (cached)."""
        if self._scores is None:
            model = self.model
            start = self.today - timedelta(days=model.history_days)
            features = customer_features(
                self.warehouse, self.today, start, model.recent_days, schema=self.schema
            )
            frame = features.frame
            repeat = (frame["population"] == "repeat").to_numpy()
            first = (frame["population"] == "first_time").to_numpy()
            # Past their own churn line already: churned by the label's rule, so they are
            # lapsed (a win-back question), never tiered, counted or valued as at risk.
            lapsed = past_churn_line(frame, self.rules).to_numpy()
            at_risk = repeat & ~lapsed
            # The model's probability, raised for members of a cohort whose activity fell
            # (pull.py: the model never saw a group leave like this one).
            model_p = np.where(repeat, model.predict(frame), np.nan)
            # The lapsed have their own question (will they come back within the horizon?)
            # and model: the one above never saw anyone past their line.
            comeback = np.full(len(frame), np.nan)
            if lapsed.any():
                comeback[lapsed] = model.comeback(frame[lapsed])
                model_p = np.where(lapsed & ~np.isnan(comeback), 1.0 - comeback, model_p)
            pull, pull_evidence = cohort_pull(
                self.warehouse, self.today, self.cohorts(), schema=self.schema
            )
            pull = pull.reindex(frame.index)
            ratio = pull["cohort_ratio"].fillna(1.0).to_numpy()
            p = pulled(model_p, ratio)
            levels = np.full(len(frame), None, dtype=object)
            levels[at_risk] = assign_tiers(p[at_risk], self.rules)
            second = np.full(len(frame), np.nan)
            if first.any():
                second[first] = model.second_purchase(frame[first])
            frame = frame.assign(
                past_churn_line=lapsed,
                model_probability=model_p,
                cohort_ratio=ratio,
                cohort_words=pull["cohort_words"].fillna("").to_numpy(),
                probability=p,
                risk_level=levels,
                label_window_days=label_window(
                    frame["cadence"], self.rules, self.rules.horizon_days
                ),
                value_at_risk=np.where(at_risk, p * frame["customer_value"], np.nan),
                second_purchase=second,
                comeback=comeback,
                segment=rfm_segments(frame, features.history_days),
            )
            if self.scope is not None:
                groups = customer_groups(self.warehouse, self.schema)
                frame = frame[self.scope.mask(groups, frame.index)]
            self._scores = Scores(features=features, frame=frame, pull_evidence=pull_evidence)
        return self._scores

    def profiles(
        self, ids: Sequence[str], bandit: Bandit | None = None, rng: random.Random | None = None
    ) -> list[CustomerRiskProfile]:
        """Profiles for these customers (batch attribution: one predict call per factor)."""
        scores = self.scores()
        rows = scores.frame.loc[list(ids)]
        # The model's attribution, and the cohort's pull on top of it (what p^ρ added).
        contributions = self.model.contributions(rows).assign(
            cohort=(rows["probability"] - rows["model_probability"]).fillna(0.0)
        )
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

    def cohorts(self) -> CohortScan:
        """The groups of customers whose churn signals moved together (cached)."""
        if self._cohorts is None:
            span = data_span(self.warehouse, schema=self.schema)
            self._cohorts = (
                CohortScan(cohorts=(), evidence=())
                if span is None
                else find_cohorts(
                    self.warehouse, self.today, data_start=span[0], schema=self.schema
                )
            )
        return self._cohorts

    def ranked(self) -> pd.DataFrame:
        """Repeat buyers not yet lapsed, most likely to churn first (then by value at risk):
        the population the tiers are drawn from. First-time buyers are in
        `first_time_buyers`; those already past their churn line in `lapsed`."""
        frame = self.scores().frame
        frame = frame[(frame["population"] == "repeat") & ~frame["past_churn_line"]]
        return frame.sort_values(
            ["probability", "value_at_risk"], ascending=[False, False], kind="mergesort"
        )

    def winback_audience(self, *, keep_contacted: bool = False) -> pd.DataFrame:
        """The win-back audience: repeat buyers at high or critical risk in the
        segmentation's At risk and Can't lose them segments, less those the exclusions keep
        from an email (opted out, no address, contacted recently, in a retention flow),
        most at risk first. The random holdout is drawn when they are proposed.

        `keep_contacted` keeps those contacted or already proposed, so the head of the
        audience stays put: asked twice, the same customers are chosen (and held back as
        already in a flow), not the next five down the list each time."""
        ranked = self.ranked()
        stops = STOP_EMAIL if keep_contacted else STOP_ALL | STOP_EMAIL
        blocked = {c for c, why in self.exclusions.items() if why in stops}
        keep = (
            ranked["risk_level"].isin(("high", "critical"))
            & ranked["segment"].isin(WINBACK_SEGMENTS)
            & ~ranked.index.isin(list(blocked))
        )
        return ranked[keep]

    def lapsed(self) -> pd.DataFrame:
        """Repeat buyers already past their own churn line (no order or visit for longer
        than their window), longest quiet first: churned by the label's rule, a win-back
        question rather than a risk."""
        frame = self.scores().frame
        frame = frame[frame["past_churn_line"]]
        return frame.sort_values("days_since_active", ascending=False, kind="mergesort")

    def first_time_buyers(self) -> pd.DataFrame:
        """Customers with one order so far, least likely to buy a second time first."""
        frame = self.scores().frame
        frame = frame[frame["population"] == "first_time"]
        return frame.sort_values("second_purchase", kind="mergesort", na_position="last")

    def overview(self) -> ChurnOverview:
        """The tiers, their value and backtest, and the first-time buyers, in numbers."""
        ranked = self.ranked()
        model = self.model
        counts: dict[str, int] = {
            level: int((ranked["risk_level"] == level).sum()) for level in RISK_LEVELS
        }
        flagged = ranked[ranked["risk_level"].isin(("high", "critical"))]
        lapsed = self.lapsed()
        first = self.first_time_buyers()["second_purchase"]
        return ChurnOverview(
            as_of=self.today,
            scored=len(ranked),
            counts=counts,
            value_at_risk=float(flagged["value_at_risk"].sum()),
            flagged_revenue=float(flagged["revenue_total"].sum()),
            history_days=model.history_days,
            backtest=model.report.backtest,
            first_time=len(first),
            second_purchase_rate=float(first.mean()) if first.notna().any() else None,
            horizon_days=model.horizon_days,
            label_words=model.label_words(),
            scored_by=model.describe(),
            rules_reason=model.report.reason if model.kind == "rules" else None,
            cohorts=self.cohorts(),
            value_modelled=bool(flagged["value_modelled"].all()) if len(flagged) else False,
            lapsed=len(lapsed),
            expected_loss=float(ranked["value_at_risk"].sum()),
            lapsed_revenue=float(lapsed["revenue_total"].sum()),
            flagged_in_cohort=int((flagged["cohort_ratio"] < 1).sum()),
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
        lapsed = bool(row["past_churn_line"])
        # A repeat buyer past their own churn line is lapsed: asked no churn question.
        population = "lapsed" if lapsed else str(row["population"])
        repeat = population == "repeat"
        gap = _num(row["usual_gap"])
        # Repeat buyers have a window, the lapsed included (the line they are past).
        window = _num(row["label_window_days"])
        factors = (
            describe_factors(
                row,
                contribution,
                recent_days=scores.features.recent_days,
                history_days=scores.features.history_days,
            )
            if repeat
            else ()
        )
        facts = {
            "horizon_days": float(model.horizon_days),
            "history_days": float(scores.features.history_days),
            "label_window_days": window,
            "days_since_last": _num(row["days_since_last"]),
            "usual_gap_days": gap,
            "days_since_active": _num(row["days_since_active"]),
            "active_gap_days": _num(row["active_gap"]),
            "orders_in_history": _num(row["orders_total"]),
            "orders_recent": _num(row["orders_recent"]),
            "tickets_56": _num(row["tickets_56"]),
            "tickets_90": _num(row["tickets_90"]),
            "unresolved_tickets": _num(row["unresolved"]),
            "sessions_30": _num(row["sessions_30"]),
            "revenue_in_history": _num(row["revenue_total"]),
            "p_alive": _rounded(_num(row["p_alive"]), 3),
        }
        p = _num(row["probability"]) if repeat else None
        level = row["risk_level"] if repeat else None
        active_gap = _num(row["active_gap"])
        window_words = ""
        if window is not None:
            window_words = f"within {math.ceil(window)} days"
            if active_gap is not None and window > self.rules.min_label_days:
                # A window cut to the horizon is not a multiple of the gap: say it is the cap.
                capped = window < self.rules.label_multiple * active_gap
                window_words += (
                    f", the longest window (their gap between visits or orders is "
                    f"{active_gap:.0f} days)"
                    if capped
                    else f", {model.multiple_words()} the {active_gap:.0f}-day gap between "
                    "their visits or orders"
                )
        profile = CustomerRiskProfile(
            customer_id=cid,
            as_of=self.today,
            population=population,  # type: ignore[arg-type]
            churn_probability=p,
            risk_level=level,
            second_purchase_probability=_num(row["second_purchase"]),
            churn_window=window_words,
            risk_factors=factors,
            confidence_score=confidence(
                model.kind, model.report.holdout_auc, float(row["orders_total"])
            ),
            last_activity=as_date(row["last_activity"]),
            last_order=as_date(row["last_order"]),
            # Lapsed: the day they went past their line (the past); otherwise when they will.
            predicted_churn_date=(
                churn_line_date(as_date(row["last_activity"]), window)
                if lapsed
                else predicted_churn_date(as_date(row["last_activity"]), window, self.today)
            ),
            recommended_actions=(),
            customer_value=float(row["customer_value"]),
            segment=None if pd.isna(row["segment"]) else str(row["segment"]),
            scored_by=model.kind,
            scoring_note=model.describe(),
            facts=facts,
        )
        step = self.next_step(profile, bandit, rng)
        return replace(profile, recommended_actions=step.ranked, next_action=step.words())

    def next_step(
        self, profile: CustomerRiskProfile, bandit: Bandit, rng: random.Random | None = None
    ) -> NextStep:
        """The routed action for a profile and why (see recommend.next_step)."""
        return next_step(
            profile,
            bandit,
            self.rules,
            rng=rng,
            limits=self.limits,
            exclusion=self.exclusions.get(profile.customer_id),
        )

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
                profile.customer_value,
                profile.churn_probability or 0.0,
                self.rules,
                self.limits,
            )
        return build_action(profile, kind, self.rules, cost=cost)

    def recommend(
        self, profile: CustomerRiskProfile, bandit: Bandit, rng: random.Random | None
    ) -> Action | None:
        """The best routed action by a Thompson draw (posterior mean without an rng); None
        when the routing gives the customer nothing."""
        step = self.next_step(profile, bandit, rng)
        if step.kind is None:
            return None
        return build_action(profile, step.kind, self.rules, cost=step.cost)

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
        if value < self.limits.min_customer_value:
            return (
                f"{profile.customer_id} is worth ${value:,.0f} a year, below the "
                f"${self.limits.min_customer_value:,.0f} minimum for a retention offer"
            )
        if action.cost <= 0:
            return "a retention offer needs an amount above $0"
        cap = self.limits.per_customer_cap
        if cap is not None and action.cost > cap:
            return (
                f"${action.cost:,.2f} is above the ${cap:,.2f} maximum retention spend per customer"
            )
        return None

    def plan_retention(
        self,
        profiles: Sequence[CustomerRiskProfile],
        bandit: Bandit,
        *,
        already_held: frozenset[str] = frozenset(),
    ) -> RetentionDraw:
        """Each profile's best action, less a seeded holdout per action kind (see
        agent.churn.holdout): the actions to propose and the assignments to record."""
        actions = [a for p in profiles if (a := self.recommend(p, bandit, rng=None))]
        return draw_holdout(
            actions,
            today=self.today,
            share=self.rules.campaign_holdout_share,
            already_held=already_held,
        )

    async def propose_retention(
        self, profiles: Sequence[CustomerRiskProfile]
    ) -> tuple[RetentionDraw, list[ActResult]]:
        """Propose retention actions to the actor with a recorded holdout: the held-out
        customers get nothing, and memory keeps both groups for the measurement."""
        if self.act is None or self.memory is None:
            raise UserError("Retention actions need Scout's actor and memory.")
        held = await self.memory.held_out(self.today, self.rules.outcome_days)
        draw = self.plan_retention(profiles, await self.bandit(), already_held=held)
        await self.memory.record_retention_assignments(draw.assignments)
        results = [
            await self.act.propose(action, requested_by=self.requested_by)
            for action in draw.treated
        ]
        return draw, results

    async def what_works(self) -> list[str]:
        """What works for whom: per action kind × risk level, reorders of the treated
        against the holdout with sample sizes ("not enough data yet" below the minimum)."""
        if self.memory is None:
            return []
        return await self.memory.what_works()


async def retrain(deps: Deps) -> ChurnModel:
    """The scheduled hook: train on today's history (new labels included) and cache it."""
    rules = deps.config.churn
    return await asyncio.to_thread(load_or_train, deps.warehouse, deps.today(), rules, retrain=True)


def _num(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number


def _share(value: float) -> str:
    """A share as people read it: 0.4% rather than a bare 0%."""
    return f"{value:.1%}" if 0 < value < 0.01 else f"{value:.0%}"


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
