"""The small protocols acting depends on: integrations, investigator, authoriser, clock, sleep.

Tests and adapters pass their own; the defaults are the embedded ones (outbox only, UTC wall
clock, asyncio.sleep, the configured approver list).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from agent.act.records import ActResult, Delivery, OutboundMessage
from agent.domain import Action
from agent.views import Reply

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
IsAuthorised = Callable[[str], Awaitable[bool]]


class Integration(Protocol):
    """Delivers one outbound message (Slack, email, webhook, terminal).

    Raise `TransientActionError` for what is worth retrying and `PermanentActionError` for
    what is not; anything else is treated as permanent.
    """

    async def deliver(self, message: OutboundMessage) -> Delivery: ...


class Investigator(Protocol):
    """Runs a follow-up analysis step and returns a one-line summary of what it found."""

    async def investigate(self, action: Action) -> str: ...


class Act(Protocol):
    """What the agent loop calls: every action goes through here."""

    async def propose(
        self, action: Action, *, requested_by: str, content: Reply | None = None
    ) -> ActResult: ...


def utc_now() -> datetime:
    """The wall clock in UTC (the default clock)."""
    return datetime.now(UTC)


async def real_sleep(seconds: float) -> None:
    """The default sleep between retries."""
    await asyncio.sleep(seconds)
