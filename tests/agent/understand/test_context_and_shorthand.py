"""The general rules batches 14 to 17 showed were missing, each in wording of its own:
context that is not the request (greetings, purposes, later clauses, a buy's month), values
named with their dimension's word, metrics spelt the way people write them, refusals by kind,
and the analyst's shorthand. Windows are stated by hand for Monday 2026-11-23."""

from __future__ import annotations

from datetime import date

import pytest

from agent.domain import Goal, Intent
from agent.semantic import SemanticLayer
from agent.understand import understand

MONDAY = date(2026, 11, 23)


def ask(layer: SemanticLayer, text: str, context: Goal | None = None) -> Goal:
    return understand(text, layer=layer, today=MONDAY, context=context)


def on(layer: SemanticLayer, day: str, text: str, context: Goal | None = None) -> Goal:
    """As `ask`, on another day."""
    return understand(text, layer=layer, today=date.fromisoformat(day), context=context)


def span(goal_window: object) -> tuple[str, str] | None:
    if goal_window is None:
        return None
    return (str(goal_window.start), str(goal_window.end))  # type: ignore[attr-defined]


# ---------------------------------------------------------------- values and metrics


def test_an_everyday_value_with_its_dimension_word_is_that_value(layer: SemanticLayer) -> None:
    goal = ask(layer, "the home category's units sold yesterday")
    assert dict(goal.filters) == {"category": "home"} and goal.metric == "units_sold"
    assert dict(ask(layer, "direct channel orders yesterday").filters) == {"channel": "direct"}
    assert dict(ask(layer, "rfm segments where customer_type = 'returning'").filters) == {
        "customer_type": "returning"
    }
    assert dict(ask(layer, "tickets labelled refund yesterday").filters) == {"topic": "refund"}


def test_a_broad_value_before_a_metric_it_cannot_cut_is_asked_back(layer: SemanticLayer) -> None:
    goal = ask(layer, "home revenue yesterday?")
    assert goal.clarification is not None and "category" in goal.clarification.question
    assert not ask(layer, "refund sessions last week").filters


def test_things_sent_or_coming_back_are_units_returned(layer: SemanticLayer) -> None:
    goal = ask(layer, "how many items came back in the West yesterday")
    assert goal.metric == "units_returned" and dict(goal.filters) == {"region": "West"}
    assert ask(layer, "units sent back: Northeast vs Midwest last month").metric == (
        "units_returned"
    )
    assert ask(layer, "Northeast vs Midwest returned units last week").metric == "units_returned"


def test_a_counted_value_names_the_metric_too(layer: SemanticLayer) -> None:
    goal = ask(layer, "how many unique returning customers ordered in the last 14 days?")
    assert goal.intent is Intent.LOOKUP and goal.metric == "customers"
    assert dict(goal.filters) == {"customer_type": "returning"}
    assert span(goal.window) == ("2026-11-09", "2026-11-23")
    assert ask(layer, "count(distinct customer_id) in the West, oct").metric == "customers"


def test_spend_per_order_against_another_group_compares_aov(layer: SemanticLayer) -> None:
    goal = ask(layer, "do new customers spend more per order than returning ones?")
    assert goal.intent is Intent.COMPARE and goal.metric == "aov"
    assert set(goal.compare["customer_type"]) == {"new", "returning"}


def test_a_phrase_one_real_word_off_is_still_the_metric(layer: SemanticLayer) -> None:
    assert ask(layer, "conversion rage on mobile yesterday").metric == "conversion_rate"
    assert ask(layer, "add to card rate by device last week").metric == "add_to_cart_rate"
    assert ask(layer, "average older value yesterday").metric == "aov"


def test_one_value_named_twice_filters_once(layer: SemanticLayer) -> None:
    goal = ask(layer, "organic sessions to the toys pages last month, for the kids gift guide")
    assert dict(goal.filters) == {"channel": "organic", "landing_category": "toys"}
    goal = ask(
        layer, "break down sessions by landing category for organic; which category pages lag?"
    )
    assert goal.group_by == ("landing_category",)


def test_a_comparison_is_not_also_a_split_by_its_dimension(layer: SemanticLayer) -> None:
    goal = ask(layer, "tablet vs desktop conversion, last 7 days. which device gets the redesign?")
    assert goal.intent is Intent.COMPARE and goal.group_by == ()
    assert set(goal.compare["device"]) == {"tablet", "desktop"}


def test_my_state_s_customers_are_a_filter_my_phone_is_not(layer: SemanticLayer) -> None:
    goal = ask(layer, "group my Ohio customers by how recently they bought")
    assert goal.intent is Intent.SEGMENT and dict(goal.filters) == {"state": "OH"}
    assert not ask(layer, "revenue yesterday, reading this on my phone").filters


def test_tickets_are_never_a_customer_segmentation(layer: SemanticLayer) -> None:
    goal = ask(layer, "billing tix from the Northeast today?")
    assert goal.intent is Intent.LOOKUP and goal.metric == "support_tickets"


# ---------------------------------------------------------------- context, not the request


def test_a_greeting_s_weekday_is_not_a_window(layer: SemanticLayer) -> None:
    goal = ask(layer, "happy Friday! how many orders did we get on Wednesday?")
    assert goal.intent is Intent.LOOKUP and span(goal.window) == ("2026-11-18", "2026-11-19")


def test_what_an_answer_is_for_asks_for_nothing(layer: SemanticLayer) -> None:
    goal = ask(
        layer, "which channel brought the most sessions this week? it's for the persona review"
    )
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("channel",)


