"""The `churn` analysis: who is at risk (top list, value at risk, proposed actions, CSV of
everyone) or one customer's risk profile when the goal names a customer."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd

from agent.analyses.base import AnalysisContext
from agent.churn.agent import CustomerChurnAgent
from agent.churn.audience import (
    EXCLUSION_WORDS,
    WINBACK_SEGMENTS,
    ContactHistory,
    read_contacts,
    routing_exclusions,
)
from agent.churn.campaign import BANDIT, LEDGER, LIMITS
from agent.churn.features import VALUE_DAYS
from agent.churn.holdout import HoldoutLedger
from agent.churn.profile import RISK_LEVELS, CustomerRiskProfile
from agent.churn.pull import MEMBER
from agent.churn.recommend import DEFAULT_LIMITS, STOP_ALL, STOP_EMAIL, OfferLimits
from agent.churn.rules import ChurnRules
from agent.churn.schema import churn_schema
from agent.churn.scope import LAPSED_ASKED, groups_known, scope_of
from agent.domain import ChartSpec, Finding, FindingKind, Goal, Series, Table
from agent.learning import Bandit

log = logging.getLogger("scout.churn")
TOP = 10
PROPOSE = 5  # proposed actions (buttons) for the very top of the list


def churn(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Answer "which customers are at risk of churning?" or "churn risk for C000123"."""
    rules = ctx.settings.get("churn")
    history = ctx.settings.get("contact_history")
    limits = ctx.settings.get(LIMITS)
    agent = CustomerChurnAgent(
        warehouse=ctx.warehouse,
        today=ctx.today,
        schema=churn_schema(ctx.layer),
        rules=rules if isinstance(rules, ChurnRules) else ChurnRules(),
        limits=limits if isinstance(limits, OfferLimits) else DEFAULT_LIMITS,
        exclusions=routing_exclusions(
            read_contacts(ctx.warehouse, ctx.layer),
            history if isinstance(history, ContactHistory) else ContactHistory(),
        ),
    )
    scope, cannot = scope_of(goal.filters)
    # A customer table without regions or channels cannot draw the group either.
    unknown = scope is not None and not groups_known(ctx.warehouse, agent.schema)
    if scope is not None and not cannot and not unknown and not goal.customer_id:
        agent.scope = scope
    learned = ctx.settings.get(BANDIT)
    bandit = learned if isinstance(learned, Bandit) else Bandit()
    found = ctx.settings.get(LEDGER)
    ledger = found if isinstance(found, HoldoutLedger) else None
    if goal.customer_id:
        profile = agent.profile(goal.customer_id, bandit)
        held = ledger is not None and profile.customer_id in ledger.held
        return (customer_finding(agent, profile, bandit, held_out=held),)
    if LAPSED_ASKED.search(goal.text):
        found_list = lapsed_finding(agent, ctx.out_dir)
    else:
        # Nothing is proposed for a group churn cannot draw: the top of everyone's list is
        # not the group asked about.
        found_list = top_finding(
            agent, ctx.out_dir, top=TOP, bandit=bandit, ledger=ledger,
            propose=not (cannot or unknown),
        )  # fmt: skip
    if unknown and scope is not None:
        found_list = replace(
            found_list,
            summary=(
                f"This list covers every customer: the customer table has no column to tell "
                f"{scope.words()} apart, so no action is proposed. {found_list.summary}"
            ),
        )
    elif cannot:
        asked = " and ".join(cannot)
        found_list = replace(
            found_list,
            summary=(
                f"This list covers every customer: churn can be limited to a region or an "
                f"acquisition channel, not to {asked}, so no action is proposed (the cohorts "
                f"below say which groups' risk rose). {found_list.summary}"
            ),
        )
    elif agent.scope is not None:
        found_list = replace(
            found_list,
            title=f"{found_list.title}: {agent.scope.words()}",
            summary=f"Among {agent.scope.words()}: {found_list.summary}",
        )
    return (found_list,)


