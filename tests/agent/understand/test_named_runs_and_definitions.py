"""Habits of set J (batches 87-90), read for fixes in the twenty-second session, each rule in
wording of its own: the retail runs and foreign holidays people name, a place told beside the
question, what a recap is called, questions about how Scout counts, thanks in other
languages, churn in plain words, text in capitals and warehouse model names. Windows by hand."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

GT = "2026-12-01"  # Giving Tuesday 2026: Thanksgiving was Thu Nov 26, Cyber Monday Nov 30
TG = "2026-11-26"  # Thanksgiving Day 2026
SUN = "2026-03-01"  # a Sunday; February 2026 closed yesterday
MON = "2026-08-24"  # a Monday in late August


def test_the_cyber_five_is_thanksgiving_to_cyber_monday_against_the_week_before(
    layer: SemanticLayer,
) -> None:
    goal = on(layer, GT, "orders by device over the cyber 5")
    assert span(goal.window) == ("2026-11-26", "2026-12-01")
    assert span(goal.baseline) == ("2026-11-19", "2026-11-24")
    last = on(layer, GT, "sessions across cyber five LY")
    assert span(last.window) == ("2025-11-27", "2025-12-02")


def test_giving_tuesday_and_its_year_before(layer: SemanticLayer) -> None:
    assert span(on(layer, GT, "new customers on giving tuesday so far").window) == (
        "2026-12-01",
        "2026-12-02",
    )
    assert span(on(layer, GT, "revenue on last year's giving tuesday").window) == (
        "2025-12-02",
        "2025-12-03",
    )
    both = on(layer, GT, "giving tuesday vs last giving tuesday, orders")
    assert span(both.baseline) == ("2025-12-02", "2025-12-03")


def test_holidays_from_elsewhere_are_their_days(layer: SemanticLayer) -> None:
    # Sinterklaas is December 5; Fat Thursday and Mardi Gras hang on Easter (Apr 5, 2026).
    assert span(on(layer, GT, "orders on pakjesavond last year").window) == (
        "2025-12-05",
        "2025-12-06",
    )
    assert span(on(layer, GT, "last year on sinterklaas, how much revenue?").window) == (
        "2025-12-05",
        "2025-12-06",
    )
    assert span(on(layer, SUN, "beauty units on fat thursday").window) == (
        "2026-02-12",
        "2026-02-13",
    )
    assert span(on(layer, SUN, "sessions on mardi gras").window) == ("2026-02-17", "2026-02-18")
    obon = on(layer, MON, "revenue during obon, this year vs last year")
    assert (span(obon.window), span(obon.baseline)) == (
        ("2026-08-13", "2026-08-17"),
        ("2025-08-13", "2025-08-17"),
    )


def test_cyber_monday_shorthand_with_its_year(layer: SemanticLayer) -> None:
    goal = on(layer, TG, "toys revenue on CM ly??")
    assert span(goal.window) == ("2025-12-01", "2025-12-02")


def test_a_place_told_beside_the_question_is_not_asked_about(layer: SemanticLayer) -> None:
    beside = on(
        layer,
        MON,
        "Why is desktop conversion higher than mobile this month? In Korea it is the opposite.",
    )
    assert beside.clarification is None and beside.compare == {"device": ("desktop", "mobile")}
    first_with_a_metric = on(
        layer,
        MON,
        "Hello and thanks for yesterday. Please give me the orders of last week. "
        "My director in Seoul reads them tonight.",
    )
    assert first_with_a_metric.clarification is None
    assert first_with_a_metric.metric == "orders"
    # Named in the question itself, the place is still asked about.
    asked = on(layer, MON, "Our Seoul pop-up opened Friday. How are orders in Seoul?")
    assert asked.clarification is not None and "Seoul" in asked.clarification.question


def test_a_recap_by_its_length_or_its_page(layer: SemanticLayer) -> None:
    for text in (
        "JANUARY ON ONE PAGE FOR THE BOARD",
        "last week in four bullets please",
        "boil the weekend down to two lines for standup",
        "how is the situation of the toys of last week?",
    ):
        assert on(layer, SUN, text).intent is Intent.DIGEST, text
    # Breaking a metric down is still the split.
    split = on(layer, SUN, "break orders down by channel for last week")
    assert (split.intent, split.group_by) == (Intent.BREAKDOWN, ("channel",))


def test_questions_about_how_scout_counts_are_help(layer: SemanticLayer) -> None:
    for text in (
        "when you say returning, is that any earlier order ever?",
        "do you use a rolling mean or something else for 'unusual'?",
        "is your AOV revenue over orders, or over customers?",
        "does your 'yesterday' cut at midnight UTC or Eastern?",
        "the revenue you show includes the shipping fees, or not?",
        "an order at 23:59 that ships at 00:05 — which day does your orders count put it on?",
        "a gift card bought then redeemed the same day: is he new or returning?",
        "can you report by fiscal week, or only by calendar week?",
    ):
        assert on(layer, SUN, text).intent is Intent.HELP, text
    # Which way a metric moves is a question about the data, not about Scout.
    assert on(layer, SUN, "is your revenue up or down this week?").intent is not Intent.HELP


def test_thanks_in_other_languages_is_thanks(layer: SemanticLayer) -> None:
    for text in ("dank je wel!", "Dziękuję, all clear now", "arigato, this helps a lot"):
        assert on(layer, SUN, text).intent is Intent.HELP, text


def test_churn_in_plain_words(layer: SemanticLayer) -> None:
    risk = on(layer, SUN, "C771204 just asked for a refund twice. flight risk?")
    assert (risk.intent, risk.customer_id) == (Intent.CHURN, "C771204")
    told = on(
        layer,
        SUN,
        "C771204 filed a chargeback last night. is she about to leave us?",
    )
    assert (told.intent, told.customer_id) == (Intent.CHURN, "C771204")
    assert on(layer, SUN, "which of the holiday first-timers went one and done?").intent is (
        Intent.CHURN
    )
    gone = on(layer, SUN, "which West customers did not order anymore since spring?")
    assert gone.intent is Intent.CHURN and dict(gone.filters) == {"region": "West"}


def test_text_in_capitals_reads_short_words_as_words(layer: SemanticLayer) -> None:
    shouted = on(layer, SUN, "IS THAT OK FOR A MONDAY")
    assert "state" not in shouted.filters
    assert dict(on(layer, SUN, "ORDERS IN OR LAST WEEK").filters) == {"state": "OR"}
    top = on(layer, SUN, "TOP 50 CUSTOMERS IN TEXAS")
    assert top.intent is Intent.SEGMENT


def test_warehouse_models_are_the_measures_they_hold(layer: SemanticLayer) -> None:
    goal = on(layer, MON, "`fct_orders` for last week vs the week before?")
    assert goal.metric == "orders"
    # A new model is a new table, not new customers.
    assert "customer_type" not in on(layer, MON, "the new `fct_sessions` by device").filters


def test_periods_shown_per_period_and_from_the_start_of_one(layer: SemanticLayer) -> None:
    weekly = on(layer, SUN, "revenue, I'd like to see this month by month for the last 6 months")
    assert span(weekly.window) == ("2025-09-01", "2026-03-01")
    since = on(layer, SUN, "weekly orders from the start of the year")
    assert span(since.window) == ("2026-01-01", "2026-03-01")


def test_figuring_out_whether_is_a_decision_not_an_investigation(layer: SemanticLayer) -> None:
    goal = on(layer, MON, "orders in the West last week? trying to figure out if we need a hub")
    assert goal.intent is Intent.LOOKUP
    assert on(layer, MON, "figure out why orders fell last week").intent is Intent.EXPLAIN


def test_one_value_below_another_sets_them_side_by_side(layer: SemanticLayer) -> None:
    goal = on(layer, SUN, "why is mobile conversion so far below desktop this month?")
    assert goal.compare == {"device": ("mobile", "desktop")} and not goal.filters


def test_dates_in_brackets_spell_out_the_period_before_them(layer: SemanticLayer) -> None:
    glossed = on(layer, MON, "AOV over the clearance weekend (7/31-8/2) vs the same weekend LY")
    assert span(glossed.window) == ("2026-07-31", "2026-08-03")
    assert span(glossed.baseline) == ("2025-08-01", "2025-08-04")
    # Spelled out with month names, the dates are no second period to compare with.
    spelled = on(layer, MON, "units during the vendor weekend (Aug 14 to Aug 16)")
    assert (spelled.intent, span(spelled.window)) == (Intent.LOOKUP, ("2026-08-14", "2026-08-17"))


def test_a_split_by_an_everyday_word_no_dimension_holds_is_refused(layer: SemanticLayer) -> None:
    for text, word in (
        ("orders last week split by warehouse", "warehouse"),
        ("can you cut revenue by store?", "store"),
        ("orders by campaign last month", "campaign"),
    ):
        goal = on(layer, SUN, text)
        assert goal.intent is Intent.UNKNOWN and goal.clarification is not None, text
        assert f"split by \u201c{word}" in goal.clarification.refusal, text
    # A split the layer has is still made, and a segmentation's own words are not a split.
    assert on(layer, SUN, "units by category last week").group_by == ("category",)
    assert on(layer, SUN, "segment customers by tier").intent is Intent.SEGMENT


def test_an_unknown_city_is_asked_about_as_a_region(layer: SemanticLayer) -> None:
    # "Denver" is as close to the ticket topic "delivery" as a typo would be at a loose
    # cutoff; a place asked about is a region question.
    goal = on(layer, SUN, "how are we doing in Denver?")
    assert goal.clarification is not None
    assert goal.clarification.question.startswith("I don't know a region called Denver")