def test_a_date_in_a_later_clause_about_something_else_is_context(layer: SemanticLayer) -> None:
    goal = ask(layer, "conversion by device last month. also is the agency call still on Thursday?")
    assert goal.intent is Intent.BREAKDOWN
    assert span(goal.window) == ("2026-10-01", "2026-11-01")
    assert span(goal.baseline) == ("2026-09-01", "2026-10-01")
    goal = ask(layer, "orders by region yesterday \u2014 have to brief the ops leads today")
    assert goal.intent is Intent.BREAKDOWN and span(goal.window) == ("2026-11-22", "2026-11-23")


def test_a_buy_s_month_is_not_a_window(layer: SemanticLayer) -> None:
    goal = ask(layer, "weekly apparel units for the last 8 weeks before I place the January buy")
    assert goal.intent is Intent.TREND and goal.baseline is None
    assert span(goal.window) == ("2026-09-28", "2026-11-23")


def test_an_absence_s_aside_does_not_hide_the_request(layer: SemanticLayer) -> None:
    goal = ask(layer, "I was off on Thursday for a doctor's appointment. Can you recap Thursday?")
    assert goal.intent is Intent.DIGEST and span(goal.window) == ("2026-11-19", "2026-11-20")


def test_this_time_last_year_is_a_year_earlier(layer: SemanticLayer) -> None:
    goal = ask(layer, "are we ahead of this time last year? revenue last week vs a year ago")
    assert goal.intent is Intent.COMPARE and goal.metric == "revenue"
    assert span(goal.baseline) == ("2025-11-17", "2025-11-24")


# ---------------------------------------------------------------- intents


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where did AOV land for September?", Intent.LOOKUP),
        ("how did we finish September?", Intent.DIGEST),
        ("the Midwest picture for yesterday", Intent.DIGEST),
        ("how has the email channel performed this month?", Intent.DIGEST),
        ("is the return rate normalising?", Intent.TREND),
        ("conversion recovering yet?", Intent.TREND),
        ("decompose the AOV change by channel", Intent.EXPLAIN),
        ("what's dragging orders down?", Intent.EXPLAIN),
        ("who are our best shoppers in the West?", Intent.SEGMENT),
        ("can you accept plain English questions?", Intent.HELP),
    ],
)
def test_intents_said_in_other_ways(layer: SemanticLayer, text: str, intent: Intent) -> None:
    assert ask(layer, text).intent is intent


def test_what_the_person_did_is_not_a_request_to_act(layer: SemanticLayer) -> None:
    goal = ask(layer, "I just approved her refund. will C204518 stick around?")
    assert goal.intent is Intent.CHURN and goal.customer_id == "C204518"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("is the checkout button test statistically significant?", "A/B tests"),
        ("if we raise prices by 5%, how much revenue would we lose?", "predict"),
        ("should we extend the promo into December? honest opinion", "decision"),
        ("does Priya have a free slot tomorrow to go through AOV?", "calendars"),
        ("will inflation hurt our apparel units next year?", "this shop's data"),
        ("how are we rated on Google Play?", "this shop's data"),
        ("footfall in the Northeast yesterday?", "\u201cfootfall\u201d"),
        ("great, can you pin this to the exec dashboard?", "outside the shop's data"),
        ("write me three headlines for the toys page", "I don't carry out requests"),
        ("draft the subject line for our win-back email", "I don't carry out requests"),
        ("apparel sell-through last 2 weeks", "metrics don't include"),
        ("CSAT by region for October", "metrics don't include"),
        ("did the dbt run finish before the revenue refresh?", "pipelines"),
        ("row counts in raw.orders vs the orders table", "pipelines"),
        ("why is this query so slow? it sums revenue by region", "pipelines"),
        ("what's the phone number on file for C100200?", "personal details"),
        ("what valuation could we get at 4x revenue?", "valuations"),
        ("how long is the flight from Boston to Denver?", "Travel"),
        ("love it, can you turn this into a graphic for our IG story?", "I don't carry out"),
        ("give me 5 subject line ideas for the Black Friday email", "I don't carry out"),
        ("median order value by channel last week", "Medians"),
        ("fit a SARIMA to daily revenue", "predict"),
        ("who owns the weekly trading dashboard?", "outside the shop's data"),
        ("draft a status update saying checkout is degraded", "I don't carry out"),
        ("the nightly ETL failed, can you restart it?", "pipelines"),
        ("revenue for P11 on the 4-4-5 calendar", "fiscal"),
        ("has Brightwave's October invoice for the social campaigns been paid?", "Invoices"),
        ("ok, reassign all the refund ones to the tier-2 queue", "I don't carry out"),
        ("the label printer at the dock keeps jamming, who do I call?", "Policies, other systems"),
        ("change how you calculate AOV: it should exclude shipping", "semantic.yml"),
        ("what's wrong with this SUMIFS formula for toys units?", "Policies, other systems"),
        ("what are we paying FedEx per parcel on toy orders now?", "Carriers"),
        ("what's the last day UPS Ground can still deliver before Christmas?", "Carriers"),
        ("how should we recognise revenue on gift cards under ASC 606?", "Law, tax"),
        (
            "can you schedule 30 min with finance on Thursday to go through revenue?",
            "I don't carry out",
        ),
        ("email that table to our agency contact before noon", "I don't carry out"),
        ("paste the wording of our returns policy for shoes", "Policies, other systems"),
    ],
)
def test_refused_with_the_reason_named(layer: SemanticLayer, text: str, says: str) -> None:
    goal = ask(layer, text)
    assert goal.intent is Intent.UNKNOWN and goal.clarification is not None
    assert says in goal.clarification.question, goal.clarification.question


# ---------------------------------------------------------------- shorthand and threads


