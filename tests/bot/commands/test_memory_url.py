"""`--memory` and scout.yml `memory:` take a PostgreSQL URL: the approval commands read and
write the shared store (what the replicas use), and anything else is refused by name."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agent.act import Actor, ActSettings
from agent.config import load_config
from bot.cli import main
from tests.agent.act.test_restart_cli import CONFIG, optimize
from tests.fakes.postgres import postgres_database, query  # noqa: F401  (fixture)


async def _propose(url: str, config: Path) -> str:
    settings = ActSettings.from_config(load_config(config))
    async with await Actor.open(url, settings) as actor:
        proposed = await actor.propose(optimize(), requested_by="scout")
    assert proposed.approval_id
    return proposed.approval_id


def test_the_outbox_commands_read_the_postgres_store(
    postgres_database: str,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # a URL taken for a path would leave a sqlite file here
    config = tmp_path / "scout.yml"
    config.write_text(CONFIG)
    url = postgres_database
    approval_id = asyncio.run(_propose(url, config))
    common = ("--memory", url, "--config", str(config))

    assert main(["approvals", "--json", *common]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in listed] == [approval_id]

    assert main(["approve", approval_id, "--as", "U_APPROVER", *common]) == 0
    capsys.readouterr()
    assert main(["outbox", "--json", *common]) == 0
    shown = json.loads(capsys.readouterr().out)
    rows = query(url, "SELECT id, kind, status, approval_id FROM act_outbox ORDER BY id DESC")
    assert [(r["id"], r["kind"], r["status"], r["approval_id"]) for r in shown] == rows
    assert rows and rows[0][1:] == ("optimize", "pending", approval_id)  # no Slack from a CLI
    assert list(tmp_path.iterdir()) == [config]


def test_a_memory_that_is_neither_a_path_nor_postgres_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["outbox", "--memory", "mysql://scout:secret@db/scout"]) == 2
    said = " ".join(capsys.readouterr().err.split())  # rich wraps lines
    assert "--memory" in said and "mysql://" in said and "secret" not in said
    assert "PostgreSQL URL" in said

    config = tmp_path / "scout.yml"
    config.write_text("memory: redis://cache:6379/0\n")
    assert main(["outbox", "--config", str(config)]) == 2
    said = " ".join(capsys.readouterr().err.split())  # rich wraps lines
    assert "memory:" in said and "redis://" in said and "PostgreSQL URL" in said
    assert list(tmp_path.iterdir()) == [config]  # nothing was opened
