"""The answer flow shared by mentions, DMs, /scout, assistant threads and button clicks.

Show that Scout is working, call the core off the request path, post the rendered reply in
the thread with its charts and files, and turn any failure into a polite message in the
thread with the details in the logs. Each replica analyses at most
`slack.max_concurrent_analyses` questions at once; the others wait their turn in arrival
order, and their placeholder says how many requests are ahead of theirs.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, assert_never, runtime_checkable

from slack_sdk.errors import SlackApiError, SlackObjectFormationError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from agent.audience import Private, Public
from agent.domain import Finding
from agent.errors import UserError
from agent.views import echoed_question
from bot.audience import route_answer
from bot.blocks import (
    MAX_PLAIN,
    FileUpload,
    Message,
    answer_message,
    error_message,
    escape,
    mention,
    progress_message,
    truncate,
)
from bot.core import MessageRef, Progress, ProposalMessages, Reply, ThreadRef
from bot.listeners.common import CANCELLED_GRACE_S, BackgroundWork, Deps
from bot.posting import Post, PostUncertain, find_post, new_key, post_once
from bot.settings import NO_APPROVERS

log = logging.getLogger("scout.slack")

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
SORRY = (
    "Sorry, something went wrong on my side while working on that. "
    "The details are in Scout's logs; please try again in a moment."
)
RESTARTED = "Scout was restarted before this answer was ready — please ask again."
# The channel's side of an answer sent privately (agent.audience decided someone there may not
# see its data); the asker's copy says where it was asked.
SENT_PRIVATELY = "Sent to {asker} privately: this answer has data not everyone here may see."
NOT_SENT = (
    "This answer has data not everyone here may see, so it is not posted here. "
    "Ask me in a direct message to see it."
)
ASKED_IN = "You asked in a channel where not everyone may see this data, so I answered here."

CoreCall = Callable[[Progress], Awaitable[Reply]]


@runtime_checkable
class AnswerEvidence(Protocol):
    """A core that remembers which findings each posted answer showed (survives restarts)."""

    async def remember_answer(self, thread: ThreadRef, message_ts: str) -> None:
        """The answer just posted as `message_ts` showed the thread's latest findings."""
        ...

    async def answer_evidence(self, thread: ThreadRef, message_ts: str) -> tuple[Finding, ...]:
        """The findings, with their SQL, behind the answer posted as `message_ts`."""
        ...


async def evidence_for(
    deps: Deps, thread: ThreadRef, message_ts: str
) -> tuple[Finding, ...] | None:
    """The findings behind a message for "Show SQL": the recent-answer cache, else memory."""
    cached = deps.answers.get(thread.channel, message_ts)
    if cached is not None:
        return cached
    if not isinstance(deps.core, AnswerEvidence):
        return None
    try:
        found = await deps.core.answer_evidence(thread, message_ts)
    except Exception:
        log.exception("loading evidence failed thread=%s", thread.key)
        return None
    return found or None


@dataclass(frozen=True)
class Ticket:
    """A place in the analysis queue: how many requests were ahead of it when it arrived,
    and the future that is resolved when its turn comes (None: it started at once)."""

    ahead: int
    turn: asyncio.Future[None] | None = None

    async def wait(self) -> bool:
        """Until this request may run; True if it had to wait for its turn."""
        if self.turn is None:
            return False
        await self.turn
        return True


