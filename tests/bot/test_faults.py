"""The README's fault table, the rows that were missing: each fault, what the user sees, what
is kept. Real components at every boundary: the real core behind the real Bolt app, the fake
Slack Web API over HTTP, DuckDB and sqlite files shared with real separate processes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from agent.act import Actor
from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.memory import Memory
from agent.service import ScoutService
from agent.warehouse import DuckDBWarehouse
from bot.app import ScoutSlack, build_scout
from tests.bot.conftest import settings_for
from tests.bot.real_env import NOW
from tests.bot.slack_requests import event_body, mention, request
from tests.bot.test_exactly_once_on_the_wire import _alert, _deps
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack
from tests.polling import until

REPO = Path(__file__).resolve().parents[2]
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


# ------------------------------------------------------------------ Slack 5xx on a post


@pytest.mark.parametrize("status", [500, 503])
async def test_a_post_answered_5xx_is_retried_and_delivered_once(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path, status: int
) -> None:
    deps, client = await _deps(slack, demo_warehouse, tmp_path / "memory.sqlite3")
    try:
        slack.fail_next("chat.postMessage", 2, status=status, error="internal_error")
        result = await deps.act.propose(_alert("Orders fell 30% in the West"), requested_by="scout")
        assert isinstance(deps.act, Actor)
        outbox = await deps.act.outbox(limit=10)
    finally:
        await deps.close()
        if client.session is not None:
            await client.session.close()
    failed = [c for c in slack.calls("chat.postMessage") if c.status == status]
    assert len(failed) == 2, "both 5xx answers were seen, then the post was tried again"
    held = [m for m in slack.messages if "Orders fell 30%" in (m["text"] or "")]
    assert len(held) == 1, "Slack holds the alert once"
    assert result.status == "executed"
    (entry,) = [e for e in outbox if e.kind == "alert"]
    assert entry.status == "sent" and entry.delivery_ref == held[0]["ts"]
    # A 5xx may hide a post that landed: the channel was searched before each retry.
    assert len(slack.ok_calls("conversations.history")) == 2


# ------------------------------------------------------------------ the warehouse file

# An ETL job: opens the file read-write, appends yesterday's first order again, says
# "locked" while it holds the file and lets go when its stdin closes.
_ETL = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
conn.execute(
    "INSERT INTO orders SELECT * FROM orders WHERE order_date = CAST(? AS DATE) LIMIT 1",
    [sys.argv[2]],
)
print("locked", flush=True)
sys.stdin.read()
conn.close()
"""


