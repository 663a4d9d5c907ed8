"""Slack as an `agent.act` integration: outbound messages posted, updated or sent as DMs.

The act layer has already made the text safe and decided the message may go; this only
delivers it and classifies failures: rate limits and Slack's 5xx are worth retrying, the
rest (a channel that does not exist, a bot not in it) are not.

Exactly once on the wire: a post whose answer was lost (the connection dropped, a timeout,
a 5xx) may have reached Slack. The client therefore never re-sends a post blindly; every
post carries its outbox key in Slack message metadata, and after an uncertain failure the
channel (or thread) is searched for that key before the post is tried again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackObjectFormationError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from agent.act.ports import IsAuthorised
from agent.act.records import Delivery, OutboundMessage
from agent.errors import PermanentActionError, TransientActionError
from bot.blocks import answer_message
from bot.listeners.answer import chart_uploads, rejection, upload_files
from bot.listeners.common import Approvers, log

TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)  # fmt: skip
METADATA_TYPE = "scout_post"
# A lost post is among the newest messages of its channel or thread.
LOOKUP_LIMIT = 100


def delivery_client(client: AsyncWebClient) -> AsyncWebClient:
    """The same session and token, retrying only what Slack refused before acting (429).

    slack-sdk's connection-error and server-error handlers re-send a request whose answer
    was lost, and Slack may already have posted it: that is how an alert arrived twice.
    """
    return AsyncWebClient(
        token=client.token,
        base_url=client.base_url,
        session=client.session,
        timeout=client.timeout,
        retry_handlers=[
            h for h in client.retry_handlers if isinstance(h, AsyncRateLimitErrorRetryHandler)
        ],
    )


class _Uncertain(Exception):
    """The post may or may not have reached Slack."""


class SlackNotifier:
    """`Integration.deliver` over the Web API; `default_channel` when a message names none."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        default_channel: str | None = None,
        channels: Mapping[str, str] | None = None,
    ) -> None:
        self.client = delivery_client(client)
        self.default_channel = default_channel
        # The agent names channels logically (#kpi-alerts); Slack wants the configured id.
        self.channels = dict(channels or {})
        # (outbox id, channel) posts whose fate is unknown: looked up before the next try.
        self._uncertain: set[tuple[int, str]] = set()

    def channel_id(self, name: str) -> str:
        return self.channels.get(name.removeprefix("#"), name)

    async def deliver(self, message: OutboundMessage) -> Delivery:
        """Post (or update) the message; DM each recipient when there is no channel."""
        try:
            if message.op == "update" and message.update_ref and message.channel:
                await self.client.chat_update(
                    channel=self.channel_id(message.channel),
                    ts=message.update_ref,
                    text=message.text,
                )
                return Delivery(via="slack", ref=message.update_ref)
            channel = message.channel or self.default_channel
            targets = [self.channel_id(channel)] if channel else list(message.recipients)
            if not targets:
                raise PermanentActionError(f"outbox {message.outbox_id}: no channel or recipient")
            rendered = answer_message(message.content) if message.content else None
            refs = []
            for target in targets:
                if rendered is None:
                    refs.append(await self._post_once(message, target, message.text, None))
                    continue
                try:
                    blocks = rendered.blocks_json()
                    refs.append(await self._post_once(message, target, rendered.text, blocks))
                except (SlackApiError, SlackObjectFormationError) as error:
                    reason = rejection(error)
                    if reason is None:
                        raise
                    # Refused as built, so nothing was posted: the plain form is safe to send.
                    log.warning(
                        "slack refused the blocks outbox=%s error=%s; posting plain text",
                        message.outbox_id,
                        reason,
                    )
                    rendered = rendered.simplified()
                    refs.append(await self._post_once(message, target, rendered.text, None))
            if message.content is not None and rendered is not None:
                # Charts and files follow in the thread; a failed upload is logged, the
                # message itself was delivered.
                where = self.channel_id(channel) if channel else targets[0]
                files = chart_uploads(message.content) + list(rendered.files)
                await upload_files(self.client, where, message.thread or refs[0], files)
            return Delivery(via="slack", ref=refs[0])
        except _Uncertain as error:
            raise TransientActionError(
                f"slack did not answer ({error}); checked before retrying"
            ) from error
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            status = getattr(error.response, "status_code", 200)
            if code in TRANSIENT or status == 429 or status >= 500:
                raise TransientActionError(f"slack {code or status}") from error
            raise PermanentActionError(f"slack {code}") from error

    async def _post_once(
        self,
        message: OutboundMessage,
        target: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None,
    ) -> str:
        """Post to one channel exactly once: a post that may have landed is looked up first."""
        attempt = (message.outbox_id, target)
        if attempt in self._uncertain:
            found = await self._find(message, target)
            if found is not None:
                self._uncertain.discard(attempt)
                log.info("post found after a lost answer outbox=%s ts=%s", attempt[0], found)
                return found
        try:
            response = await self.client.chat_postMessage(
                channel=target,
                thread_ts=message.thread,
                text=text,
                blocks=blocks,
                metadata={
                    "event_type": METADATA_TYPE,
                    "event_payload": {"key": _key(message), "outbox": message.outbox_id},
                },
            )
        except (TimeoutError, aiohttp.ClientError) as error:
            self._uncertain.add(attempt)
            raise _Uncertain(type(error).__name__) from error
        except SlackApiError as error:
            if getattr(error.response, "status_code", 200) >= 500:
                self._uncertain.add(attempt)
            raise
        self._uncertain.discard(attempt)
        return str(response["ts"])

    async def _find(self, message: OutboundMessage, target: str) -> str | None:
        """The ts of this message if Slack already holds it (None: it never arrived)."""
        try:
            if message.thread:
                response = await self.client.conversations_replies(
                    channel=target, ts=message.thread, include_all_metadata=True,
                    limit=LOOKUP_LIMIT,
                )  # fmt: skip
            else:
                response = await self.client.conversations_history(
                    channel=target, include_all_metadata=True, limit=LOOKUP_LIMIT
                )
        except (TimeoutError, aiohttp.ClientError) as error:
            raise _Uncertain(f"lookup failed: {type(error).__name__}") from error
        for held in response.get("messages") or ():
            meta = held.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == METADATA_TYPE and payload.get("key") == _key(message):
                return str(held["ts"])
        return None


def _key(message: OutboundMessage) -> str:
    return f"{message.idempotency_key}:{message.outbox_id}"


def approver_check(approvers: Approvers) -> IsAuthorised:
    """An `agent.act` IsAuthorised callable backed by scout.yml's approvers and group."""

    async def is_authorised(user: str) -> bool:
        if user in approvers.users:
            return True
        return approvers.group is not None and user in await approvers.members(approvers.group)

    return is_authorised
