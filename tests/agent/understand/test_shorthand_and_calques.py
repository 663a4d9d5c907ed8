"""Media buyers' shorthand, store words for the basket, and Portuguese and Spanish calques
("conversion tax", "a resume of last week", "the actual month"); a quarter set against the
same quarter "of the prior year". Windows worked out by hand for Thursday 2026-03-12."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

THURSDAY = "2026-03-12"


def test_soc_is_the_social_channel(layer: SemanticLayer) -> None:
    goal = on(layer, THURSDAY, "pd soc orders yday?")
    assert goal.metric == "orders" and dict(goal.filters) == {"channel": "social"}
    assert span(goal.window) == ("2026-03-11", "2026-03-12")


def test_the_average_ticket_is_the_average_order(layer: SemanticLayer) -> None:
    goal = on(layer, THURSDAY, "what was the average ticket last week?")
    assert goal.metric == "aov" and goal.intent is Intent.LOOKUP
    assert span(goal.window) == ("2026-03-02", "2026-03-09")


def test_a_rate_called_a_tax_is_the_rate(layer: SemanticLayer) -> None:
    assert on(layer, THURSDAY, "the conversion tax of mobile yesterday").metric == (
        "conversion_rate"
    )
    goal = on(layer, THURSDAY, "which was the devolution tax of toys in February?")
    assert goal.metric == "return_rate" and dict(goal.filters) == {"category": "toys"}
    assert span(goal.window) == ("2026-02-01", "2026-03-01")


def test_a_resume_or_a_panorama_is_a_recap(layer: SemanticLayer) -> None:
    goal = on(layer, THURSDAY, "can you make me a resume of last week, please?")
    assert goal.intent is Intent.DIGEST
    assert span(goal.window) == ("2026-03-02", "2026-03-09")  # last week, Monday to Sunday
    goal = on(layer, THURSDAY, "I need a panorama of February for the director")
    assert goal.intent is Intent.DIGEST
    assert span(goal.window) == ("2026-02-01", "2026-03-01")


def test_the_actual_month_is_this_month(layer: SemanticLayer) -> None:
    goal = on(layer, THURSDAY, "orders of the actual month, please")
    assert span(goal.window) == ("2026-03-01", "2026-03-12")
    assert span(goal.baseline) == ("2026-02-01", "2026-02-12")


def test_a_quarter_against_the_same_quarter_of_the_prior_year(layer: SemanticLayer) -> None:
    goal = on(layer, THURSDAY, "Q4 orders compared with Q4 of the prior year")
    assert span(goal.window) == ("2025-10-01", "2026-01-01")
    assert span(goal.baseline) == ("2024-10-01", "2025-01-01")
    # Against another quarter, "Q4 last year" stays the calendar's Q4 2025.
    goal = on(layer, THURSDAY, "Q1 so far orders vs Q4 last year")
    assert span(goal.baseline) == ("2025-10-01", "2026-01-01")


def test_buyers_who_look_one_and_done_are_a_churn_question(layer: SemanticLayer) -> None:
    for text in (
        "which of the first-time buyers from February look like one-and-done?",
        "of the customers we won in January, who looks unlikely to come back?",
        "which new buyers are least likely to ever order again?",
    ):
        goal = on(layer, THURSDAY, text)
        assert goal.intent is Intent.CHURN, text
        assert goal.window is None, text  # risk is scored as of today