def test_analyst_shorthand_for_periods(layer: SemanticLayer) -> None:
    assert span(ask(layer, "sum(orders) by channel, last 14d").window) == (
        "2026-11-09",
        "2026-11-23",
    )
    assert span(ask(layer, "revenue L7D").window) == ("2026-11-16", "2026-11-23")
    assert span(ask(layer, "sessions by device, sat only").window) == ("2026-11-21", "2026-11-22")
    assert (
        ask(layer, "I sat down with the sessions by device numbers").window
        != ask(layer, "sessions by device, sat only").window
    )


def test_back_one_more_unit_moves_the_thread_s_window(layer: SemanticLayer) -> None:
    week = ask(layer, "revenue by region last week")
    goal = ask(layer, "go back one more week", context=week)
    assert goal.group_by == ("region",)
    assert span(goal.window) == ("2026-11-09", "2026-11-16")
    day = ask(layer, "orders yesterday")
    assert span(ask(layer, "back a day", context=day).window) == ("2026-11-21", "2026-11-22")


# ---------------------------------------------------------------- batches 16 and 17


def test_a_first_question_naming_a_metric_is_the_request(layer: SemanticLayer) -> None:
    goal = ask(layer, "email revenue yesterday? and what was CAC on it, if you have spend")
    assert goal.intent is Intent.LOOKUP and goal.metric == "revenue"
    assert dict(goal.filters) == {"channel": "email"}


def test_a_later_statement_is_context_for_the_question(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "Why did returning customers' orders dip last week? The loyalty email went out on "
        "Friday and I expected a rise.",
    )
    assert goal.intent is Intent.EXPLAIN and dict(goal.filters) == {"customer_type": "returning"}
    assert span(goal.window) == ("2026-11-16", "2026-11-23")
    goal = ask(
        layer, "who are our best clients in Ohio?? I want to send them a gift for Hanukkah!!"
    )
    assert goal.intent is Intent.SEGMENT and goal.clarification is None
    assert dict(goal.filters) == {"state": "OH"}


def test_a_remark_about_the_day_filters_nothing(layer: SemanticLayer) -> None:
    assert not ask(layer, "anything odd in orders today? phones are ringing nonstop").filters


def test_read_only_sql_in_code_marks_is_read_as_words(layer: SemanticLayer) -> None:
    goal = ask(layer, "`select sum(revenue) from orders where region = 'Midwest'` last week")
    assert goal.intent is Intent.LOOKUP and goal.metric == "revenue"
    assert dict(goal.filters) == {"region": "Midwest"}
    assert ask(layer, "`select * from users; drop table orders` now").intent is Intent.UNKNOWN


def test_a_named_rate_after_a_segment_is_kept(layer: SemanticLayer) -> None:
    goal = ask(layer, "paid search conversion dropped yesterday. traffic quality problem?")
    assert goal.metric == "conversion_rate" and dict(goal.filters) == {"channel": "paid_search"}


def test_counting_a_group_the_layer_has_a_metric_for(layer: SemanticLayer) -> None:
    goal = ask(layer, "how many first-time buyers did we get yesterday?")
    assert goal.metric == "new_customers" and not goal.filters


def test_all_of_every_dimension_is_no_split(layer: SemanticLayer) -> None:
    goal = ask(layer, "the Midwest picture for yesterday, all devices and all channels")
    assert goal.intent is Intent.DIGEST and goal.group_by == ()


@pytest.mark.parametrize(
    ("text", "window", "baseline"),
    [
        ("AOV over the last fortnight", ("2026-11-09", "2026-11-23"), ("2026-10-26", "2026-11-09")),
        (
            "units returned the week before last",
            ("2026-11-09", "2026-11-16"),
            ("2026-11-02", "2026-11-09"),
        ),
        ("orders from the 2nd to the 8th of this month", ("2026-11-02", "2026-11-09"), None),
        ("orders by channel over the wknd", ("2026-11-21", "2026-11-23"), None),
        (
            "are we ahead of last year? September revenue against September 2025",
            ("2026-09-01", "2026-10-01"),
            ("2025-09-01", "2025-10-01"),
        ),
        (
            "check yesterday's AOV, it looks low for a Sunday",
            ("2026-11-22", "2026-11-23"),
            ("2026-11-15", "2026-11-16"),
        ),
        ("conversion went from 3.1% to 2.6% in Oct, why?", ("2026-10-01", "2026-11-01"), None),
        (
            "toys units TY vs LY, last wk",
            ("2026-11-16", "2026-11-23"),
            ("2025-11-17", "2025-11-24"),
        ),
        ("weekly orders since the start of Q3", ("2026-07-01", "2026-11-23"), None),
        ("fcst acc on toys L4W?", ("2026-10-26", "2026-11-23"), None),
        (
            "TTM revenue through October month-end",
            ("2025-11-01", "2026-11-01"),
            ("2024-11-01", "2025-11-01"),
        ),
        ("orders flatlined tonight?", ("2026-11-23", "2026-11-24"), None),
        ("anything weird in the last hour?", ("2026-11-23", "2026-11-24"), None),
        (
            "Black Friday '25 vs Black Friday '24 revenue",
            ("2025-11-28", "2025-11-29"),
            ("2024-11-29", "2024-11-30"),
        ),
        (
            "how far off was the toys forecast in November last year?",
            ("2025-11-01", "2025-12-01"),
            None,
        ),
        (
            "daily orders from Thanksgiving through Cyber Monday last year",
            ("2025-11-27", "2025-12-02"),
            None,
        ),
        (
            "orders last week against the week before Thanksgiving last year",
            ("2026-11-16", "2026-11-23"),
            ("2025-11-17", "2025-11-24"),
        ),
        (
            "Q4-to-date orders vs the same point in Q3",
            ("2026-10-01", "2026-11-23"),
            ("2026-07-01", "2026-08-23"),
        ),
        (
            "refund tickets in the West piling up all week, what's causing it?",
            ("2026-11-16", "2026-11-23"),
            None,
        ),
        ("did we sell much on Saturday?", ("2026-11-21", "2026-11-22"), None),
        ("sales any good lately?", ("2026-10-24", "2026-11-23"), None),
        (
            "year-to-date orders against the same period last year",
            ("2026-01-01", "2026-11-23"),
            ("2025-01-01", "2025-11-23"),
        ),
        (
            "Q4 so far vs the same stretch last year",
            ("2026-10-01", "2026-11-23"),
            ("2025-10-01", "2025-11-23"),
        ),
        ("how did Thanksgiving week go last year?", ("2025-11-24", "2025-12-01"), None),
        ("*Monday recap* please\n- yesterday\n- all regions", ("2026-11-22", "2026-11-23"), None),
    ],
)
def test_periods_said_in_other_ways(
    layer: SemanticLayer,
    text: str,
    window: tuple[str, str],
    baseline: tuple[str, str] | None,
) -> None:
    goal = ask(layer, text)
    assert span(goal.window) == window, goal
    if baseline is not None:
        assert span(goal.baseline) == baseline


