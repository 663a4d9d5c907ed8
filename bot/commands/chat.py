"""`scout chat`: the conversation in a terminal (follow-ups, clarifications, approvals, charts)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
from pathlib import Path

from rich.console import Console

from bot.commands.agent_args import add_agent_args, service_from
from bot.terminal import ChatSession, chat_loop


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("chat", help="talk to Scout in the terminal (reads stdin)")
    add_agent_args(parser)
    parser.add_argument("--as", dest="user", default=None, help="your user id (default: $USER)")
    parser.add_argument("--charts", metavar="DIR", default="scout-charts", help="chart folder")
    parser.add_argument("--sql", action="store_true", help="show the SQL behind every number")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    user = args.user or _user()

    async def main() -> int:
        service = await service_from(args, out_dir=Path(args.charts), local_approver=user)
        try:
            session = ChatSession(
                service=service,
                console=Console(),
                user=user,
                charts_dir=Path(args.charts),
                show_sql=args.sql,
            )
            return await chat_loop(session)
        finally:
            await service.aclose()

    return asyncio.run(main())


def _user() -> str:
    try:
        return getpass.getuser() or "you"
    except OSError:
        return "you"
