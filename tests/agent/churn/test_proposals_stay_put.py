"""Asked again, the same head of the win-back audience: customers already proposed (or
contacted) stay in it and are held back as such, rather than the next ones down the list
being proposed each time someone asks."""

from __future__ import annotations

from agent.churn.agent import CustomerChurnAgent


def test_the_head_of_the_audience_keeps_those_already_in_a_flow(
    churn_agent: CustomerChurnAgent,
) -> None:
    audience = churn_agent.winback_audience()
    assert len(audience) >= 2
    first = str(audience.index[0])
    again = CustomerChurnAgent(
        warehouse=churn_agent.warehouse,
        today=churn_agent.today,
        rules=churn_agent.rules,
        model=churn_agent.model,
        exclusions={first: "in_retention_flow"},
    )
    # Counted as reachable, the one in a flow is out; as the head to propose from, it stays.
    assert first not in again.winback_audience().index
    assert list(again.winback_audience(keep_contacted=True).index) == list(audience.index)
    # An opt-out can never be emailed: out of both.
    opted = CustomerChurnAgent(
        warehouse=churn_agent.warehouse,
        today=churn_agent.today,
        rules=churn_agent.rules,
        model=churn_agent.model,
        exclusions={first: "opted_out"},
    )
    assert first not in opted.winback_audience(keep_contacted=True).index
