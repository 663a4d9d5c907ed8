"""Every corpus entry travels a real outbound road at least once (issue 18).

tests/bot/test_pii_outbound.py plants a sample of the corpus; here every entry is planted,
tagged, into the labels answers group by (states, channels, categories, ticket topics,
devices; tests/bot/pii_world.plant_every), and asked for through the real core behind the
real Bolt app on the fake Slack Web API. Slack refuses one table, so its CSV is uploaded.
Everything that left (Web API text and blocks, uploaded CSVs and chart titles, outbox rows)
is scanned with the same checker as the other corpus tests, over every corpus entry.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.bot.conftest import APPROVER
from tests.bot.pii_world import (
    ask_and_wait,
    leaks,
    plant_every,
    planted_world,
    tag,
    tags_at,
    tags_in,
    web_api_sent,
)
from tests.bot.real_env import RealEnv
from tests.fixtures.pii_corpus import CORPUS, Expect

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHANNEL = "CEVERY"
OWN_USERS = frozenset({"UASKER", APPROVER})
CONFIG = {
    "slack": {"digest_channel": "CDIGEST", "alerts_channel": "CALERTS", "approvers": [APPROVER]}
}
# One question per planted column: each answer shows every value of its column.
QUESTIONS = (
    "revenue by state last month",
    "sessions by channel last month",
    "units sold by category last month",
    "tickets by topic last month",
    "sessions by device last month",
)


fake_slack, world = planted_world("pii_every", plant_every, CONFIG)


async def _ask(env: RealEnv, text: str, ts: str) -> None:
    await ask_and_wait(env, text, ts, CHANNEL)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def everything_sent(world: RealEnv) -> dict[str, str]:
    """Each question asked once (the states' again, with its table refused so it goes as a
    CSV); what left, by where it went: "slack:…", "file:…", "outbox:…"."""
    slack = world.slack
    for n, question in enumerate(QUESTIONS):
        await _ask(world, question, f"1765790001.{n:06d}")
    slack.reject_blocks(times=1, block_type="table")
    await _ask(world, QUESTIONS[0], "1765790002.000001")
    out = web_api_sent(slack)
    for row in await world.core.deps.act.outbox(limit=500):
        out[f"outbox:{row.id}"] = row.text
    return out


async def test_nothing_of_the_whole_corpus_leaves_live_or_unredacted(
    everything_sent: dict[str, str],
) -> None:
    found = {w: bad for w, t in everything_sent.items() if (bad := leaks(t, OWN_USERS, CORPUS))}
    assert found == {}


async def test_every_corpus_entry_reached_slack_and_the_states_reached_the_csv(
    everything_sent: dict[str, str],
) -> None:
    # The tag in front of each entry shows it travelled (whatever was redacted after it), so
    # the scan above covered all of them, not just those the answers happened to show.
    assert tags_at(everything_sent, "slack:") == {tag(i) for i in range(len(CORPUS))}
    assert len(tags_at(everything_sent, "file:")) >= 100, "the states' CSV carries its entries"
    assert tags_at(everything_sent, "outbox:"), "answers are recorded in the outbox"


async def test_near_misses_arrive_unchanged_after_their_tag(
    everything_sent: dict[str, str],
) -> None:
    shown = "\n".join(t for w, t in everything_sent.items() if w.startswith("file:"))
    csv_tags = tags_in(shown)
    checked = 0
    for index, sample in enumerate(CORPUS):
        if sample.expect is Expect.SURVIVE and tag(index) in csv_tags:
            # The CSV holds the label as it was cleaned, unescaped: the string must be whole.
            assert f"{tag(index)} {sample.text}" in shown, sample.text
            checked += 1
    assert checked >= 20
