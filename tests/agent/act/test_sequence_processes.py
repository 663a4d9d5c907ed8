"""A win-back across real restarts: every day's step is its own OS process running the CLI
(`scout approve`, `scout sequences --run`) over one memory file, against a loopback SMTP server.

Day 0 is the approval, a few hours later nothing is due, on day 3 two replicas run the due step
at once and on day 7 the last email goes out; what carries the sequence is the sqlite file
alone. An order placed between steps cancels the rest.

Each process is `python -m bot.cli … --now <moment>` (what the `scout` command runs): the
moment is the only thing the test fixes. If any part of acting read another clock, the real
date (long after these fixed days) would make every step due and the counts below fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from agent.act import Actor, ActSettings
from agent.config import load_config
from bot.demo_mail import LoopbackSmtp
from tests.agent.act.conftest import NOW
from tests.agent.act.mail_world import ADDRESSES, SENDER, body, build_shop, change_shop, winback
from tests.agent.act.test_sequence_cli import smtp  # noqa: F401  (the threaded server fixture)

REPO = Path(__file__).resolve().parents[3]
LEAD = "U_LEAD"
TIMEOUT = 120  # seconds a single CLI process may take before the test fails


@dataclass(frozen=True, kw_only=True)
class Shop:
    """One deployment: its scout.yml, memory file and warehouse."""

    config: Path
    memory: Path
    warehouse: Path


@pytest.fixture
def shop(tmp_path: Path, smtp: LoopbackSmtp) -> Shop:  # noqa: F811
    warehouse = tmp_path / "shop.duckdb"
    build_shop(warehouse)
    memory = tmp_path / "memory.sqlite3"
    config = tmp_path / "scout.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "warehouse": str(warehouse),
                "memory": str(memory),
                "approvals": {"approvers": [LEAD]},
                "integrations": {
                    "email": {
                        "smtp_url": smtp.url,
                        "from": SENDER,
                        "starttls": False,
                        "brand": "Test Shop",
                    }
                },
            }
        )
    )
    return Shop(config=config, memory=memory, warehouse=warehouse)


def start(shop: Shop, at: datetime, *args: str) -> subprocess.Popen[str]:
    """`scout ARGS --now AT --config …` in a new process."""
    env = {**os.environ, "SCOUT_HOME": str(shop.config.parent), "TZ": "UTC", "COLUMNS": "200"}
    env.pop("SCOUT_CONFIG", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            *args,
            "--now",
            at.isoformat(),
            "--config",
            str(shop.config),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> str:
    """Wait (bounded) for a CLI process; its stdout, after checking it succeeded."""
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    return out


def scout(shop: Shop, at: datetime, *args: str) -> str:
    return finish(start(shop, at, *args))


def run_due(shop: Shop, at: datetime) -> str:
    return scout(shop, at, "sequences", "--run")


def propose(shop: Shop, customer: str) -> str:
    """The churn job's proposal, made before the first process (proposing has no CLI door)."""

    async def work() -> str:
        settings = ActSettings.from_config(load_config(shop.config))
        async with await Actor.open(shop.memory, settings, clock=lambda: NOW) as actor:
            result = await actor.propose(winback(customer), requested_by="scout")
        assert result.status == "pending_approval" and result.approval_id
        return result.approval_id

    return asyncio.run(work())


def sequence_json(shop: Shop, at: datetime) -> dict[str, object]:
    [sequence] = json.loads(scout(shop, at, "sequences", "--json"))
    assert isinstance(sequence, dict)
    return sequence


def test_three_emails_on_days_0_3_7_from_separate_processes(
    shop: Shop,
    smtp: LoopbackSmtp,  # noqa: F811
) -> None:
    received = smtp.mailbox.received
    approved = scout(shop, NOW, "approve", propose(shop, "C000001"), "--as", LEAD)
    assert "email 1 of 3 sent (250 2.0.0 Ok: queued as DEMO0001)" in approved
    assert "scheduled: step 2 of 3 on Dec 18" in approved
    assert [m["To"] for m in received] == [ADDRESSES["C000001"]]

    # The same day, five hours on: a fresh process finds nothing due.
    assert run_due(shop, NOW + timedelta(hours=5)).startswith("Nothing is due")
    assert len(received) == 1

    # Day 3: two replicas started together for the same due step; exactly one sends it.
    day3 = NOW + timedelta(days=3)
    replicas = [start(shop, day3, "sequences", "--run") for _ in range(2)]
    outputs = [finish(p) for p in replicas]
    # The first line is what the run itself did; the sequences table after it shows the
    # sequence's status, which names the send once the other replica has made it.
    ran = [out.splitlines()[0] if out else "" for out in outputs]
    assert sum("email 2 of 3 sent" in line for line in ran) == 1, outputs
    assert sum(out.startswith("Nothing is due") for out in outputs) == 1, outputs
    assert len(received) == 2
    assert run_due(shop, day3 + timedelta(hours=1)).startswith("Nothing is due")

    # Day 6 is still too early for the last step; day 7 sends it.
    assert run_due(shop, NOW + timedelta(days=6)).startswith("Nothing is due")
    day7 = run_due(shop, NOW + timedelta(days=7))
    assert "email 3 of 3 sent (250 2.0.0 Ok: queued as DEMO0003)" in day7
    assert run_due(shop, NOW + timedelta(days=30)).startswith("Nothing is due")

    assert [m["To"] for m in received] == [ADDRESSES["C000001"]] * 3
    assert [m["Subject"] for m in received] == [
        "We miss you at Test Shop",
        "Still thinking about Nova Earbuds 1?",
        "One last note from Test Shop",
    ]
    assert len({m["Message-ID"] for m in received}) == 3
    assert all("unsubscribe" in body(m) for m in received)

    sequence = sequence_json(shop, NOW + timedelta(days=30))
    assert sequence["state"] == "completed"
    steps = sequence["steps"]
    assert isinstance(steps, list)
    assert [s["state"] for s in steps] == ["sent", "sent", "sent"]
    # The steps were due on days 0, 3 and 7 of the approval, as the issue asks.
    due = [datetime.fromisoformat(s["due_at"]) for s in steps]
    assert [(d - NOW).days for d in due] == [0, 3, 7]


def test_an_order_between_steps_cancels_the_rest_in_the_next_process(
    shop: Shop,
    smtp: LoopbackSmtp,  # noqa: F811
) -> None:
    scout(shop, NOW, "approve", propose(shop, "C000003"), "--as", LEAD)
    assert len(smtp.mailbox.received) == 1
    change_shop(
        shop.warehouse,
        "INSERT INTO orders VALUES ('O9', DATE '2025-12-16', 'C000003'); "
        "INSERT INTO order_items VALUES ('O9', DATE '2025-12-16', 'C000003', 'P1')",
    )
    day3 = run_due(shop, NOW + timedelta(days=3))
    assert "cancelled — customer ordered on Dec 16" in day3
    assert run_due(shop, NOW + timedelta(days=7)).startswith("Nothing is due")
    assert [m["To"] for m in smtp.mailbox.received] == [ADDRESSES["C000003"]]

    sequence = sequence_json(shop, NOW + timedelta(days=7))
    assert sequence["state"] == "cancelled"
    steps = sequence["steps"]
    assert isinstance(steps, list)
    assert [s["state"] for s in steps] == ["sent", "cancelled", "cancelled"]