def customer_finding(
    agent: CustomerChurnAgent,
    profile: CustomerRiskProfile,
    bandit: Bandit | None = None,
    *,
    held_out: bool = False,
) -> Finding:
    """One customer's profile as a finding, its best action proposed (none while the
    customer is in an open holdout: treating them would spoil the measurement)."""
    action = None if held_out else agent.recommend(profile, bandit or Bandit(), rng=None)
    summary = profile.summary()
    if held_out:
        summary += (
            f" No action is proposed: {profile.customer_id} is in a retention holdout until "
            "its outcome window closes."
        )
    rows = tuple((f"{i}.", text) for i, text in enumerate(profile.risk_factors, start=1))
    level = profile.risk_level or (
        "already lapsed"
        if profile.population == "lapsed"
        else f"not scored ({profile.population.replace('_', '-')} buyer)"
    )
    return Finding(
        kind=FindingKind.CHURN_PROFILE,
        title=f"Churn risk for {profile.customer_id}: {level}",
        summary=summary,
        facts={
            "population": profile.population,
            "churn_probability": _round(profile.churn_probability),
            "risk_level": profile.risk_level,
            "second_purchase_probability": _round(profile.second_purchase_probability),
            "customer_value": round(profile.customer_value, 2),
            "value_at_risk": round(profile.value_at_risk, 2),
            "confidence_score": profile.confidence_score,
            "last_activity": profile.last_activity,
            "predicted_churn_date": profile.predicted_churn_date,
            "recommended_actions": ", ".join(profile.recommended_actions) or "none",
            "scored_by": profile.scoring_note,
            **{k: v for k, v in profile.facts.items() if v is not None},
        },
        table=Table(columns=("#", "risk factor"), rows=rows) if rows else None,
        evidence=(
            *agent.scores().evidence(),
            # A member's reason states the group's figures: the cohort scan's SQL.
            *(
                agent.cohorts().evidence
                if any(r.startswith(MEMBER) for r in profile.risk_factors)
                else ()
            ),
        ),
        confidence=profile.confidence_score,
        proposed_actions=(action,) if action else (),
    )