class AnalysisQueue:
    """At most `limit` analyses at once in this replica; the rest wait in arrival order.

    A semaphore would bound them too, but cannot say where a request stands, and people
    waiting behind a burst of questions should see that Scout heard them.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.running = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(not turn.cancelled() for turn in self._waiting)

    @asynccontextmanager
    async def ticket(self) -> AsyncIterator[Ticket]:
        """Take a place now (before any await, so arrival order holds); free it on exit."""
        ticket = self._enter()
        try:
            yield ticket
        finally:
            self._leave(ticket)

    def _enter(self) -> Ticket:
        if self.running < self.limit and not self.waiting:
            self.running += 1
            return Ticket(ahead=0)
        ahead = self.running + self.waiting
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        return Ticket(ahead=ahead, turn=turn)

    def _leave(self, ticket: Ticket) -> None:
        turn = ticket.turn
        if turn is not None and (not turn.done() or turn.cancelled()):
            # Gone before its turn came (shutdown cancelled it): it never held a slot.
            turn.cancel()
            self._wake()
            return
        self.running -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiting and (self._waiting[0].cancelled() or self.running < self.limit):
            turn = self._waiting.popleft()
            if not turn.cancelled():
                self.running += 1
                turn.set_result(None)


# One queue per adapter runtime (its BackgroundWork), made on first use from its settings.
_queues: weakref.WeakKeyDictionary[BackgroundWork, AnalysisQueue] = weakref.WeakKeyDictionary()


def analysis_queue(deps: Deps) -> AnalysisQueue:
    """This replica's analysis queue (`slack.max_concurrent_analyses` at once)."""
    queue = _queues.get(deps.work)
    if queue is None:
        queue = _queues[deps.work] = AnalysisQueue(deps.settings.max_concurrent_analyses)
    return queue


def waiting_line(ahead: int) -> str:
    """ "Queued: 3 requests ahead of yours" (the placeholder and the assistant status)."""
    return f"Queued: {ahead} request{'s' if ahead != 1 else ''} ahead of yours"


def queued_message(question: str, ahead: int) -> Message:
    """The placeholder of a request waiting for a free analysis slot."""
    line = (
        f":hourglass: {waiting_line(ahead)}. I will start on "
        f"_{escape(truncate(echoed_question(question), 300))}_ as soon as they are done."
    )
    text = f"{waiting_line(ahead)}. Scout will start on it as soon as they are done."
    return Message(text=text, blocks=(SectionBlock(text=MarkdownTextObject(text=line)),))


class PlaceholderProgress:
    """A message in the thread edited in place as plan steps complete (throttled)."""

    def __init__(self, deps: Deps, thread: ThreadRef, question: str) -> None:
        self.deps, self.thread, self.question = deps, thread, question
        self.steps: list[str] = []
        self.ts: str | None = None
        # The placeholder's post while its fate is unknown (Slack may hold it): looked up
        # again before the answer, which then edits it rather than strand it.
        self.unsettled: Post | None = None
        self._last = 0.0

    async def start(self, ahead: int = 0) -> None:
        """Post the placeholder: the progress, or the request's place in the queue."""
        if ahead:
            message = queued_message(self.question, ahead)
        else:
            message = progress_message(self.question, [])
        post = Post(
            channel=self.thread.channel,
            thread_ts=self.thread.thread_ts,
            text=message.text,
            blocks=message.blocks_json(),
            key=new_key("placeholder"),
        )
        try:
            self.ts = await post_once(self.deps.client, post)
        except PostUncertain as error:
            # Progress is cosmetic: the analysis goes on, and the answer settles it.
            log.warning("placeholder unsettled thread=%s error=%s", self.thread.key, error)
            self.unsettled = post
        self._last = time.monotonic()

    async def settled_ts(self) -> str | None:
        """The placeholder's ts for the answer to edit: known, found now, or None (never
        posted, or Slack still cannot say; the answer is then posted on its own)."""
        if self.ts is None and self.unsettled is not None:
            try:
                self.ts = await find_post(self.deps.client, self.unsettled)
                self.unsettled = None
            except PostUncertain as error:
                log.warning("placeholder still unknown thread=%s error=%s", self.thread.key, error)
        return self.ts

    async def begin(self) -> None:
        """Its turn came: the queue notice becomes the usual progress."""
        if self.ts is None:
            return
        await self._show_progress()

    async def __call__(self, step: str) -> None:
        self.steps.append(step)
        if self.ts is None or time.monotonic() - self._last < self.deps.settings.progress_interval:
            return
        await self._show_progress()

    async def _show_progress(self) -> None:
        assert self.ts is not None
        self._last = time.monotonic()
        message = progress_message(self.question, self.steps)
        try:
            await self.deps.client.chat_update(
                channel=self.thread.channel,
                ts=self.ts,
                text=message.text,
                blocks=message.blocks_json(),
            )
        except SlackApiError as error:  # progress is cosmetic; the answer still comes
            log.warning("progress update failed thread=%s error=%s", self.thread.key, error)


