"""Slack as an `agent.act` integration: outbound messages posted, updated or sent as DMs.

The act layer has already made the text safe and decided the message may go; this only
delivers it and classifies failures: rate limits and Slack's 5xx are worth retrying, the
rest (a channel that does not exist, a bot not in it) are not.

Exactly once on the wire (bot.posting): every post carries its action's idempotency key in
Slack message metadata, and a post that was tried before (by this process, or by one that
stopped before hearing back: the memo is a claim in memory when the core has one) is looked
up in its channel or thread before it is tried again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError, SlackObjectFormationError
from slack_sdk.web.async_client import AsyncWebClient

from agent.act.ports import IsAuthorised
from agent.act.records import Delivery, OutboundMessage
from agent.errors import PermanentActionError, TransientActionError
from agent.views import Reply
from bot.blocks import FileUpload, message_for
from bot.core import DeliveryClaims
from bot.listeners.common import Approvers, TtlSet, log
from bot.posting import Post, PostUncertain, post_once, without_blind_resends

TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)  # fmt: skip
# Slack's errors for a message it will not take as built: sending the same blocks again
# cannot help, the same answer in a simpler form (text and files) can.
REJECTED_BLOCKS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "invalid_attachments",
        "too_many_attachments",
    }
)
# The executor retries a post within minutes; a day covers any retry this process makes.
TRIED_TTL_S = 86_400.0


def delivery_client(client: AsyncWebClient) -> AsyncWebClient:
    """The same session and token, with no blind re-send of a post whatever `client` was
    built with: slack-sdk's default handlers re-send a post whose answer was lost, and
    Slack may already have posted it (that is how an alert arrived twice)."""
    return AsyncWebClient(
        token=client.token,
        base_url=client.base_url,
        session=client.session,
        timeout=client.timeout,
        retry_handlers=without_blind_resends(client.retry_handlers),
    )


class SlackNotifier:
    """`Integration.deliver` over the Web API; `default_channel` when a message names none."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        default_channel: str | None = None,
        channels: Mapping[str, str] | None = None,
        claims: DeliveryClaims | None = None,
    ) -> None:
        self.client = delivery_client(client)
        self.default_channel = default_channel
        # The agent names channels logically (#kpi-alerts); Slack wants the configured id.
        self.channels = dict(channels or {})
        # Which posts were tried before, so a retry looks first: a claim in memory survives
        # a restart (a person's `scout outbox --retry` of an unconfirmed post); without one,
        # this process's own set.
        self.claims = claims
        self._tried = TtlSet(TRIED_TTL_S)

    def channel_id(self, name: str) -> str:
        return self.channels.get(name.removeprefix("#"), name)

    async def deliver(self, message: OutboundMessage) -> Delivery:
        """Post (or update) the message; DM each recipient when there is no channel."""
        try:
            if message.op == "update" and message.update_ref and message.channel:
                return await self._edit(message, self.channel_id(message.channel))
            channel = message.channel or self.default_channel
            targets = [self.channel_id(channel)] if channel else list(message.recipients)
            if not targets:
                raise PermanentActionError(f"outbox {message.outbox_id}: no channel or recipient")
            rendered = message_for(message.content) if message.content else None
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
                    refs.append(
                        await self._post_once(message, target, rendered.text, None, refused=True)
                    )
            if message.content is not None and rendered is not None:
                # Charts and files follow in the thread; a failed upload is logged, the
                # message itself was delivered.
                where = self.channel_id(channel) if channel else targets[0]
                files = chart_uploads(message.content) + list(rendered.files)
                await upload_files(self.client, where, message.thread or refs[0], files)
            return Delivery(via="slack", ref=refs[0], where=targets[0] if channel else None)
        except PostUncertain as error:
            raise TransientActionError(
                f"slack did not answer ({error}); checked before retrying"
            ) from error
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            status = getattr(error.response, "status_code", 200)
            if code in TRANSIENT or status == 429 or status >= 500:
                raise TransientActionError(f"slack {code or status}") from error
            raise PermanentActionError(f"slack {code}") from error

    async def _edit(self, message: OutboundMessage, channel: str) -> Delivery:
        """Edit Scout's own message in place: a repeated alert's text, or an answer into the
        placeholder that stood in for it (an edit lands once however often it is sent)."""
        ts = message.update_ref
        assert ts is not None
        if message.content is None or message.update_of is not None:
            await self.client.chat_update(channel=channel, ts=ts, text=message.text)
            return Delivery(via="slack", ref=ts, where=channel)
        rendered = message_for(message.content)
        try:
            # An empty list clears the placeholder's own blocks.
            await self.client.chat_update(
                channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks_json() or []
            )
        except (SlackApiError, SlackObjectFormationError) as error:
            reason = rejection(error)
            if reason is None:
                raise
            log.warning(
                "slack refused the blocks outbox=%s error=%s; editing in plain text",
                message.outbox_id,
                reason,
            )
            rendered = rendered.simplified()
            await self.client.chat_update(channel=channel, ts=ts, text=rendered.text, blocks=[])
        files = chart_uploads(message.content) + list(rendered.files)
        await upload_files(self.client, channel, message.thread or ts, files)
        return Delivery(via="slack", ref=ts, where=channel)

    async def _post_once(
        self,
        message: OutboundMessage,
        target: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None,
        *,
        refused: bool = False,
    ) -> str:
        """Post to one channel once: a post tried before is looked up before it is sent
        (`refused`: the try just before was refused as built, so nothing is there)."""
        post = Post(
            channel=target,
            thread_ts=message.thread,
            text=text,
            blocks=blocks,
            # The action's key, not the outbox row's: a retry of a dead letter is a new row.
            key=message.idempotency_key,
            payload={"outbox": message.outbox_id},
        )
        first = await self._first_try(f"slack-post:{message.idempotency_key}:{target}")
        # One try per call: the executor owns the backoff and counts the attempts.
        return await post_once(self.client, post, tries=1, may_have_landed=not (first or refused))

    async def _first_try(self, key: str) -> bool:
        first_here = self._tried.first_time(key)
        if self.claims is None:
            return first_here
        try:
            return await self.claims.first_delivery(key) and first_here
        except Exception:  # memory busy: this process's own memo still holds
            log.exception("post memo unavailable key=%s; using this process's", key)
            return first_here


