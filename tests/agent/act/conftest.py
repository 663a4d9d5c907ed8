"""Fixtures for acting: a fixed clock, a recording integration at the port boundary, actors
over a temporary sqlite file or PostgreSQL database."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.act import Actor, ActSettings, ApprovalSettings, Delivery, OutboundMessage
from tests.agent.llm.conftest import fake_openai, make_client  # noqa: F401  (shared fixtures)
from tests.conftest import TODAY
from tests.fakes.postgres import postgres_database, store_url  # noqa: F401  (fixtures)
from tests.fakes.webhook_receiver import Receiver, serve_receiver

# sqlite fsyncs every commit (synchronous=FULL keeps exactly-once across power loss); on tmpfs
# that costs nothing, so the many-transaction tests stay fast without weakening the setting.
FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)
APPROVER = "U_APPROVER"
OTHER_APPROVER = "U_OTHER"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class RecordingIntegration:
    """Plays an outbound service: records each message, fails as scripted."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.sent: list[OutboundMessage] = []
        self.calls = 0
        self.failures = list(failures or [])

    async def deliver(self, message: OutboundMessage) -> Delivery:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return Delivery(via="fake", ref=f"ts-{len(self.sent)}")


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def settings(**guardrails: object) -> ActSettings:
    """Settings with two approvers and the given guardrail overrides."""
    base = ActSettings(approvals=ApprovalSettings(approvers=(APPROVER, OTHER_APPROVER)))
    if guardrails:
        return base.model_copy(update={"guardrails": base.guardrails.model_copy(update=guardrails)})
    return base


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(dir=FAST_TMP, prefix="scout-act-") as tmp:
        yield Path(tmp) / "memory.sqlite3"


@pytest.fixture
def notifier() -> RecordingIntegration:
    return RecordingIntegration()


@pytest.fixture
def sleeper() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
async def actor(
    store_url: str,  # noqa: F811  (the fixture imported above)
    clock: FakeClock,
    notifier: RecordingIntegration,
    sleeper: RecordingSleep,
) -> AsyncIterator[Actor]:
    """An actor on each backend: a sqlite file, then a PostgreSQL database of its own."""
    a = await Actor.open(
        store_url, settings(), integrations={"notify": notifier}, clock=clock, sleep=sleeper
    )
    yield a
    await a.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A partner's webhook receiver on loopback (tests/fakes/webhook_receiver.py)."""
    with serve_receiver() as state:
        yield state
