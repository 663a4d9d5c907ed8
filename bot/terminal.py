"""The conversation in a terminal: the same service as Slack, rendered with rich.

`ChatSession.handle(line)` takes one line a person typed: a question or follow-up (one
thread per session), a number answering a clarification, or a command (`approve ID`,
`reject ID reason`, `pending`, `quit`). Every one of them is a call to the application
service (agent/service.py); this module only renders. It works with stdin as a pipe, so
tests drive it.
"""

from __future__ import annotations

import asyncio
import re
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from agent.domain import Clarification, Finding
from agent.service import ScoutService
from agent.views import (
    ActionStatus,
    DecisionOutcome,
    MonitorReport,
    Progress,
    ProposedAction,
    Reply,
    ThreadRef,
    option_token,
)
from bot.console import goal_line, print_findings

_STATUS_STYLE = {
    ActionStatus.EXECUTED: "green",
    ActionStatus.PENDING: "yellow",
    ActionStatus.PROPOSED: "yellow",
    ActionStatus.REFUSED: "red",
    ActionStatus.FAILED: "red",
    ActionStatus.REJECTED: "red",
    ActionStatus.EXPIRED: "red",
    ActionStatus.QUEUED: "cyan",
    ActionStatus.DRY_RUN: "cyan",
}
HELP = (
    'Ask a question ("why did conversion drop in the Northeast?"), follow up in the same '
    'thread ("what about the West?"), answer a clarification with its number, or type '
    "`pending`, `approve ID`, `reject ID reason`, `new` (a fresh thread) or `quit`."
)


@asynccontextmanager
async def progress_on(console: Console, label: str = "Working…") -> AsyncIterator[Progress]:
    """A spinner on a terminal, or progress lines when output is piped."""
    if not console.is_terminal:

        async def printed(text: str) -> None:
            console.print(f"[dim]· {escape(text)}[/]", highlight=False)

        yield printed
        return
    with console.status(label) as live:

        async def spun(text: str) -> None:
            live.update(text)

        yield spun


def describe_action(proposed: ProposedAction) -> str:
    """`status: what happened`, coloured by status."""
    style = _STATUS_STYLE.get(proposed.status, "white")
    label = proposed.status.value.replace("_", " ")
    detail = f": {proposed.result}" if proposed.result else ""
    return f"[{style}]{escape(label + detail)}[/]"


def render_reply(
    console: Console, reply: Reply, *, charts_dir: Path | None = None, show_sql: bool = False
) -> dict[int, str]:
    """Print what an answer understood, found, proposed and could not do; returns chart paths."""
    if reply.goal is not None:
        console.print(f"[bold]Goal:[/] {goal_line(reply.goal)}", highlight=False)
    if reply.clarification is not None:
        render_clarification(console, reply.clarification)
    charts = write_charts(reply.findings, charts_dir) if charts_dir else {}
    print_findings(console, reply.findings, charts, show_sql=show_sql)
    for line in reply.text.splitlines():
        console.print(f"[magenta]Scout:[/] {escape(line)}", highlight=False, soft_wrap=True)
    render_actions(console, reply.actions)
    if reply.error:
        console.print(f"[bold red]Scout:[/] {escape(reply.error)}", highlight=False, soft_wrap=True)
    return charts


def render_actions(console: Console, actions: tuple[ProposedAction, ...]) -> None:
    for proposed in actions:
        action = proposed.action
        console.print(
            f"[bold]→ {action.kind}[/] {escape(action.target)}: {describe_action(proposed)}",
            highlight=False,
            soft_wrap=True,
        )


def render_report(
    console: Console, report: MonitorReport, *, charts_dir: Path | None = None
) -> None:
    """A monitor cycle: its counts, its findings, what it proposed and what went wrong."""
    console.print(
        f"[bold]Monitor cycle[/] {report.cycle_id}: {report.observations} observations "
        f"(confidence {report.confidence:.0%}), {len(report.new_anomalies)} new unusual "
        f"day(s), {len(report.updated_anomalies)} already reported, {report.movers} notable "
        f"segment movers, {len(report.actions)} action(s), {report.seconds:.1f} s.",
        highlight=False,
    )
    if not report.new_anomalies and not report.actions:
        console.print("Nothing new since the last check.")
    charts = write_charts(report.findings, charts_dir) if charts_dir else {}
    print_findings(console, report.findings, charts)
    render_actions(console, report.actions)
    for error in report.errors:
        console.print(f"[bold red]Scout:[/] {escape(error)}", highlight=False, soft_wrap=True)


def render_clarification(console: Console, clarification: Clarification) -> None:
    console.print(f"[yellow]{escape(clarification.question)}[/]", highlight=False)
    for number, option in enumerate(clarification.options, start=1):
        console.print(f"  {number}. {escape(option.label)}", highlight=False)
    console.print("[dim]Answer with the number.[/]")


