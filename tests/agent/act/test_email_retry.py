"""A single customer email (a retention offer) refused with a 4xx is tried again on a schedule.

A real aiosmtpd server on 127.0.0.1 answers RCPT as scripted. The approval's result and the
execution say "email failed — will retry at …"; the due-steps job, in a new process at that
time, sends it once under the same approval; a second 4xx moves it on to the next interval;
a 5xx on a retry ends it for a person to look at.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.domain import Action
from bot.demo_mail import LoopbackSmtp
from tests.agent.act.conftest import APPROVER, FakeClock, RecordingSleep
from tests.agent.act.mail_world import ADDRESSES, build_shop, scout_process

GREYLISTED = "451 4.7.1 Greylisted, try again later"
# The server refuses RCPT on every in-process attempt (the executor tries four times).
ONE_FAILED_ROUND = [GREYLISTED] * 4


@pytest.fixture
async def smtp() -> AsyncIterator[LoopbackSmtp]:
    async with LoopbackSmtp() as server:
        yield server


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    build_shop(path)
    return path


def offer(customer: str = "C000001") -> Action:
    return Action(
        kind="retention_offer",
        target=customer,
        params={"customer_value": 2000.0, "amount": 25.0},
        reason="high churn risk",
        source="churn",
    )


async def _approved(db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp) -> str:
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        proposed = await actor.propose(offer(), requested_by="scout")
        assert proposed.approval_id
        done = await actor.approve(proposed.approval_id, APPROVER)
    assert done.status == "failed" and done.retryable
    return done.reason


async def _run_due(db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp) -> None:
    """The scheduler's due-steps job in a fresh process (what a restart looks like)."""
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        await actor.run_due_steps()


async def test_a_4xx_is_sent_once_at_the_stated_time_under_the_same_approval(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    smtp.mailbox.rcpt_script = list(ONE_FAILED_ROUND)
    reason = await _approved(db_path, shop, clock, smtp)
    assert (
        reason
        == f"email failed — will retry at Dec 15 09:15 UTC (gave up after 4 attempts: SMTP {GREYLISTED})"
    )
    clock.advance(minutes=14)
    await _run_due(db_path, shop, clock, smtp)
    assert smtp.mailbox.received == []  # not before the stated time
    clock.advance(minutes=1)
    await _run_due(db_path, shop, clock, smtp)
    clock.advance(hours=5)
    await _run_due(db_path, shop, clock, smtp)  # nothing left to send, however often it runs
    [message] = smtp.mailbox.received
    assert message["To"] == ADDRESSES["C000001"]
    assert message["Subject"] == "$25.00 off your next order at Test Shop"
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        runs = await actor.executions()
        [retry] = await actor.retries()
    assert [r.status for r in runs] == ["failed", "executed"]
    assert runs[0].error == reason
    assert runs[1].approval_id == runs[0].approval_id is not None
    assert runs[1].result is not None and runs[1].result.startswith("sent (250 ")
    assert retry.state == "done" and retry.attempts == 1


async def test_a_second_4xx_moves_it_to_the_next_interval(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    smtp.mailbox.rcpt_script = ONE_FAILED_ROUND * 2
    await _approved(db_path, shop, clock, smtp)
    clock.advance(minutes=15)
    await _run_due(db_path, shop, clock, smtp)
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        [retry] = await actor.retries()
        last = (await actor.executions())[-1]
    assert retry.state == "scheduled" and retry.attempts == 2
    # 09:15 + 1 hour, the second interval.
    assert last.error is not None
    assert last.error.startswith("email failed — will retry at Dec 15 10:15 UTC (")
    assert retry.status == last.error
    clock.advance(minutes=59)
    await _run_due(db_path, shop, clock, smtp)
    assert smtp.mailbox.received == []
    clock.advance(minutes=1)
    await _run_due(db_path, shop, clock, smtp)
    assert len(smtp.mailbox.received) == 1


async def test_a_5xx_on_a_retry_ends_it_for_a_person(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    smtp.mailbox.rcpt_script = [*ONE_FAILED_ROUND, "550 5.1.1 No such mailbox"]
    await _approved(db_path, shop, clock, smtp)
    clock.advance(minutes=15)
    await _run_due(db_path, shop, clock, smtp)
    clock.advance(hours=6)
    await _run_due(db_path, shop, clock, smtp)
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        [retry] = await actor.retries()
        runs = await actor.executions()
    assert smtp.mailbox.received == []
    assert retry.state == "failed"
    assert retry.status == "email failed permanently — SMTP 550 5.1.1 No such mailbox"
    assert [r.status for r in runs] == ["failed", "failed"]


async def test_after_the_last_interval_it_fails_permanently(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    smtp.mailbox.rcpt_script = ONE_FAILED_ROUND * 4  # the first send and three retries
    await _approved(db_path, shop, clock, smtp)
    for wait in ({"minutes": 15}, {"hours": 1}, {"hours": 4}):
        clock.advance(**wait)
        await _run_due(db_path, shop, clock, smtp)
    async with scout_process(db_path, shop, clock, smtp.url, RecordingSleep()) as actor:
        [retry] = await actor.retries()
        last = (await actor.executions())[-1]
    assert smtp.mailbox.received == [] and smtp.mailbox.rcpt_script == []
    assert retry.state == "failed"
    assert retry.status.startswith("email failed permanently — gave up after 4 tries: ")
    assert last.error == retry.status
