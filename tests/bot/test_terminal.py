"""`scout chat` driven through a pipe, and the approval commands of a chat session."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from agent.demo_data import GeneratedWarehouse
from agent.domain import Action
from agent.service import ScoutService
from bot.terminal import ChatSession
from tests.conftest import TODAY

REPO = Path(__file__).resolve().parents[2]


def test_chat_through_a_pipe(demo_warehouse: GeneratedWarehouse, tmp_path: Path) -> None:
    lines = [
        "why did conversion drop in the Southeast?",
        "break that down by device",
        "how much",  # too vague: a clarification with numbered options
        "1",
        "pending",
        "approve ap_nope",
        "quit",
        "this line is never read",
    ]
    (tmp_path / "scout.yml").write_text("{}\n")
    command = [
        sys.executable, "-m", "bot.cli", "chat", "--warehouse", str(demo_warehouse.path),
        "--today", TODAY.isoformat(), "--memory", str(tmp_path / "m.sqlite3"),
        "--charts", str(tmp_path / "charts"), "--as", "U_LEAD",
    ]  # fmt: skip
    done = subprocess.run(
        command,
        input="\n".join(lines) + "\n",
        cwd=REPO,
        env={
            **os.environ,
            "TZ": "UTC",
            "SCOUT_CONFIG": str(tmp_path / "scout.yml"),
            "COLUMNS": "200",
        },
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "Goal: explain · conversion rate · in Southeast" in out
    assert "Goal: breakdown · conversion rate · in Southeast · by device" in out
    assert "Answer with the number." in out
    assert "No actions are waiting for approval." in out
    assert "No approval request ap_nope" in out
    assert "this line is never read" not in out
    assert list((tmp_path / "charts").rglob("*.png")), "charts are saved to the folder"


async def test_pending_then_approve_executes_once(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    from agent.act import ActSettings
    from agent.config import ScoutConfig
    from agent.deps import open_deps
    from agent.warehouse import DuckDBWarehouse

    settings = ActSettings().model_copy(
        update={"approvals": ActSettings().approvals.model_copy(update={"approvers": ("U_LEAD",)})}
    )
    deps = await open_deps(
        ScoutConfig(),
        warehouse=DuckDBWarehouse(demo_warehouse.path),
        today=TODAY,
        memory_path=tmp_path / "m.sqlite3",
        act_settings=settings,
    )
    out = io.StringIO()
    session = ChatSession(
        service=ScoutService(deps), console=Console(file=out, width=200), user="U_LEAD"
    )
    try:
        proposal = Action(
            kind="optimize",
            target="U_CRM",
            params={"change": "fix the desktop checkout in the Southeast"},
            reason="conversion fell 40% there",
        )
        proposed = await deps.act.propose(proposal, requested_by="scout")
        assert proposed.status == "pending_approval" and proposed.approval_id
        await session.handle("pending")
        await session.handle(f"approve {proposed.approval_id}")
        await session.handle(f"approve {proposed.approval_id}")
        executions = await deps.act.executions(key=proposal.idempotency_key)  # type: ignore[attr-defined]
    finally:
        await deps.close()
    text = out.getvalue()
    assert proposed.approval_id in text  # `pending` listed it
    assert "approve: queued" in text and "nothing was sent" in text
    assert "already decided by U_LEAD: queued" in text
    assert len(executions) == 1
