"""Exactly once on the wire: a Slack post is never re-sent blindly.

A post whose answer was lost (the connection dropped after sending, a timeout, a 5xx) may
already be in the channel. Re-sending it is how a placeholder was stranded and an answer
arrived twice. So every post Scout makes carries its own key in Slack message metadata, and
before a post whose fate is unknown is tried again, the thread (or, for a top-level post, the
channel) is searched for that key: found, its ts is the answer; not found, it is posted.

Why metadata and not the text: Scout posts the same words many times (every placeholder of
a thread, every apology), and Slack may rewrite text (escaping, links), so a text match could
claim an older message as this one, and the answer would then be lost. The metadata key is
made by Scout for one post, travels verbatim, and is invisible to people.

A 429 is Slack refusing before acting, so the client retries it after Retry-After as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("scout.slack")

METADATA_TYPE = "scout_post"
# Web API methods that put something in front of people: a lost answer to one of them is
# never re-sent by the client's connection-error or server-error handlers. A post is looked
# up (below); files.completeUploadExternal, the step of files_upload_v2 that shares a file
# into a channel, is tried once and its failure logged by the caller (a chart lost is better
# than a chart twice, and Slack offers no look-up of a share by a key of ours).
NOT_RESENT = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.completeUploadExternal",
    }
)
# Tries of one post (each after a look-up when the previous one's fate is unknown), and the
# pause before each try after the first: an answer waits a few seconds at most.
POST_TRIES = 3
RETRY_DELAY_S = 0.25
# Replies and channel pages read when looking a post up; only messages since shortly before
# the first try are asked for (Slack's clock and ours may differ by minutes).
LOOKUP_PAGE = 200
LOOKUP_PAGES = 5
CLOCK_MARGIN_S = 900.0


class PostUncertain(Exception):
    """The post may or may not have reached Slack, and looking it up failed too."""

    def __init__(self, key: str, why: str) -> None:
        super().__init__(f"post {key}: outcome unknown ({why})")
        self.key = key


@dataclass(frozen=True, kw_only=True)
class Post:
    """One message Scout means to post once: where, what, and the key that marks it."""

    channel: str
    text: str
    key: str
    thread_ts: str | None = None
    blocks: Sequence[dict[str, Any]] | None = None
    # Extra fields of the metadata payload (e.g. the outbox row), for people reading it.
    payload: Mapping[str, str | int] | None = None


def new_key(role: str) -> str:
    """A key for one post Scout is about to make ("answer:…", "placeholder:…")."""
    return f"{role}:{uuid.uuid4().hex}"


async def post_once(
    client: AsyncWebClient, post: Post, *, tries: int = POST_TRIES, may_have_landed: bool = False
) -> str:
    """Post `post` and return its ts; a try whose outcome is unknown is looked up before the
    next one. `may_have_landed`: an earlier try (another process, before a restart) may have
    posted it already, so look first. Raises PostUncertain when the last try's fate stays
    unknown, SlackApiError when Slack refused it (nothing was posted)."""
    # An earlier process's try may be hours old; this call's own tries are recent.
    since = None if may_have_landed else time.time() - CLOCK_MARGIN_S
    unknown, why = may_have_landed, "not tried"
    for attempt in range(max(1, tries)):
        if attempt:
            await asyncio.sleep(RETRY_DELAY_S * 2 ** (attempt - 1))
        if unknown:
            try:
                found = await find_post(client, post, since=since)
            except PostUncertain as error:
                why = str(error)
                continue  # still unknown: never post on a guess
            if found is not None:
                log.info("post found after a lost answer key=%s ts=%s", post.key, found)
                return found
            unknown = False
        try:
            response = await client.chat_postMessage(
                channel=post.channel,
                thread_ts=post.thread_ts,
                text=post.text,
                blocks=post.blocks,
                metadata={
                    "event_type": METADATA_TYPE,
                    "event_payload": {"key": post.key, **(post.payload or {})},
                },
            )
            return str(response["ts"])
        except (TimeoutError, aiohttp.ClientError) as error:
            unknown, why = True, type(error).__name__
        except SlackApiError as error:
            if _status(error) < 500:
                raise  # refused (or a 429 that outlasted its retries): nothing was posted
            unknown, why = True, f"HTTP {_status(error)}"
        log.warning("post outcome unknown key=%s try=%d why=%s", post.key, attempt + 1, why)
    raise PostUncertain(post.key, why)


async def find_post(
    client: AsyncWebClient, post: Post, *, since: float | None = None
) -> str | None:
    """The ts of `post` if Slack holds it (None: it never arrived); PostUncertain when Slack
    could not be asked or would not answer."""
    oldest = f"{since:.6f}" if since is not None else None
    cursor: str | None = None
    channel = post.channel
    try:
        if channel.startswith(("U", "W")):  # posted to a person: read their DM with Scout
            opened = await client.conversations_open(users=channel)
            channel = str((opened.get("channel") or {})["id"])
        for _ in range(LOOKUP_PAGES):
            if post.thread_ts:
                response = await client.conversations_replies(
                    channel=channel, ts=post.thread_ts, include_all_metadata=True,
                    limit=LOOKUP_PAGE, oldest=oldest, cursor=cursor,
                )  # fmt: skip
            else:
                response = await client.conversations_history(
                    channel=channel, include_all_metadata=True,
                    limit=LOOKUP_PAGE, oldest=oldest, cursor=cursor,
                )  # fmt: skip
            for held in response.get("messages") or ():
                meta = held.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_TYPE and payload.get("key") == post.key:
                    return str(held["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
    except (TimeoutError, aiohttp.ClientError) as error:
        raise PostUncertain(post.key, f"look-up failed: {type(error).__name__}") from error
    except SlackApiError as error:
        # Whatever the reason (a 5xx, a rate limit, a missing scope), Slack did not say.
        code = error.response.get("error") or f"HTTP {_status(error)}"
        raise PostUncertain(post.key, f"look-up failed: {code}") from error
    return None


def _status(error: SlackApiError) -> int:
    return int(getattr(error.response, "status_code", 200) or 200)


def _method(request: HttpRequest) -> str:
    return urlparse(request.url).path.rsplit("/", 1)[-1]


class _NotForPosts(AsyncRetryHandler):
    """A slack-sdk retry handler that never re-sends a post or a file share (`NOT_RESENT`):
    a dropped connection or a 500 may hide one that landed."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method(request) in NOT_RESENT:
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class ConnectionErrorRetry(_NotForPosts, AsyncConnectionErrorRetryHandler):
    """slack-sdk's connection-error retry, except for posts."""


class ServerErrorRetry(_NotForPosts, AsyncServerErrorRetryHandler):
    """slack-sdk's 500/503 retry, except for posts."""


def without_blind_resends(handlers: Sequence[AsyncRetryHandler]) -> list[AsyncRetryHandler]:
    """`handlers` with slack-sdk's connection and server error handlers replaced by ones that
    leave posts alone (same retry counts); the 429 handler and any other stay as they are."""
    safe: list[AsyncRetryHandler] = []
    for handler in handlers:
        if isinstance(handler, ConnectionErrorRetry | ServerErrorRetry):
            safe.append(handler)
        elif isinstance(handler, AsyncConnectionErrorRetryHandler):
            safe.append(
                ConnectionErrorRetry(
                    handler.max_retry_count,
                    handler.interval_calculator,
                    handler.error_types_to_do_retries,
                )
            )
        elif isinstance(handler, AsyncServerErrorRetryHandler):
            safe.append(ServerErrorRetry(handler.max_retry_count, handler.interval_calculator))
        else:
            safe.append(handler)
    return safe