def top_finding(
    agent: CustomerChurnAgent,
    out_dir: Path | None,
    *,
    top: int,
    bandit: Bandit | None = None,
    ledger: HoldoutLedger | None = None,
    propose: bool = True,
) -> Finding:
    """The tiers (size, backtested precision, value at risk), the top of the list with true
    reasons, proposed actions for the very top less a recorded random holdout (unless
    `propose` is off), and a CSV of every repeat buyer."""
    ranked = agent.ranked()
    overview = agent.overview()
    shown = list(ranked.index[:top])
    # Win-back comes from the segmentation, not from the top of the list: the most at risk
    # of its audience are proposed (and shown) even when the list's top needs other steps.
    audience = agent.winback_audience()
    head = agent.winback_audience(keep_contacted=True).index
    extra = [c for c in head if c not in shown[:PROPOSE]][:PROPOSE] if propose else []
    profiles = agent.profiles(shown + [c for c in extra if c not in shown], bandit)
    by_id = {p.customer_id: p for p in profiles}
    draw = agent.plan_retention(
        [*profiles[:PROPOSE], *(by_id[c] for c in extra)] if propose else [],
        bandit or Bandit(),
        already_held=ledger.held if ledger else frozenset(),
    )
    chosen = {str(a.params.get("customer_id")) for a in draw.treated} | {
        row.customer_id for row in draw.held_out
    }
    fresh = [c for c in extra if c in chosen]
    holdout_note = draw.sentence()
    if ledger is not None and draw.assignments:
        try:
            ledger.record(draw)
        except Exception:  # the answer still stands; only the later measurement loses them
            log.exception("churn.holdout_not_recorded customers=%d", len(draw.assignments))
            holdout_note += " (The holdout could not be recorded, so it will not be measured.)"
    model = agent.model
    names = ", ".join(
        f"{p.customer_id} ({p.churn_probability or 0:.0%}"
        + (f": {p.risk_factors[0]}" if p.risk_factors else "")
        + ")"
        for p in profiles[: min(3, top)]
    )
    sentences = overview.sentences()
    sentences.insert(1, f"Most at risk: {names or 'none'}.")
    # The lapsed are not on this list: those in the win-back segments are the
    # segmentation's win-back audiences (its campaign no longer holds them back as at risk).
    gone = int(agent.lapsed()["segment"].isin(WINBACK_SEGMENTS).sum())
    sentences.append(
        f"Win-back emails go to the segmentation's At risk and Can't lose them customers at "
        f"high risk: {len(audience):,} after exclusions"
        + (
            f"; {len(fresh)} of the most at risk outside the top {PROPOSE} "
            f"{'is' if len(fresh) == 1 else 'are'} proposed too."
            if fresh
            else (
                f"; the most at risk outside the top {PROPOSE} are already in a retention flow."
                if extra
                else "."
            )
        )
        + (
            f" {gone:,} lapsed customers in those segments are for the segmentation's "
            "win-back campaign, not this list."
            if gone
            else ""
        )
    )
    if holdout_note:
        sentences.append(holdout_note)
    csv_path = write_csv(agent, out_dir)
    return Finding(
        kind=FindingKind.CHURN_RISK,
        title="Customers at risk of churning",
        summary=" ".join(sentences),
        facts={
            **{
                k: v
                for k, v in overview.to_json().items()
                if k not in ("summary", "as_of", "cohorts")
            },
            "cohorts_at_risk": "; ".join(c.name() for c in agent.cohorts().cohorts) or "none",
            "holdout_auc": model.report.holdout_auc,
            "retention_proposed": len(draw.treated),
            "retention_held_out": len(draw.held_out),
        },
        table=Table(
            columns=(
                "customer",
                "churn probability",
                "risk",
                "value, next 12 months",
                "value at risk",
                "why",
                "next action",
            ),
            rows=tuple(
                (
                    p.customer_id,
                    _round(p.churn_probability, 3),
                    p.risk_level,
                    round(p.customer_value, 2),
                    round(p.value_at_risk, 2),
                    "; ".join(p.risk_factors),
                    draw.withheld_reason(p.customer_id) or p.next_action,
                )
                for p in profiles
            ),
        ),
        evidence=(*agent.scores().evidence(), *agent.cohorts().evidence),
        confidence=0.5 if model.kind == "rules" else max(0.5, model.report.holdout_auc or 0.5),
        chart=ChartSpec(
            kind="bar",
            title="Repeat customers by churn risk",
            subtitle=f"no order or visit within {model.label_words()}; {model.describe()}",
            series=(
                Series(
                    name="customers",
                    x=RISK_LEVELS,
                    y=tuple(float(overview.counts[level]) for level in RISK_LEVELS),
                ),
            ),
            unit="customers",
        ),
        proposed_actions=draw.treated,
        attachments={"churn_csv": str(csv_path)},
    )


