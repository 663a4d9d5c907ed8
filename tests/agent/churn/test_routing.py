"""Who gets which retention action, and why: win-back emails go to the segmentation's At risk
and Can't lose them customers only, calls follow a real support ticket, exclusions and the
random holdout hold actions back, and every row says why in words."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from agent.analyses import AnalysisContext
from agent.analyses.rfm import score_customers
from agent.analyses.segment import rfm_frame, rfm_window
from agent.churn.agent import CustomerChurnAgent
from agent.churn.audience import ContactHistory, in_holdout, read_contacts, routing_exclusions
from agent.churn.rules import ChurnRules
from agent.demo_data import GeneratedWarehouse
from agent.learning import Bandit
from agent.semantic import load_semantic
from agent.understand import understand
from agent.warehouse import DuckDBWarehouse
from bot.cli import main

TOP = 60
WINBACK = ("At risk", "Can't lose them")


def _segmentation(warehouse: DuckDBWarehouse, today: date) -> pd.Series:
    """The segmentation answer's own segments (its SQL and scoring), customer → segment."""
    layer = load_semantic(None)
    ctx = AnalysisContext(warehouse=warehouse, layer=layer, today=today)
    goal = understand("customer segmentation", layer=layer, today=today)
    window = rfm_window(ctx, goal)
    assert window is not None
    frame, _ = rfm_frame(ctx, window, {})
    return score_customers(frame).set_index("customer_id")["segment"]


def _tickets_56(warehouse: DuckDBWarehouse, today: date) -> pd.Series:
    """Support tickets per customer in the 8 weeks before today, or still open."""
    frame = warehouse.query(
        "SELECT customer_id, SUM(CASE WHEN created_date >= $d56 THEN 1 ELSE 0 END) AS recent,"
        " SUM(CASE WHEN resolved AND resolved_date < $today THEN 0 ELSE 1 END) AS open"
        " FROM support_tickets WHERE created_date >= $d90 AND created_date < $today"
        " GROUP BY customer_id",
        {"today": today, "d56": today - timedelta(days=56), "d90": today - timedelta(days=90)},
    ).set_index("customer_id")
    return (frame["recent"] + frame["open"]).astype(float)


def test_win_back_goes_to_the_segmentation_win_back_segments_only(
    churn_agent: CustomerChurnAgent, churn_warehouse: DuckDBWarehouse
) -> None:
    today = churn_agent.today
    segments = _segmentation(churn_warehouse, today)
    support = _tickets_56(churn_warehouse, today)
    profiles = churn_agent.profiles(list(churn_agent.ranked().index[:TOP]))
    kinds = set()
    for p in profiles:
        truth = segments.get(p.customer_id)
        assert p.segment == truth, p.customer_id
        action = p.next_action
        kinds.add(action.split(":")[0])
        assert p.risk_level in ("high", "critical", "medium")
        if truth in WINBACK:
            # Win-back emails are the cheapest step and every target is eligible.
            assert action == f"win-back emails: in the {truth} segment", action
            continue
        assert not action.startswith("win-back"), action
        assert f"not a win-back target ({truth} segment)" in action
        if action.startswith("support call"):
            assert support.get(p.customer_id, 0.0) >= 1, p.customer_id
        else:
            assert action.startswith("none: not a win-back target"), action
            assert "no support issue to follow up" in action
            assert support.get(p.customer_id, 0.0) == 0, p.customer_id
    # The list mixes what each customer needs rather than one action for everyone.
    assert "win-back emails" in kinds and len(kinds) >= 2


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("opted_out", "no email: opted out of email (or consent unknown)"),
        ("in_retention_flow", "none: already in a retention flow"),
        ("contacted_recently", "none: contacted by Scout recently, or a message to them is queued"),
    ],
)
def test_exclusions_hold_the_win_back_back_and_say_why(
    churn_agent: CustomerChurnAgent, reason: str, expected: str
) -> None:
    ranked = churn_agent.ranked()
    targets = ranked[ranked["segment"].isin(WINBACK) & (ranked["risk_level"] != "low")]
    cid = str(targets.index[0])
    assert churn_agent.profile(cid).next_action.startswith("win-back emails")
    agent = CustomerChurnAgent(
        warehouse=churn_agent.warehouse,
        today=churn_agent.today,
        model=churn_agent.model,
        exclusions={cid: reason},
    )
    profile = agent.profile(cid)
    assert expected in profile.next_action
    assert not profile.next_action.startswith("win-back")
    proposed = agent.recommend(profile, Bandit(), rng=None)
    if reason == "opted_out":  # a call or an alert may still reach them; an email may not
        assert proposed is None or proposed.kind not in ("winback_sequence", "retention_offer")
    else:
        assert proposed is None


def test_the_terminal_list_shows_who_is_held_out_at_random(
    demo_warehouse: GeneratedWarehouse,
    churn_agent: CustomerChurnAgent,
    capsys: pytest.CaptureFixture[str],
) -> None:
    today = demo_warehouse.today
    args = ["churn", "--warehouse", str(demo_warehouse.path), "--today", today.isoformat()]
    assert main([*args, "--top", str(TOP), "--json"]) == 0
    shown = {
        p["customer_id"]: p["next_action"] for p in json.loads(capsys.readouterr().out)["profiles"]
    }
    share = ChurnRules().campaign_holdout_share
    held = 0
    # The CLI routes with the warehouse's opt-outs: the reference list does the same.
    contacts = read_contacts(churn_agent.warehouse, load_semantic(None))
    agent = CustomerChurnAgent(
        warehouse=churn_agent.warehouse,
        today=today,
        model=churn_agent.model,
        exclusions=routing_exclusions(contacts, ContactHistory()),
    )
    for p in agent.profiles(list(agent.ranked().index[:TOP])):
        if not p.recommended_actions:
            assert shown[p.customer_id] == p.next_action
            continue
        # The holdout is a hash of the action kind, the day and the customer.
        seed = f"retention-{p.recommended_actions[0]}-{today.isoformat()}"
        if in_holdout([p.customer_id], seed, share)[0]:
            held += 1
            assert shown[p.customer_id] == "none: held out at random (control)"
        else:
            assert shown[p.customer_id] == p.next_action
    assert held >= 1
