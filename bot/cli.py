"""The `scout` command: one entry point, subcommands registered from bot/commands/."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from rich.console import Console

from agent.errors import UserError, WarehouseError
from bot.commands import COMMAND_MODULES

log = logging.getLogger("scout")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scout", description="Scout: an analyst that lives in Slack (and your terminal)."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"bot.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
        Console(stderr=True).print(f"[bold red]Scout:[/] {error.friendly}", highlight=False)
        return 2
    except WarehouseError as error:
        # Every command reads the warehouse; an unreachable or failing one is the user's to fix
        # (a path, a URL, a server), so say what failed instead of apologising.
        log.debug("command %s: warehouse error", args.command, exc_info=True)
        Console(stderr=True).print(
            f"[bold red]Scout:[/] the warehouse could not answer: {error}", highlight=False
        )
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: a polite message, details with -v
        log.debug("command %s failed", args.command, exc_info=True)
        Console(stderr=True).print(
            f"[bold red]Scout:[/] something went wrong on my side ({type(error).__name__}: "
            f"{error}). Run with -v for the details.",
            highlight=False,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