def test_a_recap_named_by_its_day_covers_the_day_asked_for(layer: SemanticLayer) -> None:
    goal = ask(layer, "*Monday recap* please\n- yesterday\n- all regions")
    assert goal.intent is Intent.DIGEST and goal.group_by == ()
    assert span(goal.window) == ("2026-11-22", "2026-11-23")


def test_week_by_week_shorthand_is_a_weekly_course(layer: SemanticLayer) -> None:
    goal = ask(layer, "apparel units wk by wk since October")
    assert goal.intent is Intent.TREND and goal.grain == "week"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("orders fell last week, which region is it coming from?", Intent.EXPLAIN),
        ("whats dragging the West?", Intent.EXPLAIN),
        ("what's the story this week?", Intent.DIGEST),
        ("which tables do you use?", Intent.HELP),
        ("where do your figures come from?", Intent.HELP),
        ("how do I ask you about a date range?", Intent.HELP),
    ],
)
def test_batch_16_and_17_intents_in_other_words(
    layer: SemanticLayer, text: str, intent: Intent
) -> None:
    assert ask(layer, text).intent is intent


# ---------------------------------------------------------------- batches 18, 19 and 20


def test_statements_around_a_self_contained_question_are_context(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "I've been on calls with the carrier all morning and I'm exhausted. How many orders did "
        "the West get yesterday? I need it before the carrier call.",
    )
    assert goal.intent is Intent.LOOKUP and goal.metric == "orders"
    assert dict(goal.filters) == {"region": "West"}
    goal = ask(layer, "I'm worried we're losing our regulars in the Midwest. Who's most at risk?")
    assert goal.intent is Intent.CHURN
    assert dict(goal.filters) == {"customer_type": "returning", "region": "Midwest"}


def test_a_relayed_question_is_the_question(layer: SemanticLayer) -> None:
    october = ask(layer, "revenue by region in October")
    goal = ask(layer, "Priya asks: same again for Q3?", context=october)
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("region",)
    assert span(goal.window) == ("2026-07-01", "2026-10-01")


def test_another_tool_named_beside_the_question_is_no_place(layer: SemanticLayer) -> None:
    goal = ask(layer, "In Tableau I'd filter the workbook, but here: tablet sessions yesterday?")
    assert goal.intent is Intent.LOOKUP and goal.clarification is None


def test_a_day_still_to_come_this_week_is_not_a_baseline(layer: SemanticLayer) -> None:
    goal = ask(
        layer, "why did mobile conversion sag on Black Friday last year? avoid a repeat this Friday"
    )
    assert dict(goal.filters) == {"device": "mobile"}
    assert span(goal.baseline) == ("2025-11-21", "2025-11-22")


@pytest.mark.parametrize(
    ("text", "intent", "metric"),
    [
        ("WAPE by cat, L4W", Intent.BREAKDOWN, "forecast_error"),
        ("has conversion been getting worse?", Intent.TREND, "conversion_rate"),
        ("model biased high on apparel?", Intent.FORECAST_CHECK, "forecast_error"),
        ("average basket value for returning customers last month", Intent.LOOKUP, "aov"),
        ("Q3 order numbers vs Q2", Intent.COMPARE, "orders"),
        ("are things ok? nothing on fire?", Intent.DETECT, None),
        ("anything untoward in the numbers today?", Intent.DETECT, None),
        ("is checkout conversion broken on mobile right now?", Intent.DETECT, "conversion_rate"),
        ("how did we get on in Q3 overall?", Intent.DIGEST, None),
        (
            "where's the mobile conversion funnel leaking this week?",
            Intent.EXPLAIN,
            "conversion_rate",
        ),
        ("is Scout looking at the same data as Looker?", Intent.HELP, None),
        ("can you look up a single customer?", Intent.HELP, None),
        ("how fresh is your data?", Intent.HELP, None),
        ("can you do fiscal quarters?", Intent.HELP, None),
    ],
)
def test_batch_18_to_20_intents(
    layer: SemanticLayer, text: str, intent: Intent, metric: str | None
) -> None:
    goal = ask(layer, text)
    assert goal.intent is intent, goal
    if metric is not None:
        assert goal.metric == metric


