"""Habits the unseen batches of the tenth session showed: a data engineer's SQL words and the
system a figure is checked against, dictation that splits a word in two, a motive after the
request, periods named the way planners and founders name them, and requests about things
the warehouse does not hold. Each rule in wording of its own; windows stated by hand."""

from __future__ import annotations

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import ask, on, span

# ---------------------------------------------------------------- periods


def test_a_quarter_of_last_year(layer: SemanticLayer) -> None:
    goal = ask(layer, "units sold in Q2 last year")
    assert span(goal.window) == ("2025-04-01", "2025-07-01")
    assert span(goal.baseline) == ("2025-01-01", "2025-04-01")


def test_this_quarter_on_its_first_day_is_the_quarter_just_ended(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-07-01", "orders this quarter")
    assert span(goal.window) == ("2026-04-01", "2026-07-01")
    assert span(on(layer, "2026-07-02", "orders this quarter").window) == (
        "2026-07-01",
        "2026-07-02",
    )


def test_the_first_or_last_day_of_a_period(layer: SemanticLayer) -> None:
    assert span(ask(layer, "revenue on the first day of October").window) == (
        "2026-10-01",
        "2026-10-02",
    )
    goal = ask(layer, "orders on the last day of last month")
    assert span(goal.window) == ("2026-10-31", "2026-11-01")
    assert span(goal.baseline) == ("2026-10-24", "2026-10-25")


def test_bf_is_black_friday_and_last_yr_is_last_year(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-12-10", "AOV BF vs BF last yr")
    assert span(goal.window) == ("2026-11-27", "2026-11-28")
    assert span(goal.baseline) == ("2025-11-28", "2025-11-29")


def test_a_default_window_is_compared_with_the_days_before(layer: SemanticLayer) -> None:
    # The default 30 days before Dec 1 happen to be November: still 30 days before them.
    goal = on(layer, "2026-12-01", "is the home forecast running hot?")
    assert goal.intent is Intent.FORECAST_CHECK
    assert span(goal.window) == ("2026-11-01", "2026-12-01")
    assert span(goal.baseline) == ("2026-10-02", "2026-11-01")


def test_a_short_message_ending_on_its_day(layer: SemanticLayer) -> None:
    assert span(ask(layer, "TX aov wed").window) == ("2026-11-18", "2026-11-19")
    assert span(ask(layer, "orders sun").window) == ("2026-11-22", "2026-11-23")
    # Inside a longer sentence "sun" stays a word.
    long = ask(layer, "how did orders from the sun belt states do last week")
    assert span(long.window) == ("2026-11-16", "2026-11-23")


def test_a_planned_buy_names_no_period(layer: SemanticLayer) -> None:
    first = ask(layer, "forecast error by category last quarter")
    goal = ask(layer, "why is home so far off? the Q1 buy hangs on it", context=first)
    assert goal.intent is Intent.FORECAST_CHECK
    assert span(goal.window) == ("2026-07-01", "2026-10-01")


def test_a_dictated_quarter(layer: SemanticLayer) -> None:
    assert span(ask(layer, "orders in queue 2").window) == ("2026-04-01", "2026-07-01")


# ---------------------------------------------------------------- words and measures


def test_goods_that_sell_are_counted_in_units(layer: SemanticLayer) -> None:
    goal = ask(layer, "is beauty selling better than last month?")
    assert goal.metric == "units_sold" and dict(goal.filters) == {"category": "beauty"}
    assert ask(layer, "which state sold the most apparel last week?").metric == "units_sold"
    # Without goods, selling more is the business growing; "how much" is money.
    assert ask(layer, "are we selling more than last month?").metric == "revenue"
    assert ask(layer, "how much did we sell last week?").metric == "revenue"


def test_quantity_is_units(layer: SemanticLayer) -> None:
    goal = ask(layer, "total qty by category last week")
    assert goal.intent is Intent.BREAKDOWN and goal.metric == "units_sold"
    assert ask(layer, "returned quantity by region last week").metric == "units_returned"


def test_a_word_typed_in_two_pieces(layer: SemanticLayer) -> None:
    goal = ask(layer, "sessions on mob ile last week")
    assert dict(goal.filters) == {"device": "mobile"}
    assert ask(layer, "orders by reg ion yesterday").group_by == ("region",)
    # Dictation spells an acronym by its letters' names: "see vr" is CVR.
    assert ask(layer, "see vr by channel last week").metric == "conversion_rate"
    assert ask(layer, "see sessions by channel last week").metric == "sessions"
    # An acronym in capitals is its own word, not half of one.
    assert ask(layer, "ROAS on email last week").intent is Intent.UNKNOWN


def test_a_gist_is_the_digest(layer: SemanticLayer) -> None:
    goal = ask(layer, "quick gist of last week?")
    assert goal.intent is Intent.DIGEST
    assert span(goal.window) == ("2026-11-16", "2026-11-23")


def test_buyers_who_may_not_come_back(layer: SemanticLayer) -> None:
    goal = ask(layer, "which of October's first-time buyers may not come back?")
    assert goal.intent is Intent.CHURN


def test_the_same_figure_split_in_a_thread_keeps_its_day(layer: SemanticLayer) -> None:
    first = ask(layer, "orders yesterday")
    goal = ask(layer, "orders by region?", context=first)
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("region",)
    assert span(goal.window) == ("2026-11-22", "2026-11-23")


# ---------------------------------------------------------------- why it is asked


def test_a_motive_after_the_request_is_not_the_request(layer: SemanticLayer) -> None:
    goal = ask(layer, "Orders by channel for last week — just making sure nothing went missing.")
    assert goal.intent is Intent.BREAKDOWN and goal.metric == "orders"


def test_a_system_checked_against_beside_a_dated_request(layer: SemanticLayer) -> None:
    goal = ask(layer, "sessions for yesterday, please. comparing it with the fivetran load")
    assert goal.intent is Intent.LOOKUP and goal.metric == "sessions"
    # Asked about the system itself, it is refused.
    refused = ask(layer, "did the fivetran load finish? sessions for yesterday look off")
    assert refused.intent is Intent.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "is your AOV just revenue over orders, or do you dedupe split shipments?",
        "are you querying the old sessions table or the new one?",
        "is the data for yesterday complete yet?",
        "what are the questions that we could ask you?",
    ],
)
def test_questions_about_how_scout_reads_its_data(layer: SemanticLayer, text: str) -> None:
    assert ask(layer, text).intent is Intent.HELP


# ---------------------------------------------------------------- outside the shop's data


@pytest.mark.parametrize(
    "text",
    [
        "git blame on the orders model?",
        "kafka lag on the sessions topic",
        "what's the storage cost of the orders table",
        "how many unread messages are in my inbox",
        "traffic on I-95 this morning?",
        "how many steps did I walk yesterday",
        "orders with a gift note last week",
        "put this in the board deck please",
        "which gifts are on the trending gifts list?",
        "do the chargers have a lab test report?",
    ],
)
def test_things_the_warehouse_does_not_hold(layer: SemanticLayer, text: str) -> None:
    assert ask(layer, text).intent is Intent.UNKNOWN


def test_a_sentence_opening_with_a_is_a_statement(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "A creator posted our lamp on Instagram on Friday. Anything unusual in home units since?",
    )
    assert goal.intent is Intent.DETECT and dict(goal.filters) == {"category": "home"}
