"""One event, one story: the metrics it moved are told with it, not alerted one by one."""

from __future__ import annotations

from datetime import date

from agent.analyses.anomaly.stories import group_stories
from agent.domain import Anomaly

SE = {"region": "Southeast"}


def _a(metric: str, day: int, days: int, score: float, where: dict[str, str] = SE) -> Anomaly:
    return Anomaly(
        metric=metric,
        where=where,
        day=date(2025, 12, day),
        actual=1.0,
        expected=2.0,
        score=score,
        direction="down" if score < 0 else "up",
        days=days,
    )


def test_a_conversion_drop_leads_the_orders_and_revenue_it_cost() -> None:
    orders, revenue, conversion = (
        _a("orders", 8, 7, -5.2),
        _a("revenue", 10, 5, -4.9),
        _a("conversion_rate", 9, 6, -4.0),
    )
    elsewhere = _a("revenue", 14, 1, -4.6, {"device": "desktop"})
    stories = group_stories([orders, revenue, elsewhere, conversion])
    assert [s.lead for s in stories] == [conversion, elsewhere]
    assert sorted(a.metric for a in stories[0].companions) == ["orders", "revenue"]
    assert stories[0].strength == 5.2


def test_revenue_leads_its_basket_value_and_days_apart_stay_apart() -> None:
    spike, basket = _a("revenue", 3, 1, 6.0), _a("aov", 3, 1, 5.5)
    later = _a("orders", 5, 1, 4.0)
    opposite = _a("sessions", 3, 1, -4.5)
    tickets = _a("support_tickets", 3, 1, 4.2)
    stories = group_stories([basket, later, spike, opposite, tickets])
    by_lead = {s.lead.metric: s for s in stories}
    assert by_lead["revenue"].companions == (basket,)
    assert by_lead["orders"].companions == ()  # not the same days
    assert by_lead["sessions"].companions == ()  # not the same direction
    assert by_lead["support_tickets"].companions == ()  # not a part of the funnel
    assert len(stories) == 4