def test_a_strange_ask_is_no_anomaly(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "sorry if this is a strange ask, but compare orders from email against paid social for October",
    )
    assert goal.intent is Intent.COMPARE


def test_an_area_the_regions_do_not_name_is_asked_back(layer: SemanticLayer) -> None:
    goal = ask(layer, "how's the pacific northwest holding up this month?")
    assert goal.clarification is not None and "region" in goal.clarification.question.lower()


def test_lists_are_not_windowed_by_their_deadline_or_send(layer: SemanticLayer) -> None:
    goal = ask(layer, "which Midwest repeat buyers look likely to lapse before Cyber Monday?")
    assert goal.intent is Intent.CHURN and goal.window is None
    goal = ask(
        layer,
        "top spenders in Texas for the early-access drop Thursday night, can you segment them?",
    )
    assert goal.intent is Intent.SEGMENT and goal.window is None
    assert dict(goal.filters) == {"state": "TX"}
    goal = ask(layer, "can u build the audience for Friday's Thanksgiving email? big spenders only")
    assert goal.intent is Intent.SEGMENT and not goal.filters and goal.window is None


def test_thread_shorthand(layer: SemanticLayer) -> None:
    week = ask(layer, "mobile conversion last week")
    goal = ask(layer, "zoom out to the month", context=week)
    assert goal.metric == "conversion_rate" and dict(goal.filters) == {"device": "mobile"}
    assert span(goal.window) == ("2026-11-01", "2026-11-23")
    nevada = ask(layer, "Nevada orders last week")
    goal = ask(layer, "vs Cali?", context=nevada)
    assert dict(goal.compare) == {"state": ("NV", "CA")}


# ---------------------------------------------------------------- batches 21 to 24


@pytest.mark.parametrize(
    "text",
    [
        "what does revenue per session mean in your numbers?",
        "how do you define a new customer?",
        "how is add-to-cart rate calculated here?",
        "is AOV net of refunds?",
        "does your orders metric include cancelled orders?",
        "can you track several metrics at once, or do you only answer one question at a time?",
    ],
)
def test_a_question_about_a_definition_is_help(layer: SemanticLayer, text: str) -> None:
    goal = ask(layer, text)
    assert goal.intent is Intent.HELP and goal.window is None, goal


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Segment the customers we won through email so we can plan retention", Intent.SEGMENT),
        ("daily apparel units since the 1st, want to see if the launch drop shows", Intent.TREND),
        ("monthly new customers this year: is retention picking up?", Intent.TREND),
        ("were there any irregularities in September sessions by device?", Intent.DETECT),
        (
            "anything in yesterday's numbers I should be worried about before standup?",
            Intent.DETECT,
        ),
        ("my spreadsheet has Q2 orders up 4.2% on Q1, can you confirm?", Intent.COMPARE),
        (
            "the deck says tablet conversion overtook desktop last month. is that real?",
            Intent.COMPARE,
        ),
        ("a chart of add-to-cart rate by device for the last 30 days", Intent.BREAKDOWN),
        ("a chart of sessions for the last 30 days", Intent.TREND),
        ("and the week before, for the comparison slide?", Intent.COMPARE),
    ],
)
def test_batch_21_to_24_intents(layer: SemanticLayer, text: str, intent: Intent) -> None:
    if text.startswith("and the week before"):
        context = ask(layer, "orders by region last week")
        goal = ask(layer, text, context=context)
        assert goal.intent is Intent.BREAKDOWN and span(goal.window) == ("2026-11-09", "2026-11-16")
        return
    assert ask(layer, text).intent is intent


def test_two_values_set_side_by_side_are_compared(layer: SemanticLayer) -> None:
    goal = ask(
        layer,
        "| Orders | Midwest 812 | South 640 | yesterday |\nput the two regions side by side",
    )
    assert goal.intent is Intent.COMPARE
    goal = ask(layer, "| Orders | Midwest 812 | Southeast 640 | yesterday |\nside by side please")
    assert dict(goal.compare) == {"region": ("Midwest", "Southeast")}


def test_explaining_one_segment_of_a_pasted_split(layer: SemanticLayer) -> None:
    goal = ask(layer, "> Sessions by landing category: Toys down 12% WoW\nwhat happened to toys?")
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ()
    assert dict(goal.filters) == {"landing_category": "toys"}


def test_lists_and_scores_are_as_of_today(layer: SemanticLayer) -> None:
    goal = ask(layer, "build me an audience from customers who bought sports gear last Christmas")
    assert goal.intent is Intent.SEGMENT and goal.window is None
    goal = ask(layer, "*Segments* for _new_ customers please")
    assert goal.intent is Intent.SEGMENT and dict(goal.filters) == {"customer_type": "new"}


def test_phone_autocorrect_and_shop_codes(layer: SemanticLayer) -> None:
    assert ask(layer, "whats the reverie for the west yesterday").metric == "revenue"
    assert ask(layer, "conversation rate on tablet last week??").metric == "conversion_rate"
    goal = ask(layer, "what did TX do in orders yesterday? the Austin and Dallas teams disagree")
    assert goal.intent is Intent.LOOKUP and dict(goal.filters) == {"state": "TX"}


# ---------------------------------------------------------------- batches 25 to 27


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("revenue for the Midwest — sorry, I mean the Northeast — yesterday", "northeast"),
        ("orders on Friday — no wait, Saturday — by channel", "saturday"),
        ("sessions by region, er, by device I mean, last week", "by device last week"),
        ("tickets about delivery — scratch that, about billing — this week", "about billing"),
    ],
)
def test_what_a_person_takes_back_is_dropped(layer: SemanticLayer, text: str, kept: str) -> None:
    from agent.understand import lexicon_for
    from agent.understand.slots import parse

    parsed = parse(text, lexicon_for(layer), MONDAY)
    assert kept in parsed.norm
    assert not {"sorry", "wait", "scratch", "er"} & set(parsed.norm.split())


