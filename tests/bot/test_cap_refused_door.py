"""An approval refused by a spend cap, at the Slack door (README, "When things go wrong").

The real Bolt app, the real service and actor on the demo warehouse, the fake Slack Web API
and a real SMTP server on loopback (the email integration retention offers go through). Two
$1,000.00 offers fit every cap when proposed; once the first is approved and sent, the second
no longer fits the $1,500.00 daily cap. Approving it must not read as done: the clicker is told
why, with the money, the proposal keeps its buttons and stays pending, and nothing is sent.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest_asyncio

from agent.act import Actor
from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.domain import Action
from agent.loop import propose
from agent.service import ScoutService
from agent.views import ProposedAction, Reply
from agent.warehouse import DuckDBWarehouse
from bot.app import ScoutSlack, build_scout
from bot.demo_mail import LoopbackSmtp
from tests.bot.conftest import APPROVER, GROUP, settings_for
from tests.bot.real_env import NOW
from tests.bot.slack_requests import click, find_button
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack

OFFER = 1_000.0
DAILY_CAP = 1_500.0
# Written from the numbers above, not by Scout's formatter.
OFFER_SHOWN, CAP_SHOWN, LEFT_SHOWN = "$1,000.00", "$1,500.00", "$500.00"
# Two customers Scout may email (independent of agent.semantic.contacts).
REACHABLE_SQL = (
    "SELECT customer_id, email FROM customers WHERE NOT email_opt_out AND email IS NOT NULL "
    "ORDER BY customer_id LIMIT 2"
)


@dataclass
class Door:
    slack: FakeSlack
    scout: ScoutSlack
    core: ScoutService
    smtp: LoopbackSmtp
    addresses: dict[str, str]


@pytest_asyncio.fixture
async def door(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> AsyncIterator[Door]:
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        addresses = dict(con.execute(REACHABLE_SQL).fetchall())
    assert len(addresses) == 2
    async with LoopbackSmtp() as smtp:
        config = ScoutConfig.model_validate(
            {
                "slack": {
                    "digest_channel": "CDIGEST",
                    "alerts_channel": "CALERTS",
                    "approvers": [APPROVER],
                    "approver_group": GROUP,
                },
                "guardrails": {
                    "spend": {"per_customer": 2_000, "per_day": DAILY_CAP, "per_campaign": None}
                },
                "integrations": {
                    "email": {
                        "smtp_url": smtp.url,
                        "from": "Demo Shop <hello@shop.test>",
                        "starttls": False,
                        "brand": "Demo Shop",
                    }
                },
            }
        )
        deps = await open_deps(
            config,
            warehouse=DuckDBWarehouse(demo_warehouse.path),
            today=TODAY,
            memory_path=tmp_path / "memory.sqlite3",
            clock=lambda: NOW,
        )
        core = ScoutService(deps)
        scout = build_scout(core, settings_for(slack))
        try:
            yield Door(slack=slack, scout=scout, core=core, smtp=smtp, addresses=addresses)
        finally:
            await scout.aclose(timeout=10)
            await core.close()


def offer(customer: str) -> Action:
    return Action(
        kind="retention_offer",
        target=customer,
        params={"customer_id": customer, "customer_value": 20_000.0, "amount": OFFER},
        reason="a loyal customer at risk",
        source="churn",
    )


async def _proposed(core: ScoutService, action: Action) -> ProposedAction:
    outcome = await propose(core.deps, action, requested_by="scout")
    assert outcome.result.status == "pending_approval", outcome.result.reason
    (waiting,) = [p for p in await core.pending() if p.approval_id == outcome.result.approval_id]
    return waiting


async def test_an_approval_over_the_remaining_daily_cap_is_refused_and_stays_open(
    door: Door,
) -> None:
    slack, core = door.slack, door.core
    first, second = door.addresses
    sent_first = await _proposed(core, offer(first))
    waiting = await _proposed(core, offer(second))  # fits every cap while nothing is spent

    published = await core.publish(
        Reply(text="A retention offer waits for a decision", actions=(waiting,)),
        channel="CALERTS",
        title="A retention offer waits for a decision",
        key="cap-refused-door",
    )
    assert published.status == "executed" and published.where is not None
    ts = published.where.thread_ts
    card = copy.deepcopy(next(m for m in slack.messages if m["ts"] == ts))  # as clicked
    button, _ = find_button(card["blocks"], "scout_approve")
    assert button["value"] == waiting.approval_id
    assert f"{OFFER_SHOWN} to {second}" in json.dumps(card["blocks"])  # shown before the click

    # The first offer is approved and sent: $1,000 of the $1,500 day is spent.
    done = await core.decide(sent_first.approval_id, APPROVER, approve=True)
    assert done.kind == "executed", done.message
    assert [m["To"] for m in door.smtp.mailbox.received] == [door.addresses[first]]

    updates = len(slack.ok_calls("chat.update"))
    await door.scout.app.async_dispatch(click(card, "scout_approve", user=APPROVER))
    (note,) = await slack.wait_for(
        "chat.postEphemeral", where=lambda c: c.body.get("user") == APPROVER, timeout=30
    )
    await door.scout.deps.work.drain(10)

    said = note.body["text"]
    assert said.startswith("Not done: ") and said.endswith("The request stays open.")
    assert f"{OFFER_SHOWN} to {second} is over the daily spend cap of {CAP_SHOWN}" in said
    assert f"({LEFT_SHOWN} left)" in said
    # The proposal's message is not edited into a decision: it keeps its buttons.
    assert len(slack.ok_calls("chat.update")) == updates
    held = json.dumps(next(m for m in slack.messages if m["ts"] == ts))
    assert "scout_approve" in held and "scout_reject" in held
    for wording in ("Executed", "executed", "sent", "Sent", "Approved"):
        assert wording not in said and f"*{wording}" not in held, wording

    # The request is still pending (README: "the request stays open") and the attempt is
    # in the audit log with the reason.
    act = core.deps.act
    assert isinstance(act, Actor)  # the real actor, with its audit log
    request = await act.approval(waiting.approval_id)
    assert request.state == "pending" and request.decided_by is None
    audit = await act.audit(approval_id=waiting.approval_id)
    denied = [a for a in audit if a.event == "approval_denied"]
    assert len(denied) == 1 and denied[0].who == APPROVER and CAP_SHOWN in denied[0].why

    # Nothing delivered, executed or queued for the refused offer.
    assert [m["To"] for m in door.smtp.mailbox.received] == [door.addresses[first]]
    assert await act.executions(key=request.action.idempotency_key) == []
    outbox = await act.outbox(limit=100)
    assert [e for e in outbox if e.kind == "retention_offer" and second in e.text] == []
    assert len([e for e in outbox if e.kind == "retention_offer"]) == 1
