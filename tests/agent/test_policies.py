"""Data access policies end to end: real service, real loop, real DuckDB demo warehouse.

Policies come from a policies.yml beside a copy of semantic.yml, as in production; who asks is
the Slack user id passed to `ScoutService.ask`, never anything in the text. Truth is
hand-written SQL against the same warehouse.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.paths import REPO_ROOT
from agent.service import ScoutService
from agent.views import Reply
from bot.core import ThreadRef
from tests.agent.loop_helpers import demo_deps
from tests.conftest import TODAY

WEST_MANAGER, CRM_LEAD, ANALYST = "UWEST01", "UCRM01", "UANALYST"
POLICIES = {
    "default": {"customer_data": False},
    "groups": {"west_managers": [WEST_MANAGER], "crm": [CRM_LEAD]},
    "policies": {
        "west_managers": {"row_filters": {"region": "West"}},
        "crm": {"customer_data": True, "hidden_metrics": ["revenue"]},
    },
    "channels": {"kpi-digest": "west_managers"},
}
LAST_WEEK = (date(2025, 12, 8), date(2025, 12, 15))  # TODAY is Monday Dec 15


async def _quiet(_: str) -> None:
    return None


async def _service(warehouse: GeneratedWarehouse, tmp: Path, policies: object) -> ScoutService:
    semantic = tmp / "semantic.yml"
    shutil.copy(REPO_ROOT / "semantic.yml", semantic)
    if policies is not None:
        (tmp / "policies.yml").write_text(yaml.safe_dump(policies))
    config = ScoutConfig(semantic=str(semantic))
    return ScoutService(await demo_deps(warehouse.path, tmp / "m.sqlite3", TODAY, config=config))


@pytest.fixture
async def scout(demo_warehouse: GeneratedWarehouse, tmp_path: Path) -> AsyncIterator[ScoutService]:
    service = await _service(demo_warehouse, tmp_path, POLICIES)
    yield service
    await service.close()


async def _ask(
    service: ScoutService, text: str, user: str, groups: frozenset[str] = frozenset()
) -> Reply:
    thread = ThreadRef(channel="C1", thread_ts=f"{user}:{text}")
    return await service.ask(text, thread=thread, user=user, on_progress=_quiet, groups=groups)


def _revenue_by_region(warehouse: GeneratedWarehouse, region: str | None) -> dict[str, float]:
    sql = (
        "SELECT region, SUM(revenue) FROM orders WHERE order_date >= ? AND order_date < ?"
        + (" AND region = ?" if region else "")
        + " GROUP BY region"
    )
    params: list[object] = [*LAST_WEEK, *([region] if region else [])]
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        return {str(r): float(v) for r, v in con.execute(sql, params).fetchall()}


def _rows(reply: Reply) -> dict[str, float]:
    assert reply.error is None, reply.error
    table = reply.findings[0].table
    assert table is not None
    return {str(row[0]): float(row[1]) for row in table.rows}


async def test_two_users_asking_the_same_question_see_their_own_rows(
    scout: ScoutService, demo_warehouse: GeneratedWarehouse
) -> None:
    west = await _ask(scout, "revenue by region last week", WEST_MANAGER)
    everyone = await _ask(scout, "revenue by region last week", ANALYST)
    west_truth = _revenue_by_region(demo_warehouse, "West")
    all_truth = _revenue_by_region(demo_warehouse, None)
    assert set(west_truth) == {"West"} and len(all_truth) == 5
    assert _rows(west) == pytest.approx(west_truth)
    assert _rows(everyone) == pytest.approx(all_truth)
    assert "Limited to West by your data access policy." in west.text
    assert "Limited" not in everyone.text
    # Every query behind the limited answer carried the row filter as a bound parameter.
    evidence = [e for f in west.findings for e in f.evidence]
    assert evidence
    for item in evidence:
        assert '"region" = ' in item.sql and item.params.get("f_region") == "West", item.sql


async def test_a_filter_in_the_question_cannot_widen_the_policy(scout: ScoutService) -> None:
    reply = await _ask(scout, "revenue in the Northeast last week", WEST_MANAGER)
    assert not reply.findings
    assert reply.error is not None
    assert "data access policy limits you to West, so I can't show Northeast." in reply.error
    assert "=" not in reply.error  # said in words, never as dimension=value
    assert "Northeast" in reply.error and "$" not in reply.error


async def test_a_hidden_metric_is_refused_with_everything_computed_from_it(
    scout: ScoutService,
) -> None:
    for question in ("revenue last week", "average order value last week"):
        reply = await _ask(scout, question, CRM_LEAD)
        assert not reply.findings and reply.error is not None, question
        assert "not available to you under your data access policy" in reply.error
    allowed = await _ask(scout, "orders last week", CRM_LEAD)
    assert allowed.error is None and allowed.findings


async def test_a_churn_list_needs_customer_data(scout: ScoutService) -> None:
    refused = await _ask(scout, "which customers are likely to churn?", ANALYST)
    assert not refused.findings and refused.error is not None
    assert "Customer-level data" in refused.error
    limited = await _ask(scout, "which customers are likely to churn?", WEST_MANAGER)
    assert not limited.findings and limited.error is not None  # rows can't be limited: refused
    allowed = await _ask(scout, "which customers are likely to churn?", CRM_LEAD)
    assert allowed.error is None and allowed.findings
    assert allowed.findings[0].kind.startswith("churn")


async def test_the_scheduled_digest_runs_with_its_channels_policy(scout: ScoutService) -> None:
    digest = await scout.digest(TODAY)
    assert digest.findings and digest.error is None
    evidence = [e for f in digest.findings for e in f.evidence]
    assert evidence
    assert all(e.params.get("f_region") == "West" for e in evidence)
    assert "Limited to West by this channel's data access policy." in digest.text


async def test_without_a_policies_file_answers_are_unchanged(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    service = await _service(demo_warehouse, tmp_path, None)
    try:
        west = await _ask(service, "revenue by region last week", WEST_MANAGER)
        assert _rows(west) == pytest.approx(_revenue_by_region(demo_warehouse, None))
        assert "Limited" not in west.text
        northeast = await _ask(service, "revenue in the Northeast last week", WEST_MANAGER)
        assert northeast.error is None and northeast.findings
    finally:
        await service.close()


async def test_the_slack_user_groups_passed_with_a_question_place_the_asker(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    by_group = {
        "default": {"customer_data": False},
        "policies": {"S0WESTMGR": {"row_filters": {"region": "West"}}, "S0CRM": {}},
    }
    service = await _service(demo_warehouse, tmp_path, by_group)
    try:
        west = await _ask(service, "revenue by region last week", ANALYST, frozenset({"S0WESTMGR"}))
        assert _rows(west) == pytest.approx(_revenue_by_region(demo_warehouse, "West"))
        # The same person without the group (or with one the file does not limit) sees all.
        alone = await _ask(service, "revenue by region last week", ANALYST)
        assert _rows(alone) == pytest.approx(_revenue_by_region(demo_warehouse, None))
        # Two groups: the union, so the unfiltered group's every region.
        both = await _ask(
            service,
            "revenue by region in the last 7 days",
            ANALYST,
            frozenset({"S0WESTMGR", "S0CRM"}),
        )
        assert both.error is None and "Limited" not in both.text
        assert len(_rows(both)) == 5
    finally:
        await service.close()