def lapsed_finding(agent: CustomerChurnAgent, out_dir: Path | None, *, top: int = TOP) -> Finding:
    """The win-back audience: repeat buyers already past their own churn line, most spent
    first, less those who cannot be emailed; a CSV of all of them. Nothing is proposed
    here: a win-back send is a campaign with its holdout, not a reply to a question."""
    lapsed = agent.lapsed().sort_values("revenue_total", ascending=False, kind="mergesort")
    days = min(agent.model.history_days, VALUE_DAYS)
    blocked = {c: why for c, why in agent.exclusions.items() if why in STOP_ALL | STOP_EMAIL}
    excluded = lapsed.index.isin(list(blocked))
    if lapsed.empty:
        summary = "No repeat customer is past their own churn line: nobody is lapsed yet."
    else:
        reasons: dict[str, int] = {}
        for cid in lapsed.index[excluded]:
            reasons[blocked[cid]] = reasons.get(blocked[cid], 0) + 1
        held = (
            " (" + "; ".join(f"{n:,} {EXCLUSION_WORDS[r]}" for r, n in reasons.items()) + ")"
            if reasons
            else ""
        )
        segments = lapsed["segment"].value_counts().head(3)
        quiet = int(lapsed["days_since_active"].min())
        summary = (
            f"{len(lapsed):,} repeat customers are lapsed: no order or visit for longer than "
            f"their own churn window, {agent.model.label_words()}. They spent "
            f"${lapsed['revenue_total'].sum():,.0f} in the last {days} days. "
            f"{comeback_words(lapsed['comeback'], agent.model.horizon_days)}"
            f"{int((~excluded).sum()):,} of them can be emailed{held}. "
            f"The most recently active of them last ordered or visited {quiet} days ago. "
            "By segment: "
            + ", ".join(f"{name} {n:,}" for name, n in segments.items())
            + ". The attached CSV lists them all, most spent first."
        )
    folder = csv_folder(out_dir)
    path = folder / f"lapsed-{agent.today.isoformat()}.csv"
    columns = [
        "segment", "days_since_active", "active_gap", "orders_total", "revenue_total", "comeback",
    ]  # fmt: skip
    lapsed.loc[:, columns].rename(columns={"comeback": "chance_back"}).assign(
        emailable=~excluded
    ).to_csv(path, index_label="customer_id")
    return Finding(
        kind=FindingKind.CHURN_RISK,
        title="Lapsed customers: the win-back audience",
        summary=summary,
        facts={
            "lapsed_customers": len(lapsed),
            "emailable": int((~excluded).sum()),
            "lapsed_revenue": round(float(lapsed["revenue_total"].sum()), 2),
            "revenue_days": days,
            "expected_back": _expected_back(lapsed["comeback"]),
            "horizon_days": agent.model.horizon_days,
        },
        table=Table(
            columns=(
                "customer",
                "segment",
                "days quiet",
                "usual gap between visits or orders (days)",
                "orders",
                "spent",
                f"chance back in {agent.model.horizon_days} days",
            ),
            rows=tuple(
                (
                    str(cid),
                    row["segment"],
                    int(row["days_since_active"]),
                    None if pd.isna(row["active_gap"]) else round(float(row["active_gap"])),
                    int(row["orders_total"]),
                    round(float(row["revenue_total"]), 2),
                    None if pd.isna(row["comeback"]) else f"{row['comeback']:.0%}",
                )
                for cid, row in lapsed.head(top).iterrows()
            ),
        ),
        evidence=agent.scores().evidence(),
        confidence=0.9,
        attachments={"churn_csv": str(path)},
    )


def _expected_back(chance: pd.Series) -> int | None:
    return None if chance.isna().all() else round(float(chance.sum()))


def comeback_words(chance: pd.Series, horizon_days: int) -> str:
    """'About 140 of them (12%) are expected to order or visit again within 60 days
    without a campaign. ': the baseline a win-back send is measured against; said plainly
    when there is no model of the lapsed to give it."""
    expected = _expected_back(chance)
    if expected is None:
        return (
            f"How many of them will order or visit again within {horizon_days} days on their "
            "own is not estimated: too few customers lapsed long enough ago to learn it from. "
        )
    return (
        f"About {expected:,} of them ({chance.mean():.0%}) are expected to order or visit "
        f"again within {horizon_days} days without a campaign (a model of past lapsed "
        "customers). "
    )


CSV_COLUMNS = (
    "probability",
    "risk_level",
    "customer_value",
    "value_at_risk",
    "days_since_last",
    "usual_gap",
    "days_since_active",
    "label_window_days",
    "orders_total",
    "orders_recent",
    "tickets_56",
    "tickets_90",
    "unresolved",
    "sessions_30",
    "p_alive",
    "last_order",
)


def write_csv(agent: CustomerChurnAgent, out_dir: Path | None) -> Path:
    """Every repeat buyer not yet lapsed (the list the tiers are drawn from), most at risk
    first."""
    folder = csv_folder(out_dir)
    path = folder / f"churn-risk-{agent.today.isoformat()}.csv"
    frame = agent.ranked().loc[:, list(CSV_COLUMNS)]
    numeric = frame.select_dtypes("number").columns
    frame = frame.assign(**{c: frame[c].round(4) for c in numeric})
    frame.to_csv(path, index_label="customer_id")
    return path


def csv_folder(out_dir: Path | None) -> Path:
    """Where churn's CSVs go: the answer's attachment folder, or a fresh temporary one."""
    folder = out_dir if out_dir is not None else Path(tempfile.mkdtemp(prefix="scout-churn-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
