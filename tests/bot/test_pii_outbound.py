"""Corpus strings planted in the warehouse and in questions never leave live or unredacted.

The real core behind the real Bolt app, the fake Slack Web API on loopback, on a copy of the
demo warehouse whose category labels, ticket topics and product names carry corpus strings
(tests/bot/pii_world.py). A person asks (one question itself carries a broadcast, an email and
a phone number), Slack refuses one rich answer so its CSV is uploaded, the digest is posted and
a monitor cycle runs; then everything that left is scanned: every Web API call people read,
every uploaded file (CSV content, the charts' PNG titles) and every outbox row.
"""

from __future__ import annotations

import json

import pytest
import pytest_asyncio

from bot.scheduler import ScoutJobs
from tests.bot.conftest import APPROVER, GROUP, GROUP_MEMBER
from tests.bot.pii_world import (
    CATEGORY_SAMPLES,
    ask_and_wait,
    leaks,
    plant,
    planted_world,
    png_text,
    sent_text,
)
from tests.bot.real_env import NOW, RealEnv
from tests.conftest import TODAY
from tests.fixtures.pii_corpus import Expect

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHANNEL = "CASK"
OWN_USERS = frozenset({"UASKER", APPROVER, GROUP_MEMBER})
CONFIG = {
    "slack": {
        "digest_channel": "CDIGEST",
        "alerts_channel": "CALERTS",
        "approvers": [APPROVER],
        "approver_group": GROUP,
    },
    "guardrails": {"alerts_per_channel_per_hour": 100},
}
HOSTILE_QUESTION = "<!channel> units sold by category last week, ops@example.com +1 415 555 0132"


fake_slack, world = planted_world("pii", plant, CONFIG, usergroups={GROUP: [GROUP_MEMBER]})


async def _ask(env: RealEnv, text: str, ts: str) -> None:
    await ask_and_wait(env, text, ts, CHANNEL)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def everything_sent(world: RealEnv) -> dict[str, str]:
    """Every path a user takes, run once; what left, by where it went."""
    slack = world.slack
    await _ask(world, "units sold by category last week", "1765790000.000100")
    await _ask(world, "tickets by topic last week", "1765790000.000200")
    await _ask(world, HOSTILE_QUESTION, "1765790000.000300")
    slack.reject_blocks(times=1, block_type="table")  # the plain form: its table goes as a CSV file
    await _ask(world, "units sold by category last month", "1765790000.000400")
    answered = len(slack.calls())
    jobs = ScoutJobs(world.scout.deps, now=lambda: NOW)
    assert await jobs.digest(TODAY) is True
    await jobs.monitor()
    await world.scout.deps.work.drain(30)
    out: dict[str, str] = {}
    for n, call in enumerate(slack.calls()):
        door = "answer" if n < answered else "job"
        if call.method != "upload" and not call.body.get("_failed"):
            out[f"{door}:{call.method}:{n}"] = sent_text(call.body)
        if call.method == "upload":
            raw = slack.uploads[call.body["file_id"]]
            out[f"{door}:file:{n}"] = (
                png_text(raw) if raw.startswith(b"\x89PNG") else raw.decode("utf-8")
            )
    for row in await world.core.deps.act.outbox(limit=500):
        out[f"outbox:{row.id}"] = row.text
    return out


def _found(sent: dict[str, str], door: str) -> dict[str, list[str]]:
    return {w: bad for w, t in sent.items() if w.startswith(door) and (bad := leaks(t, OWN_USERS))}


async def test_nothing_planted_leaves_through_the_digest_the_monitor_or_the_outbox(
    everything_sent: dict[str, str],
) -> None:
    assert _found(everything_sent, "job:") == {}
    assert _found(everything_sent, "outbox:") == {}
    assert any(w.startswith("job:chat.postMessage") for w in everything_sent)
    assert any(w.startswith("outbox:") for w in everything_sent)


# Answers, their tables, CSVs, charts and the progress placeholder (which echoes the
# question) are all rendered from redacted text.
async def test_nothing_planted_leaves_through_answers_csvs_or_charts(
    everything_sent: dict[str, str],
) -> None:
    assert _found(everything_sent, "answer:") == {}
    kinds = {w.split(":")[1] for w in everything_sent if w.startswith("answer:")}
    assert {"chat.postMessage", "chat.update", "files.completeUploadExternal"} <= kinds
    files = [t for w, t in everything_sent.items() if w.startswith("answer:file:")]
    assert any(t.startswith("category,") for t in files)
    assert any("Title: " in t for t in files), "every chart carries its (cleaned) title"


async def test_the_planted_data_was_shown_redacted_not_dropped(
    everything_sent: dict[str, str],
) -> None:
    shown = "\n".join(everything_sent.values())
    for placeholder in ("[card]", "[email]", "[broadcast removed]"):
        assert placeholder in shown, placeholder
    # The near-misses in category labels survive where categories are shown: answer and CSV.
    for sample in CATEGORY_SAMPLES:
        if sample.expect is Expect.SURVIVE:
            assert sample.text in shown, sample.text
            csv_files = [t for w, t in everything_sent.items() if ":file:" in w]
            assert any(sample.text in t for t in csv_files), sample.text


async def test_the_hostile_question_is_answered_without_echoing_it_live(
    world: RealEnv, everything_sent: dict[str, str]
) -> None:
    thread = [
        json.dumps(m, ensure_ascii=False)
        for m in world.slack.messages
        if m.get("thread_ts") == "1765790000.000300"
    ]
    assert thread, "the hostile question was answered in its thread"
    assert all(leaks(text, OWN_USERS) == [] for text in thread)
