"""Habits of set K (batches 91-94), read for fixes in the twenty-second session, each rule in
wording of its own: week numbers, a value glossed as where a word sits in the layer, a sales
team's words, Québec French and Scots carried into English, named days of other calendars,
"the quarter" under way and a recap asked as "how it went". Windows by hand."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

DEC = "2026-12-21"  # a Monday in ISO week 52; week 50 ran Dec 7-13
Q3_END = "2026-09-30"  # a Wednesday, the last day of Q3
JUL = "2026-07-14"  # a Tuesday; H1 closed on June 30


def test_week_numbers_written_the_nordic_way(layer: SemanticLayer) -> None:
    assert span(on(layer, DEC, "orders in v. 50").window) == ("2026-12-07", "2026-12-14")
    last_year = on(layer, DEC, "sessions in week 50 last year")
    assert span(last_year.window) == ("2025-12-08", "2025-12-15")
    since = on(layer, DEC, "revenue week by week since week 45")
    assert (since.intent, span(since.window)) == (Intent.TREND, ("2026-11-02", "2026-12-21"))


def test_a_value_glossed_as_where_a_word_sits_filters(layer: SemanticLayer) -> None:
    for text in (
        "hoodie units yesterday? (apparel in your taxonomy.)",
        "lamp units last week? those are filed under home on your side.",
        "rug units since monday? it's all coded to home.",
    ):
        goal = on(layer, JUL, text)
        assert goal.metric == "units_sold" and "category" in goal.filters, text
    # A value after "to" that names no place in the layer stays a word.
    assert not on(layer, JUL, "orders yesterday, most went to home addresses").filters


def test_a_sales_teams_words(layer: SemanticLayer) -> None:
    assert on(layer, Q3_END, "bookings so far this quarter?").metric == "revenue"
    assert on(layer, Q3_END, "what did we book yesterday?").metric == "revenue"
    logos = on(layer, Q3_END, "new logos by channel for the quarter")
    assert logos.metric == "new_customers"
    assert span(logos.window) == ("2026-07-01", "2026-09-30")
    assert span(on(layer, Q3_END, "daily orders across the month").window) == (
        "2026-09-01",
        "2026-09-30",
    )


def test_quebec_french_and_scots_words(layer: SemanticLayer) -> None:
    traffic = on(layer, Q3_END, "the achalandage on the ordinateur yesterday?")
    assert (traffic.metric, dict(traffic.filters)) == ("sessions", {"device": "desktop"})
    assert span(on(layer, Q3_END, "revenue on the 1er août").window) == (
        "2026-08-01",
        "2026-08-02",
    )
    now = on(layer, DEC, "how's the turnover the now?")
    assert span(now.window) == ("2026-12-21", "2026-12-22")
    takings = on(layer, DEC, "whit did we take yesterday? dinnae need a breakdown")
    assert (takings.intent, takings.metric) == (Intent.LOOKUP, "revenue")


def test_named_days_of_other_calendars(layer: SemanticLayer) -> None:
    # Advent Sunday 2026 is Nov 29 (Christmas is a Friday); Lucia is Dec 13; St Andrew's
    # Day is Nov 30; Hogmanay is New Year's Eve.
    assert span(on(layer, DEC, "orders since first advent").window) == ("2026-11-29", "2026-12-21")
    lucia = on(layer, DEC, "revenue on lucia vs lucia last year")
    assert (span(lucia.window), span(lucia.baseline)) == (
        ("2026-12-13", "2026-12-14"),
        ("2025-12-13", "2025-12-14"),
    )
    assert span(on(layer, DEC, "how did St Andrew's Day go?").window) == (
        "2026-11-30",
        "2026-12-01",
    )
    assert span(on(layer, DEC, "sessions on hogmanay last year").window) == (
        "2025-12-31",
        "2026-01-01",
    )
    # A name is not the day.
    assert on(layer, DEC, "orders from customers named Lucia").window is None or (
        span(on(layer, DEC, "orders from customers named Lucia").window)
        != ("2026-12-13", "2026-12-14")
    )


def test_the_semester_is_the_half_year_just_closed(layer: SemanticLayer) -> None:
    goal = on(layer, JUL, "new clients of the semester by channel")
    assert span(goal.window) == ("2026-01-01", "2026-07-01")
    assert span(goal.baseline) == ("2025-07-01", "2026-01-01")


def test_since_an_event_whose_name_holds_a_digit(layer: SemanticLayer) -> None:
    goal = on(layer, JUL, "returns since PR2 went out on the 8th?")
    assert span(goal.window) == ("2026-07-08", "2026-07-14")


def test_how_it_went_is_a_recap(layer: SemanticLayer) -> None:
    recap = on(layer, JUL, "How it went the long weekend of the 4th?")
    assert recap.intent is Intent.DIGEST
    group = on(layer, JUL, "a summary of how it went yesterday for the clients of the West?")
    assert (group.intent, dict(group.filters)) == (Intent.DIGEST, {"region": "West"})


def test_questions_about_definitions_said_other_ways(layer: SemanticLayer) -> None:
    for text in (
        "which time zone do you use for a day?",
        "a split shipment: does it show up as two orders in your numbers?",
        "when ye say 'new customer', is that a first order ever?",
    ):
        assert on(layer, JUL, text).intent is Intent.HELP, text


def test_churn_said_as_not_coming_back(layer: SemanticLayer) -> None:
    for text in (
        "the first-timers from the spring sale: who of them won't be back?",
        "which new clients are in risk to not come back?",
    ):
        assert on(layer, JUL, text).intent is Intent.CHURN, text


def test_a_suspect_after_a_level_well_down(layer: SemanticLayer) -> None:
    goal = on(layer, DEC, "orders yesterday were well down on last sunday. was it email?")
    assert (goal.intent, goal.group_by, dict(goal.filters)) == (Intent.EXPLAIN, ("channel",), {})
