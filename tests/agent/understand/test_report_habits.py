"""Names other tools and other languages' reports give: GA4's ("purchase revenue", "session
default channel group", "device category", "Organic Social", "new users"), French and German
week numbers ("S45", "KW 45") and "N-1" for the year before, French calques ("transformation
rate", "frequentation", "fidel clients"), and a quarter to date against the same stretch of the
quarter before. Windows worked out by hand for Tuesday 2026-11-10 (ISO week 45 is Monday
2026-11-02 to Sunday 2026-11-08)."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

TUESDAY = "2026-11-10"


def test_ga4_names_are_the_layers_metrics_and_dimensions(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "purchase revenue by session default channel group, last week")
    assert goal.intent is Intent.BREAKDOWN and goal.metric == "revenue"
    assert goal.group_by == ("channel",)
    assert span(goal.window) == ("2026-11-02", "2026-11-09")
    goal = on(
        layer, TUESDAY, "ecommerce purchases from Organic Social fell WoW, which device category?"
    )
    assert goal.metric == "orders" and dict(goal.filters) == {"channel": "social"}
    assert goal.group_by == ("device",)
    assert on(layer, TUESDAY, "items purchased QTD?").metric == "units_sold"
    goal = on(layer, TUESDAY, "new users vs returning users on session conversion rate, this month")
    assert goal.metric == "conversion_rate"
    assert dict(goal.compare) == {"customer_type": ("new", "returning")}


def test_week_numbers_and_n_minus_one(layer: SemanticLayer) -> None:
    for text in ("orders S45", "orders KW 45", "orders in W45"):
        goal = on(layer, TUESDAY, text)
        assert span(goal.window) == ("2026-11-02", "2026-11-09"), text
    # A data engineer's bucket is no week.
    goal = on(layer, TUESDAY, "sessions from the s3 logs yesterday")
    assert span(goal.window) == ("2026-11-09", "2026-11-10")
    goal = on(
        layer,
        TUESDAY,
        "I would like to compare the S45 with the S45 N-1 for the turnover, "
        "it is for the weekly reporting of the direction",
    )
    assert goal.intent is Intent.COMPARE and goal.metric == "revenue" and goal.grain is None
    assert span(goal.baseline) == ("2025-11-03", "2025-11-10")  # 52 weeks back, same weekdays


def test_french_calques(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        TUESDAY,
        "Which one has the best transformation rate, the desktop or the mobile, in October ?",
    )
    assert goal.metric == "conversion_rate"
    assert on(layer, TUESDAY, "the frequentation of the Southeast last week").metric == "sessions"
    goal = on(layer, TUESDAY, "The average basket of the fidel clients in October")
    assert goal.metric == "aov" and dict(goal.filters) == {"customer_type": "returning"}


def test_a_quarter_to_date_against_the_same_stretch_of_the_quarter_before(
    layer: SemanticLayer,
) -> None:
    # Oct 1 to Nov 9 is 40 days; the same 40 days of Q3 run from Jul 1 to Aug 9.
    goal = on(layer, TUESDAY, "return rate QTD vs the same stretch of Q3?")
    assert span(goal.window) == ("2026-10-01", "2026-11-10")
    assert span(goal.baseline) == ("2026-07-01", "2026-08-10")
    # Apr 1 to May 31 is 61 days: Jan 1 to Mar 2, not the same dates (59 days).
    goal = on(
        layer, "2026-06-01", "new customers for Q2 to date, with the equivalent stretch of Q1"
    )
    assert span(goal.baseline) == ("2026-01-01", "2026-03-03")


def test_how_scout_counts_is_a_question_about_scout(layer: SemanticLayer) -> None:
    for text in (
        "When a parcel comes back in May for something bought in April, which month does it "
        "count against in your return rate?",
        "is a session here the same thing as a GA4 session? it ends after 30 minutes idle",
        "is `return_rate` units over units, or refund $ over revenue $?",
        "are Arizona's numbers on Mountain time or Central in your data?",
        "How do you operationalise churn: a fixed inactivity threshold, or a model score?",
        "what timezone do you cut days in? our partitions are utc",
        "can you give me units by SKU or only by category?",
        # What a figure takes in.
        "is a customer's region as of the order or as of today?",
        "does units sold net out returns or is it gross?",
        "In your numbers the Southwest includes Texas, or Texas goes apart?",
        "are cancelled orders already taken out of your turnover, or must I subtract them myself?",
        "if someone swaps a costume for a bigger size does that count as a return in your "
        "return rate?",
    ):
        goal = on(layer, TUESDAY, text)
        assert goal.intent is Intent.HELP and goal.metric is None, text
    # The time somewhere else is still outside the shop's data.
    goal = on(layer, TUESDAY, "what time zone is it in Tokyo")
    assert goal.intent is Intent.UNKNOWN
    goal = on(
        layer, TUESDAY, "what time does the black friday sale go live, midnight eastern or pacific"
    )
    assert goal.intent is Intent.UNKNOWN


def test_whether_a_figure_is_normal_is_the_anomaly_check(layer: SemanticLayer) -> None:
    for text in (
        "does any region look off on orders this week?",
        "Is the weekend's returning-customer order count outside its normal range?",
        "is tablet's number normal?? looks really low to me",
        "units sold for 11/7 look like half a day. gaps in the data or real?",
        "did we drop or double any days of orders between nov 1 and nov 3?",
        "sessions on Friday, normal for the friday after thanksgiving?",
    ):
        assert on(layer, TUESDAY, text).intent is Intent.DETECT, text
    # A figure that is "off by a mile" is a discrepancy to look at, not an anomaly scan.
    goal = on(
        layer, TUESDAY, "AOV by region for yesterday please, the West figure looks off by a mile"
    )
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("region",)


def test_two_periods_of_a_metric_are_never_refused_as_outside(layer: SemanticLayer) -> None:
    goal = on(
        layer, TUESDAY, "revenue per session MoM: March vs February. GA4 and Shopify disagree"
    )
    assert goal.intent is Intent.COMPARE and goal.metric == "revenue_per_session"
    assert span(goal.window) == ("2026-03-01", "2026-04-01")
    assert span(goal.baseline) == ("2026-02-01", "2026-03-01")


def test_a_message_that_went_out_is_the_setting_not_a_filter(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        TUESDAY,
        "delivery tickets so far today? The Earth Day email promised "
        "slower shipping and people are writing in about it",
    )
    assert goal.metric == "support_tickets" and dict(goal.filters) == {"topic": "delivery"}
    assert goal.clarification is None
    # Named apart, the channel is still asked about.
    goal = on(
        layer,
        TUESDAY,
        "how much revenue did email bring in yesterday? the turkey-recipe "
        "newsletter went out Saturday",
    )
    assert dict(goal.filters) == {"channel": "email"}


def test_recaps_segments_causes_and_budgets_in_other_words(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "A little synthesis of the weekend for my manager, please?")
    assert goal.intent is Intent.DIGEST and span(goal.window) == ("2026-11-07", "2026-11-09")
    goal = on(
        layer, "2026-01-03", "Give me 2025 in one paragraph, the way you'd put it to the board."
    )
    assert goal.intent is Intent.DIGEST and span(goal.window) == ("2025-01-01", "2026-01-01")
    goal = on(
        layer,
        "2026-01-03",
        "December revenue came in under November: which channel accounts for the gap?",
    )
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("channel",)
    assert (
        on(layer, "2026-01-03", "Who were our highest-value customers in 2025?").intent
        is Intent.SEGMENT
    )
    goal = on(
        layer,
        "2026-01-03",
        "can u split the ppl who found us thru tiktok into tiers by how much they spend?",
    )
    assert goal.intent is Intent.SEGMENT
    goal = on(layer, "2026-01-03", "FY25 revenue by region, largest first")
    assert span(goal.window) == ("2025-01-01", "2026-01-01") and goal.group_by == ("region",)
    goal = on(layer, "2026-01-03", "How far did FY25 revenue land from budget?")
    assert goal.intent is Intent.UNKNOWN  # the plan is not in the warehouse
    goal = on(layer, TUESDAY, "why is social soooo low?? we posted literally every day")
    assert goal.intent is Intent.EXPLAIN and dict(goal.filters) == {"channel": "social"}


def test_words_told_after_the_question_are_its_setting(layer: SemanticLayer) -> None:
    friday = "2026-02-13"
    goal = on(
        layer, friday, "what did I miss this week? been stuck in hiring interviews since monday"
    )
    assert goal.intent is Intent.DIGEST
    goal = on(
        layer,
        friday,
        "How good was the inventory forecast in January? For the inventory "
        "valuation per end of month I must know if I can rely on it.",
    )
    assert goal.intent is Intent.FORECAST_CHECK
    assert span(goal.window) == ("2026-01-01", "2026-02-01")
    goal = on(layer, friday, "churn check on C552190 pls? broken clasp, CSAT 1 both times.")
    assert goal.intent is Intent.CHURN and goal.customer_id == "C552190"
    # Asked in a question of its own, the subject is still refused, and named in the reply.
    goal = on(layer, friday, "is C552190 at risk? and what's the weather in Boston?")
    assert goal.intent is Intent.CHURN and "weather" in goal.left_out
    goal = on(layer, friday, "what did I miss this week? and who is hiring for the ops role?")
    assert goal.intent is Intent.DIGEST and goal.left_out


def test_german_report_words(layer: SemanticLayer) -> None:
    friday = "2026-02-13"
    goal = on(layer, friday, "The order entry per channel in KW 6?")
    assert goal.intent is Intent.BREAKDOWN and goal.metric == "orders"
    assert goal.group_by == ("channel",) and span(goal.window) == ("2026-02-02", "2026-02-09")
    goal = on(layer, friday, "The return quota for the actual month, how high is it at the moment?")
    assert goal.metric == "return_rate" and span(goal.window) == ("2026-02-01", "2026-02-13")
    goal = on(layer, friday, "Can you write me a short *management summary* of KW 6?")
    assert goal.intent is Intent.DIGEST
    assert on(layer, friday, "write me a short poem about revenue").intent is Intent.UNKNOWN


def test_payment_terms_are_no_question_about_scout(layer: SemanticLayer) -> None:
    goal = on(
        layer, TUESDAY, "What payment terms do we have with the rug vendor, net 30 or net 60?"
    )
    assert goal.intent is Intent.UNKNOWN


def test_customers_we_are_losing_is_churn(layer: SemanticLayer) -> None:
    goal = on(
        layer, TUESDAY, "Which clients of New Mexico we are losing? Before they bought every month"
    )
    assert goal.intent is Intent.CHURN and dict(goal.filters) == {"state": "NM"}
    goal = on(
        layer, TUESDAY, "Which of our regular customers in the Northeast are about to wander off?"
    )
    assert goal.intent is Intent.CHURN


def test_a_weak_figure_and_which_part_is_it_asks_why(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "Sessions feel soft. Which channel is it?")
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("channel",)
    goal = on(layer, TUESDAY, "revenue -9% WoW. freshness check is green. which channel?")
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("channel",)
    goal = on(layer, TUESDAY, "toys are the laggard. is one region dragging it?")
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("region",)
    # A ranking of who lags is still a breakdown.
    goal = on(
        layer,
        TUESDAY,
        "revenue by state for the Southeast last week: which of my states is lagging?",
    )
    assert goal.intent is Intent.BREAKDOWN


def test_a_report_named_and_a_product_hierarchy_are_no_recap(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        TUESDAY,
        "apparel units yesterday? costumes roll up under apparel. need it for the seasonal huddle",
    )
    assert goal.intent is Intent.LOOKUP and goal.metric == "units_sold"
    goal = on(
        layer,
        TUESDAY,
        "apparel units fell off hard last week, what's driving it? need one line for the BTS wrap-up",
    )
    assert goal.intent is Intent.EXPLAIN
    assert on(layer, TUESDAY, "quick wrap-up of last week please").intent is Intent.DIGEST


def test_a_dollar_sign_alone_names_revenue(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "apparel $ since fri??")
    assert goal.metric == "revenue" and goal.clarification is not None  # no category cut
    assert on(layer, TUESDAY, "$ by channel for October").metric == "revenue"
    # "in $" gives a unit: refunds are no metric here, and never become revenue.
    assert on(layer, TUESDAY, "refunds in $ last week").metric is None


def test_a_holidays_week_is_the_monday_to_sunday_holding_it(layer: SemanticLayer) -> None:
    thursday = "2026-10-29"
    goal = on(layer, thursday, "halloween wk LY, revenue day by day?")
    assert goal.intent is Intent.TREND and span(goal.window) == ("2025-10-27", "2025-11-03")
    goal = on(layer, thursday, "orders BF week LY")
    assert span(goal.window) == ("2025-11-24", "2025-12-01")


def test_indian_english_office_idiom(layer: SemanticLayer) -> None:
    thursday = "2026-10-29"
    goal = on(
        layer, thursday, "Kindly share region-wise breakup of revenue for the month as on date."
    )
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("region",)
    assert span(goal.window) == ("2026-10-01", "2026-10-29")
    goal = on(layer, thursday, "Request you to share MTD vs LMTD orders.")
    assert goal.intent is Intent.COMPARE
    assert span(goal.baseline) == ("2026-09-01", "2026-09-29")
    goal = on(layer, thursday, "Month-wise return rate for the year till date, kindly.")
    assert goal.grain == "month" and span(goal.window) == ("2026-01-01", "2026-10-29")
    goal = on(layer, thursday, "Kindly check if there is any abnormality in yesterday's numbers.")
    assert goal.intent is Intent.DETECT


def test_in_comparison_to_the_previous_year_is_the_same_period_a_year_before(
    layer: SemanticLayer,
) -> None:
    friday = "2026-02-13"
    goal = on(layer, friday, "The new customers in Q4 in comparison to the previous year")
    assert span(goal.baseline) == ("2024-10-01", "2025-01-01")
    goal = on(layer, friday, "Please the turnover of KW 6 in comparison to the previous year.")
    assert span(goal.baseline) == ("2025-02-03", "2025-02-10")  # 52 weeks back
    goal = on(layer, friday, "Where does the deviation in the turnover in KW 6 come from?")
    assert goal.intent is Intent.EXPLAIN


def test_praise_blips_and_wismo(layer: SemanticLayer) -> None:
    assert on(layer, TUESDAY, "Perfect. That's the story. :raised_hands:").intent is Intent.HELP
    assert on(layer, TUESDAY, "perfect, now revenue by region").intent is Intent.BREAKDOWN
    goal = on(layer, TUESDAY, "tablet looks way off. real, or a tracking blip?")
    assert goal.intent is Intent.DETECT
    goal = on(layer, TUESDAY, "WISMO count for yesterday pls")
    assert goal.metric == "support_tickets" and dict(goal.filters) == {"topic": "delivery"}
    goal = on(
        layer, TUESDAY, "omg perfect can u DM each of them on insta that they won a gift box??"
    )
    assert goal.intent is Intent.UNKNOWN


def test_a_period_in_a_later_aside_is_no_baseline(layer: SemanticLayer) -> None:
    friday = "2026-02-13"
    goal = on(
        layer,
        friday,
        "ticket mix by topic this week? want to see what's actually eating "
        "the queue before I shuffle the weekend shifts",
    )
    assert span(goal.window) == ("2026-02-09", "2026-02-13")
    assert span(goal.baseline) == ("2026-02-02", "2026-02-06")  # the same weekdays before
    goal = on(layer, friday, "compare last week to the week before")
    assert span(goal.baseline) == ("2026-01-26", "2026-02-02")


def test_a_span_of_months_of_last_year(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-10-29", "weekly home units for sep + oct last year")
    assert goal.grain == "week" and span(goal.window) == ("2025-09-01", "2025-11-01")


def test_recaps_by_other_names_and_a_german_date(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-09-08", "morning summary for 9/7 pls, holiday volume so keep it short")
    assert goal.intent is Intent.DIGEST and span(goal.window) == ("2026-09-07", "2026-09-08")
    goal = on(
        layer, "2026-07-05", "rundown of yesterday for the on-call log pls, in 5 lines, no charts"
    )
    assert goal.intent is Intent.DIGEST
    goal = on(layer, "2026-03-09", "give me the morning huddle numbers for yesterday")
    assert goal.intent is Intent.DIGEST
    goal = on(layer, "2026-02-13", "how high was the turnover on 10.02.?")
    assert goal.metric == "revenue" and span(goal.window) == ("2026-02-10", "2026-02-11")


def test_a_split_turned_down_and_up_or_down_against_last_year(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        "2026-03-04",
        "how many new custs did soc bring in MTD? blended is fine, don't need it by platform",
    )
    assert goal.intent is Intent.LOOKUP and goal.group_by == ()
    goal = on(
        layer, "2026-10-29", "this month revenue compare with same time last year, is up or down?"
    )
    assert goal.intent is Intent.COMPARE
    assert span(goal.baseline) == ("2025-10-01", "2025-10-29")
    assert on(layer, "2026-10-29", "is AOV going up or down?").intent is Intent.TREND


def test_price_bands_made_up_data_and_reruns_elsewhere_are_refused(layer: SemanticLayer) -> None:
    for text in (
        "toy units for Q4 last year split into under $25, $25-50 and $50+?",
        "could you generate a fake version of our orders data, same columns?",
        "rerun that against the staging warehouse instead of prod and diff the two for me",
        "perfect, schedule them into the Iterable win-back journey for Thursday 9am ET",
    ):
        assert on(layer, "2026-10-29", text).intent is Intent.UNKNOWN, text


def test_one_of_a_dimension_is_a_split_only_when_asked_which(layer: SemanticLayer) -> None:
    goal = on(
        layer, TUESDAY, "returning conversion declined. is the effect concentrated in one device?"
    )
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("device",)
    goal = on(layer, TUESDAY, "revenue for the West, the one region I care about, last week")
    assert goal.group_by == () and dict(goal.filters) == {"region": "West"}
    goal = on(layer, TUESDAY, "orders in one region only: the West, yesterday")
    assert goal.group_by == () and dict(goal.filters) == {"region": "West"}
