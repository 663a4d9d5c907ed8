"""The conversation: "which customers are at risk?" and "churn risk for C000123", end to end
from text through understand → run_goal, on the demo warehouse."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.churn.agent import CustomerChurnAgent
from agent.churn.audience import ContactHistory, read_contacts, routing_exclusions
from agent.churn.digest import churn_section
from agent.churn.model import Backtest
from agent.demo_data import GeneratedWarehouse
from agent.errors import UserError
from agent.semantic import load_semantic
from agent.understand import understand
from agent.warehouse import DuckDBWarehouse
from tests.agent.churn.conftest import backtest_stated


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
    assert facts["scored_customers"] == len(ranked)
    worrying = ranked[ranked["risk_level"].isin(("high", "critical"))]
    assert facts["flagged"] == len(worrying) and facts["flagged_share"] <= 0.2
    assert facts["value_at_risk_high_and_critical"] == pytest.approx(
        worrying["value_at_risk"].sum(), abs=0.01
    )
    # The answer states the slice's size, its backtested precision and what it is worth.
    summary = finding.summary  # type: ignore[attr-defined]
    share = len(worrying) / len(ranked)
    assert (
        f"Of {len(ranked):,} repeat customers not yet lapsed, {len(worrying):,} ({share:.1%})"
        in summary
    )
    assert backtest_stated(facts, summary)
    stated = re.search(r"\$([\d,]+) of revenue expected over the next 12 months", summary)
    assert stated is not None
    assert float(stated[1].replace(",", "")) == pytest.approx(
        facts["value_at_risk_high_and_critical"], abs=1
    )
    first = churn_agent.first_time_buyers()
    assert f"{len(first):,} first-time buyers are not scored for churn" in summary
    table = finding.table  # type: ignore[attr-defined]
    assert [row[0] for row in table.rows][:10] == list(ranked.index[:10])
    # Proposed: the top five's routed steps, and win-back emails to the segmentation's win-back
    # audience (At risk / Can't lose them at high risk), never to anyone outside it.
    # The audience as the answer draws it: less the opted out and those without an address.
    audience = CustomerChurnAgent(
        warehouse=churn_agent.warehouse,
        today=churn_agent.today,
        model=churn_agent.model,
        exclusions=routing_exclusions(read_contacts(ctx.warehouse, ctx.layer), ContactHistory()),
    ).winback_audience()
    actions = finding.proposed_actions  # type: ignore[attr-defined]
    assert actions and all(a.source == "churn" for a in actions)
    # The audience's five most at risk beyond the list's top five.
    beyond = [c for c in audience.index if c not in ranked.index[:5]][:5]
    for a in actions:
        assert a.target in ranked.index[:5] or a.target in beyond
        if a.kind == "winback_sequence":
            assert a.target in audience.index
    assert any(a.kind == "winback_sequence" for a in actions)
    assert f"high risk: {len(audience):,} after exclusions" in summary
    shown = {row[0] for row in table.rows}
    assert {a.target for a in actions} <= shown
    csv = pd.read_csv(finding.attachments["churn_csv"])  # type: ignore[attr-defined]
    assert len(csv) == len(ranked)
    assert list(csv["customer_id"][:10]) == list(ranked.index[:10])
    assert finding.evidence[0].params["cutoff"] == ctx.today  # type: ignore[attr-defined]
    # The flagged members of the cohort are drawn by SQL the answer carries.
    (members,) = [
        e
        for e in finding.evidence  # type: ignore[attr-defined]
        if e.description.startswith("members of the cohort")
    ]
    drawn = set(ctx.warehouse.query(members.sql, members.params)["customer_id"].astype(str))
    pulled_in = ranked.index[ranked["cohort_ratio"] < 1]
    assert len(pulled_in) and set(pulled_in) == drawn & set(ranked.index)


def test_assess_one_customer(ctx: AnalysisContext, churn_agent: CustomerChurnAgent) -> None:
    cid = churn_agent.ranked().index[3]
    (finding,) = _ask(ctx, f"assess churn risk for customer {cid}")
    profile = churn_agent.profile(cid)
    assert finding.kind == "churn_profile"  # type: ignore[attr-defined]
    assert finding.title == f"Churn risk for {cid}: {profile.risk_level}"  # type: ignore[attr-defined]
    assert profile.churn_probability is not None
    assert finding.facts["churn_probability"] == round(profile.churn_probability, 4)  # type: ignore[attr-defined]
    assert profile.risk_factors[0] in finding.summary  # type: ignore[attr-defined]


def test_a_first_time_buyer_is_not_called_at_risk(
    ctx: AnalysisContext, churn_agent: CustomerChurnAgent
) -> None:
    cid = churn_agent.first_time_buyers().index[0]
    (finding,) = _ask(ctx, f"assess churn risk for customer {cid}")
    assert finding.title == f"Churn risk for {cid}: not scored (first-time buyer)"  # type: ignore[attr-defined]
    assert "has bought once" in finding.summary  # type: ignore[attr-defined]
    assert finding.proposed_actions == ()  # type: ignore[attr-defined]


def test_unknown_customer_is_friendly(ctx: AnalysisContext) -> None:
    with pytest.raises(UserError, match="C999999"):
        _ask(ctx, "assess churn risk for customer C999999")


def test_digest_section_numbers(churn_agent: CustomerChurnAgent) -> None:
    digest = churn_section(churn_agent)
    ranked = churn_agent.ranked()
    assert digest.scored == len(ranked)
    assert digest.critical == int((ranked["risk_level"] == "critical").sum())
    assert digest.top[0][0] == ranked.index[0]
    assert f"{digest.critical:,} critical" in digest.lines()[0]
    backtest = churn_agent.model.report.backtest
    assert backtest is not None and digest.precision == backtest.precision


def test_the_backtest_is_said_with_its_precision_and_recall(
    churn_agent: CustomerChurnAgent,
) -> None:
    overview = replace(
        churn_agent.overview(),
        backtest=Backtest(
            cutoff=date(2025, 9, 15), customers=2_400, flagged=120, precision=0.68, recall=0.004
        ),
    )
    text = " ".join(overview.sentences())
    assert (
        "Backtest as of Sep 15 (a model trained only on what was known then, on the 2,400 "
        "customers not yet lapsed then whose window has closed since): 68% of the 120 flagged "
        "this way did go quiet; they were 0.4% of all who did."
    ) in text
    digest = replace(churn_section(churn_agent), precision=0.68)
    assert "; 68% of those flagged this way on past data did go quiet" in digest.lines()[0]
