"""A win-back sequence end to end: three emails on days 0, 3 and 7 through a real SMTP server.

Each run opens a fresh Scout (a new actor, warehouse and email integration over the same
sqlite file) in this Python process with the clock moved on, so what carries the sequence
across days is the store, as after a restart; test_sequence_processes.py runs the same days as
separate OS processes through the CLI. Two actors running the due steps at once send each
email once. An order or an unsubscribe between steps cancels the rest.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo_mail import LoopbackSmtp
from tests.agent.act.conftest import APPROVER, FakeClock
from tests.agent.act.mail_world import (
    ADDRESSES,
    body,
    build_shop,
    change_shop,
    html,
    scout_process,
    winback,
)


@pytest.fixture
async def smtp() -> AsyncIterator[LoopbackSmtp]:
    async with LoopbackSmtp() as server:
        yield server


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    build_shop(path)
    return path


async def _approve_winback(
    store_url: str, shop: Path, clock: FakeClock, smtp: LoopbackSmtp, customer: str
) -> tuple[str, str]:
    """Propose and approve a win-back in one process; (status, reason)."""
    async with scout_process(store_url, shop, clock, smtp.url) as actor:
        proposed = await actor.propose(winback(customer), requested_by="scout")
        assert proposed.status == "pending_approval" and proposed.approval_id
        done = await actor.approve(proposed.approval_id, APPROVER)
        return done.status, done.reason


async def _run_due(store_url: str, shop: Path, clock: FakeClock, smtp: LoopbackSmtp) -> list[str]:
    async with scout_process(store_url, shop, clock, smtp.url) as actor:
        return [step.status for step in (await actor.run_due_steps()).steps]


async def test_three_emails_on_days_0_3_7_across_restarts_and_replicas(
    store_url: str, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    status, reason = await _approve_winback(store_url, shop, clock, smtp, "C000001")
    assert status == "executed"
    assert "email 1 of 3 sent (250 2.0.0 Ok: queued as DEMO0001)" in reason
    assert reason.endswith("scheduled: step 2 of 3 on Dec 18")
    [first] = smtp.mailbox.received
    assert first["To"] == ADDRESSES["C000001"] and first["Subject"] == "We miss you at Test Shop"
    assert "your Nova Earbuds 1" in body(first) and "unsubscribe" in body(first)
    assert "<p>Hello,</p>" in html(first)

    # Later the same day, after a restart: nothing is due yet.
    clock.advance(hours=5)
    assert await _run_due(store_url, shop, clock, smtp) == []

    # Day 3: two replicas run the due steps at the same moment; one email goes out.
    clock.advance(days=3)
    ran = await asyncio.gather(*(_run_due(store_url, shop, clock, smtp) for _ in range(2)))
    assert sorted(len(r) for r in ran) == [0, 1]
    assert len(smtp.mailbox.received) == 2
    second = smtp.mailbox.received[1]
    assert second["Subject"] == "Still thinking about Nova Earbuds 1?"
    assert await _run_due(store_url, shop, clock, smtp) == []  # once, however often it runs

    clock.advance(days=4)
    [third] = await _run_due(store_url, shop, clock, smtp)
    assert third.startswith("email 3 of 3 sent (250 2.0.0 Ok: queued as DEMO0003)")
    assert smtp.mailbox.received[2]["Subject"] == "One last note from Test Shop"
    assert len({m["Message-ID"] for m in smtp.mailbox.received}) == 3

    async with scout_process(store_url, shop, clock, smtp.url) as actor:
        [sequence] = await actor.sequences()
        assert sequence.state == "completed" and sequence.status.startswith("completed: 3 of 3")
        assert [s.state for s in sequence.steps] == ["sent", "sent", "sent"]
        rows = await actor.outbox()
        # Each email is an outbox row with the server's reply; the sequence itself sent nothing.
        assert [r.kind for r in rows] == ["winback_email"] * 3
        assert all(r.status == "sent" and (r.delivery_ref or "").startswith("250 ") for r in rows)
        assert not any(ADDRESSES["C000001"] in r.text for r in rows)  # the address stays out


async def test_an_order_between_steps_cancels_the_rest(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    await _approve_winback(db_path, shop, clock, smtp, "C000003")
    change_shop(
        shop,
        "INSERT INTO orders VALUES ('O9', DATE '2025-12-16', 'C000003'); "
        "INSERT INTO order_items VALUES ('O9', DATE '2025-12-16', 'C000003', 'P1')",
    )
    clock.advance(days=3)
    assert await _run_due(db_path, shop, clock, smtp) == ["cancelled — customer ordered on Dec 16"]
    clock.advance(days=10)
    assert await _run_due(db_path, shop, clock, smtp) == []
    assert len(smtp.mailbox.received) == 1
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        [sequence] = await actor.sequences()
    assert (
        sequence.state == "cancelled"
        and sequence.status == "cancelled — customer ordered on Dec 16"
    )
    assert [s.state for s in sequence.steps] == ["sent", "cancelled", "cancelled"]


async def test_an_unsubscribe_between_steps_cancels_the_rest(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    await _approve_winback(db_path, shop, clock, smtp, "C000002")
    change_shop(shop, "UPDATE customers SET email_opt_out = TRUE WHERE customer_id = 'C000002'")
    clock.advance(days=3)
    assert await _run_due(db_path, shop, clock, smtp) == ["cancelled — C000002 opted out of email"]
    assert len(smtp.mailbox.received) == 1


async def test_an_opted_out_customer_gets_nothing_and_the_approval_says_so(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    change_shop(shop, "UPDATE customers SET email_opt_out = TRUE WHERE customer_id = 'C000001'")
    status, reason = await _approve_winback(db_path, shop, clock, smtp, "C000001")
    assert status == "failed" and reason == "cancelled — C000001 opted out of email"
    assert smtp.mailbox.received == []
    with sqlite3.connect(db_path) as db:
        states = [r[0] for r in db.execute("SELECT state FROM act_sequence_steps ORDER BY step")]
    assert states == ["cancelled"] * 3
