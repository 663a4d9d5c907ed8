"""Investigation replies under alerts go through the actor like every other post (issue 18).

The real service behind the real Bolt app, its WebClient on the fake Slack Web API, runs one
monitor cycle (`ScoutService.check_kpis`) over a copy of the demo warehouse planted with the
PII corpus (tests/bot/pii_world.py). The region whose conversion drop the demo injects also
carries a card number, an email address, a phone number and a broadcast, so every
investigation that names that region shows them. Before, the investigations were posted
straight to Slack: unredacted, with no outbox row, and even in dry-run mode.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
import pytest_asyncio

from agent.act.records import OutboxEntry
from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.service import ScoutService
from agent.warehouse import DuckDBWarehouse
from bot.app import build_scout
from bot.settings import channel_aliases
from tests.bot.conftest import APPROVER, settings_for
from tests.bot.pii_world import CATEGORY_SAMPLES, TOPIC_SAMPLES, leaks, plant, sent_text
from tests.bot.real_env import NOW
from tests.conftest import TODAY
from tests.fakes.slack_api import Call, FakeSlack
from tests.fixtures.pii_corpus import Expect, Sample

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONFIG: dict[str, Any] = {
    "slack": {"digest_channel": "CDIGEST", "alerts_channel": "CALERTS", "approvers": [APPROVER]},
    "guardrails": {"alerts_per_channel_per_hour": 100},
}
# A card, an email, a phone number and a broadcast from the corpus, after the region's name.
REGION_SAMPLES: tuple[Sample, ...] = (
    CATEGORY_SAMPLES[0],
    CATEGORY_SAMPLES[2],
    TOPIC_SAMPLES[1],
    CATEGORY_SAMPLES[1],
)
SLACK_WRITES = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "files.completeUploadExternal",
)
INVESTIGATION = "What Scout found about: "


@dataclass(frozen=True, kw_only=True)
class Cycle:
    """What one monitor cycle left behind: the Web API calls and the outbox."""

    calls: tuple[Call, ...]
    messages: tuple[dict[str, Any], ...]
    outbox: tuple[OutboxEntry, ...]


@pytest.fixture(scope="module")
def planted(
    demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """The planted warehouse and the name its dropping region now has."""
    path = tmp_path_factory.mktemp("investigation_pii") / "warehouse.duckdb"
    plant(demo_warehouse.path, path)
    region = demo_warehouse.scenario("conversion_drop").where["region"]
    renamed = " ".join((region, *(s.text for s in REGION_SAMPLES)))
    with duckdb.connect(str(path)) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'region'"
        ).fetchall()
        assert tables
        for (table,) in tables:
            con.execute(f"UPDATE {table} SET region = ? WHERE region = ?", [renamed, region])
    yield path, region


async def _monitor(warehouse: Path, memory: Path, **config: Any) -> Cycle:
    """One served monitor cycle, through the real app's Slack connection."""
    scout_config = ScoutConfig.model_validate(CONFIG | config)
    deps = await open_deps(
        scout_config,
        warehouse=DuckDBWarehouse(warehouse),
        today=TODAY,
        memory_path=memory,
        clock=lambda: NOW,
    )
    core = ScoutService(deps)
    with FakeSlack() as slack:
        aliases = channel_aliases(scout_config)
        scout = build_scout(core, replace(settings_for(slack), channel_aliases=aliases))
        try:
            report = await core.check_kpis()
            await scout.deps.work.drain(10)
            assert report.errors == (), report.errors
            outbox = await core.deps.act.outbox(limit=500)
        finally:
            await scout.aclose(timeout=10)
            await core.close()
        return Cycle(
            calls=tuple(slack.calls()), messages=tuple(slack.messages), outbox=tuple(outbox)
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(planted: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Cycle:
    return await _monitor(planted[0], tmp_path_factory.mktemp("live") / "memory.sqlite3")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def dry(planted: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Cycle:
    memory = tmp_path_factory.mktemp("dry") / "memory.sqlite3"
    return await _monitor(planted[0], memory, guardrails={"dry_run": True})


def _investigation_rows(outbox: tuple[OutboxEntry, ...]) -> list[OutboxEntry]:
    return [e for e in outbox if e.kind == "report" and INVESTIGATION in e.text]


async def test_the_planted_region_is_what_the_investigations_would_show(
    planted: tuple[Path, str],
) -> None:
    # The premise: the raw secrets sit in the warehouse, so a leak would be visible.
    with duckdb.connect(str(planted[0]), read_only=True) as con:
        (name,) = con.execute(
            "SELECT DISTINCT region FROM sessions WHERE region LIKE ?", [planted[1] + " %"]
        ).fetchone() or ("",)
    for sample in REGION_SAMPLES:
        assert sample.text in name
    assert [s.expect for s in REGION_SAMPLES].count(Expect.REDACT) == 3


def _investigations(cycle: Cycle) -> list[dict[str, Any]]:
    """The messages Slack holds in the threads of the cycle's alerts, as Slack holds them."""
    alerts = {m["ts"] for m in cycle.messages if not m.get("thread_ts")}
    threaded = [m for m in cycle.messages if m.get("thread_ts") in alerts]
    return [m for m in threaded if INVESTIGATION in m.get("text", "")]


async def test_investigations_are_threaded_redacted_and_in_the_outbox(
    live: Cycle, planted: tuple[Path, str]
) -> None:
    region = planted[1]
    investigations = _investigations(live)
    assert investigations, [m.get("text", "")[:80] for m in live.messages]
    naming = [m for m in investigations if region in m["text"]]
    assert naming, "no investigation names the planted region: the test would prove nothing"

    # The message text (what notifications and clients without blocks show) is redacted.
    for message in investigations:
        assert leaks(message["text"]) == [], message["text"][:400]
    shown = " ".join(m["text"] for m in naming)
    for marker in ("[card]", "[email]", "[phone]", "[broadcast removed]"):
        assert marker in shown, marker

    # One outbox row per investigation, sent, holding the Slack ts of the threaded message.
    rows = _investigation_rows(live.outbox)
    assert sorted(r.delivery_ref or "" for r in rows) == sorted(m["ts"] for m in investigations)
    for row in rows:
        assert row.status == "sent" and row.delivered_via == "slack"
        assert leaks(row.text) == [], row.text[:400]
    flagged = [r for r in rows if region in r.text]
    assert flagged and all("personal data redacted" in r.flags for r in flagged)
    # Nothing reached Slack in this cycle that the outbox does not hold.
    refs = {e.delivery_ref for e in live.outbox}
    assert all(m["ts"] in refs for m in live.messages)


async def test_everything_an_investigation_shows_in_slack_is_redacted(live: Cycle) -> None:
    for message in _investigations(live):
        shown = sent_text(message)  # its text and every block
        assert leaks(shown) == [], shown[:400]
    everything = " ".join(json.dumps(c.body, ensure_ascii=False) for c in live.calls)
    assert leaks(everything) == []


async def test_in_dry_run_nothing_reaches_slack(dry: Cycle) -> None:
    assert [c.method for c in dry.calls if c.method in SLACK_WRITES] == []
    assert dry.messages == ()
    assert dry.outbox and all(e.status == "dry_run" for e in dry.outbox)


async def test_in_dry_run_the_outbox_records_each_investigation(live: Cycle, dry: Cycle) -> None:
    def heads(rows: list[OutboxEntry]) -> list[str]:
        return sorted(r.text.splitlines()[0] for r in rows)

    recorded = _investigation_rows(dry.outbox)
    assert heads(recorded) == heads(_investigation_rows(live.outbox))
    assert all(r.status == "dry_run" and leaks(r.text) == [] for r in recorded)
