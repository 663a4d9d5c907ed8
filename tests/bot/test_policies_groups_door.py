"""Policies keyed by a Slack user group, through the Slack door.

The real Bolt app and the real core answer on the demo warehouse with a policies.yml beside a
copy of semantic.yml; group membership comes from the fake Slack Web API's
usergroups.users.list, and the expected numbers are read from the warehouse by hand SQL.
"""

from __future__ import annotations

import json
import logging
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

WEST_GROUP, NORTHEAST_GROUP = "S0WESTMGR", "S0NEMGR"
POLICIES = {
    "default": {"customer_data": False},
    "policies": {
        WEST_GROUP: {"row_filters": {"region": "West"}},
        NORTHEAST_GROUP: {"row_filters": {"region": "Northeast"}},
    },
}
LAST_WEEK = (date(2025, 12, 8), date(2025, 12, 15))  # TODAY is Monday 2025-12-15
# A West manager and a Northeast manager read this channel: an answer limited to the West
# may not be shown to both.
MIXED = FakeChannel(members=("UWEST01", "UNE01", BOT_USER))


@pytest.fixture
def fake_slack() -> Iterator[ChannelsFakeSlack]:
    with ChannelsFakeSlack(page_size=10) as slack:
        slack.usergroups |= {WEST_GROUP: ["UWEST01"], NORTHEAST_GROUP: ["UNE01"]}
        # Each asker's own channel (only they and Scout read it), so an answer is posted in
        # its thread whatever the other policies would say.
        solo = {f"C{u}": FakeChannel(members=(u, BOT_USER)) for u in ("UWEST01", "UPLAIN")}
        slack.channels |= {"CMIXED": MIXED} | solo
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


def revenue_by_region(warehouse: GeneratedWarehouse) -> dict[str, str]:
    """Last week's revenue per region, read from the warehouse (not through Scout), in whole
    dollars as an answer shows it ("$123,456")."""
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        rows = con.execute(
            "SELECT region, sum(revenue) FROM orders "
            "WHERE order_date >= ? AND order_date < ? GROUP BY region",
            list(LAST_WEEK),
        ).fetchall()
    assert len(rows) == 5
    return {str(region): f"${float(total):,.0f}" for region, total in rows}


async def _answer(env: RealEnv, fake_slack: ChannelsFakeSlack, user: str, ts: str) -> str:
    """What Scout finally showed `user` for "revenue by region last week" in their thread."""
    before = len([c for c in fake_slack.ok_calls("chat.update") if "$" in _said(c)])
    await env.scout.app.async_dispatch(
        event_request(mention("revenue by region last week", channel=f"C{user}", user=user, ts=ts))
    )
    answers = await fake_slack.wait_for(
        "chat.update", before + 1, timeout=60, where=lambda c: "$" in _said(c)
    )
    return _said(answers[-1])


async def test_a_member_of_the_west_managers_group_sees_west_rows_only(
    env: RealEnv, fake_slack: ChannelsFakeSlack, demo_warehouse: GeneratedWarehouse
) -> None:
    truth = revenue_by_region(demo_warehouse)
    shown = await _answer(env, fake_slack, "UWEST01", "1765790100.1")
    assert truth["West"] in shown
    assert "Limited to West by your data access policy" in shown
    assert not any(truth[r] in shown for r in truth if r != "West")
    # Each group the policies name is looked up once, by id, and then cached.
    second = await _answer(env, fake_slack, "UWEST01", "1765790100.2")
    assert truth["West"] in second
    asked = [c.body["usergroup"] for c in fake_slack.ok_calls("usergroups.users.list")]
    assert sorted(asked) == sorted([WEST_GROUP, NORTHEAST_GROUP])


async def test_someone_in_no_group_gets_the_default_every_region(
    env: RealEnv, fake_slack: ChannelsFakeSlack, demo_warehouse: GeneratedWarehouse
) -> None:
    truth = revenue_by_region(demo_warehouse)
    shown = await _answer(env, fake_slack, "UPLAIN", "1765790200.1")
    assert all(value in shown for value in truth.values())
    assert "Limited" not in shown


async def test_a_failed_group_lookup_shows_no_numbers_and_says_why(
    env: RealEnv,
    fake_slack: ChannelsFakeSlack,
    demo_warehouse: GeneratedWarehouse,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # This file's default shows every region: answering a West manager by the default while
    # Slack cannot say which group they are in would widen what they see. So: no numbers.
    truth = revenue_by_region(demo_warehouse)
    before = len(fake_slack.calls())
    fake_slack.fail_next("usergroups.users.list", error="missing_scope")
    with caplog.at_level(logging.INFO):
        await env.scout.app.async_dispatch(
            event_request(
                mention("revenue by region last week", channel="CUWEST01", user="UWEST01", ts="3.1")
            )
        )
        [told] = await fake_slack.wait_for(
            "chat.update",
            timeout=60,
            where=lambda c: "check your data access" in _said(c),
        )
    assert "ask again in a minute" in _said(told)
    later = fake_slack.calls()[before:]
    assert not any(v in json.dumps(c.body) for c in later for v in truth.values())
    logged = caplog.text
    assert "usergroups.users.list failed" in logged and "missing_scope" in logged
    assert "asker's user groups unknown user=UWEST01: not answered" in logged


async def test_channel_members_are_placed_by_their_groups_too(
    env: RealEnv, fake_slack: ChannelsFakeSlack, demo_warehouse: GeneratedWarehouse
) -> None:
    west = revenue_by_region(demo_warehouse)["West"]
    await env.scout.app.async_dispatch(
        event_request(mention("revenue last week", channel="CMIXED", user="UWEST01", ts="1.1"))
    )
    # The Northeast manager (known only through their Slack group) may not see West rows.
    [dm] = await fake_slack.wait_for(
        "chat.postMessage", timeout=60, where=lambda c: c.body.get("channel") == "DUWEST01"
    )
    assert west in _said(dm)
    await fake_slack.wait_for(
        "chat.update", where=lambda c: c.body.get("channel") == "CMIXED" and "privately" in _said(c)
    )
    await env.scout.deps.work.drain(timeout=30)
    in_channel = [
        c
        for m in ("chat.postMessage", "chat.update")
        for c in fake_slack.ok_calls(m)
        if c.body.get("channel") == "CMIXED"
    ]
    assert in_channel and not any("$" in _said(c) for c in in_channel)
