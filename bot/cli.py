"""The `scout` command: one entry point, subcommands registered from bot/commands/."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from agent.errors import UserError, WarehouseError
from bot.commands import COMMAND_MODULES, COMMANDS

log = logging.getLogger("scout")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with full arguments only for the command in `argv` (None: all of them)."""
    parser = argparse.ArgumentParser(
        prog="scout", description="Scout: an analyst that lives in Slack (and your terminal)."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _requested(argv)
    modules = COMMAND_MODULES if argv is None else [COMMANDS[wanted][0]] if wanted else []
    for name in modules:
        importlib.import_module(f"bot.commands.{name}").register(sub)
    for command, (_, text) in COMMANDS.items():
        if command not in sub.choices:  # listed in --help; its module is never imported
            sub.add_parser(command, help=text)
    return parser


def _requested(argv: Sequence[str] | None) -> str | None:
    """The subcommand named in `argv`, if any (the first word that is not an option)."""
    for word in argv or ():
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def _say(markup: str) -> None:
    """An error line on stderr. Rich loads only here: `scout parse --json` and `--help`
    never pay its import (a tenth of a second)."""
    from rich.console import Console

    Console(stderr=True).print(markup, highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except UserError as error:
        _say(f"[bold red]Scout:[/] {error.friendly}")
        return 2
    except WarehouseError as error:
        # Every command reads the warehouse; an unreachable or failing one is the user's to fix
        # (a path, a URL, a server), so say what failed instead of apologising.
        log.debug("command %s: warehouse error", args.command, exc_info=True)
        _say(f"[bold red]Scout:[/] the warehouse could not answer: {error}")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: a polite message, details with -v
        log.debug("command %s failed", args.command, exc_info=True)
        _say(
            f"[bold red]Scout:[/] something went wrong on my side ({type(error).__name__}: "
            f"{error}). Run with -v for the details."
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
