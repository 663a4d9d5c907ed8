"""`scout serve --http` as a real process, driven over HTTP with signed requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot.slack_requests import SECRET, event_body, mention, signed_headers
from tests.fakes.slack_api import FakeSlack

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: str, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def server(slack: FakeSlack, tmp_path: Path) -> Iterator[str]:
    config = tmp_path / "scout.yml"
    config.write_text(
        "timezone: UTC\nslack:\n  digest_channel: CDIGEST\n  alerts_channel: CALERTS\n"
        "  approvers: [UAPPROVER]\n"
    )
    port = _free_port()
    env = os.environ | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "SCOUT_CONFIG": str(config),
        "SCOUT_CORE": "tests.bot.scripted_core:build_core",
        "SCOUT_HOME": str(tmp_path),
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.communicate()[0].decode()
            raise AssertionError(f"scout serve did not start:\n{output}")
        time.sleep(0.05)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_http_answers_a_signed_mention_and_refuses_a_forged_one(
    server: str, slack: FakeSlack
) -> None:
    url = f"{server}/slack/events"
    body = event_body(mention("how is revenue?"))
    forged = _post(url, body, signed_headers(body, "application/json", secret="wrong"))
    assert forged == 401

    assert _post(url, body, signed_headers(body, "application/json")) == 200
    placeholder = slack.wait_for_sync("chat.postMessage", timeout=20)[0]
    assert placeholder.body["thread_ts"] == "1765000000.000100"
    answer = slack.wait_for_sync("chat.update", timeout=20)[-1]
    assert "Conversion fell" in answer.body["text"]
    complete = slack.wait_for_sync("files.completeUploadExternal", timeout=20)[0]
    assert complete.body["thread_ts"] == "1765000000.000100"

    challenge = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    assert _post(url, challenge, signed_headers(challenge, "application/json")) == 200


def test_serve_refuses_to_start_without_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "scout.yml").write_text("slack: {}\n")
    monkeypatch.setenv("SCOUT_CONFIG", str(tmp_path / "scout.yml"))
    assert main(["serve", "--http"]) == 2  # the CLI's friendly exit, before anything connects
    stderr = capsys.readouterr().err
    for expected in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        assert expected in stderr
    # Channels and approvers are optional: with the tokens alone Scout answers questions.
    assert "slack.digest_channel" not in stderr
