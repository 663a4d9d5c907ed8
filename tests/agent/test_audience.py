"""Who may read an answer: the data it shows against each reader's policy (no Slack here)."""

from __future__ import annotations

from datetime import date

import pytest

from agent.audience import (
    DataShown,
    Private,
    Public,
    data_shown,
    may_see,
    needs_audience_check,
    readers,
    route,
)
from agent.domain import Anomaly, Finding, Goal, Intent
from agent.paths import REPO_ROOT
from agent.semantic import load_semantic
from agent.semantic.policies import UNRESTRICTED, parse_policies
from agent.views import Reply

LAYER = load_semantic(REPO_ROOT / "semantic.yml")
POLICIES = parse_policies(
    {
        "groups": {"west": ["UWEST"], "northeast": ["UNE"], "crm": ["UCRM"], "finance": ["UFIN"]},
        "policies": {
            "west": {"row_filters": {"region": "West"}},
            "northeast": {"row_filters": {"region": "Northeast"}},
            "crm": {"customer_data": True, "hidden_metrics": ["revenue"]},
            "finance": {"customer_data": True},
        },
    },
    LAYER,
)
WEST, NORTHEAST = POLICIES.for_user("UWEST"), POLICIES.for_user("UNE")
CRM, FINANCE, DEFAULT = POLICIES.for_user("UCRM"), POLICIES.for_user("UFIN"), POLICIES.default
FINDING = Finding(kind="lookup", title="Revenue", summary="Revenue was $1,000.")


def _reply(goal: Goal, *findings: Finding) -> Reply:
    return Reply(goal=goal, findings=findings or (FINDING,))


def test_rows_shown_are_the_goals_filters_and_both_sides_of_a_comparison() -> None:
    shown = data_shown(
        _reply(
            Goal(
                intent=Intent.COMPARE,
                metric="revenue",
                filters={"device": "mobile"},
                compare={"region": ("West", "Northeast")},
            )
        )
    )
    assert shown == DataShown(
        metrics=frozenset({"revenue"}),
        rows={"device": frozenset({"mobile"}), "region": frozenset({"West", "Northeast"})},
        columns=frozenset({"device", "region"}),
    )
    # Neither manager may see the other's region, whoever asked.
    assert not may_see(WEST, shown) and not may_see(NORTHEAST, shown)
    assert may_see(DEFAULT, shown) and may_see(UNRESTRICTED, shown)


def test_a_reader_may_see_rows_no_wider_than_their_filters_allow() -> None:
    west_rows = data_shown(
        _reply(Goal(intent=Intent.LOOKUP, metric="revenue", filters={"region": "West"}))
    )
    all_rows = data_shown(
        _reply(Goal(intent=Intent.BREAKDOWN, metric="revenue", group_by=("region",)))
    )
    assert west_rows is not None and all_rows is not None
    assert may_see(WEST, west_rows) and not may_see(NORTHEAST, west_rows)
    assert not may_see(WEST, all_rows)  # every region: wider than the West manager's rows
    assert may_see(DEFAULT, west_rows) and may_see(DEFAULT, all_rows)


def test_hidden_metrics_and_their_derivatives_and_anything_spanning_metrics() -> None:
    aov = data_shown(_reply(Goal(intent=Intent.TREND, metric="aov")))
    conversion = data_shown(_reply(Goal(intent=Intent.TREND, metric="conversion_rate")))
    digest = data_shown(_reply(Goal(intent=Intent.DIGEST)))
    anomaly = Anomaly(
        metric="revenue",
        where={},
        day=date(2025, 12, 1),
        actual=1,
        expected=2,
        score=4,
        direction="down",
    )
    detect = data_shown(
        _reply(
            Goal(intent=Intent.DETECT, metric="conversion_rate"),
            Finding(kind="detect", title="", summary="", anomalies=(anomaly,)),
        )
    )
    assert aov is not None and conversion is not None and digest is not None and detect is not None
    assert not may_see(CRM, aov)  # AOV is computed from revenue, which CRM may not see
    assert may_see(CRM, conversion)
    assert not may_see(CRM, digest) and may_see(FINANCE, digest)
    assert detect.metrics == {"conversion_rate", "revenue"} and not may_see(CRM, detect)


@pytest.mark.parametrize(
    "reply",
    [
        _reply(Goal(intent=Intent.CHURN)),
        _reply(Goal(intent=Intent.LOOKUP, metric="orders", customer_id="C000123")),
        _reply(
            Goal(intent=Intent.LOOKUP, metric="orders"),
            Finding(kind="lookup", title="", summary="", attachments={"csv": "/tmp/x.csv"}),
        ),
        _reply(Goal(intent=Intent.DIGEST), Finding(kind="digest_churn", title="", summary="")),
    ],
)
def test_customer_level_answers_need_customer_data(reply: Reply) -> None:
    shown = data_shown(reply)
    assert shown is not None and shown.customer_data
    assert not may_see(DEFAULT, shown) and not may_see(WEST, shown)
    assert may_see(FINANCE, shown)