def approver_check(approvers: Approvers) -> IsAuthorised:
    """An `agent.act` IsAuthorised callable backed by scout.yml's approvers and group."""

    async def is_authorised(user: str) -> bool:
        if user in approvers.users:
            return True
        return approvers.group is not None and user in await approvers.members(approvers.group)

    return is_authorised


def rejection(error: Exception) -> str | None:
    """Why Slack (or slack_sdk, before sending) refused a message as built; None when the
    failure was something else (a missing channel, a rate limit) that text would hit too."""
    if isinstance(error, SlackObjectFormationError):
        return f"invalid_blocks (rejected before sending: {error})"
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", ""))
        return code if code in REJECTED_BLOCKS else None
    return None


def chart_uploads(reply: Reply) -> list[tuple[int, Reply] | FileUpload]:
    """The reply's charts, to render and upload after its message (the SQL behind an
    answer shows none: they are in the answer already)."""
    if reply.view == "evidence":
        return []
    return [(i, reply) for i, f in enumerate(reply.findings) if f.chart is not None]


async def upload_files(
    client: AsyncWebClient,
    channel: str,
    thread_ts: str,
    items: list[tuple[int, Reply] | FileUpload],
) -> None:
    """Render charts off the loop and upload each file into the thread; one failure is logged."""
    for item in items:
        try:
            if isinstance(item, FileUpload):
                upload = item
            else:
                index, reply = item
                finding = reply.findings[index]
                assert finding.chart is not None
                from bot.charts import render_chart  # matplotlib loads on the first chart

                png = await asyncio.to_thread(render_chart, finding.chart)
                upload = FileUpload(
                    filename=f"chart-{index + 1}.png",
                    content=png,
                    title=finding.chart.title,
                    alt_text=finding.summary[:1000] or finding.chart.title,
                )
            await client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                filename=upload.filename,
                content=upload.content,
                title=upload.title,
                alt_txt=upload.alt_text or upload.title,
            )
        except Exception:
            log.exception("file upload failed channel=%s thread=%s", channel, thread_ts)
