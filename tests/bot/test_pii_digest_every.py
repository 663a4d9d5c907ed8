"""The scheduled posts on a warehouse carrying the whole corpus never leak it (issue 18).

Every corpus entry is planted, tagged, into the labels the analyses group by
(tests/bot/pii_world.plant_every). The scheduler's jobs then run as `scout serve` runs them
(bot.scheduler.ScoutJobs, a fixed clock): a monitor cycle (alerts and the investigation
replies under them), the morning digest (which then lists the open anomalies) and the weekly
summary, through the real core to the fake Slack Web API. Everything that left (Web API text
and blocks, uploaded charts' titles, outbox rows) is scanned with the same checker as the
other corpus tests, over every corpus entry.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from bot.scheduler import ScoutJobs
from tests.bot.pii_world import leaks, plant_every, planted_world, tags_at, web_api_sent
from tests.bot.real_env import NOW, RealEnv
from tests.conftest import TODAY
from tests.fixtures.pii_corpus import CORPUS

pytestmark = pytest.mark.asyncio(loop_scope="module")

DIGEST, ALERTS = "CDIGEST", "CALERTS"
CONFIG = {
    "slack": {"digest_channel": DIGEST, "alerts_channel": ALERTS},
    "guardrails": {"alerts_per_channel_per_hour": 100},
}


fake_slack, world = planted_world("pii_digest_every", plant_every, CONFIG)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def everything_sent(world: RealEnv) -> dict[str, str]:
    """The monitor, the digest and the weekly summary, once each; what left, by where it
    went: "slack:<channel>:…", "file:…", "outbox:<channel>:…"."""
    jobs = ScoutJobs(world.scout.deps, now=lambda: NOW)
    assert await jobs.monitor() > 0
    assert await jobs.digest(TODAY) is True
    assert await jobs.weekly() is True
    await world.scout.deps.work.drain(30)
    out = web_api_sent(world.slack)
    for row in await world.core.deps.act.outbox(limit=500):
        out[f"outbox:{row.channel}:{row.id}"] = row.text
    return out


async def test_no_scheduled_post_carries_the_corpus_live_or_unredacted(
    everything_sent: dict[str, str],
) -> None:
    found = {w: bad for w, t in everything_sent.items() if (bad := leaks(t, samples=CORPUS))}
    assert found == {}


async def test_planted_labels_reached_the_digest_the_alerts_and_their_outbox_rows(
    everything_sent: dict[str, str],
) -> None:
    # The tags show the scan above read planted text in each road, not empty posts.
    digest, posted = (
        tags_at(everything_sent, f"slack:{DIGEST}:"),
        tags_at(everything_sent, "slack:"),
    )
    assert len(digest) >= 5, digest
    assert len(posted - digest) >= 3, "alerts and their investigations carry other labels"
    # The outbox records each post's text; its tables' cells (the digest's forecast table)
    # are in the Web API call only, so the outbox holds some of the tags, never others.
    recorded = tags_at(everything_sent, "outbox:")
    assert recorded and recorded <= posted
    assert tags_at(everything_sent, "file:"), "a chart title carries a planted label"


async def test_the_digest_shows_planted_data_redacted_not_dropped(
    everything_sent: dict[str, str],
) -> None:
    digest = "\n".join(t for w, t in everything_sent.items() if w.startswith(f"slack:{DIGEST}:"))
    assert "Scout's digest" in digest
    assert "[iban]" in digest and "[phone]" in digest
