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
from agent.churn.recommend import offer_amount
from agent.churn.rules import ChurnRules
from agent.domain import Action
from tests.agent.act.conftest import APPROVER, FAST_TMP, FakeClock, RecordingIntegration

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
        per_customer_cap=500.0,
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
    expected = offer_amount(profile.customer_value, profile.churn_probability, ChurnRules(), 500.0)
    assert entry.kind == "retention_offer" and f"${expected:,.2f}" in entry.text
    assert profile.customer_id in entry.text


async def test_offer_amount_is_capped_and_an_explicit_overspend_is_refused(
    agent: CustomerChurnAgent, actor: Actor
) -> None:
    rules = ChurnRules()
    assert offer_amount(1_000_000.0, 0.9, rules, None) == rules.max_retention_spend
    assert offer_amount(1_000_000.0, 0.9, rules, 50.0) == 50.0
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
    each = offer_amount(2000.0, 0.9, ChurnRules(), 500.0)
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
