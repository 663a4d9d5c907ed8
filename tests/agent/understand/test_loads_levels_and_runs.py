"""Habits of set I (batches 83-86), read for fixes in the twenty-first session, each rule in
wording of its own: whether a day has loaded or a level is normal, a part asked for after a
move, runs of months and holidays, what a figure is for, and an Italian manager's words.
Windows by hand."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

SAT = "2026-10-31"  # a Saturday, the last day of October
MON = "2026-01-05"  # the first Monday of 2026
FRI = "2026-05-22"  # the Friday before Memorial Day (Monday 2026-05-25)


def test_whether_a_day_loaded_or_a_level_is_normal_is_the_anomaly_check(
    layer: SemanticLayer,
) -> None:
    for text in (
        "did friday load completely? sessions look short",
        "refund tickets this week: a normal level or too much?",
        "orders yesterday, is that a lot for a friday?",
    ):
        assert on(layer, SAT, text).intent is Intent.DETECT, text
    # Where a figure landed is the figure.
    assert on(layer, SAT, "where did AOV land for September?").intent is Intent.LOOKUP


def test_a_part_asked_for_after_a_move_asks_for_its_cause(layer: SemanticLayer) -> None:
    alone = on(layer, SAT, "returns doubled on monday vs the monday before. which category?")
    assert (alone.intent, alone.group_by) == (Intent.EXPLAIN, ("category",))
    behind = on(layer, SAT, "is one channel behind it? sessions have been creeping down all week")
    assert (behind.intent, behind.group_by) == (Intent.EXPLAIN, ("channel",))
    suspect = on(
        layer, SAT, "conversion tanked last week. was it the returning customers or everyone?"
    )
    assert (suspect.filters, suspect.group_by) == ({}, ("customer_type",))
    again = on(
        layer,
        SAT,
        "units returned jumped in october vs september. toys again? asking for the buyers",
    )
    assert (again.filters, again.group_by) == ({}, ("category",))
    rows = on(layer, SAT, "orders by channel last week. which channel?")
    assert rows.intent is Intent.BREAKDOWN


def test_one_value_behind_another_is_set_against_it(layer: SemanticLayer) -> None:
    goal = on(layer, SAT, "why is the Midwest so far behind the West on orders this month?")
    assert goal.compare == {"region": ("Midwest", "West")}


def test_a_run_of_months_and_a_holiday_to_now(layer: SemanticLayer) -> None:
    run = on(layer, SAT, "orders per month, Feb to Sep")
    assert span(run.window) == ("2026-02-01", "2026-10-01")
    two = on(layer, SAT, "compare orders Feb to Sep")
    assert two.window is not None and span(two.window) != ("2026-02-01", "2026-10-01")
    since = on(layer, MON, "units returned per day from black friday to now")
    assert span(since.window) == ("2025-11-28", "2026-01-05")
    holidays = on(layer, MON, "a short recap from christmas until yesterday please")
    assert (holidays.intent, span(holidays.window)) == (Intent.DIGEST, ("2025-12-25", "2026-01-05"))
    weekend = on(layer, FRI, "orders over last year's long weekend, sat thru mon")
    assert span(weekend.window) == ("2025-05-24", "2025-05-27")


def test_what_a_figure_is_for_is_no_request_of_its_own(layer: SemanticLayer) -> None:
    report = on(layer, SAT, "need last week's revenue for the weekly summary")
    assert (report.intent, report.metric) == (Intent.LOOKUP, "revenue")
    recap = on(layer, SAT, "recap of yesterday for the returns huddle, headlines not charts")
    assert (recap.intent, recap.metric) == (Intent.DIGEST, None)


def test_forecasts_definitions_and_columns(layer: SemanticLayer) -> None:
    forecast = on(layer, SAT, "was the toys forecast anywhere near right in October?")
    assert forecast.intent is Intent.FORECAST_CHECK
    for text in (
        "does orders count a split shipment as one order or two?",
        "do you cut days at midnight utc or eastern?",
    ):
        assert on(layer, SAT, text).intent is Intent.HELP, text
    nulls = on(layer, SAT, "how many session rows have device null since tuesday?")
    assert nulls.intent is Intent.UNKNOWN
    assert nulls.clarification is not None and "null" in nulls.clarification.refusal


def test_where_orders_went_names_a_place_and_lists_of_anyone(layer: SemanticLayer) -> None:
    place = on(layer, SAT, "how many orders went to Lisbon last week?")
    assert place.clarification is not None and "region" in place.clarification.question.lower()
    everyone = on(layer, SAT, "pull everyone who bought toys in October for the holiday preview")
    assert everyone.intent is Intent.SEGMENT


def test_an_italian_managers_words(layer: SemanticLayer) -> None:
    compare = on(
        layer, MON, "make a confrontation between email and social on the ordini of december"
    )
    assert (compare.intent, compare.metric) == (Intent.COMPARE, "orders")
    assert compare.compare == {"channel": ("email", "social")}
    split = on(layer, MON, "the fatturato of december divided for channel, please")
    assert (split.intent, split.metric, split.group_by) == (
        Intent.BREAKDOWN,
        "revenue",
        ("channel",),
    )
    assert on(layer, MON, "grazie mille!").intent is Intent.HELP
    back = on(layer, MON, "inbound returns yesterday?")
    assert back.metric == "units_returned"


def test_dictated_marks_and_slips_and_the_british_mothers_day(layer: SemanticLayer) -> None:
    apr = "2026-04-15"
    spoken = on(layer, apr, "sessions on the eye pad last week full stop need it for a deck")
    assert (spoken.metric, spoken.filters) == ("sessions", {"device": "tablet"})
    asked = on(layer, apr, "orders fell last week was it one channel question mark")
    assert (asked.intent, asked.group_by) == (Intent.EXPLAIN, ("channel",))
    quarter = on(layer, apr, "orders cue one vs cue one last year")
    assert span(quarter.window) == ("2026-01-01", "2026-04-01")
    mothering = on(layer, apr, "orders on mothering sunday")
    assert span(mothering.window) == ("2026-03-15", "2026-03-16")
    behind = on(layer, apr, "tickets jumped last week. which topic's behind it?")
    assert (behind.intent, behind.group_by) == (Intent.EXPLAIN, ("topic",))


def test_a_place_orders_were_shipped_to_is_asked_back_as_a_place(layer: SemanticLayer) -> None:
    # "ship" is close to the shipping topic; the place is still a place, never answered as
    # the whole shop's orders.
    goal = on(layer, SAT, "orders we sent to Ireland last month?")
    assert goal.clarification is not None
    assert "region" in goal.clarification.question.lower()


def test_day_first_ranges_long_events_and_the_calendar_asked_about(layer: SemanticLayer) -> None:
    apr = "2026-04-15"
    british = on(layer, apr, "revenue between 16/3 and 5/4")
    assert span(british.window) == ("2026-03-16", "2026-04-06")
    event = on(layer, apr, "AOV since we took the promo banner down on the 8th")
    assert span(event.window) == ("2026-04-08", "2026-04-15")
    quarter = on(layer, apr, "orders in Q1 vs the same quarter last year")
    assert span(quarter.baseline) == ("2025-01-01", "2025-04-01")
    assert on(layer, apr, "does your week start on a Sunday?").intent is Intent.HELP
    one = on(layer, apr, "orders dipped last week, is its one channel or everywhere")
    assert one.group_by == ("channel",)
    nudge = on(layer, apr, "first-time buyers likely to lapse? want to test an offer in the app")
    assert (nudge.intent, nudge.filters) == (Intent.CHURN, {"customer_type": "new"})
