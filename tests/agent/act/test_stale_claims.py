"""A process that dies holding a claim does not leave it stuck, nor send it twice.

Real sqlite store, real loopback SMTP server. A process is killed (its task cancelled) at a
chosen point: after claiming a win-back step, before sending it; or in the middle of a
retention offer's SMTP exchange, after the server has the message. The due-steps job, in a new
process, leaves the claim alone within the lease (10 minutes) and settles it after: the step
that never reached the wire is sent once; the email that may have arrived is not sent again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from agent.act.contacts import Contact, ContactBook
from agent.domain import Action
from bot.demo_mail import LoopbackSmtp, Mailbox
from tests.agent.act.conftest import APPROVER, FakeClock
from tests.agent.act.mail_world import build_shop, scout_process, winback


class HeldMailbox(Mailbox):
    """A server that keeps the whole message but holds its 250 back until released."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        self.holding.set()
        await self.release.wait()
        # The client died with its process: its socket is gone, so is this session.
        if server.transport is not None:
            server.transport.close()
        return reply


class HeldContacts:
    """The warehouse's contact lookup, held at its door until the test lets it through."""

    def __init__(self, real: ContactBook) -> None:
        self.real = real
        self.entered = asyncio.Event()

    async def contact(self, customer_id: str) -> Contact | None:
        self.entered.set()
        await asyncio.Event().wait()  # never returns: the process dies here
        return await self.real.contact(customer_id)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    build_shop(path)
    return path


async def _die_inside(
    work: Any, entered: asyncio.Event, release: asyncio.Event | None = None
) -> None:
    """Run `work` until it reaches `entered`, then kill it (nothing after runs); `release`
    lets what it was talking to carry on without it."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(entered.wait())
    await asyncio.wait({task, waiter}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    assert entered.is_set(), "the process never reached the point it dies at"
    task.cancel()
    if release is not None:
        release.set()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_step_claimed_by_a_dead_process_is_sent_once_after_the_lease(
    db_path: Path, shop: Path, clock: FakeClock
) -> None:
    async with LoopbackSmtp() as smtp:
        async with scout_process(db_path, shop, clock, smtp.url) as actor:
            proposed = await actor.propose(winback(), requested_by="scout")
            assert proposed.approval_id
            await actor.approve(proposed.approval_id, APPROVER)
        assert len(smtp.mailbox.received) == 1
        clock.advance(days=3)
        held: list[HeldContacts] = []

        def hold(real: ContactBook) -> ContactBook:
            held.append(HeldContacts(real))
            return held[0]

        async with scout_process(db_path, shop, clock, smtp.url, wrap=hold) as dying:
            await _die_inside(dying.run_due_steps(), held[0].entered)
        with sqlite3.connect(db_path) as con:
            [(state,)] = con.execute("SELECT state FROM act_sequence_steps WHERE step = 2")
        assert state == "claimed"

        clock.advance(minutes=9)  # within the lease: the claim may still have an owner
        async with scout_process(db_path, shop, clock, smtp.url) as actor:
            assert (await actor.run_due_steps()).steps == ()
        assert len(smtp.mailbox.received) == 1

        clock.advance(minutes=2)
        async with scout_process(db_path, shop, clock, smtp.url) as actor:
            [step] = (await actor.run_due_steps()).steps
            assert (await actor.run_due_steps()).steps == ()  # once, however often it runs
        assert step.step == 2 and step.state == "sent"
        assert step.status.startswith("email 2 of 3 sent (250 ")
        assert len(smtp.mailbox.received) == 2
        assert smtp.mailbox.received[1]["Subject"] == "Still thinking about Nova Earbuds 1?"


async def test_an_email_that_may_have_arrived_is_not_sent_again(
    db_path: Path, shop: Path, clock: FakeClock
) -> None:
    mailbox = HeldMailbox()
    offer = Action(
        kind="retention_offer",
        target="C000001",
        params={"customer_value": 2000.0, "amount": 25.0},
        source="churn",
    )
    async with LoopbackSmtp(mailbox) as smtp:
        async with scout_process(db_path, shop, clock, smtp.url) as dying:
            proposed = await dying.propose(offer, requested_by="scout")
            assert proposed.approval_id
            # The server has taken the message; nobody is left to record its answer.
            approving = dying.approve(proposed.approval_id, APPROVER)
            await _die_inside(approving, mailbox.holding, mailbox.release)
        clock.advance(minutes=11)
        async with scout_process(db_path, shop, clock, smtp.url) as actor:
            await actor.run_due_steps()
            await actor.run_due_steps()
            [run] = await actor.executions()
            assert await actor.retries() == []
    assert len(mailbox.received) == 1
    assert run.status == "failed"
    assert run.error is not None and run.error.startswith("delivery unconfirmed — ")
    with sqlite3.connect(db_path) as con:
        [(via,)] = con.execute("SELECT delivered_via FROM act_outbox")
        [(spend,)] = con.execute("SELECT state FROM act_spend")
    assert via == "unconfirmed"
    assert spend == "reserved"  # the offer may be live: it still counts against the caps
