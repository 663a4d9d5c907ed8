"""Arguments shared by the commands that read the warehouse: where it is, what day it is."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from agent.act.ports import utc_now
from agent.analyses import AnalysisContext
from agent.config import load_config
from agent.errors import UserError
from agent.semantic import load_semantic
from agent.warehouse import open_warehouse


def add_source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        metavar="PATH|URL",
        help="DuckDB file, SQLAlchemy URL or sc://host:port (Spark Connect)",
    )
    parser.add_argument("--semantic", metavar="PATH", help="semantic.yml (default: the repo's)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="pretend today is this date")


def parse_date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag} {text!r} is not a date.", hint="Write it as YYYY-MM-DD.") from None


def add_now(parser: argparse.ArgumentParser) -> None:
    """`--now`: the moment an acting command believes it is (replaying a day's steps)."""
    parser.add_argument(
        "--now",
        metavar="YYYY-MM-DD[THH:MM]",
        help="pretend it is this moment, in UTC (default: the real time)",
    )


def clock_from(args: argparse.Namespace) -> Callable[[], datetime]:
    """The acting clock the arguments ask for: `--now` fixed, else the real UTC time."""
    given = getattr(args, "now", None)
    if not given:
        return utc_now
    try:
        moment = datetime.fromisoformat(given)
    except ValueError:
        raise UserError(
            f"--now {given!r} is not a moment.", hint="Write it as 2025-12-18 or 2025-12-18T09:00."
        ) from None
    fixed = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return lambda: fixed


def today_from(args: argparse.Namespace) -> date:
    return parse_date(args.today, "--today") if getattr(args, "today", None) else date.today()


def context_from(args: argparse.Namespace, *, out_dir: Path | None = None) -> AnalysisContext:
    """Open the warehouse and semantic layer the arguments (or scout.yml) point at."""
    config = load_config()
    today = today_from(args)
    layer = load_semantic(args.semantic or config.semantic)
    warehouse = open_warehouse(args.warehouse or config.warehouse, today=today)
    return AnalysisContext(warehouse=warehouse, layer=layer, today=today, out_dir=out_dir)