def write_charts(findings: tuple[Finding, ...], out_dir: Path | None) -> dict[int, str]:
    """Charts as PNG files (shared with `scout ask`); an empty map without a folder."""
    if out_dir is None or not any(f.chart for f in findings):
        return {}
    from bot.commands.ask import write_charts as write  # matplotlib loads only when needed

    return write(findings, out_dir)


def render_decision(console: Console, verb: str, outcome: DecisionOutcome) -> None:
    proposed = outcome.action
    match outcome.kind:
        case "already_decided" if proposed is not None:
            by = f" by {proposed.decided_by}" if proposed.decided_by else ""
            text = f"already decided{by}: {describe_action(proposed)}"
        case _ if proposed is not None:
            text = describe_action(replace(proposed, result=outcome.message or proposed.result))
        case _:
            text = escape(outcome.message or outcome.kind)
    console.print(f"{verb}: {text}", highlight=False, soft_wrap=True)


@dataclass
class ChatSession:
    """One person's conversation: its thread, its pending clarification, the charts folder."""

    service: ScoutService
    console: Console
    user: str = "you"
    channel: str = "terminal"
    threads: int = 1
    charts_dir: Path | None = None
    show_sql: bool = False
    pending: Clarification | None = None
    answers: list[Reply] = field(default_factory=list)
    # This run's own id in its thread keys. Keys were `terminal:1` in every run, so a new
    # `scout chat` against the same memory answered "why?" or "per day please" about an
    # earlier run's question without a word (probe F, 8e); each run now starts afresh.
    session: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def thread(self) -> ThreadRef:
        return ThreadRef(channel=self.channel, thread_ts=f"{self.session}.{self.threads}")

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to stop."""
        text = line.strip()
        if not text:
            return True
        lowered = text.lower()
        if lowered in ("quit", "exit", "bye", ":q"):
            return False
        if lowered in ("?", "commands"):
            self.console.print(HELP, highlight=False)
            return True
        if lowered == "new":
            self.threads += 1
            self.pending = None
            self.console.print(f"[dim]New thread {self.thread.key}.[/]")
            return True
        if lowered == "pending":
            await self.show_pending()
            return True
        decided = re.match(r"^(approve|reject)\s+(\S+)\s*(.*)$", text, flags=re.IGNORECASE)
        if decided:
            await self.decide(decided.group(1).lower(), decided.group(2), decided.group(3))
            return True
        if self.pending is not None and text.isdigit():
            await self.choose(int(text))
            return True
        await self.ask(text)
        return True

    async def ask(self, text: str) -> Reply:
        async with progress_on(self.console, "Thinking…") as progress:
            reply = await self.service.ask(
                text, thread=self.thread, user=self.user, on_progress=progress
            )
        return self._show(reply)

    async def choose(self, number: int) -> None:
        assert self.pending is not None
        options = self.pending.options
        if not 1 <= number <= len(options):
            self.console.print(f"[red]Pick a number between 1 and {len(options)}.[/]")
            return
        token = option_token(number - 1, options[number - 1])
        self.pending = None
        async with progress_on(self.console, "Thinking…") as progress:
            reply = await self.service.choose(self.thread, token, self.user, progress)
        self._show(reply)

    def _show(self, reply: Reply) -> Reply:
        self.answers.append(reply)
        self.pending = reply.clarification
        # One folder per answer, so a later chart never overwrites an earlier one.
        folder = self.charts_dir / f"{len(self.answers):02d}" if self.charts_dir else None
        render_reply(self.console, reply, charts_dir=folder, show_sql=self.show_sql)
        return reply

    async def show_pending(self) -> None:
        waiting = await self.service.pending()
        if not waiting:
            self.console.print("No actions are waiting for approval.")
            return
        for item in waiting:
            self.console.print(
                f"[bold]{item.approval_id}[/] {item.action.kind} → {escape(item.action.target)}: "
                f"{escape(item.action.reason)} "
                f"[dim](needs approval: {escape(getattr(item.decision, 'reason', ''))})[/]",
                highlight=False,
                soft_wrap=True,
            )

    async def decide(self, verb: str, approval_id: str, reason: str) -> None:
        outcome = await self.service.decide(approval_id, self.user, verb == "approve", reason)
        if outcome.kind == "not_found":
            self.console.print(f"[red]No approval request {approval_id}.[/] Type `pending`.")
            return
        render_decision(self.console, verb, outcome)


async def chat_loop(session: ChatSession, stream: TextIO | None = None) -> int:
    """Read lines until end of input or `quit`; a prompt only when a person is typing."""
    source = stream or sys.stdin
    interactive = source.isatty()
    session.console.print(f"[bold]Scout[/] — {HELP}", highlight=False)
    session.console.print(
        f"[dim]A new conversation ({session.thread.key}): nothing from an earlier run carries "
        "over.[/]",
        highlight=False,
    )
    while True:
        if interactive:
            session.console.print("[bold cyan]you>[/] ", end="")
        line = await asyncio.to_thread(source.readline)
        if not line:
            return 0
        if not interactive:
            session.console.print(f"[bold cyan]you>[/] {escape(line.strip())}", highlight=False)
        if not await session.handle(line):
            return 0