class AssistantProgress:
    """The assistant thread's native status line ("is working on …")."""

    def __init__(self, deps: Deps, thread: ThreadRef) -> None:
        self.deps, self.thread = deps, thread
        self._last = 0.0

    async def set(self, status: str) -> None:
        try:
            await self.deps.client.assistant_threads_setStatus(
                channel_id=self.thread.channel, thread_ts=self.thread.thread_ts, status=status
            )
        except SlackApiError as error:
            log.warning("setStatus failed thread=%s error=%s", self.thread.key, error)

    async def __call__(self, step: str) -> None:
        if time.monotonic() - self._last < self.deps.settings.progress_interval:
            return
        self._last = time.monotonic()
        await self.set(f"is working: {step[:80]}")


async def run_answer(
    deps: Deps,
    thread: ThreadRef,
    question: str,
    call: CoreCall,
    *,
    assistant: bool = False,
    asker: str | None = None,
) -> None:
    """Show progress (or the place in the queue), run `call` (the core) when a slot is free,
    and answer in the thread whatever happens; an answer with data someone in the channel may
    not see goes to `asker` privately, and the thread gets a short note."""
    started = time.monotonic()
    placeholder: PlaceholderProgress | None = None
    progress: Progress
    async with analysis_queue(deps).ticket() as ticket:
        try:
            if assistant:
                status = AssistantProgress(deps, thread)
                await status.set(waiting_line(ticket.ahead) if ticket.ahead else "is analysing…")
                progress = status
            else:
                placeholder = PlaceholderProgress(deps, thread, question)
                await placeholder.start(ticket.ahead)
                progress = placeholder
            if await ticket.wait():
                log.info("queued answer starts thread=%s ahead=%d", thread.key, ticket.ahead)
                await (placeholder.begin() if placeholder else status.set("is analysing…"))
            reply = await call(progress)
        except UserError as error:
            reply = Reply(error=error.friendly)
        except Exception:
            log.exception("answer failed thread=%s", thread.key)
            reply = Reply(error=SORRY)
        except asyncio.CancelledError:
            # Shutdown outlasted its grace: the asker should not watch "working…" forever.
            await say_restarted(deps, thread, placeholder, assistant=assistant)
            raise
    # The slot is free once the analysis is: posting and chart uploads wait on Slack, not CPU.
    replace_ts = await placeholder.settled_ts() if placeholder else None
    match await route_answer(deps, thread, reply):
        case Private(reason=reason):
            await answer_privately(deps, thread, reply, asker, replace_ts, reason)
            return
        case Public():
            pass
        case unreachable:
            assert_never(unreachable)
    try:
        posted_ts = await post_reply(
            deps,
            thread.channel,
            reply,
            thread_ts=thread.thread_ts,
            replace_ts=replace_ts,
        )
        if reply.findings:
            await remember_answer(deps, thread, posted_ts)
        log.info(
            "answered thread=%s findings=%d actions=%d error=%s seconds=%.2f",
            thread.key,
            len(reply.findings),
            len(reply.actions),
            bool(reply.error),
            time.monotonic() - started,
        )
    except PostUncertain:
        # Slack may hold the answer and cannot say: a second copy would be worse than none.
        log.exception("the answer's post stayed unknown thread=%s", thread.key)
    except Exception:
        log.exception("posting the answer failed thread=%s", thread.key)
        if not await post_plain(deps, thread, reply, replace_ts):
            await post_error(deps, thread, SORRY)


