"""Campaign audiences: "segmentation for tomorrow's email campaign" on a copy of the demo
warehouse given email and opt-out columns, with Scout's real actor as the contact history."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from agent.act import Actor
from agent.analyses import AnalysisContext, run_goal
from agent.churn.agent import CustomerChurnAgent
from agent.churn.audience import contact_history, in_holdout
from agent.churn.rules import ChurnRules
from agent.demo_data import GeneratedWarehouse
from agent.domain import Intent
from agent.semantic import load_semantic
from agent.understand import understand
from agent.warehouse import DuckDBWarehouse
from bot.text import row_texts
from tests.agent.act.conftest import APPROVER, FAST_TMP, FakeClock, RecordingIntegration
from tests.agent.churn.conftest import altered_copy
from tests.agent.churn.test_actions import _settings

ASK = "we need the latest customer segmentation for tomorrow's email campaign"


@pytest.fixture(scope="module")
def contact_warehouse(
    demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The demo warehouse with contact columns: every 5th customer opted out, every 11th
    with consent unknown, every 7th without an address (a pattern the test recomputes)."""
    return altered_copy(
        demo_warehouse.path,
        tmp_path_factory.mktemp("contacts") / "warehouse.duckdb",
        "ALTER TABLE customers ADD COLUMN IF NOT EXISTS email VARCHAR",
        "ALTER TABLE customers ADD COLUMN IF NOT EXISTS email_opt_out BOOLEAN",
        """UPDATE customers SET
               email = CASE WHEN CAST(substr(customer_id, 2) AS INTEGER) % 7 = 0 THEN NULL
                            ELSE lower(customer_id) || '@example.com' END,
               email_opt_out = CASE WHEN CAST(substr(customer_id, 2) AS INTEGER) % 11 = 0
                                    THEN NULL
                                    ELSE CAST(substr(customer_id, 2) AS INTEGER) % 5 = 0 END""",
    )


@pytest.fixture
async def actor() -> AsyncIterator[Actor]:
    with tempfile.TemporaryDirectory(dir=FAST_TMP, prefix="scout-campaign-") as tmp:
        wired = {name: RecordingIntegration() for name in ("email", "support", "notify")}
        a = await Actor.open(
            Path(tmp) / "memory.sqlite3", _settings(), clock=FakeClock(), integrations=wired
        )
        yield a
        await a.close()


def _number(cid: str) -> int:
    return int(cid[1:])


