"""Button clicks: Show SQL, 👍/👎, clarification options, Do it / Approve / Reject.

The clicker is always `body["user"]["id"]` (Slack signs the payload); a button's value is
only an opaque token the core maps back, never an identity or a permission.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.audience import asker_groups
from bot.blocks import (
    ACTION_FEEDBACK,
    ACTION_FEEDBACK_DOWN,
    ACTION_FEEDBACK_UP,
    ACTION_SHOW_SQL,
    APPROVE_RE,
    CHOOSE_RE,
    DO_RE,
    REJECT_RE,
    escape,
    mention,
    outcome_text,
    with_decision,
    with_feedback,
)
from bot.core import (
    AnswerPlace,
    DecisionOutcome,
    MessageRef,
    Progress,
    ProposalMessages,
    ProposedAction,
    Reply,
    ThreadRef,
)
from bot.listeners.answer import evidence_for, run_answer, send_reply, undelivered_note
from bot.listeners.common import Deps, first_delivery, log
from bot.listeners.home import publish_home
from bot.posting import new_key


def thread_of(body: dict[str, Any]) -> ThreadRef:
    """The thread a clicked message lives in (the message itself when it is a parent)."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
    return ThreadRef(
        channel=channel,
        thread_ts=message.get("thread_ts") or message.get("ts") or body["container"]["message_ts"],
        team=(body.get("team") or {}).get("id", ""),
    )


async def ephemeral(deps: Deps, body: dict[str, Any], text: str) -> None:
    """A note only the clicker sees: ephemeral in the channel, a DM for a click in App Home."""
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")
    try:
        if channel is None:  # a click in App Home: no channel to whisper in, so a DM
            await deps.client.chat_postMessage(channel=user, text=text)
            return
        thread_ts = ((body.get("message") or {}).get("thread_ts")) or None
        await deps.client.chat_postEphemeral(
            channel=channel, user=user, text=text, thread_ts=thread_ts
        )
    except SlackApiError as error:
        log.warning("ephemeral failed user=%s error=%s", user, error.response.get("error"))


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach the button listeners."""

    @app.action(ACTION_SHOW_SQL)
    async def on_show_sql(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        thread = thread_of(body)
        message_ts = body["container"]["message_ts"]
        findings = await evidence_for(deps, thread, message_ts)  # memory after a restart
        if findings is None:
            await ephemeral(
                deps,
                body,
                "I no longer have the SQL for this answer. Ask again and press Show SQL.",
            )
            return
        # A key per click: a redelivered click is dropped before this (bot.app), and a person
        # who clicks again later wants to see it again.
        place = AnswerPlace(
            channel=thread.channel,
            thread_ts=thread.thread_ts,
            asker=body["user"]["id"],
            key=new_key("sql"),
        )
        published = await send_reply(deps, Reply(findings=findings, view="evidence"), place)
        if not published.delivered and (note := undelivered_note(published)):
            await ephemeral(deps, body, note)

    @app.action(ACTION_FEEDBACK)
    async def on_feedback(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        value = action.get("value")
        if value not in (ACTION_FEEDBACK_UP, ACTION_FEEDBACK_DOWN):
            log.warning("feedback with an unknown value ignored value=%r", value)
            return
        await record_feedback(deps, body, value == ACTION_FEEDBACK_UP)

    @app.action(ACTION_FEEDBACK_UP)  # answers posted with the older pair of buttons
    async def on_up(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await record_feedback(deps, body, True)

    @app.action(ACTION_FEEDBACK_DOWN)
    async def on_down(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await record_feedback(deps, body, False)

    @app.action(CHOOSE_RE)
    async def on_choose(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        thread, user = thread_of(body), body["user"]["id"]
        label = (action.get("text") or {}).get("text", "")
        question = body["container"].get("message_ts") or thread.thread_ts
        # A question is answered once: a double click, or two people picking at once,
        # must not start two analyses in the thread.
        if not await first_delivery(deps, f"choice:{thread.channel}:{question}"):
            await ephemeral(deps, body, "That question was already answered in this thread.")
            return
        await _mark_chosen(deps, body, f"{mention(user)} chose *{escape(label)}*")
        token = action.get("value", "")

        async def call(progress: Progress) -> Reply:
            groups = await asker_groups(deps, user)
            return await deps.core.choose(thread, token, user, progress, groups)

        deps.work.spawn(
            run_answer(deps, thread, label, call, asker=user), name=f"choose:{thread.key}"
        )

    @app.action(DO_RE)
    async def on_do(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        await decide(deps, body, action, approve=True)

    @app.action(APPROVE_RE)
    async def on_approve(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        await decide(deps, body, action, approve=True)

    @app.action(REJECT_RE)
    async def on_reject(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        await decide(deps, body, action, approve=False)


async def record_feedback(deps: Deps, body: dict[str, Any], positive: bool) -> None:
    """Record the vote (memory keeps one per person), then show it on the answer."""
    thread, user = thread_of(body), body["user"]["id"]
    try:
        await deps.core.feedback(thread, user, positive)
    except Exception:
        log.exception("feedback failed thread=%s user=%s", thread.key, user)
        await ephemeral(deps, body, "Sorry, I could not record your vote; please try again.")
        return
    log.info("feedback thread=%s user=%s positive=%s", thread.key, user, positive)
    message = body.get("message") or {}
    ts = (body.get("container") or {}).get("message_ts") or message.get("ts")
    if not ts:
        return
    posted = MessageRef(channel=thread.channel, ts=ts, thread_ts=message.get("thread_ts") or ts)
    await _edit_message(
        deps, posted, message or None, lambda blocks: with_feedback(blocks, user, positive)
    )


async def decide(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], *, approve: bool
) -> None:
    """Authorise the clicker against the proposal's state in the core, then let it decide."""
    user = body["user"]["id"]
    approval_id = str(action.get("value", ""))
    async with deps.lock(approval_id):
        proposed = await deps.core.action_state(approval_id)
        if proposed is None:
            await ephemeral(deps, body, "I can't find that proposal any more; it may have expired.")
            return
        assert deps.approvers is not None
        if proposed.needs_approval and not await deps.approvers.is_authorised(user, proposed):
            log.warning("unauthorised decision user=%s approval=%s", user, approval_id)
            await ephemeral(
                deps,
                body,
                f"Only an approver can decide `{escape(proposed.action.kind)}` for "
                f"{escape(proposed.action.target)}. Nothing was changed. "
                "Approvers are set in scout.yml (slack.approvers / slack.approver_group).",
            )
            return
        outcome = await deps.core.decide(approval_id, user, approve)
        log.info(
            "decision user=%s approval=%s approve=%s outcome=%s",
            user,
            approval_id,
            approve,
            outcome.kind,
        )
        await _record(deps, body, outcome)


