"""Habits of set L (batches 95-98), read for fixes in the twenty-second session, each rule in
wording of its own: named days of other countries, a Turkish analyst's "ciro" and "according
to", Vietnamese word order, a gloss in brackets, "is it one region?", a relayed question, a
question word that is no company, and definitions said other ways. Windows by hand."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

APR = "2026-04-27"  # a Monday; Earth Day was Wed Apr 22, Arbor Day Fri Apr 24
MAY = "2026-05-08"  # a Friday; Mother's Day is Sun May 10, Orthodox Easter was Apr 12
OCT = "2026-10-12"  # Canada's Thanksgiving (the second Monday of October)


def test_named_days_of_other_countries(layer: SemanticLayer) -> None:
    assert span(on(layer, APR, "beauty units on earth day").window) == ("2026-04-22", "2026-04-23")
    assert span(on(layer, APR, "orders since arbor day").window) == ("2026-04-24", "2026-04-27")
    assert span(on(layer, APR, "sessions over earth day week").window) == (
        "2026-04-20",
        "2026-04-27",
    )
    assert span(on(layer, MAY, "revenue on orthodox easter").window) == ("2026-04-12", "2026-04-13")
    canada = on(layer, OCT, "revenue today vs thanksgiving monday last year")
    assert span(canada.baseline) == ("2025-10-13", "2025-10-14")
    assert span(on(layer, MAY, "orders over the victoria day weekend last year").window) == (
        "2025-05-17",
        "2025-05-20",
    )


def test_a_turkish_analysts_words(layer: SemanticLayer) -> None:
    week = on(layer, APR, "the ciro of last 1 week?")
    assert (week.metric, span(week.window)) == ("revenue", ("2026-04-20", "2026-04-27"))
    against = on(layer, APR, "orders of April until now, according to March")
    assert (against.intent, span(against.baseline)) == (
        Intent.COMPARE,
        ("2026-03-01", "2026-04-01"),
    )
    split = on(layer, APR, "sessions of last 1 week according to devices")
    assert split.group_by == ("device",)
    # Someone's say-so is no comparison.
    assert on(layer, APR, "according to my manager orders fell last week").baseline is not None


def test_vietnamese_word_order(layer: SemanticLayer) -> None:
    goal = on(layer, APR, "customer new of last month by channel")
    assert (goal.metric, goal.group_by) == ("new_customers", ("channel",))


def test_a_weak_value_glossed_for_you_filters(layer: SemanticLayer) -> None:
    goal = on(layer, MAY, "candle units yesterday (home for you)")
    assert dict(goal.filters) == {"category": "home"}


def test_is_it_one_part_asks_why(layer: SemanticLayer) -> None:
    goal = on(layer, APR, "refund tickets have climbed since earth day. is it one region?")
    assert (goal.intent, goal.group_by) == (Intent.EXPLAIN, ("region",))


def test_a_relayed_question_and_a_question_word(layer: SemanticLayer) -> None:
    relayed = on(layer, MAY, "She wants to know how many orders we've had this week so far.")
    assert (relayed.intent, relayed.metric) == (Intent.LOOKUP, "orders")
    tracking = on(layer, MAY, "How's AOV tracking month to date? She asked twice")
    assert tracking.intent is not Intent.UNKNOWN and tracking.metric == "aov"
    # A company's numbers are still someone else's.
    assert on(layer, MAY, "what was Wayfair's revenue last quarter?").intent is Intent.UNKNOWN


def test_mothers_day_said_as_moms_day(layer: SemanticLayer) -> None:
    goal = on(layer, MAY, "home units on mom's day last year")
    assert span(goal.window) == ("2025-05-11", "2025-05-12")
    # A clock's region is no place asked about.
    clock = on(layer, MAY, "orders so far today? the east coast cut-off is at 1pm")
    assert clock.clarification is None


def test_definitions_said_other_ways(layer: SemanticLayer) -> None:
    for text in (
        "your revenue — is it with sales tax or without?",
        "an order paid on the 30th and shipped on the 2nd: which date does it count under?",
    ):
        assert on(layer, APR, text).intent is Intent.HELP, text


JAN = "2026-01-20"  # a Tuesday, the day after MLK Day
NOV = "2026-11-02"  # a Monday, Día de los Muertos


def test_days_of_a_month_written_as_ordinals(layer: SemanticLayer) -> None:
    # The 27th has not come yet in January: the latest month both days are over.
    assert span(on(layer, JAN, "sessions 27th to 30th?").window) == ("2025-12-27", "2025-12-31")
    assert span(on(layer, JAN, "orders from the 5th through the 9th").window) == (
        "2026-01-05",
        "2026-01-10",
    )


def test_quarters_and_fortnights_said_in_words(layer: SemanticLayer) -> None:
    assert span(on(layer, NOV, "conversion over the second quarter").window) == (
        "2026-04-01",
        "2026-07-01",
    )
    assert span(on(layer, JAN, "orders this fortnight vs the one before").window) == (
        "2026-01-06",
        "2026-01-20",
    )


def test_spanish_words_in_an_english_request(layer: SemanticLayer) -> None:
    goal = on(layer, NOV, "cuántas órdenes from the Midwest ayer?")
    assert (goal.metric, dict(goal.filters), span(goal.window)) == (
        "orders",
        {"region": "Midwest"},
        ("2026-11-01", "2026-11-02"),
    )


def test_off_take_is_sales_and_a_launch_dated_is_no_lifetime(layer: SemanticLayer) -> None:
    assert on(layer, JAN, "kindly the off-take for last week").metric == "revenue"
    dated = on(layer, JAN, "AOV since we launched the new checkout on the 12th")
    assert span(dated.window) == ("2026-01-12", "2026-01-20")
    assert span(on(layer, JAN, "orders since launch").window)[0] == "2000-01-01"


def test_more_definition_questions(layer: SemanticLayer) -> None:
    for text in (
        "does 'orders' mean checkouts or shipments for you?",
        "if a January order is refunded in February, does January's revenue change in your numbers?",
    ):
        assert on(layer, JAN, text).intent is Intent.HELP, text


def test_one_region_under_another(layer: SemanticLayer) -> None:
    goal = on(layer, JAN, "why is the Midwest's AOV so far under the Northeast's this month?")
    assert goal.compare == {"region": ("Midwest", "Northeast")} and not goal.filters


def test_movement_is_a_move_not_a_foreign_measure(layer: SemanticLayer) -> None:
    goal = on(layer, NOV, "was the movement in orders this month driven by email?")
    assert (goal.intent, goal.group_by) == (Intent.EXPLAIN, ("channel",))
