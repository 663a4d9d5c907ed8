"""Churn agent accuracy and the value of learning.

Run: `.venv/bin/python -m bench.churn_benchmark [demo telco retail cdnow sim]` (all by
default). Real data comes from ../shared/data (SCOUT_SHARED_DATA overrides) and is skipped
with a note when absent. Smaller runs: `--days`, `--scale` (demo), `--weeks`, `--per-week`
(sim), `--limit` (customers per real data set).

- demo: the default demo warehouse (seed 42, 180 days, scale 1). ROC-AUC and precision at
  the top 5% on (a) the recorded churn cohort and (b) future behaviour: trained as of
  today − 60 on the history before it, scored on "no purchase in the 60 days after".
- telco / retail / cdnow: see bench/churn_real.py.
- sim: 26 weeks of retention decisions with hidden true success rates per risk level ×
  action; Scout's Thompson learner against the lesson's fixed rules (every action to every
  high/critical customer) and "always offer", by regret and money spent.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from agent.churn.agent import CustomerChurnAgent
from agent.churn.features import customer_features, future_orders
from agent.churn.model import rules_scores, train
from agent.churn.profile import CustomerRiskProfile
from agent.churn.recommend import ARMS, offer_amount, rank_actions
from agent.churn.rules import ChurnRules
from agent.learning import Bandit
from agent.warehouse import DuckDBWarehouse
from bench.churn_real import cdnow, lesson_rules, precision_at, print_section, retail, telco

TODAY = date(2025, 12, 15)


def demo(days: int = 180, scale: float = 1.0) -> dict[str, dict[str, float]]:
    from agent.demo_data import generate

    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="scout-churn-bench-") as tmp:
        started = time.perf_counter()
        built = generate(out=Path(tmp), seed=42, today=TODAY, days=days, scale=scale)
        out["_setup"] = {"generate_s": time.perf_counter() - started}
        cohort = set(built.scenario("churn_cohort").details["customer_ids"])
        warehouse = DuckDBWarehouse(built.path)
        try:
            started = time.perf_counter()
            agent = CustomerChurnAgent(
                warehouse=warehouse, today=TODAY, model=train(warehouse, TODAY, ChurnRules())
            )
            ranked = agent.ranked()
            out["_setup"]["train_and_scan_s"] = time.perf_counter() - started
            out["_setup"]["active_customers"] = float(len(ranked))
            member = ranked.index.isin(cohort).astype(int)
            out["_setup"]["cohort_members_active"] = float(member.sum())
            for name, score in (
                ("cohort: Scout model", ranked["probability"].to_numpy()),
                ("cohort: Scout rules (fallback)", rules_scores(ranked)),
                ("cohort: lesson's fixed rules", lesson_rules(ranked)),
            ):
                out[name] = _metrics(member, score)
            cutoff = TODAY - timedelta(days=60)
            model = train(warehouse, cutoff, ChurnRules())
            frame = customer_features(
                warehouse, cutoff, cutoff - timedelta(days=model.history_days), model.recent_days
            ).frame
            frame = frame[frame["active"]]
            future = future_orders(warehouse, cutoff, 60)
            y = (future.reindex(frame.index).fillna(0) == 0).to_numpy(dtype=int)
            out["_future"] = {"customers": float(len(y)), "churn_rate": float(y.mean())}
            for name, score in (
                ("future: Scout model", model.predict(frame)),
                ("future: Scout rules (fallback)", rules_scores(frame)),
                ("future: lesson's fixed rules", lesson_rules(frame)),
            ):
                out[name] = _metrics(y, score)
        finally:
            warehouse.close()
    return out


def _metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    return {"auc": float(roc_auc_score(y, score)), "p_at_5": precision_at(y, score)}


# --------------------------------------------------------------------------- simulation

# Hidden truth: the chance each action keeps a customer, per risk level.
TRUTH = {
    "medium": {"retention_offer": 0.30, "support_call": 0.12, "account_manager_alert": 0.08, "winback_sequence": 0.22},
    "high": {"retention_offer": 0.28, "support_call": 0.25, "account_manager_alert": 0.10, "winback_sequence": 0.12},
    "critical": {"retention_offer": 0.20, "support_call": 0.15, "account_manager_alert": 0.30, "winback_sequence": 0.05},
}  # fmt: skip


def simulate(weeks: int = 26, per_week: int = 60, seed: int = 7) -> dict[str, dict[str, float]]:
    """Expected net value kept (success × value at risk − money − staff effort), regret
    against the best single action per customer, money spent; the same customers for every
    policy. The lesson's policy runs all four actions, assumed to work independently."""
    rules = ChurnRules()
    rng = np.random.default_rng(seed)
    customers = []
    for _ in range(weeks * per_week):
        level = str(rng.choice(["medium", "high", "critical"], p=[0.3, 0.45, 0.25]))
        p = {"medium": 0.55, "high": 0.78, "critical": 0.92}[level]
        value = float(rng.lognormal(6.8, 0.6))  # median ≈ $900 a year
        customers.append((level, p, value))

    def offer_cost(p: float, value: float) -> float:
        return offer_amount(value, p, rules, 50.0)

    def cost_of(arm: str, p: float, value: float) -> float:
        if arm == "retention_offer":
            return offer_cost(p, value)
        return rules.effort_costs.get(arm, 0.0)

    def net(level: str, arm: str, p: float, value: float) -> float:
        if arm == "retention_offer" and offer_cost(p, value) <= 0:
            return -np.inf
        return TRUTH[level][arm] * p * value - cost_of(arm, p, value)

    def run(policy: str) -> dict[str, float]:
        bandit, draw, outcome = Bandit(), random.Random(seed), random.Random(seed + 1)
        kept = spent = regret = 0.0
        for level, p, value in customers:
            best = max(net(level, a, p, value) for a in ARMS)
            if policy == "lesson: all actions to high/critical":
                arms = list(ARMS) if level in ("high", "critical") else []
            elif policy == "always offer":
                arms = ["retention_offer"] if offer_cost(p, value) > 0 else ["winback_sequence"]
            else:
                profile = _profile(level, p, value)
                ranked = rank_actions(profile, bandit, rules, rng=draw, per_customer_cap=50.0)
                arms = [ranked[0].kind] if ranked else []
            money = offer_cost(p, value) if "retention_offer" in arms else 0.0
            cost = money + sum(
                rules.effort_costs.get(a, 0.0) for a in arms if a != "retention_offer"
            )
            miss = float(np.prod([1 - TRUTH[level][a] for a in arms])) if arms else 1.0
            chance = 1 - miss
            value_kept = chance * p * value - cost
            kept += value_kept
            spent += money
            # Regret against the best single action (the lesson's policy pays for all four).
            regret += best - value_kept
            success = outcome.random() < chance
            if policy.startswith("Scout") and arms:
                bandit.update(f"churn|{level}", arms[0], success)
        return {"value_kept": kept, "spent": spent, "regret": regret}

    return {
        name: run(name)
        for name in (
            "Scout: Thompson sampling",
            "lesson: all actions to high/critical",
            "always offer",
        )
    }


