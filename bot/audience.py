"""Who reads a channel, from Slack, for the decision whether an answer may be posted there.

The decision itself is `agent.audience` (pure); this module looks the channel up with the
bot's Web API client: conversations.info (a DM, or a channel shared with another workspace or
organisation) and conversations.members (paginated). A channel's audience is cached for a
minute, so a busy channel costs a few calls a minute while someone leaving or joining counts
within one. Any failure to learn the audience answers privately: an unknown reader is treated
as one who may not see the data.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent.audience import Private, Public, Route, data_shown, needs_audience_check, readers, route
from agent.errors import UserError
from agent.semantic.policies import Policies
from agent.views import Reply, ThreadRef
from bot.listeners.common import BackgroundWork, Deps

log = logging.getLogger("scout.slack")

MEMBERS_TTL_S = 60.0
PAGE_SIZE = 200  # Slack's recommended page for conversations.members
# 10,000 members: a larger channel is answered privately rather than read for a minute.
MAX_PAGES = 50
# Slack's flags for a channel readers outside this workspace can see (Slack Connect, a
# channel shared across an Enterprise Grid organisation, an invitation not yet accepted).
SHARED_FLAGS = ("is_ext_shared", "is_shared", "is_org_shared", "is_pending_ext_shared")


@dataclass(frozen=True, kw_only=True)
class ChannelAudience:
    """The members of a conversation, and whether people outside the workspace read it."""

    members: frozenset[str]
    shared: bool


class ChannelAudiences:
    """Channel audiences, cached per channel for `ttl` seconds; concurrent answers in the
    same channel wait for one lookup instead of each making their own."""

    def __init__(self, client: AsyncWebClient, *, ttl: float = MEMBERS_TTL_S) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, ChannelAudience]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._scout: str | None = None

    async def audience(self, channel: str) -> ChannelAudience | None:
        """Who reads `channel`; None when Slack could not say (the caller fails closed)."""
        async with self._locks.setdefault(channel, asyncio.Lock()):
            cached = self._cache.get(channel)
            if cached is not None and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            try:
                found = await self._look_up(channel)
            except SlackApiError as error:  # not_in_channel, missing_scope, channel_not_found
                code = error.response.get("error")
                log.warning("channel audience lookup failed channel=%s error=%s", channel, code)
                return None
            except Exception:
                log.exception("channel audience lookup failed channel=%s", channel)
                return None
            if found is not None:
                self._cache[channel] = (time.monotonic(), found)
            return found

    async def scout_user(self) -> str | None:
        """Scout's own user id (a member of every channel it answers in, and no reader)."""
        if self._scout is None:
            try:
                response = await self.client.auth_test()
            except Exception:
                log.exception("auth.test failed; Scout counts as a channel reader")
                return None
            self._scout = str(response.get("user_id") or "") or None
        return self._scout

    async def _look_up(self, channel: str) -> ChannelAudience | None:
        info = (await self.client.conversations_info(channel=channel)).get("channel") or {}
        shared = any(bool(info.get(flag)) for flag in SHARED_FLAGS)
        if info.get("is_im"):
            return ChannelAudience(members=frozenset({str(info.get("user") or "")}), shared=False)
        members: set[str] = set()
        cursor: str | None = None
        for _page in range(MAX_PAGES):
            response = await self.client.conversations_members(
                channel=channel, limit=PAGE_SIZE, cursor=cursor
            )
            members |= {str(m) for m in response.get("members") or ()}
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return ChannelAudience(members=frozenset(members), shared=shared)
        log.warning("channel too large to list channel=%s pages=%d", channel, MAX_PAGES)
        return None


# One cache per adapter runtime (its BackgroundWork), like the analysis queue.
_audiences: weakref.WeakKeyDictionary[BackgroundWork, ChannelAudiences] = (
    weakref.WeakKeyDictionary()
)


def channel_audiences(deps: Deps) -> ChannelAudiences:
    """This adapter's channel audience cache (made on first use)."""
    found = _audiences.get(deps.work)
    if found is None:
        found = _audiences[deps.work] = ChannelAudiences(deps.client)
    return found


async def asker_groups(deps: Deps, user: str) -> frozenset[str]:
    """The Slack user groups, among those policies.yml names, that `user` is in: passed to the
    core with the question, which places the asker by them. Slack is asked only when a policy
    names a group. When it cannot say, a person with their own entry is placed by it; anyone
    else is not answered (UserError): the default may show more than their group would, so a
    Slack outage must not widen what someone sees."""
    policies = policies_of(deps.core)
    if policies is None or not policies.slack_groups:
        return frozenset()
    assert deps.user_groups is not None
    found = await deps.user_groups.memberships(policies.slack_groups)
    if found is None:
        if user in policies.by_subject:
            return frozenset()  # their own entry wins over any group
        log.warning("asker's user groups unknown user=%s: not answered", user)
        raise UserError(
            "I couldn't check your data access with Slack just now, so I won't show numbers "
            "yet. Please ask again in a minute."
        )
    return frozenset(g for g, members in found.items() if user in members)


def policies_of(core: object) -> Policies | None:
    """The core's data access policies (the agent's service keeps them in its deps); None when
    there are none, and everyone sees everything."""
    found = getattr(getattr(core, "deps", None), "policies", None)
    return found if isinstance(found, Policies) else None


async def route_answer(deps: Deps, thread: ThreadRef, reply: Reply) -> Route:
    """Where `reply` may be posted: in `thread` (Public) or to the asker alone (Private).

    Slack is asked only when some policy would refuse the answer's data; a DM with Scout is
    read by the asker alone. Never raises: whatever goes wrong answers privately.
    """
    try:
        policies = policies_of(deps.core)
        shown = data_shown(reply)
        if policies is None or not needs_audience_check(shown, policies):
            return Public()
        if thread.channel.startswith("D"):
            return Public()
        audiences = channel_audiences(deps)
        found = await audiences.audience(thread.channel)
        if found is None:
            return Private(reason="the channel's members could not be listed")
        groups: dict[str, frozenset[str]] = {}
        if policies.slack_groups:
            # Members are placed by their Slack user groups too, with the askers' cache.
            assert deps.user_groups is not None
            memberships = await deps.user_groups.memberships(policies.slack_groups)
            if memberships is None:
                return Private(reason="the members' user groups could not be listed")
            for group, members in memberships.items():
                for member in members & found.members:
                    groups[member] = groups.get(member, frozenset()) | {group}
        scout = await audiences.scout_user()
        exclude = {scout} if scout else set()
        return route(
            shown,
            readers(policies, found.members, shared=found.shared, exclude=exclude, groups=groups),
        )
    except Exception:
        log.exception("audience check failed thread=%s", thread.key)
        return Private(reason="the audience check failed")