def test_taken_back_values_and_days_are_replaced(layer: SemanticLayer) -> None:
    goal = ask(layer, "revenue for the Midwest — sorry, I mean the Northeast — yesterday")
    assert dict(goal.filters) == {"region": "Northeast"}
    goal = ask(layer, "why did orders drop on Friday — no wait, Saturday?")
    assert span(goal.window) == ("2026-11-21", "2026-11-22")
    goal = ask(layer, "is C100201 — sorry, C100210 — at risk of churning?")
    assert goal.customer_id == "C100210"


def test_a_numbered_list_asks_its_first_item(layer: SemanticLayer) -> None:
    goal = ask(layer, "1. orders from email last week\n2. what's the CPA\n3. put it in the deck")
    assert goal.intent is Intent.LOOKUP and goal.metric == "orders"
    assert dict(goal.filters) == {"channel": "email"}


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("what was revenue two Tuesdays ago?", ("2026-11-10", "2026-11-11")),
        ("sessions on the Sunday before last", ("2026-11-15", "2026-11-16")),
        ("conversion rate a week ago today", ("2026-11-16", "2026-11-17")),
        ("why did sessions drop on the weekend before last?", ("2026-11-14", "2026-11-16")),
        ("orders three weeks ago", ("2026-11-02", "2026-11-09")),
        ("orders across the last 3 weekends, day by day", ("2026-11-07", "2026-11-23")),
        ("since two weeks the mobile conversion goes down, why?", ("2026-11-09", "2026-11-23")),
        ("revenue since the beginning of the month", ("2026-11-01", "2026-11-23")),
        (
            "`select sum(revenue) from orders where order_date >= current_date - 7`",
            ("2026-11-16", "2026-11-23"),
        ),
        (
            "a summary of last week's performance for Monday's leadership note",
            ("2026-11-16", "2026-11-23"),
        ),
    ],
)
def test_batch_25_to_27_periods(layer: SemanticLayer, text: str, window: tuple[str, str]) -> None:
    assert span(ask(layer, text).window) == window


def test_this_year_against_last_is_a_year_back(layer: SemanticLayer) -> None:
    goal = ask(layer, "revenue this year vs last, no fluff")
    assert span(goal.baseline) == ("2025-01-01", "2025-11-23")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("how bad was last week, honestly", Intent.DIGEST),
        ("how many units came back in October? the ops review is Thursday", Intent.LOOKUP),
        ("is AOV ever going to stop sliding?", Intent.TREND),
        ("which of the customers we won in the summer have gone dormant?", Intent.CHURN),
        ("how are we doing on the apparel forecast this month?", Intent.FORECAST_CHECK),
        ("can you do cohort curves, or only churn risk per customer?", Intent.HELP),
        ("do you do multi-touch attribution or only last-click?", Intent.HELP),
        ("can I paste SQL to you?", Intent.HELP),
        ("which questions can I ask you?", Intent.HELP),
        ("retention check: returning customers last month vs September", Intent.COMPARE),
        ("do new customers have a bigger basket than returning ones this month?", Intent.COMPARE),
    ],
)
def test_batch_25_to_27_intents(layer: SemanticLayer, text: str, intent: Intent) -> None:
    assert ask(layer, text).intent is intent


def test_cities_named_with_their_state(layer: SemanticLayer) -> None:
    goal = ask(layer, "revenue in Dayton, OH over the weekend?")
    assert goal.clarification is None and dict(goal.filters) == {"state": "OH"}
    goal = ask(layer, "orders in Austin and Dallas yesterday, the TX total is fine")
    assert goal.clarification is None and dict(goal.filters) == {"state": "TX"}
    goal = ask(layer, "how's Denver doing?")
    assert goal.clarification is not None and "region" in goal.clarification.question.lower()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("how many people unsubscribed from Friday's send?", "unsubscribes"),
        ("how much do we owe our affiliates in payouts for November?", "payouts"),
        ("units picked per hour at the Reno DC last week?", "Warehouse operations"),
        ("will next week's cold snap lift outdoor sales?", "weather"),
        ("what discount should we give returning customers for Black Friday?", "decision"),
        ("can you raise a Jira for data-eng about the Sunday load?", "I don't carry out"),
        ("how are we doing on hiring for the returns team?", "Hiring"),
    ],
)
def test_batch_25_to_27_refusals(layer: SemanticLayer, text: str, says: str) -> None:
    goal = ask(layer, text)
    assert goal.intent is Intent.UNKNOWN and goal.clarification is not None
    assert says in goal.clarification.question, goal.clarification.question


@pytest.mark.parametrize(
    "word",
    [
        "personal",
        "merch",
        "director",
        "investor",
        "sending",
        "contained",
        "spelling",
        "pilot",
        "connecting",
        "conventions",
        "valve",
        "seattle",
        "siblings",
    ],
)
def test_real_words_are_not_spelt_into_the_shop_s_words(layer: SemanticLayer, word: str) -> None:
    from agent.understand import lexicon_for

    # Found by spelling every word of the docs and the held-out requests through the
    # corrector: "merch" became March, "director" the direct channel, "investor" inventory.
    assert lexicon_for(layer).correct(word) is None


def test_a_real_word_near_a_month_or_a_value_filters_nothing(layer: SemanticLayer) -> None:
    goal = ask(layer, "merch revenue last week for the director's update")
    assert not goal.filters and span(goal.window) == ("2026-11-16", "2026-11-23")
    goal = ask(layer, "rev by week since sept? want the shape before the investor call")
    assert goal.intent is Intent.TREND and goal.metric == "revenue"


