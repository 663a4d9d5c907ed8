"""The conversation in a terminal: the same cycles as Slack, rendered with rich.

`ChatSession.handle(line)` takes one line a person typed: a question or follow-up (one
thread per session), a number answering a clarification, or a command (`approve ID`,
`reject ID reason`, `pending`, `quit`). It works with stdin as a pipe, so tests drive it.
"""

from __future__ import annotations

import asyncio
import re
import sys
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.status import Status

from agent.act import ActResult
from agent.deps import Deps
from agent.domain import Clarification, Finding
from agent.loop import run_cycle
from agent.loop_parts import CycleResult, PersonAsked, Trigger
from agent.service import record_decision
from bot.console import goal_line, print_findings

_STATUS_STYLE = {
    "executed": "green",
    "pending_approval": "yellow",
    "refused": "red",
    "failed": "red",
    "deduplicated": "cyan",
    "dry_run": "cyan",
}
HELP = (
    'Ask a question ("why did conversion drop in the Northeast?"), follow up in the same '
    'thread ("what about the West?"), answer a clarification with its number, or type '
    "`pending`, `approve ID`, `reject ID reason`, `new` (a fresh thread) or `quit`."
)


async def run_with_status(
    deps: Deps, trigger: Trigger, console: Console, *, label: str = "Working…"
) -> CycleResult:
    """Run a cycle with a spinner on a terminal, or progress lines when output is piped."""
    live: Status | None = console.status(label) if console.is_terminal else None

    async def progress(text: str) -> None:
        if live is not None:
            live.update(text)
        else:
            console.print(f"[dim]· {escape(text)}[/]", highlight=False)

    manager: AbstractContextManager[Any] = live if live is not None else nullcontext()
    with manager:
        return await run_cycle(deps, trigger, progress=progress)


def describe_result(result: ActResult) -> str:
    style = _STATUS_STYLE.get(result.status, "white")
    return f"[{style}]{escape(result.describe())}[/]"


def render_cycle(
    console: Console, result: CycleResult, *, charts_dir: Path | None = None, show_sql: bool = False
) -> dict[int, str]:
    """Print what a cycle understood, found, did and could not do; returns chart paths."""
    if result.goal is not None:
        console.print(f"[bold]Goal:[/] {goal_line(result.goal)}", highlight=False)
    if result.goal is not None and result.goal.clarification is not None:
        render_clarification(console, result.goal.clarification)
    charts = write_charts(result.findings, charts_dir) if charts_dir else {}
    print_findings(console, result.findings, charts, show_sql=show_sql)
    for note in result.notes:
        console.print(f"[magenta]Memory:[/] {escape(note)}", highlight=False)
    for outcome in result.actions:
        action = outcome.action
        console.print(
            f"[bold]→ {action.kind}[/] {escape(action.target)}: {describe_result(outcome.result)}",
            highlight=False,
            soft_wrap=True,
        )
    for error in result.errors:
        console.print(f"[bold red]Scout:[/] {escape(error)}", highlight=False, soft_wrap=True)
    return charts


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


@dataclass
class ChatSession:
    """One person's conversation: a thread key, its pending clarification, the charts folder."""

    deps: Deps
    console: Console
    user: str = "you"
    thread: str = "terminal:1"
    charts_dir: Path | None = None
    show_sql: bool = False
    pending: Clarification | None = None
    threads: int = 1
    answers: list[CycleResult] = field(default_factory=list)

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
            self.thread, self.pending = f"terminal:{self.threads}", None
            self.console.print(f"[dim]New thread {self.thread}.[/]")
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

    async def ask(self, text: str, *, goal: Any = None) -> CycleResult:
        trigger = PersonAsked(text=text, thread_key=self.thread, user=self.user, goal=goal)
        result = await run_with_status(self.deps, trigger, self.console, label="Thinking…")
        self.answers.append(result)
        clarification = result.goal.clarification if result.goal else None
        self.pending = clarification
        # One folder per answer, so a later chart never overwrites an earlier one.
        folder = self.charts_dir / f"{len(self.answers):02d}" if self.charts_dir else None
        render_cycle(self.console, result, charts_dir=folder, show_sql=self.show_sql)
        return result

    async def choose(self, number: int) -> None:
        assert self.pending is not None
        options = self.pending.options
        if not 1 <= number <= len(options):
            self.console.print(f"[red]Pick a number between 1 and {len(options)}.[/]")
            return
        option = options[number - 1]
        self.pending = None
        await self.ask(option.goal.text or option.label, goal=option.goal)

    async def show_pending(self) -> None:
        waiting = await self.deps.act.pending()
        if not waiting:
            self.console.print("No actions are waiting for approval.")
            return
        for item in waiting:
            self.console.print(
                f"[bold]{item.id}[/] {item.action.kind} → {escape(item.action.target)}: "
                f"{escape(item.action.reason)} [dim](needs approval: {escape(item.reason)})[/]",
                highlight=False,
                soft_wrap=True,
            )

    async def decide(self, verb: str, approval_id: str, reason: str) -> None:
        from agent.act import ApprovalNotFound

        try:
            if verb == "approve":
                result = await self.deps.act.approve(approval_id, self.user)
            else:
                result = await self.deps.act.reject(approval_id, self.user, reason)
        except ApprovalNotFound:
            self.console.print(f"[red]No approval request {approval_id}.[/] Type `pending`.")
            return
        await record_decision(self.deps, approval_id, verb == "approve", result)
        self.console.print(f"{verb}: {describe_result(result)}", highlight=False, soft_wrap=True)


async def chat_loop(session: ChatSession, stream: TextIO | None = None) -> int:
    """Read lines until end of input or `quit`; a prompt only when a person is typing."""
    source = stream or sys.stdin
    interactive = source.isatty()
    session.console.print(f"[bold]Scout[/] — {HELP}", highlight=False)
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