async def answer_privately(
    deps: Deps,
    thread: ThreadRef,
    reply: Reply,
    asker: str | None,
    replace_ts: str | None,
    reason: str,
) -> None:
    """Send `reply` to the asker in a DM and leave a short note in the thread instead.

    A DM rather than an ephemeral message: it keeps the charts and files (an ephemeral message
    cannot carry uploads), survives a reload, and its buttons keep working. Nothing of the
    answer reaches the channel, even when the DM fails: the note then says to ask in a DM.
    """
    log.info("answer sent privately thread=%s asker=%s reason=%s", thread.key, asker, reason)
    sent = False
    if asker:
        try:
            opened = await deps.client.conversations_open(users=asker)
            dm = str((opened.get("channel") or {})["id"])
            cleaned = reply.cleaned()
            message = answer_message(cleaned).with_note(ASKED_IN)
            await post_reply(deps, dm, cleaned, message=message)
            sent = True
        except Exception:
            log.exception("could not send the answer privately thread=%s", thread.key)
    text = SENT_PRIVATELY.format(asker=mention(asker)) if sent else NOT_SENT
    note = Message(text=text, blocks=())
    try:
        await send_message(deps.client, thread.channel, note, thread.thread_ts, replace_ts)
    except Exception:
        log.exception("could not leave the private-answer note thread=%s", thread.key)


async def say_restarted(
    deps: Deps, thread: ThreadRef, placeholder: PlaceholderProgress | None, *, assistant: bool
) -> None:
    """Replace the placeholder (or, in an assistant thread, follow the status) with a short,
    honest note that the answer is not coming; bounded, as the process is on its way out."""
    log.warning("answer cut off by shutdown thread=%s", thread.key)
    message = error_message(RESTARTED)
    try:
        async with asyncio.timeout(CANCELLED_GRACE_S):
            ts = await placeholder.settled_ts() if placeholder is not None else None
            if ts is not None:
                await deps.client.chat_update(
                    channel=thread.channel,
                    ts=ts,
                    text=message.text,
                    blocks=message.blocks_json(),
                )
            elif assistant:
                await post_error(deps, thread, RESTARTED)
    except Exception:
        log.exception("could not leave the restart note thread=%s", thread.key)


async def post_reply(
    deps: Deps,
    channel: str,
    reply: Reply,
    *,
    thread_ts: str | None = None,
    replace_ts: str | None = None,
    message: Message | None = None,
) -> str:
    """Post (or edit `replace_ts` into) the rendered reply, then its charts and files.

    Returns the ts of the message. Charts are uploaded into the message's thread.
    """
    # Data reaches the answer (labels, table cells, the CSV): redacted and made inert before
    # anything of it is rendered, cached for Show SQL or uploaded.
    reply = reply.cleaned()
    message = message or answer_message(reply)
    if not deps.settings.has_approvers and any(p.open and p.needs_approval for p in reply.actions):
        message = message.with_note(NO_APPROVERS)
    if replace_ts is not None:
        # Cached before the edit lands: a click on "Show SQL" can arrive the moment it does.
        deps.answers.put(channel, replace_ts, reply.findings)
    try:
        ts = await send_message(deps.client, channel, message, thread_ts, replace_ts)
    except (SlackApiError, SlackObjectFormationError) as error:
        reason = rejection(error)
        if reason is None:
            raise
        log.warning(
            "slack refused the answer's blocks channel=%s error=%s; sending it as plain text",
            channel,
            reason,
        )
        message = message.simplified()
        ts = await send_message(deps.client, channel, message, thread_ts, replace_ts)
        log.info("answered in plain text channel=%s ts=%s", channel, ts)
    deps.answers.put(channel, ts, reply.findings)
    await remember_proposals(
        deps, reply, MessageRef(channel=channel, ts=ts, thread_ts=thread_ts or ts)
    )
    files = chart_uploads(reply) + list(message.files)
    await upload_files(deps.client, channel, thread_ts or ts, files)
    return ts


