"""Slack as an `agent.act` integration: outbound messages posted, updated or sent as DMs.

The act layer has already made the text safe and decided the message may go; this only
delivers it and classifies failures: rate limits and Slack's 5xx are worth retrying, the
rest (a channel that does not exist, a bot not in it) are not.
"""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent.act.ports import IsAuthorised
from agent.act.records import Delivery, OutboundMessage
from agent.errors import PermanentActionError, TransientActionError
from bot.blocks import answer_message
from bot.listeners.answer import chart_uploads, upload_files
from bot.listeners.common import Approvers

TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)  # fmt: skip


class SlackNotifier:
    """`Integration.deliver` over the Web API; `default_channel` when a message names none."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        default_channel: str | None = None,
        channels: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        self.default_channel = default_channel
        # The agent names channels logically (#kpi-alerts); Slack wants the configured id.
        self.channels = dict(channels or {})

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
                response = await self.client.chat_postMessage(
                    channel=target,
                    thread_ts=message.thread,
                    text=rendered.text if rendered else message.text,
                    blocks=rendered.blocks_json() if rendered else None,
                )
                refs.append(str(response["ts"]))
            if message.content is not None and rendered is not None:
                # Charts and files follow in the thread; a failed upload is logged, the
                # message itself was delivered.
                where = self.channel_id(channel) if channel else targets[0]
                files = chart_uploads(message.content) + list(rendered.files)
                await upload_files(self.client, where, message.thread or refs[0], files)
            return Delivery(via="slack", ref=refs[0])
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            status = getattr(error.response, "status_code", 200)
            if code in TRANSIENT or status == 429 or status >= 500:
                raise TransientActionError(f"slack {code or status}") from error
            raise PermanentActionError(f"slack {code}") from error


def approver_check(approvers: Approvers) -> IsAuthorised:
    """An `agent.act` IsAuthorised callable backed by scout.yml's approvers and group."""

    async def is_authorised(user: str) -> bool:
        if user in approvers.users:
            return True
        return approvers.group is not None and user in await approvers.members(approvers.group)

    return is_authorised
