"""What every listener shares: the dependencies, background work, de-duplication, approvers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent.domain import Finding
from bot.core import DeliveryClaims, ProposedAction, ScoutCore
from bot.settings import SlackSettings

log = logging.getLogger("scout.slack")

# How long work cancelled at shutdown may take to say so (an answer edits its placeholder
# into a note); both that edit and the wait for it are bounded by this.
CANCELLED_GRACE_S = 3.0


class BackgroundWork:
    """Tasks that run after the ack: tracked (no garbage-collected tasks), errors logged."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for running work (graceful shutdown, tests), including the work it starts (an
        event acknowledged before dispatch spawns its answer); cancel what outlives `timeout`,
        then give it `CANCELLED_GRACE_S` to leave a note for the people it was working for."""
        deadline = time.monotonic() + timeout
        while self._tasks and (left := deadline - time.monotonic()) > 0:
            await asyncio.wait(set(self._tasks), timeout=left)
        cancelled = set(self._tasks)
        if not cancelled:
            return
        for task in cancelled:
            task.cancel()
        _done, unfinished = await asyncio.wait(cancelled, timeout=CANCELLED_GRACE_S)
        if unfinished:
            log.warning("%d background task(s) still running at shutdown", len(unfinished))


class TtlSet:
    """Keys seen in the last `ttl` seconds, bounded: Slack retries within minutes."""

    def __init__(self, ttl: float, max_size: int = 10_000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered within the window; False for repeats."""
        now = time.monotonic()
        while self._seen and (
            len(self._seen) >= self.max_size or next(iter(self._seen.values())) < now - self.ttl
        ):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class AnswerCache:
    """The findings behind recent messages, for "Show SQL" (bounded; lost on restart)."""

    def __init__(self, max_size: int = 2_000) -> None:
        self.max_size = max_size
        self._items: OrderedDict[tuple[str, str], tuple[Finding, ...]] = OrderedDict()

    def put(self, channel: str, ts: str, findings: tuple[Finding, ...]) -> None:
        self._items[(channel, ts)] = findings
        self._items.move_to_end((channel, ts))
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def get(self, channel: str, ts: str) -> tuple[Finding, ...] | None:
        return self._items.get((channel, ts))


class UserGroups:
    """Who is in a Slack user group, from usergroups.users.list: the one lookup behind both
    approver groups and data access policies keyed by a group.

    Members are cached per group for `ttl` seconds, so a burst of clicks or questions costs one
    call while a removal from the group still applies within the ttl; concurrent lookups of one
    group wait for a single call instead of each making their own.
    """

    def __init__(self, client: AsyncWebClient, *, ttl: float) -> None:
        self.client = client
        self.ttl = ttl
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def members(self, group: str) -> frozenset[str] | None:
        """The group's members; None when Slack could not say (each caller fails closed)."""
        async with self._locks.setdefault(group, asyncio.Lock()):
            cached = self._members.get(group)
            if cached is not None and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            try:
                response = await self.client.usergroups_users_list(usergroup=group)
            except SlackApiError as error:  # missing_scope, no_such_subteam, ratelimited …
                log.error(
                    "usergroups.users.list failed group=%s error=%s",
                    group,
                    error.response.get("error"),
                )
                return None
            except Exception:  # a timeout or a dropped connection
                log.exception("usergroups.users.list failed group=%s", group)
                return None
            members = frozenset(response.get("users") or ())
            self._members[group] = (time.monotonic(), members)
            return members

    async def memberships(self, groups: Iterable[str]) -> dict[str, frozenset[str]] | None:
        """Each group's members (one group looked up at a time); None if any lookup failed,
        so nobody is placed by half of their groups."""
        found: dict[str, frozenset[str]] = {}
        for group in sorted(set(groups)):
            members = await self.members(group)
            if members is None:
                return None
            found[group] = members
        return found


class Approvers:
    """Who may decide a proposal: its own approver list, else scout.yml's users and group."""

    def __init__(
        self, client: AsyncWebClient, settings: SlackSettings, groups: UserGroups | None = None
    ) -> None:
        self.client = client
        self.users = frozenset(settings.approvers)
        self.group = settings.approver_group
        self.groups = groups or UserGroups(client, ttl=settings.approver_cache_seconds)

    async def is_authorised(self, user: str, proposed: ProposedAction) -> bool:
        named = getattr(proposed.decision, "approvers", ())
        if named:
            # The actor names user groups "group:S…" (agent.act.guardrails); bare "S…" too.
            group_ids = [a for a in named if a.startswith(("S", "group:"))]
            users = {a for a in named if a not in group_ids}
            groups = [a.removeprefix("group:") for a in group_ids]
        else:
            users, groups = set(self.users), [self.group] if self.group else []
        if user in users:
            return True
        for group in groups:
            if user in await self.members(group):
                return True
        return False

    async def members(self, group: str) -> frozenset[str]:
        # Fail closed: an unverifiable clicker is not an approver.
        return await self.groups.members(group) or frozenset()


@dataclass
class Deps:
    """The adapter's runtime: the core, settings, the Web API client and shared state."""

    core: ScoutCore
    settings: SlackSettings
    client: AsyncWebClient
    work: BackgroundWork = field(default_factory=BackgroundWork)
    answers: AnswerCache = field(default_factory=AnswerCache)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    approvers: Approvers | None = None
    events: TtlSet | None = None
    user_groups: UserGroups | None = None

    def __post_init__(self) -> None:
        if self.user_groups is None:
            self.user_groups = UserGroups(self.client, ttl=self.settings.approver_cache_seconds)
        if self.approvers is None:
            self.approvers = Approvers(self.client, self.settings, self.user_groups)
        if self.events is None:
            self.events = TtlSet(self.settings.event_dedup_seconds)

    def lock(self, key: str) -> asyncio.Lock:
        """One lock per approval id: two clicks update the message one after the other."""
        if len(self.locks) > 5_000:
            self.locks = {k: v for k, v in self.locks.items() if v.locked()}
        return self.locks.setdefault(key, asyncio.Lock())


async def first_delivery(deps: Deps, key: str) -> bool:
    """True the first time a Slack delivery (or a click that must count once) is seen: this
    process's short memory first, then the core's durable claim shared by replicas."""
    assert deps.events is not None
    if not deps.events.first_time(key):
        return False
    if not isinstance(deps.core, DeliveryClaims):
        return True
    try:
        return await deps.core.first_delivery(key)
    except Exception:  # memory locked or full: answer (this process saw it first) and say so
        log.exception("delivery claim failed key=%s; answering without the durable check", key)
        return True
