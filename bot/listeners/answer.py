"""The answer flow shared by mentions, DMs, /scout, assistant threads and button clicks.

Show that Scout is working, call the core off the request path, post the rendered reply in
the thread with its charts and files, and turn any failure into a polite message in the
thread with the details in the logs. Each replica analyses at most
`slack.max_concurrent_analyses` questions at once; the others wait their turn in arrival
order, and their placeholder says how many requests are ahead of theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Protocol, assert_never, runtime_checkable

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from agent.audience import Private, Public
from agent.domain import Finding
from agent.errors import UserError
from agent.views import PlanAhead, ProgressView
from bot.audience import route_answer
from bot.blocks import (
    Message,
    assistant_status,
    echo,
    error_message,
    progress_message,
    quote,
)
from bot.core import (
    AnswerPlace,
    MessageRef,
    Progress,
    ProposalMessages,
    Published,
    Reply,
    ThreadRef,
)
from bot.listeners.common import CANCELLED_GRACE_S, BackgroundWork, Deps
from bot.notifier import REJECTED_BLOCKS
from bot.posting import Post, PostUncertain, find_post, new_key, post_once
from bot.settings import NO_APPROVERS

log = logging.getLogger("scout.slack")

SORRY = (
    "Sorry, something went wrong on my side while working on that. "
    "The details are in Scout's logs; please try again in a moment."
)
RESTARTED = "Scout was restarted before this answer was ready — please ask again."
# The channel's side of an answer sent privately (agent.audience decided someone there may not
# see its data); the asker's copy says where it was asked.
SENT_PRIVATELY = "Sent privately to the person who asked: it has data not everyone here may see."
NOT_SENT = (
    "This answer has data not everyone here may see, so it is not posted here. "
    "Ask me in a direct message to see it."
)
ASKED_IN = "You asked in a channel where not everyone may see this data, so I answered here."
PAUSED = "Scout is paused, so this answer was not posted. Ask again once it is resumed."
NOT_POSTED = "Sorry, I could not post this answer{why}; {kept}. Please try again in a moment."

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
        f":hourglass: {waiting_line(ahead)}. I will start on this as soon as they are done:\n"
        + quote(echo(question))
    )
    text = f"{waiting_line(ahead)}. Scout will start on it as soon as they are done."
    return Message(text=text, blocks=(SectionBlock(text=MarkdownTextObject(text=line)),))


class PlaceholderProgress:
    """A message in the thread edited in place as the work goes: once the core announces its
    plan, every planned step with its state (done, running, to do), else the steps so far.

    Edits are at most one per `progress_interval`; a change that comes sooner is shown when
    the interval is up (the step that starts a long analysis is the one worth seeing), unless
    the answer has taken the placeholder by then (`settled_ts`).
    """

    def __init__(self, deps: Deps, thread: ThreadRef, question: str) -> None:
        self.deps, self.thread, self.question = deps, thread, question
        self.view = ProgressView()
        self.ts: str | None = None
        # The placeholder's post while its fate is unknown (Slack may hold it): looked up
        # again before the answer, which then edits it rather than strand it.
        self.unsettled: Post | None = None
        self._last = 0.0
        self._native = True  # Slack's plan block, until Slack refuses it
        self._closed = asyncio.Event()  # the answer (or a restart note) takes the message
        self._later: asyncio.Task[None] | None = None

    async def start(self, ahead: int = 0) -> None:
        """Post the placeholder: the progress, or the request's place in the queue."""
        if ahead:
            message = queued_message(self.question, ahead)
        else:
            message = progress_message(self.question, self.view)
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
        posted, or Slack still cannot say; the answer is then posted on its own).

        From here on the message is the answer's: no progress edit follows, and one under
        way finishes first, so it cannot land over the answer."""
        self._closed.set()
        if self._later is not None:
            await self._later
        if self.ts is None and self.unsettled is not None:
            try:
                self.ts = await find_post(self.deps.client, self.unsettled)
                self.unsettled = None
            except PostUncertain as error:
                log.warning("placeholder still unknown thread=%s error=%s", self.thread.key, error)
        return self.ts

    async def begin(self) -> None:
        """Its turn came: the queue notice becomes the usual progress."""
        if self.ts is None or self._closed.is_set():
            return
        await self._show_progress()

    async def __call__(self, step: str) -> None:
        self.view = self.view.step(step)
        await self._changed()

    async def plan(self, ahead: PlanAhead) -> None:
        """The core's plan: shown whole, each step marked as the core reports it."""
        self.view = self.view.planned(ahead)
        await self._changed()

    async def _changed(self) -> None:
        if self.ts is None or self._closed.is_set():
            return
        wait = self._last + self.deps.settings.progress_interval - time.monotonic()
        if wait <= 0:
            await self._show_progress()
        elif self._later is None or self._later.done():
            self._later = asyncio.create_task(self._show_later(wait))

    async def _show_later(self, wait: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self._closed.wait()
        if self._closed.is_set():
            return
        try:
            await self._show_progress()
        except Exception:  # awaited by the answer, which must go out whatever happened here
            log.warning("late progress update failed thread=%s", self.thread.key, exc_info=True)

    async def _show_progress(self) -> None:
        assert self.ts is not None
        self._last = time.monotonic()
        message = progress_message(self.question, self.view, native=self._native)
        try:
            await self._edit(message)
        except SlackApiError as error:  # progress is cosmetic; the answer still comes
            code = error.response.get("error")
            if self._native and self.view.plan and code in REJECTED_BLOCKS:
                # This workspace (or client) does not take the plan block: marked lines then.
                log.info("plan block refused thread=%s error=%s", self.thread.key, code)
                self._native = False
                await self._show_progress()
                return
            log.warning("progress update failed thread=%s error=%s", self.thread.key, error)

    async def _edit(self, message: Message) -> None:
        assert self.ts is not None
        await self.deps.client.chat_update(
            channel=self.thread.channel,
            ts=self.ts,
            text=message.text,
            blocks=message.blocks_json(),
        )


class AssistantProgress:
    """The assistant thread's native status line: "is working on step 2 of 3: …" once the
    core has announced its plan, else the latest step."""

    def __init__(self, deps: Deps, thread: ThreadRef) -> None:
        self.deps, self.thread = deps, thread
        self.view = ProgressView()
        self._last = 0.0

    async def set(self, status: str) -> None:
        try:
            await self.deps.client.assistant_threads_setStatus(
                channel_id=self.thread.channel, thread_ts=self.thread.thread_ts, status=status
            )
        except SlackApiError as error:
            log.warning("setStatus failed thread=%s error=%s", self.thread.key, error)

    async def plan(self, ahead: PlanAhead) -> None:
        # The status line has room for one step: the plan shows in its count ("2 of 3").
        self.view = self.view.planned(ahead)

    async def __call__(self, step: str) -> None:
        self.view = self.view.step(step)
        # A planned step always shows (a plan is a handful of steps, and the one that starts
        # a long analysis is the one worth seeing); other steps at most once per interval.
        planned = step in self.view.plan
        if not planned and time.monotonic() - self._last < self.deps.settings.progress_interval:
            return
        self._last = time.monotonic()
        await self.set(assistant_status(self.view, step))


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
            await say_restarted(deps, thread, placeholder, asker=asker)
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
    place = AnswerPlace(
        channel=thread.channel,
        thread_ts=thread.thread_ts,
        replaces=replace_ts,
        asker=asker,
        key=new_key("answer"),
    )
    try:
        published = await send_reply(deps, reply, place)
        if published.message is not None and reply.findings:
            await remember_answer(deps, thread, published.message.ts)
    except Exception:  # a bug between the core and Slack: the asker hears, the log has it
        log.exception("answering failed thread=%s", thread.key)
        published = Published(status="failed", reason="")
    log.info(
        "answered thread=%s status=%s findings=%d actions=%d error=%s seconds=%.2f",
        thread.key,
        published.status,
        len(reply.findings),
        len(reply.actions),
        bool(reply.error),
        time.monotonic() - started,
    )
    if not published.delivered:
        await tell_asker(deps, thread, asker, replace_ts, undelivered_note(published))


async def send_reply(deps: Deps, reply: Reply, place: AnswerPlace) -> Published:
    """Hand `reply` to the core's actor for `place`, the one road out for answers; remember
    what Show SQL and App Home need of the message it became."""
    # Data reaches the answer (labels, table cells, the CSV): redacted and made inert before
    # anything of it is cached for Show SQL or handed on.
    reply = reply.cleaned()
    if not deps.settings.has_approvers and any(p.open and p.needs_approval for p in reply.actions):
        reply = replace(reply, notes=(*reply.notes, NO_APPROVERS))
    if place.replaces is not None:
        # Cached before the edit lands: a click on "Show SQL" can arrive the moment it does.
        deps.answers.put(place.channel, place.replaces, reply.findings)
    published = await deps.core.answer_out(reply, place)
    message = published.message
    if message is not None:
        deps.answers.put(message.channel, message.ts, reply.findings)
        await remember_proposals(deps, reply, message)
    return published


def undelivered_note(published: Published) -> str:
    """What the asker is told when their answer did not reach the thread ("" for nothing)."""
    if published.status == "deduplicated":
        return ""  # it is there already
    if published.refusal == "paused":
        return PAUSED
    if published.status in ("refused", "pending_approval"):
        return f"I could not post this answer: {published.reason}"
    if published.status == "executed":
        return ""  # delivered by something other than Slack (recorded in the outbox)
    # Say where it is kept only when it is: a failure before the actor wrote it (memory
    # down) leaves no outbox row, only the logs.
    kept = "Scout's outbox has it" if published.outbox_ids else "the details are in Scout's logs"
    why = f" ({published.reason.rstrip('.')})" if published.reason else ""
    return NOT_POSTED.format(why=why, kept=kept)


async def tell_asker(
    deps: Deps, thread: ThreadRef, asker: str | None, placeholder_ts: str | None, text: str
) -> None:
    """A short note to the person who asked, when their answer is not coming: edited into
    the placeholder (it stood in for the answer), else shown only to them."""
    if not text:
        return
    message = error_message(text)
    try:
        if placeholder_ts is not None:
            await deps.client.chat_update(
                channel=thread.channel,
                ts=placeholder_ts,
                text=message.text,
                blocks=message.blocks_json(),
            )
        elif asker:
            await deps.client.chat_postEphemeral(
                channel=thread.channel, user=asker, thread_ts=thread.thread_ts, text=message.text
            )
    except Exception:
        log.exception("could not tell the asker thread=%s", thread.key)


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
            private = replace(reply, notes=(*reply.notes, ASKED_IN))
            place = AnswerPlace(channel=dm, asker=asker, key=new_key("answer"))
            sent = (await send_reply(deps, private, place)).delivered
        except Exception:
            log.exception("could not send the answer privately thread=%s", thread.key)
    note = AnswerPlace(
        channel=thread.channel,
        thread_ts=thread.thread_ts,
        replaces=replace_ts,
        asker=asker,
        key=new_key("note"),
    )
    published = await send_reply(deps, Reply(text=SENT_PRIVATELY if sent else NOT_SENT), note)
    if not published.delivered:
        await tell_asker(deps, thread, asker, replace_ts, undelivered_note(published))


async def say_restarted(
    deps: Deps,
    thread: ThreadRef,
    placeholder: PlaceholderProgress | None,
    *,
    asker: str | None,
) -> None:
    """Replace the placeholder (or, in an assistant thread, tell the asker) with a short,
    honest note that the answer is not coming; bounded, as the process is on its way out."""
    log.warning("answer cut off by shutdown thread=%s", thread.key)
    try:
        async with asyncio.timeout(CANCELLED_GRACE_S):
            ts = await placeholder.settled_ts() if placeholder is not None else None
            await tell_asker(deps, thread, asker, ts, RESTARTED)
    except Exception:
        log.exception("could not leave the restart note thread=%s", thread.key)


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