def _etl(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _ETL, str(path), YESTERDAY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _revenue_yesterday(path: Path) -> float:
    with duckdb.connect(str(path), read_only=True) as conn:
        row = conn.execute(
            "SELECT SUM(revenue) FROM orders WHERE order_date = CAST($d AS DATE)",
            {"d": YESTERDAY},
        ).fetchone()
    assert row is not None
    return float(row[0])


@pytest.fixture
def warehouse_copy(demo_warehouse: GeneratedWarehouse, tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_warehouse.path, path)
    return path


@pytest.fixture
async def scout_on_copy(
    slack: FakeSlack, warehouse_copy: Path, tmp_path: Path
) -> AsyncIterator[ScoutSlack]:
    """The service up, in Slack, on a warehouse file an ETL job also writes."""
    deps = await open_deps(
        ScoutConfig(),
        warehouse=DuckDBWarehouse(warehouse_copy, idle_s=0.2),
        today=TODAY,
        memory_path=tmp_path / "memory.sqlite3",
        clock=lambda: NOW,
    )
    core = ScoutService(deps)
    scout = build_scout(core, settings_for(slack))
    yield scout
    await scout.aclose(timeout=10)
    await core.close()


async def _ask(scout: ScoutSlack, slack: FakeSlack, ts: str) -> str:
    """Ask for yesterday's revenue in a new thread; the text Scout finally posts there."""
    body = event_body(mention("revenue yesterday", ts=ts))
    assert (await scout.app.async_dispatch(request(body, "application/json"))).status == 200
    # Bolt runs the listener after the ack; its placeholder shows the work has started.
    await slack.wait_for("chat.postMessage", where=lambda c: c.body.get("thread_ts") == ts)
    await scout.deps.work.drain(30)
    placeholder = next(m for m in slack.messages if m["thread_ts"] == ts)
    return str(placeholder["text"])


def _money(value: float) -> str:
    return f"${round(value):,}"


async def test_a_locked_warehouse_is_a_clear_reply_and_the_next_question_recovers(
    scout_on_copy: ScoutSlack, slack: FakeSlack, warehouse_copy: Path
) -> None:
    before = _revenue_yesterday(warehouse_copy)
    etl = _etl(warehouse_copy)
    try:
        assert etl.stdout is not None and etl.stdout.readline().strip() == "locked"
        refused = await _ask(scout_on_copy, slack, "1765000000.000100")
    finally:
        etl.communicate(input="", timeout=60)
    assert etl.returncode == 0, etl.stderr
    assert "locked by another process" in refused and "ask again" in refused
    assert "Something went wrong" not in refused

    after = _revenue_yesterday(warehouse_copy)
    assert after > before  # the ETL job's order landed
    answered = await _ask(scout_on_copy, slack, "1765000000.000200")
    assert _money(after) in answered, answered


async def test_an_etl_writer_gets_the_file_while_the_service_is_up(
    scout_on_copy: ScoutSlack, slack: FakeSlack, warehouse_copy: Path
) -> None:
    first = await _ask(scout_on_copy, slack, "1765000000.000100")
    assert _money(_revenue_yesterday(warehouse_copy)) in first
    # Between questions Scout lets go of the file within its idle time; the writer retries
    # as an ETL job would, within a bound.
    warehouse = scout_on_copy.deps.core.deps.warehouse  # type: ignore[attr-defined]
    assert isinstance(warehouse, DuckDBWarehouse)
    await until(lambda: not warehouse.holds_file, f"Scout to let go of {warehouse_copy}")
    etl = _etl(warehouse_copy)
    out, err = etl.communicate(input="", timeout=60)
    assert etl.returncode == 0 and out.strip() == "locked", err
    second = await _ask(scout_on_copy, slack, "1765000000.000200")
    assert _money(_revenue_yesterday(warehouse_copy)) in second


def test_a_file_that_is_not_duckdb_is_a_clear_message_in_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    broken = tmp_path / "warehouse.duckdb"
    broken.write_bytes(b"order_id,revenue\n1,10.0\n" * 1000)
    code = main(["ask", "revenue yesterday", "--warehouse", str(broken), "--today", "2025-12-15"])
    words = capsys.readouterr().err.split()
    err = " ".join(words)
    # The console wraps long lines, a long temp path included, so compare without whitespace.
    assert code == 2 and "not a DuckDB database file" in err and str(broken) in "".join(words)
    assert "Traceback" not in err


# ------------------------------------------------------------------ read-only memory


def _as_unprivileged() -> list[str]:
    """A prefix that makes file permissions bind: root ignores them unless it drops the
    capability to override them."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.fixture
def read_only_memory(tmp_path: Path) -> Iterator[Path]:
    """An existing memory file in a folder, both made read-only."""
    folder = tmp_path / "memory"
    path = folder / "memory.sqlite3"

    async def create() -> None:
        await (await Memory.open(path)).close()

    asyncio.run(create())
    path.chmod(0o444)
    folder.chmod(0o555)
    yield path
    folder.chmod(0o755)
    path.chmod(0o644)


@pytest.mark.parametrize("command", [["ask", "revenue yesterday"], ["serve", "--http"]])
def test_read_only_memory_at_start_up_names_the_file_and_the_fix(
    read_only_memory: Path,
    demo_warehouse: GeneratedWarehouse,
    tmp_path: Path,
    slack: FakeSlack,
    command: list[str],
) -> None:
    config = tmp_path / "scout.yml"
    config.write_text(f"warehouse: {demo_warehouse.path}\nmemory: {read_only_memory}\n")
    env = os.environ | {
        "SCOUT_CONFIG": str(config),
        "SCOUT_HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack.base_url,
        "TZ": "UTC",
    }
    env.pop("SCOUT_CORE", None)
    port = ["--port", "0", "--host", "127.0.0.1"] if command[0] == "serve" else []
    done = subprocess.run(
        [*_as_unprivileged(), sys.executable, "-m", "bot.cli", *command, *port],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    err = " ".join(done.stderr.split())
    assert done.returncode == 2, done.stderr
    assert str(read_only_memory) in err and "read-only" in err
    assert "writable" in err and "memory:" in err  # the fix
    assert "Traceback" not in err
