"""Habits of writing the unseen batches of 2026-12-06 showed: emoji used as words (as the
character or as the code Slack sends), teams named after a measure, meetings named by their
acronym, contractions, a story told before the question, threads that narrow a split. Each
rule in wording of its own; windows stated by hand for Monday 2026-11-23."""

from __future__ import annotations

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand.normalize import normalize
from tests.agent.understand.test_context_and_shorthand import ask, span


def test_an_emoji_in_a_sentence_reads_as_its_word(layer: SemanticLayer) -> None:
    goal = ask(layer, "💰 from the Midwest on Saturday?")
    assert goal.metric == "revenue" and dict(goal.filters) == {"region": "Midwest"}
    # Slack sends the code, not the character.
    assert ask(layer, ":ticket: in the West yesterday").metric == "support_tickets"
    choice = ask(layer, "conversion yesterday, :iphone: vs :desktop_computer:")
    assert dict(choice.compare) == {"device": ("mobile", "desktop")}


def test_an_emoji_at_the_end_decorates(layer: SemanticLayer) -> None:
    assert ask(layer, "orders by region last week :moneybag:").metric == "orders"
    assert "revenue" not in normalize("AOV by device yesterday 💸")
    # In the middle, a cheer is not a word: "cratered :fire: what broke?".
    assert "selling" not in normalize("sessions cratered :fire: what broke?")


def test_best_sellers_count_units_unless_a_measure_is_named(layer: SemanticLayer) -> None:
    goal = ask(layer, "our bestsellers by category last week")
    assert goal.intent is Intent.BREAKDOWN and goal.metric == "units_sold"
    assert ask(layer, "top selling states by orders last week").metric == "orders"


def test_a_team_named_after_a_measure_is_people(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "We're reorganising the sales team next quarter. The VP asked for context. "
        "How many orders came from the West last month?",
    )
    assert goal.intent is Intent.LOOKUP and goal.metric == "orders"
    assert dict(goal.filters) == {"region": "West"}


def test_a_meeting_named_by_its_acronym_is_no_place(layer: SemanticLayer) -> None:
    goal = ask(layer, "For the QBR: September orders, one number please")
    assert goal.clarification is None and goal.metric == "orders"
    assert ask(layer, "revenue last month in Atlantis").clarification is not None


def test_contracted_how_and_why(layer: SemanticLayer) -> None:
    assert ask(layer, "how'd last week go?").intent is Intent.DIGEST
    goal = ask(layer, "why'd sessions fall on Saturday?")
    assert goal.intent is Intent.EXPLAIN and goal.metric == "sessions"


# ---------------------------------------------------------------- a story told before a question


def test_a_question_with_its_own_period_outranks_the_story_s(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "Sessions were flat all through September. Then the sale started and everyone relaxed. "
        "Why are orders down over the last 7 days?",
    )
    assert goal.intent is Intent.EXPLAIN and goal.metric == "orders"
    assert span(goal.window) == ("2026-11-16", "2026-11-23")
    # Told relative to the story's day, the question's period leans on it.
    leaning = ask(layer, "Orders jumped on Friday. I doubt it. Check it against the Friday before?")
    assert span(leaning.window) == ("2026-11-20", "2026-11-21")


def test_a_claim_beside_a_question_with_its_own_metric_is_the_dispute(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "The email team says the West is where the money is. "
        "Which region had the higher conversion rate last week, West or Midwest?",
    )
    assert goal.metric == "conversion_rate" and not goal.filters
    assert dict(goal.compare) == {"region": ("West", "Midwest")}


def test_who_converts_is_the_subject_the_rate_is_asked(layer: SemanticLayer) -> None:
    assert ask(layer, "do returning customers convert better on mobile?").metric == (
        "conversion_rate"
    )
    assert ask(layer, "how many customers converted on Saturday?").metric == "customers"


def test_customers_from_a_channel_are_filtered_on_it(layer: SemanticLayer) -> None:
    goal = ask(layer, "segment our returning customers from paid search by spend")
    assert goal.intent is Intent.SEGMENT
    assert dict(goal.filters) == {"customer_type": "returning", "channel": "paid_search"}


def test_the_same_point_last_year_is_as_many_days(layer: SemanticLayer) -> None:
    goal = ask(layer, "orders year to date against the same point last year")
    assert span(goal.baseline) == ("2025-01-01", "2025-11-23")


def test_can_you_or_do_you_only_asks_about_scout(layer: SemanticLayer) -> None:
    goal = ask(layer, "could you text customers yourself, or do you just answer questions?")
    assert goal.intent is Intent.HELP
    assert ask(layer, "text all customers in Ohio about the sale").intent is Intent.UNKNOWN


def test_why_a_forecast_is_off_is_a_forecast_check(layer: SemanticLayer) -> None:
    first = ask(layer, "forecast error by category last month")
    assert ask(layer, "why is beauty so far off?", first).intent is Intent.FORECAST_CHECK


def test_two_rows_of_a_split_set_side_by_side(layer: SemanticLayer) -> None:
    first = ask(layer, "orders by channel yesterday")
    goal = ask(layer, "email vs social?", first)
    assert goal.intent is Intent.COMPARE and not goal.group_by
    assert dict(goal.compare) == {"channel": ("email", "social")}


@pytest.mark.parametrize(
    "text",
    [
        "how many purchase orders are open with our suppliers?",
        "what will orders be next quarter? need it for the plan",
        "please merge C100200 into C100201, same shopper",
    ],
)
def test_other_systems_and_future_figures_are_refused(layer: SemanticLayer, text: str) -> None:
    assert ask(layer, text).intent is Intent.UNKNOWN
