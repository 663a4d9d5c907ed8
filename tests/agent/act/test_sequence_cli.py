"""The terminal door to sequences: `scout approve` starts a win-back that really sends its first
email over SMTP (configured in scout.yml), and `scout sequences` shows what comes next."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from agent.act import Actor, ActSettings
from agent.config import load_config
from bot.cli import main
from bot.demo_mail import LoopbackSmtp
from tests.agent.act.mail_world import SENDER, build_shop, winback


@pytest.fixture
def smtp() -> Iterator[LoopbackSmtp]:
    """The loopback server on its own loop in a thread: the CLI runs its own loop."""
    server = LoopbackSmtp()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.__aenter__())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_approve_from_the_terminal_sends_the_first_email_and_lists_the_rest(
    tmp_path: Path, smtp: LoopbackSmtp, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = tmp_path / "shop.duckdb"
    build_shop(shop)
    config_file = tmp_path / "scout.yml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "warehouse": str(shop),
                "memory": str(tmp_path / "memory.sqlite3"),
                "approvals": {"approvers": ["U_LEAD"]},
                "integrations": {
                    "email": {"smtp_url": smtp.url, "from": SENDER, "starttls": False}
                },
            }
        )
    )
    config = load_config(config_file)

    async def propose() -> str:
        async with await Actor.open(
            tmp_path / "memory.sqlite3", ActSettings.from_config(config)
        ) as actor:
            result = await actor.propose(winback(), requested_by="scout")
            assert result.approval_id
            return result.approval_id

    approval = asyncio.run(propose())
    assert main(["approve", approval, "--as", "U_LEAD", "--config", str(config_file)]) == 0
    assert "email 1 of 3 sent (250 2.0.0 Ok: queued as DEMO0001)" in capsys.readouterr().out
    assert [m["To"] for m in smtp.mailbox.received] == ["ana.lee1@example.com"]

    assert main(["sequences", "--run", "--json", "--config", str(config_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nothing is due: no sequence step, no retry of a failed send.")
    [sequence] = json.loads(out.split("\n", 1)[1])
    assert [s["state"] for s in sequence["steps"]] == ["sent", "scheduled", "scheduled"]
    assert "scheduled: step 2 of 3 on" in sequence["status"]
    assert len(smtp.mailbox.received) == 1