def test_replies_without_data_are_public_and_need_no_lookup() -> None:
    for reply in (
        Reply(error="That is not available to you."),
        Reply(text="Which region?", goal=Goal(intent=Intent.LOOKUP, metric="revenue")),
    ):
        assert data_shown(reply) is None
        assert not needs_audience_check(data_shown(reply), POLICIES)
        assert route(data_shown(reply), [DEFAULT]) == Public()


def test_a_lookup_is_needed_only_when_some_policy_would_refuse_the_data() -> None:
    west_orders = data_shown(
        _reply(Goal(intent=Intent.LOOKUP, metric="orders", filters={"region": "West"}))
    )
    assert needs_audience_check(west_orders, POLICIES)  # the Northeast manager may not
    assert not needs_audience_check(west_orders, None)  # no policies: everyone sees everything
    only_west = parse_policies(
        {"groups": {"w": ["U1"]}, "policies": {"w": {"row_filters": {"region": "West"}}}}, LAYER
    )
    assert not needs_audience_check(west_orders, only_west)


def test_the_route_is_private_when_any_reader_may_not_see_the_data() -> None:
    shown = data_shown(
        _reply(Goal(intent=Intent.LOOKUP, metric="revenue", filters={"region": "West"}))
    )
    members = ["UWEST", "UBOT", "UNOBODY"]
    assert route(shown, readers(POLICIES, members, shared=False, exclude={"UBOT"})) == Public()
    refused = route(shown, readers(POLICIES, [*members, "UNE"], shared=False, exclude={"UBOT"}))
    assert isinstance(refused, Private) and "northeast" in refused.reason
    # Scout itself is no reader; counted, it would have the default policy.
    assert len(readers(POLICIES, members, shared=False)) == 3
    assert len(readers(POLICIES, members, shared=False, exclude={"UBOT"})) == 2


def test_a_shared_channel_adds_a_reader_with_the_default_policy() -> None:
    churn = data_shown(_reply(Goal(intent=Intent.CHURN)))
    assert route(churn, readers(POLICIES, ["UFIN"], shared=False)) == Public()
    shared = readers(POLICIES, ["UFIN"], shared=True)
    assert shared[-1] == DEFAULT
    assert isinstance(route(churn, shared), Private)


def test_without_a_default_entry_unnamed_readers_see_aggregates_but_no_customers() -> None:
    unnamed = parse_policies({}, LAYER).for_user("UANYONE")
    revenue = data_shown(_reply(Goal(intent=Intent.BREAKDOWN, metric="revenue")))
    churn = data_shown(_reply(Goal(intent=Intent.CHURN)))
    assert revenue is not None and churn is not None
    assert may_see(unnamed, revenue) and not may_see(unnamed, churn)


NO_STATE = parse_policies(
    {"groups": {"ops": ["UOPS"]}, "policies": {"ops": {"hidden_columns": ["state"]}}}, LAYER
).for_user("UOPS")


def test_a_reader_with_a_hidden_column_may_not_see_answers_by_it() -> None:
    by_state = data_shown(
        _reply(Goal(intent=Intent.BREAKDOWN, metric="orders", group_by=("state",)))
    )
    in_ny = data_shown(_reply(Goal(intent=Intent.LOOKUP, metric="orders", filters={"state": "NY"})))
    by_region = data_shown(
        _reply(Goal(intent=Intent.BREAKDOWN, metric="orders", group_by=("region",)))
    )
    anomaly = Anomaly(
        metric="orders",
        where={"state": "CA"},
        day=date(2025, 12, 1),
        actual=1,
        expected=2,
        score=4,
        direction="down",
    )
    detected = data_shown(
        _reply(
            Goal(intent=Intent.DETECT, metric="orders"),
            Finding(kind="detect", title="", summary="", anomalies=(anomaly,)),
        )
    )
    # The digest and an explanation drill into every dimension, so they count as showing it.
    digest = data_shown(_reply(Goal(intent=Intent.DIGEST)))
    why = data_shown(_reply(Goal(intent=Intent.EXPLAIN, metric="orders")))
    assert by_state and in_ny and by_region and detected and digest and why
    for shown in (by_state, in_ny, detected, digest, why):
        assert not may_see(NO_STATE, shown), shown
        assert may_see(DEFAULT, shown) or shown is digest
    assert may_see(NO_STATE, by_region)
    assert isinstance(route(by_state, [NO_STATE, UNRESTRICTED]), Private)
    assert route(by_region, [NO_STATE, UNRESTRICTED]) == Public()