async def send_message(
    client: AsyncWebClient,
    channel: str,
    message: Message,
    thread_ts: str | None,
    replace_ts: str | None,
) -> str:
    """Post `message` (or edit it into `replace_ts`); the ts of the message."""
    # An empty list clears the blocks of the message being edited (the placeholder's);
    # a new post without blocks simply sends none.
    blocks = message.blocks_json() if message.blocks else None
    if replace_ts is not None:
        await client.chat_update(
            channel=channel, ts=replace_ts, text=message.text, blocks=blocks or []
        )
        return replace_ts
    post = Post(
        channel=channel,
        thread_ts=thread_ts,
        text=message.text,
        blocks=blocks,
        key=new_key("answer"),
    )
    return await post_once(client, post)


def rejection(error: Exception) -> str | None:
    """Why Slack (or slack_sdk, before sending) refused a message as built; None when the
    failure was something else (a missing channel, a rate limit) that text would hit too."""
    if isinstance(error, SlackObjectFormationError):
        return f"invalid_blocks (rejected before sending: {error})"
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", ""))
        return code if code in REJECTED_BLOCKS else None
    return None


async def remember_answer(deps: Deps, thread: ThreadRef, message_ts: str) -> None:
    if not isinstance(deps.core, AnswerEvidence):
        return
    try:
        await deps.core.remember_answer(thread, message_ts)
    except Exception:  # Show SQL falls back to the thread's latest answer
        log.exception("could not remember the answer's findings thread=%s", thread.key)


async def remember_proposals(deps: Deps, reply: Reply, message: MessageRef) -> None:
    """Note where open proposals were posted, so deciding from App Home settles them here."""
    if not isinstance(deps.core, ProposalMessages):
        return
    for proposed in reply.actions:
        if proposed.open:
            try:
                await deps.core.remember_proposal_message(proposed.approval_id, message)
            except Exception:  # the buttons work regardless; only the App Home echo is lost
                log.exception("could not remember proposal message id=%s", proposed.approval_id)


def chart_uploads(reply: Reply) -> list[tuple[int, Reply] | FileUpload]:
    """The reply's charts, to render and upload after its message."""
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


async def post_plain(deps: Deps, thread: ThreadRef, reply: Reply, replace_ts: str | None) -> bool:
    """Posting the answer failed after `post_reply` (which already turns refused blocks into
    plain text) gave up: a rate limit that outlasted the retries, a broken connection, a bug.
    The reply's sentences, rendered without the renderer, so it is never lost. False if that
    failed too."""
    text = truncate(escape(reply.cleaned().plain_text()) or SORRY, MAX_PLAIN)
    try:
        if replace_ts is not None:
            await deps.client.chat_update(
                channel=thread.channel, ts=replace_ts, text=text, blocks=[]
            )
        else:
            post = Post(
                channel=thread.channel, thread_ts=thread.thread_ts, text=text, key=new_key("answer")
            )
            await post_once(deps.client, post)
    except PostUncertain:
        # It may be in the thread: an apology after it would contradict it.
        log.exception("the plain answer's post stayed unknown thread=%s", thread.key)
        return True
    except Exception:
        log.exception("posting the plain answer failed thread=%s", thread.key)
        return False
    log.info("answered in plain text thread=%s", thread.key)
    return True


async def post_error(deps: Deps, thread: ThreadRef, text: str) -> None:
    """Last resort: a short apology in the thread; if even that fails, the log has it all."""
    message = error_message(text)
    post = Post(
        channel=thread.channel,
        thread_ts=thread.thread_ts,
        text=message.text,
        blocks=message.blocks_json(),
        key=new_key("error"),
    )
    try:
        await post_once(deps.client, post)
    except Exception:
        log.exception("could not post the error message thread=%s", thread.key)