def _profile(level: str, p: float, value: float) -> CustomerRiskProfile:
    return CustomerRiskProfile(
        customer_id="SIM",
        as_of=TODAY,
        churn_probability=p,
        risk_level=level,  # type: ignore[arg-type]
        risk_factors=(),
        confidence_score=1.0,
        last_activity=None,
        last_order=None,
        predicted_churn_date=None,
        recommended_actions=(),
        customer_value=value,
        scored_by="model",
        scoring_note="simulation",
    )


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "sections", nargs="*", metavar="SECTION", help="demo telco retail cdnow sim"
    )
    parser.add_argument("--days", type=int, default=180, help="demo warehouse days")
    parser.add_argument("--scale", type=float, default=1.0, help="demo warehouse scale")
    parser.add_argument("--weeks", type=int, default=26, help="simulated weeks")
    parser.add_argument("--per-week", type=int, default=60, help="simulated customers a week")
    parser.add_argument("--limit", type=int, help="customers per real data set (default all)")
    args = parser.parse_args(argv)
    sections: dict[str, Callable[[], object]] = {
        "demo": lambda: demo(args.days, args.scale),
        "telco": lambda: telco(args.limit),
        "retail": lambda: retail(args.limit),
        "cdnow": lambda: cdnow(args.limit),
        "sim": lambda: simulate(args.weeks, args.per_week),
    }
    unknown = set(args.sections) - set(sections)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    for name in args.sections or list(sections):
        started = time.perf_counter()
        result = sections[name]()
        print_section(f"{name} ({time.perf_counter() - started:.1f} s)", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