# ---------------------------------------------------------------- batch 28: targets, "we", threads


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("orders were 1,900 on Saturday, is that normal?", Intent.DETECT),
        ("anything that should keep me up at night this week?", Intent.DETECT),
        ("mobile AOV dropped 12% last week, which region did that?", Intent.EXPLAIN),
        ("what else can Scout answer?", Intent.HELP),
        ("how often does the data refresh?", Intent.HELP),
        ("is the company shrinking?", Intent.TREND),
    ],
)
def test_batch_28_intents(layer: SemanticLayer, text: str, intent: Intent) -> None:
    assert ask(layer, text).intent is intent


def test_the_business_as_a_whole_is_its_revenue(layer: SemanticLayer) -> None:
    goal = ask(layer, "is the business still growing in the Midwest?")
    assert (goal.intent, goal.metric, dict(goal.filters)) == (
        Intent.TREND,
        "revenue",
        {"region": "Midwest"},
    )
    behind = ask(layer, "are we behind last year?")
    assert (behind.intent, behind.metric) == (Intent.COMPARE, "revenue")
    assert span(behind.baseline) == ("2025-11-17", "2025-11-24")  # 364 days: weekdays align
    # With a metric named, "we" is only the speaker.
    assert ask(layer, "are we growing orders in the West?").metric == "orders"


def test_a_period_beating_its_own_name_last_year(layer: SemanticLayer) -> None:
    goal = ask(layer, "did September outperform last September?")
    assert span(goal.window) == ("2026-09-01", "2026-10-01")
    assert span(goal.baseline) == ("2025-09-01", "2025-10-01")
    ytd = ask(layer, "did year-to-date orders exceed last year?")
    assert ytd.intent is Intent.COMPARE and span(ytd.baseline) == ("2025-01-01", "2025-11-23")
    # A different month after "vs last" is that month, the latest one.
    other = ask(layer, "orders in November vs last October")
    assert span(other.baseline) == ("2026-10-01", "2026-11-01")


def test_growth_on_last_year_is_a_year_back(layer: SemanticLayer) -> None:
    goal = ask(layer, "we want orders up 8% on last year, how is this month looking?")
    assert goal.intent is Intent.COMPARE and goal.metric == "orders"
    assert span(goal.window) == ("2026-11-01", "2026-11-23")
    assert span(goal.baseline) == ("2025-11-01", "2025-11-23")  # month to date: by calendar


def test_a_target_stated_with_its_figure_is_context(layer: SemanticLayer) -> None:
    goal = ask(layer, "the conversion target for October was 3%, where did we end up?")
    assert goal.intent is Intent.LOOKUP and goal.metric == "conversion_rate"
    assert span(goal.window) == ("2026-10-01", "2026-11-01")
    # Without the figure, the target itself is asked for: the warehouse has none.
    assert ask(layer, "what is the conversion target for October?").intent is Intent.UNKNOWN


def test_two_periods_told_in_order_ask_about_the_later(layer: SemanticLayer) -> None:
    goal = ask(layer, "August orders were 52k in the board pack and September came in at 47k, why?")
    assert span(goal.window) == ("2026-09-01", "2026-10-01")
    assert span(goal.baseline) == ("2026-08-01", "2026-09-01")
    # Set against each other in words, the first named is still the one asked about.
    vs = ask(layer, "orders: September vs August")
    assert span(vs.window) == ("2026-09-01", "2026-10-01")


def test_losses_are_profit_which_the_data_lacks(layer: SemanticLayer) -> None:
    goal = ask(layer, "which categories lose money?")
    assert goal.intent is Intent.UNKNOWN and goal.clarification is not None
    assert "profit" in goal.clarification.question


def test_the_other_one_of_two_values_in_a_thread(layer: SemanticLayer) -> None:
    first = ask(layer, "orders from new customers yesterday")
    assert dict(ask(layer, "and the other group?", context=first).filters) == {
        "customer_type": "returning"
    }
    # Of three devices "the other one" names none: the thread's filter stays.
    mobile = ask(layer, "orders on mobile yesterday")
    assert dict(ask(layer, "what about the other one?", context=mobile).filters) == {
        "device": "mobile"
    }


# ---------------------------------------------------------------- batches 29 and 30


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "did Friday's orders from the Midwest load fully, or is part of the day missing?",
            Intent.DETECT,
        ),
        ("are last week's sessions all in?", Intent.DETECT),
        ("is your AOV gross or net of discounts?", Intent.HELP),
        ("how do you treat cancelled orders?", Intent.HELP),
        ("is your return rate per order or per unit?", Intent.HELP),
        ("what goes into your weekly summary?", Intent.HELP),
        ("can you split orders by hour, or just by day?", Intent.HELP),
        ("just the usual, thanks", Intent.DIGEST),
        ("what scout posts every morning, for the Midwest please", Intent.DIGEST),
        ("which shoppers should the spring email push target?", Intent.SEGMENT),
    ],
)
def test_batch_29_and_30_intents(layer: SemanticLayer, text: str, intent: Intent) -> None:
    assert ask(layer, text).intent is intent


