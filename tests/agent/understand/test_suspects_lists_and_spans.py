"""Habits of set H (batches 79-82), read for fixes in the twenty-first session, each rule in
wording of its own: a value offered as the suspect of a move, lists of customers, spans of
weekdays and deadlines, days named by an event, and refusals that only say why a request is
made. Windows by hand."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

WED = "2026-06-10"  # a Wednesday, 16 days after Memorial Day (Monday 2026-05-25)
FRI = "2026-03-20"  # a Friday, eleven days before Q1 closes


def test_a_value_offered_as_the_suspect_is_split_by_its_dimension(layer: SemanticLayer) -> None:
    for text in (
        "orders slid last week — is it email?",
        "orders slid last week: email?",
        "orders slid last week, my guess is email, can you check",
        "orders slid last week; if it's email again I'll call the agency",
    ):
        goal = on(layer, WED, text)
        assert goal.intent is Intent.EXPLAIN, text
        assert (goal.filters, goal.group_by) == ({}, ("channel",)), text
    # With two values, the one the question names is the suspect; the other still filters.
    two = on(
        layer,
        WED,
        "Toys units went down in May compared to April. Was that driven by the Midwest?",
    )
    assert (two.filters, two.group_by) == ({"category": "toys"}, ("region",))
    # A value the move is about is no suspect.
    about = on(layer, WED, "why did orders from email slide last week?")
    assert (about.filters, about.group_by) == ({"channel": "email"}, ())


def test_which_part_after_a_described_move_asks_for_its_cause(layer: SemanticLayer) -> None:
    goal = on(layer, WED, "refunds have crept up since the 3rd, which category is it?")
    assert (goal.intent, goal.group_by) == (Intent.EXPLAIN, ("category",))
    hit = on(layer, WED, "sessions slumped last week. which device took the hit?")
    assert (hit.intent, hit.group_by) == (Intent.EXPLAIN, ("device",))


def test_a_list_of_customers_picked_by_a_condition_is_a_segment(layer: SemanticLayer) -> None:
    for text in (
        "could you pull me the customers who came in through email? want to thank them",
        "find our best toys customers in Texas for the launch party",
        "need a list by friday: returning customers who buy beauty",
    ):
        assert on(layer, WED, text).intent is Intent.SEGMENT, text
    # A metric of such customers is still a figure, not a list.
    figure = on(layer, WED, "get me orders from customers who came through email last week")
    assert (figure.intent, figure.metric) == (Intent.LOOKUP, "orders")


def test_the_decision_an_answer_feeds_names_no_metric(layer: SemanticLayer) -> None:
    goal = on(
        layer, WED, "paid search vs social new customers last week? deciding where the budget goes"
    )
    assert (goal.intent, goal.metric, goal.filters) == (Intent.COMPARE, "new_customers", {})
    assert goal.compare == {"channel": ("paid_search", "social")}
    split = on(
        layer,
        WED,
        "new customers last week broken out by the device they used. I'm trying to understand, "
        "roughly, where first-time buyers shop",
    )
    assert (split.intent, split.metric, split.group_by) == (
        Intent.BREAKDOWN,
        "new_customers",
        ("device",),
    )


def test_a_day_or_the_whole_shop_judged_as_a_whole_is_a_recap(layer: SemanticLayer) -> None:
    for text, window in (
        ("how did the site do yesterday?", ("2026-06-09", "2026-06-10")),
        ("hows last week look?", ("2026-06-01", "2026-06-08")),
        ("quick read on yesterday for my boss please", ("2026-06-09", "2026-06-10")),
    ):
        goal = on(layer, WED, text)
        assert goal.intent is Intent.DIGEST, text
        assert span(goal.window) == window, text


def test_more_named_days_and_a_normal_weekday_before_them(layer: SemanticLayer) -> None:
    paddy = on(layer, FRI, "conversion on St Paddy's Day vs a normal Tuesday")
    assert span(paddy.window) == ("2026-03-17", "2026-03-18")
    assert span(paddy.baseline) == ("2026-03-10", "2026-03-11")
    bowl = on(layer, FRI, "orders on Super Bowl Sunday")
    assert span(bowl.window) == ("2026-02-08", "2026-02-09")
    prez = on(layer, FRI, "revenue over prez day weekend")
    assert span(prez.window) == ("2026-02-14", "2026-02-17")


def test_since_an_event_on_a_day_starts_that_day(layer: SemanticLayer) -> None:
    for text in (
        "orders since we opened the pop-up on the 9th",
        "orders since the banner went live on the 9th",
        "orders since the promo (9th)",
    ):
        goal = on(layer, FRI, text)
        assert span(goal.window) == ("2026-03-09", "2026-03-20"), text
    ever = on(layer, FRI, "orders since we opened")
    assert ever.window is not None and ever.window.start.year < 2020


def test_the_long_weekend_is_the_latest_one_for_three_weeks(layer: SemanticLayer) -> None:
    goal = on(layer, WED, "revenue over the long weekend")
    assert span(goal.window) == ("2026-05-23", "2026-05-26")


def test_a_span_of_weekdays_is_the_latest_run_of_those_days(layer: SemanticLayer) -> None:
    run = on(layer, WED, "units sold fri through sun")
    assert span(run.window) == ("2026-06-05", "2026-06-08")
    so_far = on(layer, WED, "sessions monday thru wednesday")
    assert span(so_far.window) == ("2026-06-08", "2026-06-10")
    # Two days set against each other are no span.
    days = on(layer, WED, "compare orders friday to sunday")
    assert days.window is not None and days.window.days == 1
    week = on(layer, WED, "a recap of the week so far, Monday to Tuesday")
    assert span(week.window) == ("2026-06-08", "2026-06-10")


def test_a_deadline_still_ahead_is_no_window(layer: SemanticLayer) -> None:
    books = on(layer, FRI, "the books close on 31st March. revenue for the quarter till date?")
    assert span(books.window) == ("2026-01-01", "2026-03-20")
    closes = on(layer, FRI, "the quarter closes on Tuesday; orders this week so far please")
    assert span(closes.window) == ("2026-03-16", "2026-03-20")
    slashed = on(layer, FRI, "the quarter closes on 3/31; revenue this week so far")
    assert span(slashed.window) == ("2026-03-16", "2026-03-20")
    # A day that is over is the window, whatever the verb.
    past = on(layer, FRI, "revenue on march 2")
    assert span(past.window) == ("2026-03-02", "2026-03-03")


def test_whether_a_day_has_fully_loaded_is_a_check_for_anomalies(layer: SemanticLayer) -> None:
    for text in ("is yesterday fully loaded? looks light", "are sunday's orders complete?"):
        assert on(layer, WED, text).intent is Intent.DETECT, text


def test_which_states_of_a_region_is_the_split_inside_it(layer: SemanticLayer) -> None:
    goal = on(layer, WED, "which Midwest states sold the most toys last month?")
    assert goal.filters == {"region": "Midwest", "category": "toys"}
    assert goal.group_by == ("state",)


def test_growth_compounded_over_years_survey_weights_and_finer_places_are_refused(
    layer: SemanticLayer,
) -> None:
    for text, said in (
        ("5-year CAGR on revenue please", "compound growth"),
        ("can you compute raking weights for the customer survey", "survey weights"),
        ("what share of visits use an ad blocker", "isn't in the warehouse"),
        ("which city do most of our orders come from?", "can't be split by"),
    ):
        goal = on(layer, WED, text)
        assert goal.intent is Intent.UNKNOWN, text
        assert goal.clarification is not None and said in goal.clarification.refusal, text
    when = on(layer, WED, "which day do most orders come in?")
    assert when.intent is not Intent.UNKNOWN


def test_why_a_request_is_made_after_a_dash_does_not_refuse_it(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        WED,
        "orders by state for Q1 — legal wants to see where we passed the economic threshold",
    )
    assert (goal.intent, goal.metric, goal.group_by) == (Intent.BREAKDOWN, "orders", ("state",))
    # Asked in a question, the same words still refuse.
    asked = on(layer, WED, "orders by state for Q1 — how is the economy affecting them?")
    assert asked.intent is Intent.UNKNOWN


def test_definitions_forecast_misses_and_customers_gone_quiet(layer: SemanticLayer) -> None:
    definition = on(layer, WED, "definitions q: does a split shipment count twice in orders?")
    assert definition.intent is Intent.HELP
    forecast = on(layer, WED, "how far off was the toys forecast in May against April?")
    assert (forecast.intent, forecast.metric) == (Intent.FORECAST_CHECK, "forecast_error")
    quiet = on(layer, WED, "which West customers went quiet after Memorial Day?")
    assert quiet.intent is Intent.CHURN


def test_a_kind_of_partner_is_a_company_not_the_affiliate_channel(layer: SemanticLayer) -> None:
    company = on(layer, WED, "tickets last week by region, I'm meeting the logistics partner")
    assert "channel" not in company.filters
    channel = on(layer, WED, "revenue from partners last week")
    assert channel.filters == {"channel": "affiliate"}


def test_people_coming_onto_the_site_are_sessions(layer: SemanticLayer) -> None:
    goal = on(layer, WED, "how many people came onto the website yesterday?")
    assert (goal.intent, goal.metric) == (Intent.LOOKUP, "sessions")


def test_a_metric_named_to_be_declined_is_not_the_one_answered(layer: SemanticLayer) -> None:
    goal = on(layer, WED, "toys $ last week please, finance wants money this time, not units")
    assert goal.metric == "revenue"
    rather = on(layer, WED, "orders by channel rather than revenue, last week")
    assert (rather.metric, rather.group_by) == ("orders", ("channel",))


def test_a_region_in_a_thread_replaces_the_state_before(layer: SemanticLayer) -> None:
    first = on(layer, WED, "orders from Ohio last week")
    assert first.filters == {"state": "OH"}
    wider = on(layer, WED, "and for the whole Midwest?", context=first)
    assert wider.filters == {"region": "Midwest"}
    narrower = on(
        layer, WED, "what about Texas?", context=on(layer, WED, "orders in the West last week")
    )
    assert narrower.filters == {"state": "TX"}


def test_a_single_day_against_last_year_is_52_weeks_back_unless_it_is_a_holiday(
    layer: SemanticLayer,
) -> None:
    # July 1 is a quarter's first day, but "yesterday" is one day: the same weekday.
    day = on(layer, "2026-07-02", "orders yesterday vs the same day last year")
    assert span(day.baseline) == ("2025-07-02", "2025-07-03")
    # A fixed-date holiday written as a date is that holiday a year before.
    new_year = on(layer, "2026-07-02", "orders on jan 1 vs last year")
    assert span(new_year.baseline) == ("2025-01-01", "2025-01-02")


def test_comping_is_against_last_year_and_a_dated_day_keeps_its_year(layer: SemanticLayer) -> None:
    comp = on(layer, WED, "how is beauty comping this week?")
    assert comp.intent is Intent.COMPARE
    assert span(comp.baseline) == ("2025-06-09", "2025-06-11")
    dated = on(layer, WED, "orders on the 14th of March last year")
    assert span(dated.window) == ("2025-03-14", "2025-03-15")
    holiday = on(layer, WED, "revenue on the 4th of July last year")
    assert span(holiday.window) == ("2025-07-04", "2025-07-05")


def test_a_select_list_splits_by_its_column_and_beside_compares(layer: SemanticLayer) -> None:
    sql = on(layer, WED, "select channel, orders from orders where region = 'West' last week")
    assert (sql.intent, sql.group_by, sql.filters) == (
        Intent.BREAKDOWN,
        ("channel",),
        {"region": "West"},
    )
    beside = on(layer, WED, "could you put mobile beside desktop for conversion last week?")
    assert beside.compare == {"device": ("mobile", "desktop")}
