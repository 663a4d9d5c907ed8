"""Data access policies through the Slack door: the asker is the user id in the signed event.

The real Bolt app and the real core answer on the demo warehouse, with a policies.yml beside a
copy of semantic.yml; what Scout said is read from the fake Slack Web API's recorded calls.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from agent.demo_data import GeneratedWarehouse
from agent.paths import REPO_ROOT
from tests.bot.real_env import CONFIG, real_env
from tests.bot.slack_requests import event_request, mention
from tests.fakes.slack_api import Call, FakeSlack

POLICIES = {
    "groups": {"west_managers": ["UWEST01"]},
    "policies": {"west_managers": {"row_filters": {"region": "West"}}},
}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def _said(call: Call) -> str:
    return json.dumps(call.body.get("text", "")) + json.dumps(call.json_field("blocks"))


async def test_a_west_manager_mentioning_scout_gets_west_rows_only(
    fake_slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    shutil.copy(REPO_ROOT / "semantic.yml", tmp_path / "semantic.yml")
    (tmp_path / "policies.yml").write_text(yaml.safe_dump(POLICIES))
    config = {**CONFIG, "semantic": str(tmp_path / "semantic.yml")}
    env = await real_env(fake_slack, demo_warehouse, tmp_path / "m.sqlite3", config)
    try:
        await env.scout.app.async_dispatch(
            event_request(
                mention("revenue in the Northeast last week", user="UWEST01", ts="1765790000.1")
            )
        )
        refused = await fake_slack.wait_for(
            "chat.update", timeout=60, where=lambda c: "data access policy" in _said(c)
        )
        assert "limits you to West" in _said(refused[-1])
        assert "$" not in _said(refused[-1])  # no Northeast number reached Slack
        await env.scout.app.async_dispatch(
            event_request(mention("revenue by region last week", user="UWEST01", ts="1765790000.2"))
        )
        limited = await fake_slack.wait_for(
            "chat.update",
            timeout=60,
            where=lambda c: "Limited to West by your data access policy" in _said(c),
        )
        shown = _said(limited[-1])
        assert "West" in shown and "Northeast" not in shown and "Midwest" not in shown
    finally:
        await env.aclose()
