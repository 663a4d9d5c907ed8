"""Questions about how Scout counts and what it reads are help, whatever metric they name:
asked through what Scout does ("when you flag…"), what its figures take in ("do you count…"),
where a figure comes from ("… in your numbers") and how fresh its data is."""

from __future__ import annotations

from datetime import date

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand import understand

MONDAY = date(2025, 12, 15)

ABOUT_SCOUT = [
    "when you flag a spike in sessions, what is it measured against?",
    "when you explain a revenue dip, do you look at each channel?",
    "do you count gift card orders as revenue?",
    "you don't include refunds in orders, do you?",
    "does your support bot see the ticket text?",
    "is shipping in your revenue numbers or taken out?",
    "whose sale is it in your data when two channels touched the order?",
    "is your data up to date this morning?",
    "how far back does your data go?",
    "what data do you read, the warehouse or the dashboards?",
    "can you tell which coupon an order used, or only that it had one?",
]
STILL_QUESTIONS_OF_DATA = {
    "I get 1,187 orders for yesterday off fct_orders, do you see the same?": Intent.LOOKUP,
    "when you get a chance, revenue by region last week": Intent.BREAKDOWN,
    "how many orders did we count yesterday?": Intent.LOOKUP,
}


@pytest.mark.parametrize("text", ABOUT_SCOUT)
def test_a_question_about_how_scout_counts_is_help(layer: SemanticLayer, text: str) -> None:
    goal = understand(text, layer=layer, today=MONDAY)
    assert goal.intent is Intent.HELP, goal
    assert goal.window is None and not goal.filters


@pytest.mark.parametrize(("text", "intent"), list(STILL_QUESTIONS_OF_DATA.items()))
def test_a_request_that_mentions_scout_is_still_answered(
    layer: SemanticLayer, text: str, intent: Intent
) -> None:
    assert understand(text, layer=layer, today=MONDAY).intent is intent
