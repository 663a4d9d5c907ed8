"""The conversation: "which customers are at risk?" and "churn risk for C000123", end to end
from text through understand → run_goal, on the demo warehouse."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.churn.agent import CustomerChurnAgent
from agent.churn.digest import churn_section
from agent.demo_data import GeneratedWarehouse
from agent.errors import UserError
from agent.semantic import load_semantic
from agent.understand import understand
from agent.warehouse import DuckDBWarehouse


@pytest.fixture
def ctx(
    churn_warehouse: DuckDBWarehouse, demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> AnalysisContext:
    return AnalysisContext(
        warehouse=churn_warehouse,
        layer=load_semantic(None),
        today=demo_warehouse.today,
        out_dir=tmp_path / "out",
    )


def _ask(ctx: AnalysisContext, text: str) -> tuple[object, ...]:
    goal = understand(text, layer=ctx.layer, today=ctx.today)
    return run_goal(goal, ctx)


def test_who_is_at_risk_lists_the_top_with_value_actions_and_a_csv(
    ctx: AnalysisContext, churn_agent: CustomerChurnAgent
) -> None:
    (finding,) = _ask(ctx, "Which customers are at risk of churning?")
    ranked = churn_agent.ranked()
    assert finding.kind == "churn_risk"  # type: ignore[attr-defined]
    facts = finding.facts  # type: ignore[attr-defined]
    assert facts["active_customers"] == len(ranked)
    worrying = ranked[ranked["risk_level"].isin(("high", "critical"))]
    assert facts["value_at_risk_high_and_critical"] == pytest.approx(
        worrying["value_at_risk"].sum(), abs=0.01
    )
    table = finding.table  # type: ignore[attr-defined]
    assert [row[0] for row in table.rows] == list(ranked.index[:10])
    actions = finding.proposed_actions  # type: ignore[attr-defined]
    assert actions and all(a.source == "churn" and a.target in ranked.index[:5] for a in actions)
    csv = pd.read_csv(finding.attachments["churn_csv"])  # type: ignore[attr-defined]
    assert len(csv) == len(ranked)
    assert list(csv["customer_id"][:10]) == list(ranked.index[:10])
    assert finding.evidence[0].params["cutoff"] == ctx.today  # type: ignore[attr-defined]


def test_assess_one_customer(ctx: AnalysisContext, churn_agent: CustomerChurnAgent) -> None:
    cid = churn_agent.ranked().index[3]
    (finding,) = _ask(ctx, f"assess churn risk for customer {cid}")
    profile = churn_agent.profile(cid)
    assert finding.kind == "churn_profile"  # type: ignore[attr-defined]
    assert finding.title == f"Churn risk for {cid}: {profile.risk_level}"  # type: ignore[attr-defined]
    assert finding.facts["churn_probability"] == round(profile.churn_probability, 4)  # type: ignore[attr-defined]
    assert profile.risk_factors[0] in finding.summary  # type: ignore[attr-defined]


def test_unknown_customer_is_friendly(ctx: AnalysisContext) -> None:
    with pytest.raises(UserError, match="C999999"):
        _ask(ctx, "assess churn risk for customer C999999")


def test_digest_section_numbers(churn_agent: CustomerChurnAgent) -> None:
    digest = churn_section(churn_agent)
    ranked = churn_agent.ranked()
    assert digest.active == len(ranked)
    assert digest.critical == int((ranked["risk_level"] == "critical").sum())
    assert digest.top[0][0] == ranked.index[0]
    assert f"{digest.critical:,} critical" in digest.lines()[0]
