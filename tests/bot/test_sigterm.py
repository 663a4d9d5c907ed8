"""SIGTERM stops `scout serve --http` within seconds, and the answer in flight is finished.

The server is a real process running the real core (today fixed through `build_core` below)
on the session's demo warehouse, against the fake Slack Web API. The question in flight is a
~900 kB message (the kind that once held the server for a quarter of an hour and made it
deaf to SIGTERM); Slack is slow to take its placeholder, so the answer is certainly still in
flight when the signal arrives.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.service import ScoutService
from tests.bot.slack_requests import SECRET, event_body, mention, signed_headers
from tests.bot.test_serve_http import _free_port, _post
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)
EXIT_BOUND_S = 10.0


async def build_core(config: ScoutConfig) -> ScoutService:
    """The server's core (SCOUT_CORE=tests.bot.test_sigterm:build_core): the real service,
    with the day fixed to the demo warehouse's."""
    return ScoutService(await open_deps(config, today=TODAY, clock=lambda: NOW))


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def in_flight(self) -> int:
        with urllib.request.urlopen(f"{self.base}/health", timeout=2) as response:
            return int(json.load(response)["answers_in_flight"])


@pytest.fixture
def server(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> Iterator[Server]:
    config = tmp_path / "scout.yml"
    config.write_text(
        f"timezone: UTC\nwarehouse: {demo_warehouse.path}\nmemory: {tmp_path / 'memory.db'}\n"
        "slack:\n  digest_channel: CDIGEST\n  alerts_channel: CALERTS\n"
    )
    port = _free_port()
    env = os.environ | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "SCOUT_CONFIG": str(config),
        "SCOUT_CORE": "tests.bot.test_sigterm:build_core",
        "SCOUT_HOME": str(tmp_path),
        "TZ": "UTC",
    }
    env.pop("SLACK_APP_TOKEN", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--http", "--no-scheduler",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while True:
        try:
            running.in_flight()
            break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError(f"scout serve did not start:\n{running.output()}")
        time.sleep(0.05)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _revenue_on(warehouse: GeneratedWarehouse, day: str) -> float:
    with duckdb.connect(str(warehouse.path), read_only=True) as conn:
        row = conn.execute(
            "SELECT SUM(revenue) FROM orders WHERE order_date = CAST($d AS DATE)", {"d": day}
        ).fetchone()
    assert row is not None
    return float(row[0])


def test_sigterm_finishes_the_answer_in_flight_and_exits_0(
    server: Server, slack: FakeSlack, demo_warehouse: GeneratedWarehouse
) -> None:
    slack.stall("chat.postMessage", 2.0)  # the placeholder: the analysis cannot be done yet
    question = "revenue yesterday" + " ." * 450_000  # ~900 kB, as pasted
    body = event_body(mention(question))
    assert len(body) > 900_000
    url = f"{server.base}/slack/events"
    assert _post(url, body, signed_headers(body, "application/json")) == 200

    deadline = time.monotonic() + 10
    while server.in_flight() < 1:
        assert time.monotonic() < deadline, "the question never started"
        time.sleep(0.01)
    assert not slack.ok_calls("chat.update"), "still in flight when the signal comes"
    server.process.send_signal(signal.SIGTERM)
    try:
        code = server.process.wait(timeout=EXIT_BOUND_S)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"scout serve ignored SIGTERM for {EXIT_BOUND_S:g} s:\n{server.output()}"
        ) from None
    assert code == 0, server.output()

    # Finished, not dropped: the placeholder became the answer, with yesterday's revenue.
    assert len(slack.ok_calls("chat.postMessage")) == 1
    answers = [c for c in slack.ok_calls("chat.update") if "Revenue was" in str(c.body["text"])]
    assert answers, server.output()
    text = str(answers[-1].body["text"])
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert f"${round(_revenue_on(demo_warehouse, yesterday)):,}" in text
    assert "I read its first 4,000" in text
    assert "finishing the answers in flight" in server.output()
