"""Churn agent accuracy and the value of learning.

Run: `.venv/bin/python -m bench.churn_benchmark [demo seeds telco retail cdnow bgnbd sim]`
(all by default). Real data comes from ../shared/data (SCOUT_SHARED_DATA overrides) and is skipped
with a note when absent. Smaller runs: `--days`, `--scale` (demo), `--weeks`, `--per-week`
(sim), `--limit` (customers per real data set).

- demo: the default demo warehouse (seed 42, 180 days, scale 1). ROC-AUC and precision at
  the top 5% of repeat buyers on (a) the recorded churn cohort and (b) future behaviour:
  trained as of today − 60 on what was known then, judged on the churn label (no order or
  visit within twice the customer's own gap) of those whose window closed by today. "The
  answer" judges what "which customers are at risk?" says: the cohort's share of the top
  100 listed, the share flagged high or critical, the value at risk over the store's
  trailing-year revenue (hand-written SQL) and the backtested precision it states.
- seeds: what `scout churn --top 100 --json` says on other demo warehouses (`--seeds`,
  default 1–10), judged like "the answer", as of each `--as-of` day: "today" (the
  generator's last day) and/or N days after the recorded cohort began to decline (default
  "today 14"). Today most of the cohort is already lapsed, off the list by design, so the
  list's ceiling (how many of the cohort are on it at all) is printed beside its precision.
- cohorts: is the recorded churn cohort named as a cohort by `scout churn --json` (exactly,
  first), how far its stated "since" is from the recorded start, how many other groups are
  named; and how many groups are named on warehouses without one (`--quiet-seeds`).
- telco / retail / cdnow: see bench/churn_real.py.
- bgnbd: Scout's BG/NBD fit on the CDNOW sample against the published parameters, and the
  hold-out weeks' repeat purchases per customer (MAE, RMSE, total) against RFM cells learned
  on the calibration weeks and against the calibration rate carried on.
- sim: 26 weeks of retention decisions with hidden true success rates per risk level ×
  action. Scout routes each customer (agent.churn.recommend.next_step: win-back emails,
  support call, account manager, offer or none) and learns weekly, by Thompson sampling,
  only from the retention it measures against a random 10% holdout
  (agent.learning.uplift_arm); against the old ranking without routing, the lesson's fixed
  rules (every action to every high/critical customer) and "always offer": value kept,
  regret, money and staff spend, actions taken, and each policy's measured uplift
  (treated vs held-out retention, 95% interval) next to the true one.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from agent.churn.agent import CustomerChurnAgent
from agent.churn.model import labelled_snapshot, rules_scores, train
from agent.churn.outcomes import Uplift
from agent.churn.profile import CustomerRiskProfile
from agent.churn.recommend import (
    ARMS,
    OfferLimits,
    next_step,
    offer_amount,
    rank_actions,
    situation,
)
from agent.churn.rules import ChurnRules
from agent.churn.store import load_or_train
from agent.demo_data import GeneratedWarehouse
from agent.learning import Bandit, uplift_arm
from agent.warehouse import DuckDBWarehouse
from bench.churn_real import (
    cdnow,
    lesson_rules,
    precision_at,
    print_section,
    retail,
    shared_data,
    telco,
)

TODAY = date(2025, 12, 15)


def demo(days: int = 180, scale: float = 1.0, seed: int = 42) -> dict[str, dict[str, float]]:
    from agent.demo_data import generate

    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="scout-churn-bench-") as tmp:
        started = time.perf_counter()
        built = generate(out=Path(tmp), seed=seed, today=TODAY, days=days, scale=scale)
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
            out["the answer"] = answer_metrics(agent, cohort)
            # Out of time: trained as of today − 60 on what was known then, judged on the
            # repeat buyers whose own window closed by today (the label the model claims).
            cutoff = TODAY - timedelta(days=60)
            rules = ChurnRules()
            model = train(warehouse, cutoff, rules)
            snap = labelled_snapshot(
                warehouse, cutoff, model.history_days, model.recent_days, rules, TODAY
            )
            frame, y = snap.repeat, snap.churned.to_numpy()
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


# Revenue of the year before today: what any value at risk is drawn from.
TRAILING_YEAR_SQL = """\
SELECT COALESCE(SUM(revenue), 0) AS revenue FROM orders
WHERE customer_id IS NOT NULL AND order_date >= $start AND order_date < $today"""


def answer_metrics(agent: CustomerChurnAgent, cohort: set[str]) -> dict[str, float]:
    """What "which customers are at risk?" says, judged: the cohort's share of the top 100
    of the list it shows (against its share of everyone listed), the share flagged high or
    critical, and the value at risk it states over the trailing year's revenue. The list
    leaves out the repeat buyers already past their own churn line (lapsed): their share,
    and the share of the cohort's repeat buyers among them, say how much of the cohort is
    gone already rather than at risk."""
    ranked = agent.ranked()
    lapsed = agent.lapsed()
    member = ranked.index.isin(cohort)
    gone = lapsed.index.isin(cohort)
    flagged = ranked["risk_level"].isin(("high", "critical"))
    trailing = float(
        agent.warehouse.query(
            TRAILING_YEAR_SQL, {"start": TODAY - timedelta(days=365), "today": TODAY}
        )["revenue"].iloc[0]
    )
    out = {
        "top100_precision": float(member[:100].mean()),
        "cohort_base_rate": float(member.mean()),
        "flagged_share": float(flagged.mean()),
        "value_at_risk_over_trailing_revenue": float(
            ranked.loc[flagged, "value_at_risk"].sum() / trailing
        ),
        "lapsed_share": float(len(lapsed) / max(1, len(ranked) + len(lapsed))),
        "cohort_lapsed_share": float(gone.sum() / max(1, member.sum() + gone.sum())),
    }
    backtest = getattr(agent.model.report, "backtest", None)
    if backtest is not None and backtest.precision is not None:
        out["backtest_precision"] = float(backtest.precision)
    return out


def seeds(
    days: int, scale: float, chosen: Sequence[int], as_of: Sequence[str]
) -> dict[str, dict[str, float]]:
    """What `scout churn --top 100 --json` says on other demo warehouses (unseen seeds:
    nothing is tuned on them), as of each day in `as_of` ("today", or "+N": N days after
    the recorded cohort began to decline, the list a CRM lead would have had then), and the
    mean per day."""
    out: dict[str, dict[str, float]] = {}
    for seed in chosen:
        with tempfile.TemporaryDirectory(prefix="scout-churn-seeds-") as tmp:
            built = _generate(Path(tmp), seed, days, scale, None)
            truth = built.scenario("churn_cohort")
            cohort = set(truth.details["customer_ids"])
            for when in as_of:
                day = TODAY if when == "today" else truth.start + timedelta(days=int(when))
                out[f"seed {seed} @ {when}"] = listed_answer(built.path, day, cohort)
    for when in as_of:
        rows = [row for key, row in out.items() if key.endswith(f" @ {when}")]
        if rows:
            # A seed whose backtest flags nobody states no precision: the mean is over the others.
            keys = dict.fromkeys(k for row in rows for k in row)
            out[f"mean @ {when}"] = {
                k: float(np.nanmean([row.get(k, np.nan) for row in rows])) for k in keys
            }
    return out


def listed_answer(path: Path, day: date, cohort: set[str]) -> dict[str, float]:
    """The answer's top 100 (through the CLI) judged against the recorded cohort, with what
    bounds it: how many of the cohort are on the list at all (the others already lapsed or
    never repeat buyers), so the best precision any ranking of this list could reach."""
    answer = _scout_churn(path, day, top=100)
    overview = answer["overview"]
    listed = [p["customer_id"] for p in answer["profiles"]]
    warehouse = DuckDBWarehouse(path)
    try:
        # The model the CLI just trained and cached (same SCOUT_HOME, same key).
        agent = CustomerChurnAgent(
            warehouse=warehouse, today=day, model=load_or_train(warehouse, day, ChurnRules())
        )
        ranked, lapsed = agent.ranked(), agent.lapsed()
        trailing = float(
            warehouse.query(TRAILING_YEAR_SQL, {"start": day - timedelta(days=365), "today": day})[
                "revenue"
            ].iloc[0]
        )
    finally:
        warehouse.close()
    on_list = int(ranked.index.isin(cohort).sum())
    gone = int(lapsed.index.isin(cohort).sum())
    out = {
        "top100_precision": float(np.mean([cid in cohort for cid in listed])) if listed else 0.0,
        "top100_ceiling": min(1.0, on_list / 100),
        "cohort_on_list": float(on_list),
        "cohort_base_rate": on_list / max(1, len(ranked)),
        "cohort_lapsed_share": gone / max(1, on_list + gone),
        "flagged_share": float(overview["flagged_share"]),
        "value_at_risk_over_trailing_revenue": float(overview["value_at_risk_high_and_critical"])
        / max(trailing, 1.0),
        "same_top100_in_process": float(list(ranked.index[:100]) == listed),
    }
    if overview.get("backtest_precision") is not None:
        out["backtest_precision"] = float(overview["backtest_precision"])
    return out


def cohorts(
    days: int, scale: float, chosen: Sequence[int], quiet: Sequence[int]
) -> dict[str, dict[str, float]]:
    """Is the recorded churn cohort named as a cohort by `scout churn --json`? Per seed:
    the first cohort named is exactly the recorded segment (1/0), it is named at all, the
    days between the stated "since" and the recorded start, how many other groups were
    named; and on warehouses without a churn cohort (`quiet` seeds), how many were named."""
    out: dict[str, dict[str, float]] = {}
    for seed in chosen:
        with tempfile.TemporaryDirectory(prefix="scout-cohort-bench-") as tmp:
            built = _generate(Path(tmp), seed, days, scale, None)
            truth = built.scenario("churn_cohort")
            named = _cohorts_named(built.path)
            wheres = [dict(c["where"]) for c in named]
            first = named[0] if named else None
            out[f"seed {seed}"] = {
                "named_exactly_first": float(bool(wheres) and wheres[0] == dict(truth.where)),
                "named_at_all": float(dict(truth.where) in wheres),
                "days_off": float(
                    abs((date.fromisoformat(str(first["since"])) - truth.start).days)
                    if first is not None and wheres[0] == dict(truth.where)
                    else np.nan
                ),
                "other_groups_named": float(sum(w != dict(truth.where) for w in wheres)),
            }
    for seed in quiet:
        with tempfile.TemporaryDirectory(prefix="scout-cohort-bench-") as tmp:
            built = _generate(Path(tmp), seed, days, scale, ["none"])
            out[f"quiet seed {seed}"] = {
                "other_groups_named": float(len(_cohorts_named(built.path)))
            }
    rows = [v for k, v in out.items() if k.startswith("seed ")]
    if rows:
        out["mean"] = {k: float(np.nanmean([row[k] for row in rows])) for k in rows[0]}
    return out


def _generate(
    folder: Path, seed: int, days: int, scale: float, scenarios: list[str] | None
) -> GeneratedWarehouse:
    from agent.demo_data import generate

    return generate(out=folder, seed=seed, today=TODAY, days=days, scale=scale, scenarios=scenarios)


def _cohorts_named(path: Path) -> list[dict[str, Any]]:
    """The cohorts `scout churn --json` names."""
    named: list[dict[str, Any]] = _scout_churn(path, TODAY, top=1)["overview"]["cohorts"]
    return named


def _scout_churn(path: Path, day: date, *, top: int) -> dict[str, Any]:
    """`scout churn --json` as of `day` (the command a user runs, in-process)."""
    import contextlib
    import io
    import json

    from bot.cli import main as scout

    buffer = io.StringIO()
    home = os.environ.get("SCOUT_HOME")
    # The model it trains is cached next to the throw-away warehouse, not in the data dir.
    os.environ["SCOUT_HOME"] = str(path.parent / "scout-home")
    try:
        with contextlib.redirect_stdout(buffer):
            code = scout(
                ["churn", "--warehouse", str(path), "--today", day.isoformat(), "--top",
                 str(top), "--json"]
            )  # fmt: skip
    finally:
        if home is None:
            os.environ.pop("SCOUT_HOME", None)
        else:
            os.environ["SCOUT_HOME"] = home
    if code != 0:
        raise RuntimeError(f"scout churn exited {code}")
    answer: dict[str, Any] = json.loads(buffer.getvalue())
    return answer


def _metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    return {"auc": float(roc_auc_score(y, score)), "p_at_5": precision_at(y, score)}


# --------------------------------------------------------------------------- BG/NBD

# Fader, Hardie & Lee (2005) on the CDNOW sample (../shared/data/cdnow/README.md).
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def bgnbd(limit: int | None = None) -> dict[str, dict[str, float]] | str:
    """Scout's BG/NBD fit on the CDNOW sample's 39 calibration weeks against the published
    parameters, and the hold-out weeks 40–78 predicted per customer against two baselines:
    RFM cells (below) and the calibration rate carried on (repeat purchases per week × 39)."""
    import pandas as pd

    from agent.churn.bgnbd import fit

    folder = shared_data() / "cdnow"
    summary_path, sample_path = (
        folder / "cdnow_customers_summary.csv.gz",
        folder / "CDNOW_sample.txt.gz",
    )
    if not (summary_path.is_file() and sample_path.is_file()):
        return f"skipped: {folder} not found"
    summary = pd.read_csv(summary_path).set_index("ID")
    if limit is not None:
        summary = summary.head(limit)
    raw = pd.read_csv(
        sample_path, sep=r"\s+", header=None, names=["master", "id", "date", "cds", "dollars"],
        dtype={"date": str},
    )  # fmt: skip
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    # One purchase per customer and day (what the summary counts), with the day's spend.
    days = raw.groupby(["id", "date"], as_index=False)["dollars"].sum()
    days = days[days["id"].isin(summary.index)]
    holdout = days[days["date"] >= HOLDOUT_START].groupby("id").size()
    actual = holdout.reindex(summary.index).fillna(0.0).to_numpy()
    x, t_x, big_t = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    started = time.perf_counter()
    model = fit(x, t_x, big_t)
    seconds = time.perf_counter() - started
    fitted = {name: getattr(model, name) for name in PUBLISHED_BGNBD}
    out: dict[str, dict[str, float]] = {
        "fit": {**fitted, "log_likelihood": model.log_likelihood, "fit_s": seconds},
        "relative error vs published": {
            name: abs(value / PUBLISHED_BGNBD[name] - 1) for name, value in fitted.items()
        },
    }
    calibration = days[days["date"] < HOLDOUT_START]
    for name, predicted in (
        ("hold-out purchases: BG/NBD", model.expected_purchases(39.0, x, t_x, big_t)),
        ("hold-out purchases: RFM cells", rfm_cells(calibration, summary.index)),
        ("hold-out purchases: calibration rate × 39 weeks", x / big_t * 39.0),
    ):
        out[name] = {
            "mae": float(np.mean(np.abs(predicted - actual))),
            "rmse": float(np.sqrt(np.mean((predicted - actual) ** 2))),
            "total": float(predicted.sum()),
            "actual_total": float(actual.sum()),
            "total_error_pct": float(100 * (predicted.sum() / actual.sum() - 1)),
        }
    return out


HOLDOUT_START = np.datetime64("1997-10-01")
# The RFM baseline learns on the calibration period alone: RFM as of its middle (week 19.5),
# and what each cell did in the 19.5 weeks after.
RFM_SPLIT = np.datetime64("1997-05-17")


def rfm_cells(calibration: Any, customers: Any) -> np.ndarray:
    """The direct-marketing RFM prediction (the CDNOW README names no baseline): customers
    are put in cells by recency quintile × frequency quintile × monetary half, and each cell
    is predicted to buy at the weekly rate its members bought at after an earlier cut-off
    (RFM as of week 19.5, purchases in weeks 19.5–39), times the 39 hold-out weeks. A cell
    with fewer than 20 customers then uses its recency × frequency cell, then the mean."""
    before = calibration[calibration["date"] < RFM_SPLIT]
    after = calibration[calibration["date"] >= RFM_SPLIT].groupby("id").size()
    weeks_after = float((HOLDOUT_START - RFM_SPLIT) / np.timedelta64(7, "D"))
    train = _rfm(before, RFM_SPLIT)
    train["rate"] = after.reindex(train.index).fillna(0.0) / weeks_after
    now = _rfm(calibration, HOLDOUT_START).reindex(customers)
    overall = float(train["rate"].mean())
    full = train.groupby(["r", "f", "m"])["rate"].agg(["mean", "size"])
    coarse = train.groupby(["r", "f"])["rate"].agg(["mean", "size"])
    rates = []
    for r, f, m in now[["r", "f", "m"]].itertuples(index=False):
        if (r, f, m) in full.index and full.loc[(r, f, m), "size"] >= 20:
            rates.append(full.loc[(r, f, m), "mean"])
        elif (r, f) in coarse.index and coarse.loc[(r, f), "size"] >= 20:
            rates.append(coarse.loc[(r, f), "mean"])
        else:
            rates.append(overall)
    return np.asarray(rates, dtype=float) * 39.0


def _rfm(days: Any, as_of: np.datetime64) -> Any:
    """Recency (days since the last purchase; 5 = most recent), frequency (repeat purchase
    days) quintiles by rank, and monetary half (average spend), per customer as of a day."""
    import pandas as pd

    per = days.groupby("id").agg(
        last=("date", "max"), n=("date", "size"), spend=("dollars", "mean")
    )

    def quintile(s: Any) -> Any:
        return np.ceil(5 * s.rank(pct=True, method="average")).astype(int)

    recency = (pd.Timestamp(as_of) - per["last"]).dt.days
    return pd.DataFrame(
        {
            "r": quintile(-recency),
            "f": quintile(per["n"]),
            "m": (per["spend"] > per["spend"].median()).astype(int),
        },
        index=per.index,
    )


# --------------------------------------------------------------------------- simulation

# Hidden truth: the chance each action keeps a customer, per risk level. It does not depend
# on the segment or on support tickets, so here the routing's limits can only cost value.
TRUTH = {
    "medium": {"retention_offer": 0.30, "support_call": 0.12, "account_manager_alert": 0.08, "winback_sequence": 0.22},
    "high": {"retention_offer": 0.28, "support_call": 0.25, "account_manager_alert": 0.10, "winback_sequence": 0.12},
    "critical": {"retention_offer": 0.20, "support_call": 0.15, "account_manager_alert": 0.30, "winback_sequence": 0.05},
}  # fmt: skip
HOLDOUT_SHARE = 0.1
# Among customers at medium risk or above: the segmentation's win-back segments and the rest
# (as the routing reads them), and the share with a support ticket in the last 8 weeks.
SEGMENTS = {"At risk": 0.35, "Can't lose them": 0.10, "Need attention": 0.30, "Hibernating": 0.25}
TICKET_SHARE = 0.25
LIMITS = OfferLimits(min_customer_value=1000.0, per_customer_cap=50.0)  # as first measured


@dataclass(frozen=True, kw_only=True)
class SimCustomer:
    """One simulated at-risk customer; the same draws for every policy."""

    level: str
    probability: float
    value: float
    held: bool
    segment: str
    tickets: int


def simulate(weeks: int = 26, per_week: int = 60, seed: int = 7) -> dict[str, dict[str, float]]:
    """Expected net value kept (success × churn probability × value − money − staff effort),
    regret against the best single action per customer, money spent; the same customers for
    every policy. Scout acts through its routing (recommend.next_step: win-back only for the
    At risk and Can't lose them segments, a call only after a support ticket, an account
    manager for Can't lose them, an offer only above the value floor), learning weekly from
    the retention it measures against the holdout. The lesson's policy runs all four
    actions, assumed to work independently. A held-out customer gets nothing; the uplift
    compares those a policy treated with the held-out customers it would have treated."""
    rules = ChurnRules()
    rng = np.random.default_rng(seed)
    customers = []
    for _ in range(weeks * per_week):
        level = str(rng.choice(["medium", "high", "critical"], p=[0.3, 0.45, 0.25]))
        customers.append(
            SimCustomer(
                level=level,
                probability={"medium": 0.55, "high": 0.78, "critical": 0.92}[level],
                value=float(rng.lognormal(6.8, 0.6)),  # median ≈ $900 a year
                held=bool(rng.random() < HOLDOUT_SHARE),
                segment=str(rng.choice(list(SEGMENTS), p=list(SEGMENTS.values()))),
                tickets=int(rng.random() < TICKET_SHARE),
            )
        )

    def cost_of(arm: str, c: SimCustomer) -> float:
        if arm == "retention_offer":
            return offer_amount(c.value, c.probability, rules, LIMITS)
        return rules.effort_costs.get(arm, 0.0)

    def net(arm: str, c: SimCustomer) -> float:
        if arm == "retention_offer" and cost_of(arm, c) <= 0:
            return -np.inf
        return TRUTH[c.level][arm] * c.probability * c.value - cost_of(arm, c)

    def choose(policy: str, c: SimCustomer, bandit: Bandit, draw: random.Random) -> list[str]:
        if policy == "lesson: all actions to high/critical":
            return list(ARMS) if c.level in ("high", "critical") else []
        if policy == "always offer":
            return (
                ["retention_offer"] if cost_of("retention_offer", c) > 0 else ["winback_sequence"]
            )
        profile = _profile(c)
        if policy == "Scout before routing (best-ranked action, any customer)":
            ranked = rank_actions(profile, bandit, rules, rng=draw, limits=LIMITS)
            return [ranked[0].kind] if ranked else []
        step = next_step(profile, bandit, rules, rng=draw, limits=LIMITS)
        return [step.kind] if step.kind else []

    def run(policy: str) -> dict[str, dict[str, float]]:
        bandit, draw, outcome = Bandit(), random.Random(seed), random.Random(seed + 1)
        kept = spent = effort = regret = true_uplift = 0.0
        actions = dict.fromkeys([*ARMS, "none", "held_out"], 0)
        # Retained per (level, first action or "holdout"): [customers, retained].
        seen: dict[tuple[str, str], list[int]] = {}
        for i, c in enumerate(customers):
            best = max(net(a, c) for a in ARMS)
            # A held-out customer is chosen for like everyone else, then left alone.
            chosen = choose(policy, c, bandit, draw)
            arms = [] if c.held else chosen
            money = cost_of("retention_offer", c) if "retention_offer" in arms else 0.0
            work = sum(rules.effort_costs.get(a, 0.0) for a in arms if a != "retention_offer")
            miss = float(np.prod([1 - TRUTH[c.level][a] for a in arms])) if arms else 1.0
            saved = (1 - miss) * c.probability
            value_kept = saved * c.value - money - work
            kept += value_kept
            spent += money
            effort += work
            # Regret against the best single action (the lesson's policy pays for all four).
            regret += best - value_kept
            for a in arms or ["held_out" if c.held else "none"]:
                actions[a] += 1
            # What the warehouse would show: still buying, because saved or never leaving.
            retained = outcome.random() < (1 - c.probability) + saved
            if chosen:
                true_uplift += 0.0 if c.held else saved
                counts = seen.setdefault((c.level, "holdout" if c.held else chosen[0]), [0, 0])
                counts[0] += 1
                counts[1] += int(retained)
            if policy.startswith("Scout") and (i + 1) % per_week == 0:
                # Weekly: every arm's posterior from its measured uplift, nothing else.
                bandit = Bandit(
                    {
                        (situation(lv), arm): uplift_arm(n, yes, *seen.get((lv, "holdout"), [0, 0]))
                        for (lv, arm), (n, yes) in seen.items()
                        if arm != "holdout"
                    }
                )
        treated = [c for (_, arm), c in seen.items() if arm != "holdout"]
        held_out = [c for (_, arm), c in seen.items() if arm == "holdout"]
        measured = Uplift(
            contacted=sum(c[0] for c in treated),
            contacted_reordered=sum(c[1] for c in treated),
            held_out=sum(c[0] for c in held_out),
            held_out_reordered=sum(c[1] for c in held_out),
            days=rules.outcome_days,
        )
        retention = {
            "treated": float(measured.contacted),
            "held_out": float(measured.held_out),
            "treated_pct": 100 * (measured.rate or 0.0),
        }
        interval = measured.interval()
        if measured.uplift is not None and interval is not None:  # both groups seen
            retention |= {
                "held_out_pct": 100 * (measured.holdout_rate or 0.0),
                "uplift_pts": 100 * measured.uplift,
                "low_pts": 100 * interval[0],
                "high_pts": 100 * interval[1],
            }
        retention["true_pts"] = 100 * true_uplift / max(measured.contacted, 1)
        return {
            "money": {"value_kept": kept, "spent": spent, "regret": regret},
            "staff and sending": {"effort": effort, "regret_share": regret / max(kept, 1.0)},
            "retained vs holdout": retention,
            "actions": {k: float(v) for k, v in actions.items()},
        }

    out: dict[str, dict[str, float]] = {}
    for name in (
        "Scout: Thompson sampling",
        "Scout before routing (best-ranked action, any customer)",
        "lesson: all actions to high/critical",
        "always offer",
    ):
        result = run(name)
        out[name] = result.pop("money")
        for part, row in result.items():
            out[f"{name}: {part}"] = row
    return out


def _profile(c: SimCustomer) -> CustomerRiskProfile:
    return CustomerRiskProfile(
        customer_id="SIM",
        as_of=TODAY,
        churn_probability=c.probability,
        risk_level=c.level,  # type: ignore[arg-type]
        risk_factors=(),
        confidence_score=1.0,
        last_activity=None,
        last_order=None,
        predicted_churn_date=None,
        recommended_actions=(),
        customer_value=c.value,
        scored_by="model",
        scoring_note="simulation",
        segment=c.segment,
        facts={"tickets_56": float(c.tickets)},
    )


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help="demo seeds cohorts telco retail cdnow bgnbd sim",
    )
    parser.add_argument("--days", type=int, default=180, help="demo warehouse days")
    parser.add_argument("--scale", type=float, default=1.0, help="demo warehouse scale")
    parser.add_argument("--weeks", type=int, default=26, help="simulated weeks")
    parser.add_argument("--per-week", type=int, default=60, help="simulated customers a week")
    parser.add_argument("--limit", type=int, help="customers per real data set (default all)")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=list(range(1, 11)), help="demo seeds"
    )
    parser.add_argument(
        "--quiet-seeds",
        type=int,
        nargs="*",
        default=[101, 102, 103],
        help="demo seeds generated without a churn cohort (cohorts section)",
    )
    parser.add_argument(
        "--as-of",
        nargs="+",
        default=["today", "14"],
        help='seeds section: "today" and/or N, days after the recorded cohort began to decline',
    )
    args = parser.parse_args(argv)
    sections: dict[str, Callable[[], object]] = {
        "demo": lambda: demo(args.days, args.scale),
        "seeds": lambda: seeds(args.days, args.scale, args.seeds, args.as_of),
        "cohorts": lambda: cohorts(args.days, args.scale, args.seeds, args.quiet_seeds),
        "telco": lambda: telco(args.limit),
        "retail": lambda: retail(args.limit),
        "cdnow": lambda: cdnow(args.limit),
        "bgnbd": lambda: bgnbd(args.limit),
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