@pytest.mark.parametrize(
    ("text", "window", "baseline"),
    [
        # Half-years by calendar; H2 is still running.
        ("H1 revenue vs H1 last year", ("2026-01-01", "2026-07-01"), ("2025-01-01", "2025-07-01")),
        ("orders QoQ for Q2", ("2026-04-01", "2026-07-01"), ("2026-01-01", "2026-04-01")),
        ("orders yesterday vs fri", ("2026-11-22", "2026-11-23"), ("2026-11-20", "2026-11-21")),
        (
            "sessions last week against the 3 weeks before it",
            ("2026-11-16", "2026-11-23"),
            ("2026-10-26", "2026-11-16"),
        ),
    ],
)
def test_batch_29_and_30_periods(
    layer: SemanticLayer, text: str, window: tuple[str, str], baseline: tuple[str, str]
) -> None:
    goal = ask(layer, text)
    assert (span(goal.window), span(goal.baseline)) == (window, baseline)


def test_a_day_that_recurs_is_no_window(layer: SemanticLayer) -> None:
    goal = ask(layer, "same as every Friday: anything odd in the last 3 days?")
    assert goal.intent is Intent.DETECT and span(goal.window) == ("2026-11-20", "2026-11-23")
    digest = ask(layer, "the usual Friday numbers for the West")
    assert digest.intent is Intent.DIGEST and span(digest.window) == ("2026-11-22", "2026-11-23")
    # "than usual over the last 30 days" is still the last 30 days.
    usual = ask(layer, "why are orders lower than usual over the last 30 days?")
    assert span(usual.window) == ("2026-10-24", "2026-11-23")


def test_a_rate_stated_in_another_sentence_is_no_baseline(layer: SemanticLayer) -> None:
    goal = ask(layer, "Our goal is 5% growth year over year. How many orders in October?")
    assert goal.intent is Intent.LOOKUP and span(goal.baseline) == ("2026-09-01", "2026-10-01")


def test_a_weak_value_before_a_longer_metric_name_or_the_forecast(layer: SemanticLayer) -> None:
    assert dict(ask(layer, "why is the beauty return rate up this week?").filters) == {
        "category": "beauty"
    }
    goal = ask(layer, "how wrong was the home forecast last month?")
    assert goal.intent is Intent.FORECAST_CHECK and dict(goal.filters) == {"category": "home"}
    scorecard = ask(layer, "how's direct doing this week?")
    assert scorecard.intent is Intent.DIGEST and dict(scorecard.filters) == {"channel": "direct"}


def test_how_a_customer_group_did_is_its_scorecard(layer: SemanticLayer) -> None:
    goal = ask(layer, "how did repeat customers do this month?")
    assert goal.intent is Intent.DIGEST and goal.metric is None
    assert dict(goal.filters) == {"customer_type": "returning"}
    assert ask(layer, "how many new customers this month?").metric == "new_customers"


def test_terse_splits_and_shorthand(layer: SemanticLayer) -> None:
    goal = ask(layer, "rev chan yday")
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("channel",)
    assert dict(ask(layer, "why aov down mob").filters) == {"device": "mobile"}
    # A dimension followed by its own value filters.
    assert ask(layer, "orders device tablet yday").group_by == ()


@pytest.mark.parametrize(
    "text",
    [
        "what's the crash rate of the android app?",
        "how many shoppers opened the live chat today?",
        "how many of the welcome emails were opened?",
        "are we close to the API quota on the affiliate feed?",
        "what does our data retention policy say about old carts?",
        "archive the #promo-ideas channel please",
    ],
)
def test_batch_29_and_30_refusals(layer: SemanticLayer, text: str) -> None:
    assert ask(layer, text).intent is Intent.UNKNOWN


# ---------------------------------------------------------------- batch 31


def test_the_holiday_season_and_the_same_weeks_a_year_ago(layer: SemanticLayer) -> None:
    season = ask(layer, "daily orders over last year's holiday season")
    assert span(season.window) == ("2025-11-01", "2026-01-01")
    goal = ask(layer, "orders for the last 2 weeks against the same 2 weeks a year ago")
    assert goal.intent is Intent.COMPARE
    assert span(goal.baseline) == ("2025-11-10", "2025-11-24")  # 364 days: weekdays align
    # A month so far against last year is the same dates, by calendar.
    mtd = ask(layer, "October to date vs the same days last year, orders")
    assert span(mtd.baseline) is not None and span(mtd.baseline)[0] == "2025-10-01"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what's working and what isn't this week?", Intent.DIGEST),
        ("when you say AOV, is it revenue over orders or over customers?", Intent.HELP),
        ("can you read a screenshot, or do I need to type the numbers?", Intent.HELP),
    ],
)
def test_batch_31_intents(layer: SemanticLayer, text: str, intent: Intent) -> None:
    assert ask(layer, text).intent is intent


def test_guesses_are_not_what_is_asked(layer: SemanticLayer) -> None:
    goal = ask(layer, "orders fell on Saturday, maybe email. Which channel was it?")
    assert goal.intent is Intent.EXPLAIN and not goal.filters and goal.group_by == ("channel",)
    split = ask(layer, "my hunch is one region is behind this — break orders down by region?")
    assert split.intent is Intent.BREAKDOWN and split.group_by == ("region",)


def test_values_to_look_at_inside_a_split(layer: SemanticLayer) -> None:
    goal = ask(layer, "revenue by region last week, I mostly care how the West and Midwest did")
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("region",) and not goal.compare
    # Set side by side with no split asked, they are compared.
    assert ask(layer, "West vs Midwest revenue last week — which region won?").compare


@pytest.mark.parametrize(
    "text",
    [
        "which shoe sizes sell best in Texas?",
        "how many times was the iOS app downloaded last month?",
        "how many returned units were liquidated in October?",
        "what is Target charging for the same lamp?",
    ],
)
def test_batch_31_refusals(layer: SemanticLayer, text: str) -> None:
    assert ask(layer, text).intent is Intent.UNKNOWN
