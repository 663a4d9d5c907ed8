"""Hidden columns in data access policies, end to end: real service, loop and DuckDB warehouse.

A policy that hides a dimension refuses questions that break down, filter or compare by it
(the answer would be about that dimension), and drill-downs that search every dimension on
their own ("why did revenue change?") skip it. Customer lists, which show the customer
columns churn groups by, are refused when one of those is hidden. Checked in what a person
reads: the reply's text, its JSON (as `scout ask --json` prints it) and its CSV files.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.demo_data import GeneratedWarehouse
from agent.service import ScoutService
from agent.views import Reply
from tests.agent.test_policies import _ask, _service

OPS, CRM, MAIL, ANALYST = "UOPS01", "UCRM01", "UMAIL01", "UANALYST"
POLICIES = {
    "default": {"customer_data": False},
    "groups": {"ops": [OPS], "crm": [CRM], "mail": [MAIL]},
    "policies": {
        "ops": {"hidden_columns": ["state", "device"]},
        "crm": {"customer_data": True, "hidden_columns": ["region"]},
        # The customers' address: read only to send an email, never in a list.
        "mail": {"customer_data": True, "hidden_columns": ["email"]},
    },
}


@pytest.fixture
async def scout(demo_warehouse: GeneratedWarehouse, tmp_path: Path) -> AsyncIterator[ScoutService]:
    service = await _service(demo_warehouse, tmp_path, POLICIES)
    yield service
    await service.close()


def _published(reply: Reply) -> str:
    """Everything a reply publishes: its text, error and findings as `scout ask --json`."""
    findings = [f.to_json() for f in reply.findings]
    files = [Path(p).read_text() for f in reply.findings for p in f.attachments.values()]
    return "\n".join([reply.text, reply.error or "", json.dumps(findings, default=str), *files])


def _columns_used(reply: Reply) -> set[str]:
    """Dimensions the reply's segments and queries name."""
    used = {d for f in reply.findings for c in f.root_causes for d in c.where}
    used |= {d for f in reply.findings for a in f.anomalies for d in a.where}
    sql = " ".join(e.sql for f in reply.findings for e in f.evidence)
    return used | {d for d in ("state", "region", "device", "channel") if f'"{d}"' in sql}


async def test_a_breakdown_filter_or_comparison_by_a_hidden_dimension_is_refused(
    scout: ScoutService,
) -> None:
    for question in (
        "orders by state last week",
        "orders in NY last week",
        "compare orders in NY vs CA last week",
    ):
        refused = await _ask(scout, question, OPS)
        assert not refused.findings, question
        assert refused.error is not None
        assert "by state is not available to you under your data access policy" in refused.error
        assert "$" not in _published(refused)  # no number at all
        # The same question from someone without the policy is answered by state.
        allowed = await _ask(scout, question, ANALYST)
        assert allowed.error is None and allowed.findings, question
        assert "state" in _columns_used(allowed), question


async def test_an_explanation_skips_the_hidden_dimension_instead_of_refusing(
    scout: ScoutService,
) -> None:
    question = "why did orders change last week?"
    everyone = await _ask(scout, question, ANALYST)
    assert everyone.error is None and everyone.findings
    # The search reads every low-cardinality dimension, device included (its queries'
    # SQL groups by it).
    assert "device" in _columns_used(everyone)
    ops = await _ask(scout, question, OPS)
    assert ops.error is None and ops.findings
    used = _columns_used(ops)
    assert "device" not in used and used & {"region", "channel"}
    assert '"device"' not in _published(ops)


async def test_customer_lists_are_refused_when_a_column_they_show_is_hidden(
    scout: ScoutService, tmp_path: Path
) -> None:
    churn = await _ask(scout, "which customers are likely to churn?", CRM)
    assert not churn.findings and churn.error is not None
    assert "Customer lists show region, which your data access policy hides" in churn.error
    assert not list(tmp_path.rglob("churn-risk-*.csv"))  # no list was written either
    # Aggregates by another dimension are still answered.
    by_device = await _ask(scout, "orders by device last week", CRM)
    assert by_device.error is None and by_device.findings
    assert '"region"' not in _published(by_device)
    # A hidden column the list does not show refuses nothing.
    listed = await _ask(scout, "which customers are likely to churn?", MAIL)
    assert listed.error is None and listed.findings[0].kind.startswith("churn")
    assert "@" not in _published(listed)  # and no address is in it, list or CSV
