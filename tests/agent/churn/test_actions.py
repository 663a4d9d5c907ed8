"""Retention actions go through the real actor: guardrails, approvals, spend caps, outbox."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from agent.act import Actor, ActSettings, ApprovalSettings, GuardrailSettings, SpendCaps
from agent.churn.agent import CustomerChurnAgent
from agent.churn.profile import CustomerRiskProfile
from agent.churn.recommend import OfferLimits, offer_amount
from agent.churn.rules import ChurnRules
from agent.config import load_config
from agent.domain import Action
from agent.errors import ConfigError
from tests.agent.act.conftest import APPROVER, FAST_TMP, FakeClock, RecordingIntegration

# Offers as first specified: worth $1,000 a customer, at most $500 to one (scout.yml
# guardrails: min_customer_value and spend.per_customer).
LIMITS = OfferLimits(min_customer_value=1000.0, per_customer_cap=500.0)

DAILY_RETENTION_BUDGET = 400.0


def _settings() -> ActSettings:
    return ActSettings(
        guardrails=GuardrailSettings(
            spend=SpendCaps(
                per_customer=500.0, per_day=10_000.0, per_campaign=DAILY_RETENTION_BUDGET
            )
        ),
        approvals=ApprovalSettings(approvers=(APPROVER,)),
    )


@pytest.fixture
async def actor() -> AsyncIterator[Actor]:
    with tempfile.TemporaryDirectory(dir=FAST_TMP, prefix="scout-churn-") as tmp:
        # Each handler has a recording integration at the port, so "executed" means delivered.
        wired = {name: RecordingIntegration() for name in ("email", "support", "notify")}
        a = await Actor.open(
            Path(tmp) / "memory.sqlite3", _settings(), clock=FakeClock(), integrations=wired
        )
        yield a
        await a.close()


@pytest.fixture
def agent(churn_agent: CustomerChurnAgent, actor: Actor) -> CustomerChurnAgent:
    return CustomerChurnAgent(
        warehouse=churn_agent.warehouse,
        today=churn_agent.today,
        model=churn_agent.model,
        act=actor,
        limits=LIMITS,
    )


def _valuable(agent: CustomerChurnAgent) -> CustomerRiskProfile:
    # The demo's customers spend a few hundred dollars a year at most (value at risk is
    # capped by what they spent), so the most at-risk one is given an offer-worthy value.
    profile = agent.profile(agent.ranked().index[0])
    assert profile.risk_level in ("high", "critical")
    return replace(profile, customer_value=2000.0)


def _modest(agent: CustomerChurnAgent) -> CustomerRiskProfile:
    frame = agent.ranked()
    return agent.profile(frame[frame["customer_value"] < 1000].index[0])


async def test_an_offer_waits_for_approval_then_lands_in_the_outbox_once(
    agent: CustomerChurnAgent, actor: Actor
) -> None:
    profile = _valuable(agent)
    result = await agent.execute_retention_action(profile, "retention_offer")
    assert result.status == "pending_approval"
    assert "spends $" in result.reason and "reaches customers" in result.reason
    assert await actor.outbox() == []
    approved = await actor.approve(result.approval_id or "", APPROVER)
    assert approved.status == "executed"
    again = await actor.approve(result.approval_id or "", APPROVER)
    assert again.status == "deduplicated"
    (entry,) = await actor.outbox()
    assert profile.churn_probability is not None
    expected = offer_amount(profile.customer_value, profile.churn_probability, ChurnRules(), LIMITS)
    assert entry.kind == "retention_offer" and f"${expected:,.2f}" in entry.text
    assert profile.customer_id in entry.text


async def test_offer_amount_is_capped_and_an_explicit_overspend_is_refused(
    agent: CustomerChurnAgent, actor: Actor
) -> None:
    rules = ChurnRules()
    assert offer_amount(1_000_000.0, 0.9, rules, LIMITS) == LIMITS.per_customer_cap
    assert offer_amount(999.0, 0.9, rules, LIMITS) == 0.0  # below the minimum value
    uncapped = OfferLimits(min_customer_value=0.0, per_customer_cap=None)
    assert offer_amount(1_000.0, 0.5, rules, uncapped) == 1_000.0 * rules.offer_share * 0.5
    profile = _valuable(agent)
    built = agent.proposal(profile, "retention_offer")
    assert built is not None
    too_much = replace(built, cost=600.0, params={**built.params, "amount": 600.0})
    result = await agent.execute_retention_action(profile, too_much)
    assert result.status == "refused"
    assert "above the $500.00 maximum retention spend" in result.reason
    assert await actor.pending() == []


async def test_offers_below_the_minimum_customer_value_are_refused(
    agent: CustomerChurnAgent, actor: Actor
) -> None:
    modest = _modest(agent)
    result = await agent.execute_retention_action(modest, "retention_offer")
    assert result.status == "refused"
    assert "below the $1,000 minimum" in result.reason
    # The guardrails hold on their own too: a costly offer to a $50 customer is refused.
    direct = Action(
        kind="retention_offer",
        target="C000001",
        params={"customer_value": 50.0, "amount": 30.0, "campaign": "retention-x"},
        cost=30.0,
    )
    refused = await actor.propose(direct, requested_by="someone")
    assert refused.status == "refused" and "below the $100.00 minimum" in refused.reason


async def test_free_internal_actions_run_contact_waits(
    agent: CustomerChurnAgent, actor: Actor
) -> None:
    profile = _modest(agent)
    call = await agent.execute_retention_action(profile, "support_call")
    alert = await agent.execute_retention_action(profile, "account_manager_alert")
    winback = await agent.execute_retention_action(profile, "winback_sequence")
    assert call.status == "executed" and alert.status == "executed"
    assert winback.status == "pending_approval" and "reaches customers" in winback.reason
    kinds = {(e.kind, e.channel) for e in await actor.outbox()}
    assert kinds == {("support_call", None), ("account_manager_alert", "account-managers")}
    twice = await agent.execute_retention_action(profile, "support_call")
    assert twice.status == "deduplicated"


async def test_the_daily_retention_budget_holds_under_concurrent_approvals(
    agent: CustomerChurnAgent, actor: Actor
) -> None:
    base = _valuable(agent)
    profiles = [
        replace(base, customer_id=f"C9{i:05d}", customer_value=2000.0, churn_probability=0.9)
        for i in range(8)
    ]
    proposed = await asyncio.gather(
        *(agent.execute_retention_action(p, "retention_offer") for p in profiles)
    )
    assert all(r.status == "pending_approval" for r in proposed)
    each = offer_amount(2000.0, 0.9, ChurnRules(), LIMITS)
    results = await asyncio.gather(
        *(actor.approve(r.approval_id or "", APPROVER) for r in proposed for _ in range(2))
    )
    executed = [e for e in await actor.executions() if e.status == "executed"]
    spent = sum(e.action.cost for e in executed)
    assert len(executed) == int(DAILY_RETENTION_BUDGET // each)
    assert spent <= DAILY_RETENTION_BUDGET
    refusals = [r.reason for r in results if r.status == "refused"]
    assert any("spend cap" in reason for reason in refusals)
    assert len({e.idempotency_key for e in executed}) == len(executed)


async def test_unknown_action_is_a_friendly_error(agent: CustomerChurnAgent) -> None:
    from agent.errors import UserError

    with pytest.raises(UserError, match="retention action 'free_money'"):
        await agent.execute_retention_action(_modest(agent), "free_money")


def test_money_rules_set_under_churn_are_refused_with_where_they_went(tmp_path: Path) -> None:
    path = tmp_path / "scout.yml"
    path.write_text("churn:\n  min_customer_value: 1000\n  max_retention_spend: 500\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    said = " ".join(info.value.problems)
    assert "guardrails.min_customer_value" in said and "guardrails.spend.per_customer" in said


def test_offers_follow_the_guardrails_of_scout_yml(tmp_path: Path) -> None:
    path = tmp_path / "scout.yml"
    path.write_text("guardrails:\n  min_customer_value: 250\n  spend: {per_customer: 20}\n")
    limits = OfferLimits.of(load_config(path).guardrails)
    assert limits == OfferLimits(min_customer_value=250.0, per_customer_cap=20.0)
    assert offer_amount(249.0, 0.9, ChurnRules(), limits) == 0.0
    assert offer_amount(10_000.0, 0.9, ChurnRules(), limits) == 20.0
