"""Money is one number: what a customer is promised is what is costed, capped, reserved and shown.

The attack this guards against: a model proposed a $5,000 retention offer with no cost, and
it passed a $50 per-customer cap because the caps read `action.cost` while the customer was
promised `params.amount`.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from agent.act import REGISTRY, Actor, ActSettings, ApprovalSettings, GuardrailSettings, SpendCaps
from agent.act.kinds import KindParams
from agent.domain import Action, NeedsApproval
from agent.llm import propose_actions
from bot.blocks import action_blocks
from bot.core import ActionStatus, ProposedAction
from tests.agent.act.conftest import APPROVER, FAST_TMP, FakeClock, RecordingIntegration
from tests.agent.llm.conftest import MakeClient
from tests.fakes.openai_server import FakeOpenAI

CUSTOMER = "C000123"
CAPS = SpendCaps(per_customer=50.0, per_day=500.0, per_campaign=None)

# Every built-in kind whose params carry money, with params that make it valid.
MONEY_KINDS = {
    name: kind
    for name in REGISTRY.names()
    if (kind := REGISTRY.get(name)) is not None
    and kind.params.promised_dollars is not KindParams.promised_dollars
}
VALID_PARAMS = {"retention_offer": {"customer_id": CUSTOMER, "customer_value": 10_000.0}}
MONEY_FIELD = {"retention_offer": "amount"}


def _settings() -> ActSettings:
    return ActSettings(
        guardrails=GuardrailSettings(spend=CAPS),
        approvals=ApprovalSettings(approvers=(APPROVER,)),
    )


def _spend_rows(path: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT customer_id, amount_cents, state FROM act_spend").fetchall()


def test_every_money_kind_is_known_to_this_test() -> None:
    # A new money-carrying kind must be added here, so the property below covers it.
    assert set(MONEY_KINDS) == set(VALID_PARAMS) == set(MONEY_FIELD)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(MONEY_KINDS)),
    cents=st.integers(min_value=1, max_value=1_000_000),
    claimed=st.sampled_from([0.0, 0.01, 1.0, 49.99, 10_000.0]),
    source=st.sampled_from(["llm", "person", "rules", "churn"]),
)
async def test_the_amount_promised_is_the_amount_capped_and_reserved(
    kind: str, cents: int, claimed: float, source: str
) -> None:
    amount = cents / 100
    params = {**VALID_PARAMS[kind], MONEY_FIELD[kind]: amount}
    action = Action(kind=kind, target=CUSTOMER, params=params, cost=claimed, source=source)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as tmp:
        path = Path(tmp) / "memory.sqlite3"
        actor = await Actor.open(
            path, _settings(), clock=FakeClock(), integrations={"email": RecordingIntegration()}
        )
        try:
            proposed = await actor.propose(action, requested_by="scout")
            assert proposed.action is not None and proposed.action.cost == amount
            if cents > 5000:
                assert proposed.status == "refused"
                money = f"${amount:,.2f} to {CUSTOMER}"
                assert money in proposed.reason and "$50.00" in proposed.reason
                assert _spend_rows(path) == []
                return
            assert proposed.status == "pending_approval"  # money always waits for a person
            pending = await actor.approval(proposed.approval_id or "")
            assert pending.action.cost == amount  # what the approver is shown
            done = await actor.approve(pending.id, APPROVER)
            assert done.status == "executed", done.reason
            assert _spend_rows(path) == [(CUSTOMER, cents, "spent")]
        finally:
            await actor.close()


async def test_a_model_proposed_five_thousand_dollar_offer_is_refused_at_a_fifty_dollar_cap(
    fake_openai: FakeOpenAI, make_client: MakeClient, db_path: Path
) -> None:
    from tests.agent.llm.test_proposals_llm import FINDING

    fake_openai.reply_json(
        {
            "proposals": [
                {
                    "id": "llm.offer",
                    "kind": "retention_offer",
                    "target": CUSTOMER,
                    "params": {"amount": 5000, "customer_value": 90000, "reason": "loyal"},
                    "reason": "keep a loyal customer",
                },
                {
                    "id": "llm.small",
                    "kind": "retention_offer",
                    "target": "C000124",
                    "params": {"amount": 30, "customer_value": 900},
                    "reason": "a small thank-you",
                },
            ]
        }
    )
    accepted = await propose_actions(
        [FINDING], llm=make_client(), allowed_kinds=("retention_offer",)
    )
    assert [p.id for p in accepted] == ["llm.offer", "llm.small"]
    assert all(p.action.cost == 0 for p in accepted)  # the model never sets a cost

    email = RecordingIntegration()
    actor = await Actor.open(db_path, _settings(), clock=FakeClock(), integrations={"email": email})
    try:
        big, small = [await actor.propose(p.action, requested_by="llm") for p in accepted]
        assert big.status == "refused"
        assert "$5,000.00 to C000123" in big.reason and "spend cap of $50.00" in big.reason
        assert small.status == "pending_approval" and small.action is not None
        assert small.action.cost == 30.0

        # The approver sees the money and the customer before pressing Approve.
        card = ProposedAction(
            approval_id=small.approval_id or "",
            action=small.action,
            decision=small.decision,
            status=ActionStatus.PENDING,
        )
        assert isinstance(small.decision, NeedsApproval)
        shown = str(action_blocks(card)[0].to_dict())
        assert "$30.00 to C000124" in shown

        done = await actor.approve(small.approval_id or "", APPROVER)
        assert done.status == "executed", done.reason
        assert _spend_rows(db_path) == [("C000124", 3000, "spent")]
        assert [m.kind for m in email.sent] == ["retention_offer"]
        assert "$30.00" in email.sent[0].text
    finally:
        await actor.close()
