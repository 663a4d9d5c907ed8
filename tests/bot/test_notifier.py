"""The Slack integration for agent.act: posts, updates, DMs, and failures classified."""

from __future__ import annotations

import pytest

from agent.act.records import OutboundMessage
from agent.errors import PermanentActionError, TransientActionError
from bot.app import build_client
from bot.listeners.common import Approvers
from bot.notifier import SlackNotifier, approver_check
from tests.bot.conftest import APPROVER, GROUP_MEMBER, settings_for
from tests.fakes.slack_api import FakeSlack


def _message(**changes: object) -> OutboundMessage:
    fields: dict = dict(
        outbox_id=7,
        kind="alert",
        op="post",
        channel="CALERTS",
        recipients=(),
        severity="high",
        text="Revenue fell 18% in the Northeast",
        idempotency_key="k",
    )
    return OutboundMessage(**(fields | changes))


async def test_post_update_and_dm(slack: FakeSlack) -> None:
    notifier = SlackNotifier(build_client(settings_for(slack)))
    posted = await notifier.deliver(_message())
    assert posted.via == "slack" and posted.ref == slack.messages[0]["ts"]
    updated = await notifier.deliver(_message(op="update", update_ref=posted.ref, text="Resolved"))
    assert updated.ref == posted.ref
    assert slack.messages[0]["text"] == "Resolved"
    await notifier.deliver(_message(channel=None, recipients=("U1", "U2")))
    assert [c.body["channel"] for c in slack.ok_calls("chat.postMessage")] == [
        "CALERTS",
        "U1",
        "U2",
    ]


async def test_failures_are_transient_or_permanent(slack: FakeSlack) -> None:
    settings = settings_for(slack)
    notifier = SlackNotifier(build_client(settings))
    slack.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(PermanentActionError):
        await notifier.deliver(_message())
    slack.fail_next("chat.postMessage", 5, status=429, retry_after=0)
    with pytest.raises(TransientActionError):
        await notifier.deliver(_message())
    with pytest.raises(PermanentActionError):
        await SlackNotifier(build_client(settings)).deliver(_message(channel=None))


async def test_approver_check_uses_the_list_and_the_group(slack: FakeSlack) -> None:
    settings = settings_for(slack)
    check = approver_check(Approvers(build_client(settings), settings))
    assert await check(APPROVER) and await check(GROUP_MEMBER)
    assert not await check("UNOBODY")
