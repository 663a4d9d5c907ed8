"""Corpus strings planted in the warehouse never leave by email or webhook (issue 18).

The real core (open_deps + ScoutService) on a copy of the demo warehouse whose product names
and category labels carry corpus strings (tests/bot/pii_world.py); email goes through the
configured SMTP integration to a real aiosmtpd server on loopback, webhooks to a signed
receiver on loopback. A retention offer, a win-back sequence (two of its emails), a support
call and an optimisation are proposed with planted text in their reasons, approved through
the service (what every door calls) and delivered by the actor. Every received email
(Subject, text and HTML parts) and every webhook body is scanned: no live mention, no email
address, no fragment of a must-redact string. A 4xx on a single email shows "failed — will
retry at …" on the approval and is sent once by the scheduler's due-steps job later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import duckdb
import pytest
import pytest_asyncio

from agent.demo_data import GeneratedWarehouse
from agent.domain import Action
from agent.service import ScoutService
from bot.blocks import outcome_text
from bot.demo_mail import LoopbackSmtp
from tests.agent.act.conftest import FakeClock
from tests.bot.pii_world import CATEGORIES, delivering_core, email_text, leaks, plant, webhook_text
from tests.bot.real_env import NOW
from tests.fakes.webhook_receiver import Receiver, serve_receiver

pytestmark = pytest.mark.asyncio(loop_scope="module")

APPROVER = "UAPPROVER"
GREYLISTED = "451 4.7.1 Greylisted, try again later"


@dataclass
class World:
    core: ScoutService
    smtp: LoopbackSmtp
    hooks: Receiver
    clock: FakeClock
    products: dict[str, str]  # product id → planted name
    customers: dict[str, str]  # customer id → address, whose last item is a planted name
    labels: dict[str, str]  # category → planted label


# Each chosen customer's most recent item, written independently of agent.semantic.contacts.
CUSTOMERS_SQL = """
SELECT customer_id, email FROM (
    SELECT c.customer_id, c.email,
        (SELECT p.product_name FROM order_items i JOIN products p USING (product_id)
         WHERE i.customer_id = c.customer_id
         ORDER BY i.order_date DESC, p.product_name LIMIT 1) AS last_product
    FROM customers c WHERE NOT c.email_opt_out AND c.email IS NOT NULL
) WHERE last_product LIKE 'Mug %' ORDER BY customer_id LIMIT 3
"""


@pytest.fixture(scope="module")
def hooks() -> Iterator[Receiver]:
    with serve_receiver() as receiver:
        yield receiver


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    hooks: Receiver,
    demo_warehouse: GeneratedWarehouse,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:

    root = tmp_path_factory.mktemp("pii_delivery")
    path = root / "warehouse.duckdb"
    products = plant(demo_warehouse.path, path)
    with duckdb.connect(str(path), read_only=True) as con:
        customers = dict(con.execute(CUSTOMERS_SQL).fetchall())
        labels = {
            word: con.execute(
                "SELECT DISTINCT category FROM products WHERE category LIKE ?", [word + " %"]
            ).fetchone()[0]
            for word in CATEGORIES
        }
    assert len(customers) == 3
    clock = FakeClock(NOW)
    async with (
        LoopbackSmtp() as smtp,
        delivering_core(
            path, root, smtp_url=smtp.url, hooks_url=hooks.url, approver=APPROVER, clock=clock
        ) as core,
    ):
        yield World(
            core=core,
            smtp=smtp,
            hooks=hooks,
            clock=clock,
            products=products,
            customers=customers,
            labels=labels,
        )


# One planted product of each kind (pii_world.PRODUCT_SAMPLES, in product order): a card, an
# email, a phone, an IBAN, an address, a mention, a link, invisible characters.
REASON_PRODUCTS = (0, 6, 11, 15, 18, 21, 27, 30)


def planted_reason(world: World) -> str:
    """A proposer's reason built from planted data: product names and category labels."""
    names = list(world.products.values())
    bought = "; ".join(names[i] for i in REASON_PRODUCTS)
    labels = ", ".join(world.labels[w] for w in ("electronics", "apparel", "home", "beauty"))
    reason = f"bought {bought} in {labels}"
    assert len(reason) <= 1000, "every planted string whole: a cut one proves nothing"
    return reason


