"""The glue between a segmentation request and a campaign plan: what the request asks for,
what Scout knows about its own contacts, who is at high churn risk, and the record written.

`campaign_context` runs on the event loop before the analysis (the action records are
async); `campaign_for` runs inside the segment analysis, in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from agent.churn.audience import (
    CampaignPlan,
    ContactHistory,
    build_campaign,
    campaign_spec,
    contact_history,
    read_contacts,
    write_assignment,
)
from agent.churn.holdout import HoldoutLedger
from agent.churn.recommend import OfferLimits
from agent.churn.rules import ChurnRules
from agent.domain import Goal, Intent

if TYPE_CHECKING:
    from agent.analyses.base import AnalysisContext
    from agent.deps import Deps

log = logging.getLogger("scout.churn")
LEDGER = "retention_ledger"  # settings keys the churn analysis reads
BANDIT = "churn_bandit"
LIMITS = "offer_limits"


@dataclass(frozen=True, kw_only=True)
class CampaignAnswer:
    """A campaign plan and the file its groups were recorded in."""

    plan: CampaignPlan
    path: Path

    def facts(self) -> dict[str, object]:
        plan = self.plan
        return {
            "campaign_id": plan.spec.campaign_id,
            "campaign_delivery": plan.spec.delivery,
            "holdout_share": plan.spec.holdout_share,
            "to_contact": plan.send,
            "holdout": plan.holdout,
            **{f"excluded_{reason}": n for reason, n in plan.excluded().items()},
        }


async def campaign_context(deps: Deps, goal: Goal) -> AnalysisContext:
    """The analysis context, with the churn rules and, for a campaign request, Scout's own
    contact history (who it reached recently, who is in a retention flow); for a churn
    question, what retention has learned and the ledger its holdout is recorded in."""
    ctx = deps.context()
    settings: dict[str, object] = {**ctx.settings, "churn": deps.config.churn}
    rules = deps.config.churn
    wants_campaign = goal.intent is Intent.SEGMENT and campaign_spec(goal.text, ctx.today)
    # A churn answer routes its actions past the same contacts a campaign leaves out.
    if wants_campaign or goal.intent is Intent.CHURN:
        settings["contact_history"] = await contact_history(
            deps.act, deps.clock(), rules.contact_cooldown_days
        )
    if goal.intent is Intent.CHURN:
        settings[LEDGER] = HoldoutLedger(
            deps.memory,
            asyncio.get_running_loop(),
            held=await deps.memory.held_out(ctx.today, rules.outcome_days),
        )
        settings[BANDIT] = await deps.memory.bandit()
        # Offers in a churn answer are sized by scout.yml's money rules, as `scout churn` does.
        settings[LIMITS] = OfferLimits.of(deps.config.guardrails)
    return replace(ctx, settings=settings)


def campaign_for(goal: Goal, ctx: AnalysisContext, scored: pd.DataFrame) -> CampaignAnswer | None:
    """The campaign plan a segmentation request asks for (None when it asks for none)."""
    found = ctx.settings.get("churn")
    rules = found if isinstance(found, ChurnRules) else ChurnRules()
    spec = campaign_spec(
        goal.text,
        ctx.today,
        holdout_share=rules.campaign_holdout_share,
        cooldown_days=rules.contact_cooldown_days,
    )
    if spec is None:
        return None
    history = ctx.settings.get("contact_history")
    churn = _churn_scores(ctx, rules)
    plan = build_campaign(
        scored,
        spec,
        contacts=read_contacts(ctx.warehouse, ctx.layer),
        history=history if isinstance(history, ContactHistory) else ContactHistory(),
        high_risk=None if churn is None else _high_risk(churn),
        expected_value=None if churn is None else churn["customer_value"],
    )
    folder = ctx.out_dir or Path(tempfile.mkdtemp(prefix="scout-campaign-"))
    return CampaignAnswer(plan=plan, path=write_assignment(plan, folder))


def _churn_scores(ctx: AnalysisContext, rules: ChurnRules) -> pd.DataFrame | None:
    """Every customer's churn score and expected value; None when they cannot be scored."""
    from agent.churn.agent import CustomerChurnAgent
    from agent.churn.schema import churn_schema
    from agent.errors import ScoutError

    try:
        agent = CustomerChurnAgent(
            warehouse=ctx.warehouse, today=ctx.today, rules=rules, schema=churn_schema(ctx.layer)
        )
        return agent.scores().frame
    except ScoutError as error:  # a warehouse without the churn tables: say so, go on
        log.warning("campaign.churn_unavailable error=%r", error)
        return None


def _high_risk(frame: pd.DataFrame) -> frozenset[str]:
    """Repeat buyers at high or critical churn risk."""
    flagged = frame.index[frame["risk_level"].isin(("high", "critical"))]
    return frozenset(str(c) for c in flagged)
