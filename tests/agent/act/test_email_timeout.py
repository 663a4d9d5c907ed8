"""An SMTP server that stalls: the email gives up within its timeout and says it will retry.

A loopback TCP server takes the connection and then says nothing: either no greeting at all,
or a greeting and then silence after EHLO. The real SMTP integration, configured with a short
`timeout_s`, must give up on each attempt within that bound; the approval's result is an
honest "failed — will retry at …" (never "sent", never a hang), and the retry is scheduled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from agent.act import Actor
from agent.act.email import EmailSection, email_integrations
from agent.domain import Action
from agent.semantic import load_semantic
from agent.semantic.contacts import WarehouseContacts
from agent.warehouse import DuckDBWarehouse
from tests.agent.act.conftest import APPROVER, FakeClock, RecordingSleep, settings
from tests.agent.act.mail_world import SENDER, build_shop

TIMEOUT_S = 0.5
# Four attempts in process (backoff sleeps are recorded, not waited), each bounded by the
# timeout; the margin covers start-up of the SMTP client and the warehouse lookup.
MARGIN_S = 10.0

Stall = Literal["silent", "after_ehlo"]


@dataclass
class StalledSmtp:
    """Accepts connections and never answers what matters; records what clients said."""

    stall: Stall
    port: int = 0
    connections: int = 0
    heard: list[str] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        if self.stall == "after_ehlo":
            writer.write(b"220 stalled.test ESMTP\r\n")
            await writer.drain()
        # Read until the client hangs up; never reply.
        while line := await reader.readline():
            self.heard.append(line.decode("ascii", "replace").strip())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture(params=["silent", "after_ehlo"])
async def stalled(request: pytest.FixtureRequest) -> AsyncIterator[StalledSmtp]:
    state = StalledSmtp(stall=request.param)
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        for writer in state.writers:
            writer.close()
        server.close()
        await server.wait_closed()


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


async def test_a_stalled_server_fails_within_the_timeout_and_is_retried_later(
    db_path: Path, shop: Path, clock: FakeClock, stalled: StalledSmtp
) -> None:
    section = EmailSection.model_validate(
        {"smtp_url": stalled.url, "from": SENDER, "starttls": False, "timeout_s": TIMEOUT_S}
    )
    warehouse = DuckDBWarehouse(shop)
    contacts = WarehouseContacts(warehouse, load_semantic())
    integrations = email_integrations(section, contacts, env={}, clock=clock)
    actor = await Actor.open(
        db_path, settings(), integrations=integrations, clock=clock, sleep=RecordingSleep()
    )
    try:
        proposed = await actor.propose(offer(), requested_by="scout")
        assert proposed.approval_id
        started = time.monotonic()
        # The bound is the test's own: a hang fails here instead of stalling the suite.
        max_attempts = actor.settings.guardrails.retry.max_attempts
        done = await asyncio.wait_for(
            actor.approve(proposed.approval_id, APPROVER),
            timeout=max_attempts * TIMEOUT_S + MARGIN_S,
        )
        elapsed = time.monotonic() - started
        runs = await actor.executions()
        retries = await actor.retries()
    finally:
        await actor.close()
        warehouse.close()

    assert done.status == "failed" and done.retryable, done.reason
    # Each attempt waited for the server (it did not fail fast) and gave up at the timeout.
    assert stalled.connections == max_attempts
    assert max_attempts * TIMEOUT_S * 0.9 <= elapsed < max_attempts * TIMEOUT_S + MARGIN_S
    if stalled.stall == "after_ehlo":
        assert all(line.startswith("EHLO") for line in stalled.heard) and stalled.heard
    else:
        assert stalled.heard == []  # the client waits for the greeting before saying anything
    where = f"SMTP server 127.0.0.1:{stalled.port} unreachable"
    assert done.reason.startswith("email failed — will retry at Dec 15 09:15 UTC (")
    assert f"gave up after {max_attempts} attempts: {where}" in done.reason
    assert "timed out" in done.reason.lower()
    assert "sent" not in done.reason
    [run] = runs
    assert run.status == "failed" and run.result is None and run.error == done.reason
    [retry] = retries
    assert retry.state == "scheduled" and retry.status == done.reason
