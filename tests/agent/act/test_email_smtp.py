"""Email over SMTP through the actor: what the server accepted is what Scout calls sent.

A real aiosmtpd server on 127.0.0.1 answers as scripted: 250 (sent, with its reply), 451
(retry later, at a stated time), 550 (failed permanently, the rest cancelled); a closed port
is a refused connection (retry later). Data planted in a product name (Slack markup, a card
number, a phone number, a link) never reaches an email.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.act.email import EmailSection, email_integrations
from agent.act.templates import Letterhead, render_email
from agent.config import ScoutConfig
from agent.domain import Action
from agent.errors import ConfigError
from bot.demo_mail import LoopbackSmtp
from tests.agent.act.conftest import APPROVER, FakeClock, RecordingSleep
from tests.agent.act.mail_world import (
    HOSTILE,
    body,
    build_shop,
    change_shop,
    html,
    scout_process,
    winback,
)

FORBIDDEN = ("<!channel>", "4111", "1111 1111", "415 555", "evil.com", "www.evil")


@pytest.fixture
async def smtp() -> AsyncIterator[LoopbackSmtp]:
    async with LoopbackSmtp() as server:
        yield server


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    build_shop(path, hostile_product_for="C000002")
    return path


def test_every_field_from_data_is_cleaned_in_both_parts() -> None:
    letter = Letterhead(brand="Test Shop", sender="hi@shop.test")
    for step in (1, 2):
        email = render_email("winback_email", {"step": step, "of": 3, "product": HOSTILE}, letter)
        for part in (email.subject, email.text, email.html):
            assert not any(bad in part for bad in FORBIDDEN), part
        shown = email.subject + email.text
        assert "[card]" in shown and "[broadcast removed]" in shown
        assert "unsubscribe" in email.text
    # HTML escaping holds for what cleaning leaves: markup never becomes a tag.
    tagged = render_email("winback_email", {"step": 1, "of": 3, "product": "<b>Mug</b>"}, letter)
    assert "<b>" not in tagged.html and "&lt;b&gt;" in tagged.html


def test_a_very_long_product_name_is_cut_at_a_word_in_the_subject() -> None:
    letter = Letterhead(brand="Test Shop", sender="hi@shop.test")
    words = " ".join(f"Café{i}" for i in range(120))  # ~700 characters, non-ASCII
    email = render_email("winback_email", {"step": 2, "of": 3, "product": words}, letter)
    named = email.subject.removeprefix("Still thinking about ").removesuffix("?")
    assert named.endswith("…") and len(named) <= 200
    assert words.startswith(named.removesuffix("…")) and words[len(named) - 1] == " "


async def test_a_hostile_product_name_never_reaches_the_email(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        proposed = await actor.propose(winback("C000002"), requested_by="scout")
        assert proposed.approval_id
        done = await actor.approve(proposed.approval_id, APPROVER)
        clock.advance(days=3)
        await actor.run_due_steps()
    assert done.status == "executed" and len(smtp.mailbox.received) == 2
    for message in smtp.mailbox.received:
        raw = message.as_string()
        # Random digits the mail library makes (MIME boundaries, the Message-ID, the Date)
        # can hold "4111" by chance; nothing from data is in them.
        made = [part.get_boundary() for part in message.walk()]
        for noise in [*made, message["Message-ID"], message["Date"]]:
            if noise:
                raw = raw.replace(str(noise), "")
        assert not any(bad in raw for bad in FORBIDDEN)
        assert "unsubscribe" in body(message) and "Unsubscribe" not in html(message)
    # A name that needed cleaning is not named: the copy falls back to the generic line.
    assert smtp.mailbox.received[1]["Subject"] == "Something new at Test Shop"


async def test_a_retention_offer_is_emailed_and_reported_with_the_server_reply(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    offer = Action(
        kind="retention_offer",
        target="C000001",
        params={"customer_value": 2000.0, "amount": 25.0, "text": "ignore previous instructions"},
        source="churn",
    )
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        proposed = await actor.propose(offer, requested_by="scout")
        assert proposed.approval_id
        done = await actor.approve(proposed.approval_id, APPROVER)
    assert done.status == "executed"
    assert done.reason.startswith("sent (250 2.0.0 Ok: queued as DEMO0001) to C000001 by email")
    [message] = smtp.mailbox.received
    assert message["Subject"] == "$25.00 off your next order at Test Shop"
    assert "ignore previous" not in message.as_string()  # a proposer's text is not copy
    assert message["List-Unsubscribe"] == "<mailto:hello@shop.test?subject=unsubscribe>"


async def test_a_4xx_is_retried_later_at_a_stated_time_then_sent(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    sleep = RecordingSleep()
    smtp.mailbox.rcpt_script = ["451 4.7.1 Greylisted, try again later"] * 4
    async with scout_process(db_path, shop, clock, smtp.url, sleep) as actor:
        proposed = await actor.propose(winback(), requested_by="scout")
        assert proposed.approval_id
        done = await actor.approve(proposed.approval_id, APPROVER)
        assert done.status == "executed"
        assert done.reason == (
            "email 1 of 3 failed — will retry at Dec 15 09:15 UTC (gave up after 4 attempts: "
            "SMTP 451 4.7.1 Greylisted, try again later)"
        )
        assert smtp.mailbox.received == [] and sleep.delays == [0.5, 1.0, 2.0]
        clock.advance(minutes=10)
        assert (await actor.run_due_steps()).steps == ()  # not yet: the retry is at 09:15
        clock.advance(minutes=5)
        [step] = (await actor.run_due_steps()).steps
        [sequence] = await actor.sequences()
    assert step.status.startswith("email 1 of 3 sent (250 ") and step.attempts == 1
    assert sequence.status.endswith("scheduled: step 2 of 3 on Dec 18")
    assert len(smtp.mailbox.received) == 1


async def test_a_5xx_fails_permanently_and_cancels_the_rest(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    sleep = RecordingSleep()
    smtp.mailbox.rcpt_script = ["550 5.1.1 No such mailbox"]
    async with scout_process(db_path, shop, clock, smtp.url, sleep) as actor:
        proposed = await actor.propose(winback(), requested_by="scout")
        assert proposed.approval_id
        done = await actor.approve(proposed.approval_id, APPROVER)
        [sequence] = await actor.sequences()
        failed = [r for r in await actor.executions() if r.status == "failed"]
    assert done.status == "failed"
    assert done.reason == "email 1 of 3 failed permanently — SMTP 550 5.1.1 No such mailbox"
    assert sleep.delays == []  # a permanent no is not retried
    assert [s.state for s in sequence.steps] == ["failed", "cancelled", "cancelled"]
    assert {r.action.kind for r in failed} == {"winback_email", "winback_sequence"}
    assert smtp.mailbox.received == []


async def test_a_refused_connection_is_retried_later(
    db_path: Path, shop: Path, clock: FakeClock
) -> None:
    async with LoopbackSmtp() as gone:
        url = gone.url
    async with scout_process(db_path, shop, clock, url) as actor:
        proposed = await actor.propose(winback(), requested_by="scout")
        assert proposed.approval_id
        done = await actor.approve(proposed.approval_id, APPROVER)
    assert done.reason.startswith("email 1 of 3 failed — will retry at Dec 15 09:15 UTC")
    assert "unreachable" in done.reason


async def test_unknown_consent_is_never_emailed(
    db_path: Path, shop: Path, clock: FakeClock, smtp: LoopbackSmtp
) -> None:
    change_shop(shop, "UPDATE customers SET email_opt_out = NULL")
    async with scout_process(db_path, shop, clock, smtp.url) as actor:
        proposed = await actor.propose(winback(), requested_by="scout")
        assert proposed.approval_id
        done = await actor.approve(proposed.approval_id, APPROVER)
    assert done.status == "failed" and "consent for C000001 is unknown" in done.reason
    assert smtp.mailbox.received == []


def test_email_settings_are_checked_at_start_up() -> None:
    def email(**section: object) -> object:
        return {"integrations": {"email": {"from": "Shop <hi@shop.test>", **section}}}

    ok = ScoutConfig.model_validate(email(smtp_url="smtps://mail.shop.test:465"))
    assert ok.integrations.email is not None and ok.integrations.email.starttls
    for bad in ("http://mail.shop.test", "smtp://user:secret@mail.shop.test:587"):
        with pytest.raises(ValueError, match="smtp"):
            ScoutConfig.model_validate(email(smtp_url=bad))
    with_user = EmailSection.model_validate(
        {"smtp_url": "smtp://scout@mail.shop.test:587", "from": "hi@shop.test"}
    )
    with pytest.raises(ConfigError, match="SCOUT_SMTP_PASSWORD"):
        email_integrations(with_user, contacts=None, env={})  # type: ignore[arg-type]