async def _record(deps: Deps, body: dict[str, Any], outcome: DecisionOutcome) -> None:
    """Leave the decision on the message (or App Home); tell the clicker what it did."""
    still_open = outcome.action is not None and outcome.action.open
    nothing_happened = ("unauthorised", "not_found", "unrecorded")
    if outcome.kind in nothing_happened or (outcome.kind == "refused" and still_open):
        # Nothing happened to the proposal: only the clicker hears why (a cap, a pause).
        note = outcome.message or "Nothing was changed."
        if outcome.kind == "refused":
            note = f"Not done: {note}. The request stays open."
        await ephemeral(deps, body, escape(note))
        return
    if outcome.kind == "already_decided" and outcome.action is not None:
        await ephemeral(deps, body, "Already decided: " + outcome_text(outcome.action))
    if outcome.action is None:
        return
    container = body.get("container") or {}
    if container.get("type") == "view":
        await publish_home(deps, body["user"]["id"])
        # The proposal's message in the channel must not keep live buttons.
        if isinstance(deps.core, ProposalMessages):
            posted = await deps.core.proposal_message(outcome.action.approval_id)
            if posted is not None:
                await _settle_message(deps, posted, outcome.action, None)
        return
    message = body.get("message") or {}
    ts = container.get("message_ts") or message["ts"]
    posted = MessageRef(
        channel=body["channel"]["id"], ts=ts, thread_ts=message.get("thread_ts") or ts
    )
    await _settle_message(deps, posted, outcome.action, message)


async def _settle_message(
    deps: Deps,
    posted: MessageRef,
    proposed: ProposedAction,
    clicked: dict[str, Any] | None,
) -> None:
    """Replace the proposal's buttons on its message with the decision."""
    await _edit_message(deps, posted, clicked, lambda blocks: with_decision(blocks, proposed))


async def _edit_message(
    deps: Deps,
    posted: MessageRef,
    clicked: dict[str, Any] | None,
    edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
) -> None:
    """Apply `edit` to a posted message's blocks."""
    # Two clicks on one message (two proposals, two approvers, two votes) each edit it: one
    # at a time, each on the message as Slack holds it now, not the clicker's stale copy.
    async with deps.lock(f"message:{posted.channel}:{posted.ts}"):
        current = await _current_message(deps, posted) or clicked
        if current is None:
            log.warning("message to edit not found channel=%s ts=%s", posted.channel, posted.ts)
            return
        blocks = edit(list(current.get("blocks") or []))
        try:
            await deps.client.chat_update(
                channel=posted.channel,
                ts=posted.ts,
                text=current.get("text") or "Scout",
                blocks=blocks,
            )
        except SlackApiError as error:
            log.error("could not edit the message error=%s", error.response.get("error"))


async def _current_message(deps: Deps, posted: MessageRef) -> dict[str, Any] | None:
    """The message as Slack holds it now (None: it could not be read)."""
    try:
        if posted.thread_ts != posted.ts:
            response = await deps.client.conversations_replies(
                channel=posted.channel, ts=posted.thread_ts, latest=posted.ts,
                oldest=posted.ts, inclusive=True, limit=10,
            )  # fmt: skip
        else:
            response = await deps.client.conversations_history(
                channel=posted.channel, latest=posted.ts, oldest=posted.ts, inclusive=True, limit=1
            )
    except SlackApiError as error:
        log.warning("could not read the message back error=%s", error.response.get("error"))
        return None
    for held in response.get("messages") or ():
        if held.get("ts") == posted.ts:
            return dict(held)
    return None


async def _mark_chosen(deps: Deps, body: dict[str, Any], note: str) -> None:
    """Replace the clarification buttons with who chose what, so the question is closed."""
    message = body.get("message")
    if not message:
        return
    blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
        if b.get("block_id") == "scout_clarification"
        else b
        for b in message.get("blocks") or []
    ]
    try:
        await deps.client.chat_update(
            channel=body["channel"]["id"],
            ts=message["ts"],
            text=message.get("text") or "Scout",
            blocks=blocks,
        )
    except SlackApiError as error:
        log.warning("could not close the clarification error=%s", error.response.get("error"))
