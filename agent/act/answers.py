"""Answers to people's questions leave Scout the way everything else does: through the actor.

An answer is an `answer` action addressed to the conversation it was asked in. The actor
records it in the outbox (redacted), holds it while Scout is paused, delivers it once under
its key, and reports the message it became; the adapter only says where and renders it.
"""

from __future__ import annotations

import logging

from agent.act.ports import Act
from agent.act.records import ActResult
from agent.domain import Action, Refuse
from agent.errors import friendly
from agent.views import AnswerPlace, MessageRef, Published, Reply, ThreadRef

log = logging.getLogger("scout.act")

MAX_TEXT = 12000  # AnswerParams.text: the outbox keeps the answer's sentences up to this


def answer_title(reply: Reply) -> str:
    """A short line naming the answer in the outbox and the audit log."""
    if reply.view == "evidence":
        return "The SQL behind the answer"
    if reply.error:
        return "Could not answer"
    if reply.clarification is not None:
        return "A question back"
    lead = next((f.title for f in reply.findings if f.title), "") or "Answer"
    return lead[:200]


def answer_action(reply: Reply, place: AnswerPlace) -> Action:
    """The `answer` action for `reply` in `place` (its text is what the outbox records)."""
    body = reply.plain_text()
    params: dict[str, object] = {
        "channel": place.channel,
        "title": answer_title(reply),
        "text": body if len(body) <= MAX_TEXT else body[: MAX_TEXT - 1] + "…",
    }
    if place.thread_ts:
        params["thread"] = place.thread_ts
    if place.replaces:
        params["replaces"] = place.replaces
    if place.asker:
        params["asker"] = place.asker
    return Action(
        kind="answer",
        target=place.channel,
        params=params,
        priority=90,
        reason="answering the person who asked",
        key=place.key,
    )


async def send_answer(act: Act, reply: Reply, place: AnswerPlace) -> Published:
    """Propose the answer to the actor; what became of it, with the message it became."""
    action = answer_action(reply, place)
    try:
        result = await act.propose(action, requested_by=place.asker or "scout", content=reply)
    except Exception as error:  # memory down, a bug: the adapter tells the asker, briefly
        log.exception("answer_failed key=%s", place.key)
        why = friendly(error)
        result = ActResult(status="failed", decision=Refuse(reason=why, code="error"), reason=why)
    message = delivered_message(result, place.thread_ts)
    if result.status != "executed":
        log.warning("answer key=%s status=%s reason=%s", place.key, result.status, result.reason)
    return Published(
        status=result.status,
        reason=result.reason,
        where=ThreadRef(channel=message.channel, thread_ts=message.thread_ts) if message else None,
        outbox_ids=result.outbox_ids,
        message=message,
        refusal=result.decision.code if isinstance(result.decision, Refuse) else None,
    )


def delivered_message(result: ActResult, thread: str | None = None) -> MessageRef | None:
    """The message a post became, in a conversation people can reply in (`thread`: the one it
    joined); None when none did (held, failed, a DM, not Slack)."""
    delivery = result.delivery
    if result.status != "executed" or delivery is None or delivery.via != "slack":
        return None
    if not delivery.ref or not delivery.where:
        return None
    return MessageRef(channel=delivery.where, ts=delivery.ref, thread_ts=thread or delivery.ref)
