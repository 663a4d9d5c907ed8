"""Arguments and set-up shared by the agent commands (chat, run, digest): deps from flags."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.act import ActSettings
from agent.config import ScoutConfig, load_config
from agent.deps import Deps, open_deps
from agent.service import ScoutService
from bot.commands.approvals import memory_path
from bot.commands.common import add_source_args, today_from


def add_agent_args(parser: argparse.ArgumentParser) -> None:
    add_source_args(parser)
    parser.add_argument(
        "--memory",
        metavar="PATH|URL",
        help="Scout's memory: a sqlite file path or PostgreSQL URL (default: scout.yml memory:)",
    )
    parser.add_argument("--config", metavar="PATH", help="scout.yml (default: SCOUT_CONFIG)")


def config_from(args: argparse.Namespace) -> ScoutConfig:
    config = load_config(getattr(args, "config", None))
    updates = {}
    if getattr(args, "warehouse", None):
        updates["warehouse"] = args.warehouse
    if getattr(args, "semantic", None):
        updates["semantic"] = args.semantic
    return config.model_copy(update=updates) if updates else config


async def deps_from(
    args: argparse.Namespace, *, out_dir: Path | None = None, local_approver: str | None = None
) -> Deps:
    """Open deps as the flags say; `local_approver` approves when no approver is configured."""
    config = config_from(args)
    settings = ActSettings.from_config(config)
    approvals = settings.approvals
    if local_approver and not (approvals.approvers or approvals.groups or approvals.by_kind):
        # A terminal on your own machine with no approvers configured: you are the approver.
        settings = settings.model_copy(
            update={"approvals": approvals.model_copy(update={"approvers": (local_approver,)})}
        )
    return await open_deps(
        config,
        today=today_from(args) if getattr(args, "today", None) else None,
        # Unset: open_deps takes scout.yml `memory:` (or the data dir) itself.
        memory_path=memory_path(args) if getattr(args, "memory", None) else None,
        out_dir=out_dir,
        act_settings=settings,
    )


async def service_from(
    args: argparse.Namespace, *, out_dir: Path | None = None, local_approver: str | None = None
) -> ScoutService:
    """The application service every agent command calls; close it with `aclose()`."""
    return ScoutService(await deps_from(args, out_dir=out_dir, local_approver=local_approver))
