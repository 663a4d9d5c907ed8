"""Restart: a request made in one process is listed and approved from a brand-new process
(`python -m bot.cli approve …`), executing exactly once with its effect in the outbox.
The friendlier error paths run the same CLI entry point in-process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.act import Actor, ActSettings
from agent.config import load_config
from agent.domain import Action
from bot.cli import main

REPO = Path(__file__).resolve().parents[3]
CONFIG = (
    "approvals:\n  approvers: [U_APPROVER]\n  expiry_hours: 48\n"
    "guardrails:\n  spend:\n    per_day: 100\n"
)


def optimize() -> Action:
    return Action(
        kind="optimize",
        target="U_CRM_LEAD",
        params={"change": "lower the free-shipping threshold to $45", "campaign": "q4"},
        cost=30.0,
    )


def scout(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCOUT_HOME": str(home), "TZ": "UTC", "COLUMNS": "160"}
    env.pop("SCOUT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _propose(db: Path, config: Path) -> str:
    settings = ActSettings.from_config(load_config(config))
    async with await Actor.open(db, settings) as actor:
        proposed = await actor.propose(optimize(), requested_by="scout")
    assert proposed.status == "pending_approval" and proposed.approval_id
    return proposed.approval_id


@pytest.fixture
def config(db_path: Path) -> Path:
    file = db_path.parent / "scout.yml"
    file.write_text(CONFIG)
    return file


def test_approve_in_a_new_process(
    db_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approval_id = asyncio.run(_propose(db_path, config))  # this "process" is now gone
    common = ("--memory", str(db_path), "--config", str(config))

    listed = scout("approvals", *common, home=db_path.parent)
    assert listed.returncode == 0, listed.stderr
    assert approval_id in listed.stdout and "optimize → U_CRM_LEAD ($30.00)" in listed.stdout

    approved = scout("approve", approval_id, "--as", "U_APPROVER", *common, home=db_path.parent)
    assert approved.returncode == 0, approved.stderr
    # No Slack from the CLI: the approved action waits in the outbox and says so.
    assert "queued" in approved.stdout and "nothing was sent" in approved.stdout

    # A second click, yet another process: nothing runs again.
    assert main(["approve", approval_id, "--as", "U_APPROVER", *common]) == 2
    assert "already approved by U_APPROVER" in capsys.readouterr().err

    async def check() -> None:
        settings = ActSettings.from_config(load_config(config))
        async with await Actor.open(db_path, settings) as actor:
            [execution] = await actor.executions()
            assert execution.status == "queued" and execution.approval_id == approval_id
            [sent] = await actor.outbox()
            assert sent.approval_id == approval_id and sent.recipients == ("U_CRM_LEAD",)
            assert sent.status == "pending" and "free-shipping threshold" in sent.text
            assert await actor.pending() == []
            # The proposer restarts and proposes the same thing: it is already done.
            assert (await actor.propose(optimize(), requested_by="scout")).status == "deduplicated"
            events = [(e.event, e.who) for e in await actor.audit(approval_id=approval_id)]
            assert ("approved", "U_APPROVER") in events

    asyncio.run(check())


def test_cli_decisions_and_friendly_errors(
    db_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approval_id = asyncio.run(_propose(db_path, config))
    common = ("--memory", str(db_path), "--config", str(config))

    assert main(["approve", "ap_nope", "--as", "U_APPROVER", *common]) == 2
    assert "no approval request 'ap_nope'" in capsys.readouterr().err
    assert main(["approve", approval_id, "--as", "U_MALLORY", *common]) == 2
    err = capsys.readouterr().err
    assert "not authorised" in err and "approvals.approvers" in err
    assert (
        main(["reject", approval_id, "--as", "U_APPROVER", "--reason", "not in Q4", *common]) == 0
    )
    assert main(["approve", approval_id, "--as", "U_APPROVER", *common]) == 2
    assert "already rejected by U_APPROVER: not in Q4" in capsys.readouterr().err
    assert main(["approvals", *common]) == 0
    assert "No actions are waiting" in capsys.readouterr().out

    assert main(["pause", "--as", "U_OPS", "--reason", "incident", *common]) == 0

    async def paused() -> None:
        settings = ActSettings.from_config(load_config(config))
        async with await Actor.open(db_path, settings) as actor:
            alert = Action(kind="alert", target="#kpi-alerts", params={"title": "AOV down"})
            result = await actor.propose(alert, requested_by="scout")
            assert result.status == "refused" and "paused (by U_OPS" in result.reason
            assert await actor.outbox() == []

    asyncio.run(paused())
    assert main(["resume", "--as", "U_OPS", *common]) == 0
    assert main(["outbox", *common]) == 0
    capsys.readouterr()


def test_bad_config_is_a_friendly_error(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = db_path.parent / "bad.yml"
    bad.write_text("approvals:\n  four_eyes: maybe\n  approverz: [x]\n")
    assert main(["approvals", "--memory", str(db_path), "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "approvals.four_eyes" in err and "approvals.approverz" in err
