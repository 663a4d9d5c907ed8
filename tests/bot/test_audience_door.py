"""The channel audience check through the Slack door: an answer with data someone in the
channel may not see goes to the asker in a DM, and the channel gets a short note.

The real Bolt app and the real core answer on the demo warehouse with a policies.yml beside a
copy of semantic.yml; channel members come from the fake Slack Web API, and what reached which
conversation is read from its recorded calls.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
import pytest_asyncio
import yaml

from agent.demo_data import GeneratedWarehouse
from agent.paths import REPO_ROOT
from tests.bot.real_env import CONFIG, RealEnv, real_env
from tests.bot.slack_requests import BOT_USER, event_request, mention
from tests.fakes.slack_api import Call
from tests.fakes.slack_channels import ChannelsFakeSlack, FakeChannel

POLICIES = {
    "default": {"customer_data": False},
    "groups": {
        "west_managers": ["UWEST01", "UWEST02"],
        "northeast_managers": ["UNE01"],
        "crm": ["UCRM01"],
    },
    "policies": {
        "west_managers": {"row_filters": {"region": "West"}},
        "northeast_managers": {"row_filters": {"region": "Northeast"}},
        "crm": {"customer_data": True},
    },
}
# Three members a page (the fake's page size is 2): the lookup must follow the cursor to find
# the Northeast manager on the second page.
MIXED = FakeChannel(members=("UWEST01", BOT_USER, "UNE01"))
# A West manager, another, and someone with the default policy (every row): all may see West.
WEST = FakeChannel(members=("UWEST01", "UWEST02", BOT_USER, "UPLAIN"))
EXTERNAL = FakeChannel(members=("UCRM01", BOT_USER), is_ext_shared=True)
LAST_WEEK = (date(2025, 12, 8), date(2025, 12, 15))  # TODAY is Monday 2025-12-15


@pytest.fixture
def fake_slack() -> Iterator[ChannelsFakeSlack]:
    with ChannelsFakeSlack(page_size=2) as slack:
        slack.channels |= {"CMIXED": MIXED, "CWEST": WEST, "CEXT": EXTERNAL}
        yield slack


@pytest_asyncio.fixture
async def env(
    fake_slack: ChannelsFakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> AsyncIterator[RealEnv]:
    shutil.copy(REPO_ROOT / "semantic.yml", tmp_path / "semantic.yml")
    (tmp_path / "policies.yml").write_text(yaml.safe_dump(POLICIES))
    config = {**CONFIG, "semantic": str(tmp_path / "semantic.yml")}
    built = await real_env(fake_slack, demo_warehouse, tmp_path / "m.sqlite3", config)
    yield built
    await built.aclose()


def _said(call: Call) -> str:
    return json.dumps(call.body.get("text", "")) + json.dumps(call.json_field("blocks"))


def _in(slack: ChannelsFakeSlack, channel: str) -> list[Call]:
    """Every post and edit Scout made in `channel`, and the files it uploaded there."""
    posts = [
        c
        for method in ("chat.postMessage", "chat.update")
        for c in slack.ok_calls(method)
        if c.body.get("channel") == channel
    ]
    files = [
        c
        for c in slack.ok_calls("files.completeUploadExternal")
        if c.body.get("channel_id") == channel
    ]
    return posts + files


def west_revenue(warehouse: GeneratedWarehouse) -> str:
    """Last week's West revenue, read from the warehouse (not through Scout), in whole dollars
    as an answer shows it ("$123,456")."""
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        row = con.execute(
            "SELECT sum(revenue) FROM orders WHERE region = 'West' "
            "AND order_date >= ? AND order_date < ?",
            list(LAST_WEEK),
        ).fetchone()
    assert row is not None and row[0]
    return f"${float(row[0]):,.0f}"


async def test_a_channel_with_a_reader_who_may_not_see_west_rows_gets_a_note_only(
    env: RealEnv, fake_slack: ChannelsFakeSlack, demo_warehouse: GeneratedWarehouse
) -> None:
    await env.scout.app.async_dispatch(
        event_request(
            mention("revenue last week", channel="CMIXED", user="UWEST01", ts="1765790001.1")
        )
    )
    [dm] = await fake_slack.wait_for(
        "chat.postMessage", timeout=60, where=lambda c: c.body.get("channel") == "DUWEST01"
    )
    shown = _said(dm)
    assert "Limited to West by your data access policy" in shown
    assert west_revenue(demo_warehouse) in shown
    assert "not everyone may see this data" in shown  # the asker is told why it is a DM
    [note] = await fake_slack.wait_for(
        "chat.update", where=lambda c: c.body.get("channel") == "CMIXED" and "privately" in _said(c)
    )
    assert "Sent privately to the person who asked" in _said(note)
    await env.scout.deps.work.drain(timeout=30)
    channel = _in(fake_slack, "CMIXED")
    assert channel, "the placeholder and the note were posted in the channel"
    assert not any("$" in _said(c) or "West" in _said(c) for c in channel)
    assert all(c.method != "files.completeUploadExternal" for c in channel)
    # The members were read from both pages (the Northeast manager is on the second).
    assert len(fake_slack.ok_calls("conversations.members")) == 2


async def test_a_channel_whose_members_all_may_see_west_rows_gets_the_answer(
    env: RealEnv, fake_slack: ChannelsFakeSlack, demo_warehouse: GeneratedWarehouse
) -> None:
    await env.scout.app.async_dispatch(
        event_request(
            mention("revenue last week", channel="CWEST", user="UWEST01", ts="1765790002.1")
        )
    )
    [answer] = await fake_slack.wait_for(
        "chat.update",
        timeout=60,
        where=lambda c: c.body.get("channel") == "CWEST" and "Limited to" in _said(c),
    )
    assert west_revenue(demo_warehouse) in _said(answer)
    await env.scout.deps.work.drain(timeout=30)
    assert not any(c.body.get("channel", "").startswith("D") for c in fake_slack.calls())
    assert fake_slack.ok_calls("conversations.open") == []
    # A second question within the minute uses the cached membership.
    await env.scout.app.async_dispatch(
        event_request(
            mention("orders last week", channel="CWEST", user="UWEST02", ts="1765790002.2")
        )
    )
    await fake_slack.wait_for(
        "chat.update",
        timeout=60,
        where=lambda c: c.body.get("channel") == "CWEST" and "Orders" in _said(c),
    )
    assert len(fake_slack.ok_calls("conversations.info")) == 1


async def test_an_external_shared_channel_counts_as_readers_with_the_default_policy(
    env: RealEnv, fake_slack: ChannelsFakeSlack
) -> None:
    # The CRM lead may see customer-level data; the channel's outside readers (default
    # policy: no customer data) may not, even though every listed member is the CRM lead.
    await env.scout.app.async_dispatch(
        event_request(
            mention(
                "which customers are at risk of churning?",
                channel="CEXT",
                user="UCRM01",
                ts="1765790003.1",
            )
        )
    )
    [dm] = await fake_slack.wait_for(
        "chat.postMessage", timeout=90, where=lambda c: c.body.get("channel") == "DUCRM01"
    )
    await env.scout.deps.work.drain(timeout=60)
    customers = [w for w in _said(dm).replace('"', " ").split() if w.startswith("C0")]
    assert customers, "the churn list names customers"
    channel = _in(fake_slack, "CEXT")
    assert any("Sent privately to the person who asked" in _said(c) for c in channel)
    assert not any(customer in _said(c) for c in channel for customer in customers)
    assert all(c.method != "files.completeUploadExternal" for c in channel)


async def test_a_channel_scout_cannot_list_is_answered_privately(
    env: RealEnv, fake_slack: ChannelsFakeSlack
) -> None:
    # CNONE is unknown to the fake: conversations.info answers channel_not_found.
    await env.scout.app.async_dispatch(
        event_request(
            mention("revenue last week", channel="CNONE", user="UWEST01", ts="1765790004.1")
        )
    )
    await fake_slack.wait_for(
        "chat.postMessage", timeout=60, where=lambda c: c.body.get("channel") == "DUWEST01"
    )
    await env.scout.deps.work.drain(timeout=30)
    assert not any("$" in _said(c) for c in _in(fake_slack, "CNONE"))