async def _approved(world: World, action: Action) -> str:
    """Propose through the actor and, when it waits for a person, approve it through the
    service (what every door calls); what happened."""
    proposed = await world.core.deps.act.propose(action, requested_by="scout")
    if proposed.status != "pending_approval":
        assert proposed.status == "executed", proposed.reason
        return proposed.reason
    assert proposed.approval_id
    outcome = await world.core.decide(proposed.approval_id, APPROVER, approve=True)
    assert outcome.kind == "executed", outcome.message
    return outcome.message


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def delivered(world: World) -> dict[str, str]:
    """Every delivery path, run once; what each receiver got, by where it went."""
    first, second, _ = world.customers
    reason = planted_reason(world)
    await _approved(
        world,
        Action(
            kind="retention_offer",
            target=first,
            params={"customer_value": 2000.0, "amount": 25.0, "text": reason},
            reason=reason,
            source="churn",
        ),
    )
    await _approved(
        world,
        Action(
            kind="winback_sequence",
            target=second,
            params={"customer_value": 1800.0, "churn_probability": 0.7, "text": reason},
            reason=reason,
            source="churn",
        ),
    )
    world.clock.advance(days=3)
    await world.core.run_sequences()
    await _approved(
        world,
        Action(
            kind="support_call",
            target=first,
            params={"customer_value": 2000.0, "reason": reason},
            reason=reason,
            source="churn",
        ),
    )
    await _approved(
        world,
        Action(
            kind="optimize",
            target=APPROVER,
            params={
                "change": f"restock {list(world.products.values())[21]}",
                "rationale": reason,
                "campaign": "winter",
            },
            reason=reason,
        ),
    )
    out: dict[str, str] = {}
    for n, message in enumerate(world.smtp.mailbox.received):
        assert isinstance(message, EmailMessage)
        out[f"email:{n}:{message['To']}"] = email_text(message)
    for n, hook in enumerate(world.hooks.received):
        out[f"webhook:{n}:{hook['body']['kind']}"] = webhook_text(hook["body"])
    return out


async def test_no_email_or_webhook_carries_planted_data(
    world: World, delivered: dict[str, str]
) -> None:
    assert {w: bad for w, t in delivered.items() if (bad := leaks(t))} == {}
    emails = [w for w in delivered if w.startswith("email:")]
    hooks = sorted(w.split(":")[2] for w in delivered if w.startswith("webhook:"))
    assert len(emails) == 3 and hooks == ["optimize", "support_call"]
    assert all(h["valid"] for h in world.hooks.received)


async def test_emails_go_to_the_warehouse_address_and_data_is_redacted_not_dropped(
    world: World, delivered: dict[str, str]
) -> None:
    first, second, _ = world.customers
    to = [w.split(":", 2)[2] for w in delivered if w.startswith("email:")]
    assert to == [world.customers[first], world.customers[second], world.customers[second]]
    bodies = "\n".join(t for w, t in delivered.items() if w.startswith("webhook:"))
    for placeholder in ("[card]", "[email]", "[phone]", "[iban]", "[address]"):
        assert placeholder in bodies, placeholder  # the planted strings, as placeholders
    subjects = [m["Subject"] for m in world.smtp.mailbox.received]
    assert subjects[0] == "$25.00 off your next order at Demo Shop"
    # A product name that needed cleaning is not named in front of a customer at all.
    assert subjects[2] == "Something new at Demo Shop"


async def test_a_4xx_on_a_single_email_says_when_it_is_tried_again_then_sends_it_once(
    world: World, delivered: dict[str, str]
) -> None:
    _, _, third = world.customers
    before = len(world.smtp.mailbox.received)
    world.smtp.mailbox.rcpt_script = [GREYLISTED] * 4
    act = world.core.deps.act
    proposed = await act.propose(
        Action(
            kind="retention_offer",
            target=third,
            params={"customer_value": 2000.0, "amount": 10.0},
            source="churn",
        ),
        requested_by="scout",
    )
    assert proposed.approval_id
    outcome = await world.core.decide(proposed.approval_id, APPROVER, approve=True)
    due = world.clock()
    assert outcome.kind == "failed" and outcome.action is not None
    shown = outcome_text(outcome.action)
    assert f"email failed — will retry at Dec 18 {due:%H}:15 UTC" in shown, shown
    assert len(world.smtp.mailbox.received) == before
    world.clock.advance(minutes=15)
    await world.core.run_sequences()  # the scheduler's due-steps job
    await world.core.run_sequences()
    after = await world.core.action_state(proposed.approval_id)
    assert len(world.smtp.mailbox.received) == before + 1
    assert world.smtp.mailbox.received[-1]["To"] == world.customers[third]
    assert after is not None and after.result.startswith("sent (250 "), after