async def test_email_campaign_audiences_after_exclusions_with_a_holdout(
    contact_warehouse: Path,
    demo_warehouse: GeneratedWarehouse,
    churn_agent: CustomerChurnAgent,
    actor: Actor,
    tmp_path: Path,
) -> None:
    today = demo_warehouse.today
    layer = load_semantic(None)
    goal = understand(ASK, layer=layer, today=today)
    assert goal.intent is Intent.SEGMENT and dict(goal.filters) == {}  # email is the delivery
    # Scout reached one customer (a support call, approved and executed) and has a
    # retention offer waiting for approval for another: both are left out.
    ranked = churn_agent.ranked()
    low = ranked[ranked["risk_level"] == "low"].index
    called, waiting = str(low[0]), str(low[1])
    agent = CustomerChurnAgent(
        warehouse=churn_agent.warehouse, today=today, model=churn_agent.model, act=actor
    )
    call = await agent.execute_retention_action(agent.profile(called), "support_call")
    if call.status == "pending_approval":
        call = await actor.approve(call.approval_id or "", APPROVER)
    assert call.status == "executed"
    pending = await agent.execute_retention_action(agent.profile(waiting), "winback_sequence")
    assert pending.status == "pending_approval"
    history = await contact_history(actor, FakeClock()(), 14)
    assert called in history.contacted and waiting in history.in_flow

    warehouse = DuckDBWarehouse(contact_warehouse)
    try:
        ctx = AnalysisContext(
            warehouse=warehouse,
            layer=layer,
            today=today,
            out_dir=tmp_path,
            settings={"churn": ChurnRules(), "contact_history": history},
        )
        (finding,) = run_goal(goal, ctx)
        customers = warehouse.query("SELECT customer_id, email, email_opt_out FROM customers")
    finally:
        warehouse.close()
    plan = pd.read_csv(finding.attachments["campaign_csv"])
    send = plan[plan["group"] == "send"]
    holdout = plan[plan["group"] == "holdout"]
    contacts = customers.set_index("customer_id").loc[plan["customer_id"]]
    # Nobody opted out, of unknown consent or without an address is in either group.
    consented = contacts["email_opt_out"].astype("boolean").eq(False).fillna(False)
    ok = (consented & contacts["email"].notna()).to_numpy(dtype=bool)
    reachable = set(contacts.index[ok])
    assert set(send["customer_id"]) <= reachable and set(holdout["customer_id"]) <= reachable
    numbers = plan["customer_id"].map(_number)
    excluded = plan[plan["group"] == "excluded"]
    assert set(plan.loc[(numbers % 5 == 0) | (numbers % 7 == 0) | (numbers % 11 == 0),
                        "customer_id"]) <= set(excluded["customer_id"])  # fmt: skip
    # Recently contacted, in a flow, or at high churn risk: excluded, with that reason.
    reasons = dict(zip(plan["customer_id"], plan["reason"], strict=True))
    if called in reasons and reasons[called] not in ("opted_out", "no_email"):
        assert reasons[called] == "contacted_recently"
    if waiting in reasons and reasons[waiting] not in ("opted_out", "no_email"):
        assert reasons[waiting] == "in_retention_flow"
    flagged = set(ranked.index[ranked["risk_level"].isin(("high", "critical"))])
    assert not flagged & set(send["customer_id"]) and not flagged & set(holdout["customer_id"])
    assert (plan.loc[plan["customer_id"].isin(flagged), "reason"].isin(
        ("opted_out", "no_email", "contacted_recently", "in_retention_flow", "high_churn_risk")
    )).all()  # fmt: skip
    # The holdout: about 10% of those kept, fixed by the campaign id.
    campaign = f"email-{(today + timedelta(days=1)).isoformat()}"
    assert finding.facts["campaign_id"] == campaign
    kept = pd.concat([send, holdout])
    assert abs(len(holdout) / len(kept) - 0.1) < 0.02
    again = in_holdout(list(kept["customer_id"]), campaign, 0.1)
    assert list(kept["customer_id"][again]) == list(holdout["customer_id"])
    other = in_holdout(list(kept["customer_id"]), "email-another-day", 0.1)
    assert set(kept["customer_id"][other]) != set(holdout["customer_id"])
    # Win-back audiences come from the segmentation, and the answer says the sizes.
    assert "Win-back audiences: " in finding.summary and "At risk: " in finding.summary
    # Each audience's expected value: its customers to contact × their expected spend over
    # the next 12 months (the churn features' purchase and spend models).
    value = churn_agent.scores().frame["customer_value"]
    at_risk = send.loc[send["segment"] == "At risk", "customer_id"]
    expected = float(value.reindex(at_risk).fillna(0.0).sum())
    assert (
        f"At risk: {len(at_risk):,} to contact, expected to spend ${expected:,.0f} over the "
        f"next 12 months (${expected / len(at_risk):,.0f} each)"
    ) in finding.summary
    assert f"{len(send):,} customers to contact across the " in finding.summary
    assert f"audiences (each its own, in the table) and {len(holdout):,} held out" in (
        finding.summary
    )
    assert "adjusted Rand" not in finding.summary and "kept their segment" in finding.summary
    # The audiences' table shows dollars as dollars, in Slack and in the terminal alike.
    assert finding.table is not None
    money = ("their spend, last year", "expected value, next 12 months")
    assert set(money) <= set(finding.table.columns)
    for row in finding.table.rows:
        cells = dict(zip(finding.table.columns, row_texts(finding.table, row), strict=True))
        assert all(cells[c] == "–" or cells[c].startswith("$") for c in money), cells


def test_without_contact_columns_the_answer_says_opt_outs_were_not_checked(
    churn_warehouse: DuckDBWarehouse, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    layer = load_semantic(None)
    columns = set(churn_warehouse.query("SELECT * FROM customers LIMIT 1").columns)
    if "email_opt_out" in columns:
        pytest.skip("the demo warehouse now has contact columns")
    ctx = AnalysisContext(
        warehouse=churn_warehouse, layer=layer, today=demo_warehouse.today, out_dir=tmp_path
    )
    (finding,) = run_goal(understand(ASK, layer=layer, today=ctx.today), ctx)
    assert "Not checked: email opt-outs (the customers table has no email and " in finding.summary
    assert "recent contacts and retention flows" in finding.summary
