"""One scenario through every door: Slack, the terminal, the CLI and the scheduler agree.

The doors only render what the application service returns, so the same question on the
same warehouse and day must give the same findings and the same proposals whichever way it
is asked, and `scout run --once` must propose what the served monitor proposes. The Slack
door is the real Bolt app against the fake Slack Web API; the others are the `scout`
commands run as a user runs them, each with its own memory file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.service import ScoutService
from bot.app import ScoutSlack, build_scout
from bot.scheduler import ScoutJobs
from tests.bot.slack_requests import event_request, mention
from tests.bot.test_e2e_real_core import NOW, blocks_text, real_core, slack_settings
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="module")

WHY = "why did conversion drop last week?"
CHURN = "which customers are at risk of churning?"
CONFIG: dict[str, Any] = {
    "slack": {"digest_channel": "CDIGEST", "alerts_channel": "CALERTS"},
    "guardrails": {"alerts_per_channel_per_hour": 100},
}


def flat(text: str) -> str:
    """Text as words: no wrapping, no panel borders, no mrkdwn emphasis."""
    text = re.sub(r"[│╭╮╰╯─*_`]", " ", text.replace("\\n", " "))
    return " ".join(text.split())


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("doors") / "scout.yml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(
    fake_slack: FakeSlack,
    demo_warehouse: GeneratedWarehouse,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[ScoutSlack, ScoutService]]:
    config = ScoutConfig.model_validate(CONFIG)
    memory = tmp_path_factory.mktemp("doors-slack") / "memory.sqlite3"
    core = await real_core(config, demo_warehouse, memory)
    scout = build_scout(core, slack_settings(fake_slack, config))
    yield scout, core
    await scout.aclose(timeout=10)
    await core.close()


def scout_cli(
    args: list[str], warehouse: GeneratedWarehouse, config: Path, memory: Path, stdin: str = ""
) -> str:
    command = [
        sys.executable, "-m", "bot.cli", *args,
        "--warehouse", str(warehouse.path), "--today", TODAY.isoformat(),
        "--memory", str(memory), "--config", str(config),
    ]  # fmt: skip
    env = {**os.environ, "TZ": "UTC", "COLUMNS": "400", "NO_COLOR": "1"}
    done = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
        cwd=memory.parent,  # anything a command writes by default stays out of the tree
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


async def slack_answer(slack: FakeSlack, scout: ScoutSlack, text: str, ts: str) -> str:
    await scout.app.async_dispatch(event_request(mention(text, channel="CASK", ts=ts)))
    final = await slack.wait_for(
        "chat.update",
        timeout=60,
        where=lambda c: (
            c.body.get("channel") == "CASK"
            and "scout_feedback_up" in blocks_text(c)
            and any(m.get("thread_ts") == ts and m["ts"] == c.body["ts"] for m in slack.messages)
        ),
    )
    return blocks_text(final[0])


async def test_a_question_gets_the_same_findings_and_proposals_at_every_door(
    fake_slack: FakeSlack,
    served: tuple[ScoutSlack, ScoutService],
    demo_warehouse: GeneratedWarehouse,
    config_file: Path,
    tmp_path: Path,
) -> None:
    scout, _ = served
    for number, question in enumerate((WHY, CHURN), start=1):
        cli = json.loads(
            scout_cli(["ask", question, "--json"], demo_warehouse, config_file, tmp_path / "a")
        )
        chat = flat(
            scout_cli(
                ["chat", "--as", "U_ANALYST"],
                demo_warehouse,
                config_file,
                tmp_path / f"chat{number}",
                stdin=f"{question}\nquit\n",
            )
        )
        in_slack = flat(await slack_answer(fake_slack, scout, question, f"17657900{number}.0001"))
        summaries = [flat(f["summary"]) for f in cli["findings"]]
        assert summaries, f"no findings for {question!r}"
        for summary in summaries:
            assert summary in chat, f"terminal differs from `scout ask`: {summary[:120]}"
            assert summary in in_slack, f"Slack differs from `scout ask`: {summary[:120]}"
        for proposed in cli["actions"]:
            action = proposed["action"]
            assert flat(f"{action['kind']} {action['target']}") in chat
            assert action["target"] in in_slack
    assert any(p["action"]["kind"] == "winback_sequence" for p in cli["actions"]), (
        "the churn question proposes retention actions"
    )


async def test_scout_run_once_proposes_what_the_served_monitor_proposes(
    fake_slack: FakeSlack,
    served: tuple[ScoutSlack, ScoutService],
    demo_warehouse: GeneratedWarehouse,
    config_file: Path,
    tmp_path: Path,
) -> None:
    scout, core = served
    await ScoutJobs(scout.deps, now=lambda: NOW).monitor()
    await scout.deps.work.drain(10)
    executions = await core.deps.act.executions(limit=500)
    pending = await core.deps.act.pending()
    in_slack = {(e.action.kind, e.action.target, e.action.reason) for e in executions} | {
        (p.action.kind, p.action.target, p.action.reason) for p in pending
    }
    report = json.loads(
        scout_cli(["run", "--once", "--json"], demo_warehouse, config_file, tmp_path / "m")
    )
    from_cli = {
        (p["action"]["kind"], p["action"]["target"], p["action"]["reason"])
        for p in report["actions"]
    }
    alerts = {a for a in from_cli if a[0] == "alert"}
    assert alerts, "the monitor finds the injected anomalies"
    assert from_cli <= in_slack, sorted(from_cli - in_slack)
    served_alerts = {a for a in in_slack if a[0] == "alert"}
    assert served_alerts == alerts
    # Without Slack the CLI sends nothing and says so.
    statuses = {p["status"] for p in report["actions"] if p["action"]["kind"] == "alert"}
    assert "executed" not in statuses and statuses <= {"queued", "pending"}


async def test_scout_digest_prints_what_the_scheduler_posts(
    fake_slack: FakeSlack,
    served: tuple[ScoutSlack, ScoutService],
    demo_warehouse: GeneratedWarehouse,
    config_file: Path,
    tmp_path: Path,
) -> None:
    scout, core = served
    jobs = ScoutJobs(scout.deps, now=lambda: NOW)
    if not await core.deps.memory.recent_observations(source="monitor", limit=1):
        # As every morning: the monitor has run before the digest (whichever test ran first).
        await jobs.monitor()
        await scout.deps.work.drain(10)
    before = len(fake_slack.ok_calls("chat.postMessage"))
    assert await jobs.digest(TODAY)
    posted = [
        c
        for c in fake_slack.ok_calls("chat.postMessage")[before:]
        if c.body["channel"] == "CDIGEST"
    ]
    (headline,) = [c for c in posted if not c.body.get("thread_ts")]
    assert len(headline.json_field("blocks")) <= 15  # one screen; details threaded
    in_slack = " ".join(flat(blocks_text(c)) for c in posted)
    printed = flat(scout_cli(["digest"], demo_warehouse, config_file, tmp_path / "d"))
    reply = await core.digest(TODAY)
    assert reply.findings
    for finding in reply.findings:
        assert flat(finding.title) in printed and flat(finding.title) in in_slack
