"""Habits of set G (batches 75-78), read for fixes in the twentieth session, each rule in
wording of its own: a named period that is still running, the federal holidays, refused words
that only set the scene, a relayed question, and questions about how Scout counts. Windows
by hand."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

DEC_30 = "2026-12-30"  # a Wednesday, the last days of Q4
OCT_14 = "2026-10-14"  # the Wednesday after Columbus Day


def test_a_named_quarter_or_year_still_running_is_held_against_the_whole_one_before(
    layer: SemanticLayer,
) -> None:
    quarter = on(layer, DEC_30, "units sold in Q4")
    assert span(quarter.window) == ("2026-10-01", "2026-12-30")
    assert span(quarter.baseline) == ("2026-07-01", "2026-10-01")
    year = on(layer, DEC_30, "orders for 2026 please")
    assert span(year.baseline) == ("2025-01-01", "2026-01-01")
    # "so far" asks for the same stretch of the period before.
    to_date = on(layer, DEC_30, "units sold in Q4 so far")
    assert span(to_date.baseline) == ("2026-07-01", "2026-09-29")


def test_the_federal_holidays_are_days(layer: SemanticLayer) -> None:
    columbus = on(layer, OCT_14, "sessions on indigenous peoples day")
    assert span(columbus.window) == ("2026-10-12", "2026-10-13")
    mlk = on(layer, OCT_14, "orders on MLK day")
    assert span(mlk.window) == ("2026-01-19", "2026-01-20")
    veterans = on(layer, "2026-11-20", "revenue on veterans day vs the week before")
    assert span(veterans.window) == ("2026-11-11", "2026-11-12")
    assert span(veterans.baseline) == ("2026-11-04", "2026-11-05")


def test_refused_words_that_only_set_the_scene_do_not_refuse_the_question(
    layer: SemanticLayer,
) -> None:
    setting = on(
        layer,
        OCT_14,
        "The auditors picked Columbus Day for their sample. How many orders came in that day?",
    )
    assert (setting.intent, setting.metric) == (Intent.LOOKUP, "orders")
    assert span(setting.window) == ("2026-10-12", "2026-10-13")
    purpose = on(
        layer,
        OCT_14,
        "conversion rate, September vs August. wondering if a significance test is worth it",
    )
    assert (purpose.intent, purpose.metric) == (Intent.COMPARE, "conversion_rate")
    # Asked for in a question of its own, the same statistic is still refused.
    asked = on(layer, OCT_14, "what's the p-value of the conversion change in September?")
    assert asked.intent is Intent.UNKNOWN


def test_a_device_named_phone_and_a_recovery_that_bounced_back(layer: SemanticLayer) -> None:
    phone = on(layer, OCT_14, "phone vs desktop orders yesterday?")
    assert phone.intent is Intent.COMPARE
    assert dict(phone.compare) == {"device": ("mobile", "desktop")}
    bounced = on(layer, OCT_14, "daily sessions since Labor Day, did the dip bounce back?")
    assert (bounced.intent, bounced.metric) == (Intent.TREND, "sessions")
    assert on(layer, OCT_14, "phone the top 20 customers").intent is Intent.UNKNOWN


def test_how_scout_counts_is_a_question_about_scout(layer: SemanticLayer) -> None:
    for text in (
        "how do you decide a day is unusual, a z-score or a p-value cutoff?",
        "my boss wonders whether your revenue includes shipping fees",
        "are cancelled orders filtered out of your order numbers?",
        "what can you actually tell me?",
    ):
        assert on(layer, OCT_14, text).intent is Intent.HELP, text


def test_a_relayed_follow_up_and_plainer_words(layer: SemanticLayer) -> None:
    relayed = on(layer, OCT_14, "Priya's question: what did we turn over yesterday?")
    assert (relayed.intent, relayed.metric) == (Intent.LOOKUP, "revenue")
    assert on(layer, OCT_14, "did anything look off yesterday?").intent is Intent.DETECT
    assert on(layer, OCT_14, "is C104233 gonna bail?").intent is Intent.CHURN
    recap = on(layer, OCT_14, "can I get a quick wrap of last week?")
    assert recap.intent is Intent.DIGEST
    assert on(layer, OCT_14, "send me a short digest of yesterday").intent is Intent.DIGEST


def test_a_follow_up_passed_on_from_someone_keeps_the_thread(layer: SemanticLayer) -> None:
    first = on(layer, OCT_14, "orders last week")
    for text in (
        "Priya's follow-up: and against the same week last year?",
        "Priyas question: and against the same week last year?",
    ):
        goal = on(layer, OCT_14, text, context=first)
        assert (goal.intent, goal.metric) == (Intent.COMPARE, "orders"), text
        assert span(goal.window) == ("2026-10-05", "2026-10-12")
        assert span(goal.baseline) == ("2025-10-06", "2025-10-13")


def test_periods_said_the_long_way(layer: SemanticLayer) -> None:
    weekend = on(layer, OCT_14, "orders by region over Sat and Sun")
    assert span(weekend.window) == ("2026-10-10", "2026-10-12")
    assert span(weekend.baseline) == ("2026-10-03", "2026-10-05")
    midnight = on(layer, OCT_14, "refund tickets since midnight")
    assert span(midnight.window) == ("2026-10-14", "2026-10-15")
    eve = on(layer, "2026-12-31", "was revenue normal for the day before christmas?")
    assert span(eve.window) == ("2026-12-24", "2026-12-25")
    recap = on(layer, OCT_14, "a recap of the month through yesterday please")
    assert recap.intent is Intent.DIGEST
    assert span(recap.window) == ("2026-10-01", "2026-10-14")
    # "on a Thursday" is any Thursday: the aside dates nothing, the detect keeps its week.
    aside = on(layer, OCT_14, "is tablet's number normal? the last release on a thursday broke it")
    assert span(aside.window) == ("2026-10-07", "2026-10-14")
    # "normal for a Tuesday?" asks about the Tuesday just gone.
    tuesday = on(layer, OCT_14, "is this many refund tickets normal for a tuesday?")
    assert span(tuesday.window) == ("2026-10-13", "2026-10-14")


def test_the_same_period_of_last_year_in_a_thread(layer: SemanticLayer) -> None:
    first = on(layer, OCT_14, "units sold last week")
    for text in ("what about the same period of last year?", "and the last year's same week?"):
        goal = on(layer, OCT_14, text, context=first)
        assert goal.intent is Intent.COMPARE, text
        assert span(goal.baseline) == ("2025-10-06", "2025-10-13"), text


def test_a_category_managers_words(layer: SemanticLayer) -> None:
    tech = on(layer, OCT_14, "3C revenue last week")
    assert dict(tech.filters) == {"category": "electronics"}
    price = on(layer, OCT_14, "customer unit price of the old customers in September")
    assert (price.metric, dict(price.filters)) == ("aov", {"customer_type": "returning"})
    kids = on(layer, OCT_14, "kids apparel units sold yesterday")
    assert dict(kids.filters) == {"category": "apparel"}
    loss = on(layer, OCT_14, "which old customers in the Midwest have the risk of loss?")
    assert loss.intent is Intent.CHURN
    assert dict(loss.filters) == {"customer_type": "returning", "region": "Midwest"}


def test_noise_a_real_dip_and_sigmas_are_anomaly_checks(layer: SemanticLayer) -> None:
    first = on(layer, OCT_14, "orders yesterday")
    assert on(layer, OCT_14, "real or just noise?", context=first).intent is Intent.DETECT
    for text in (
        "beauty looks thin this week. real dip, or a tracking gap?",
        "flag any channel where conversion over the last 14 days is more than 3σ off its usual",
    ):
        assert on(layer, OCT_14, text).intent is Intent.DETECT, text


def test_what_carries_a_move_and_who_comes_back(layer: SemanticLayer) -> None:
    carried = on(layer, OCT_14, "tickets up 30% yesterday. which topic is carrying it?")
    assert carried.intent is Intent.EXPLAIN
    related = on(
        layer, OCT_14, "orders of returning customers fell this week, is it related to the channel?"
    )
    assert (related.intent, tuple(related.group_by)) == (Intent.EXPLAIN, ("channel",))
    back = on(layer, OCT_14, "the labor day first-timers. coming back or not?")
    assert back.intent is Intent.CHURN
    monthly = on(layer, OCT_14, "MoM trend of beauty units this year")
    assert (monthly.intent, monthly.grain) == (Intent.TREND, "month")


def test_how_scout_dates_and_defines_is_help_and_opening_hours_are_out(
    layer: SemanticLayer,
) -> None:
    for text in (
        "in your data a returning customer is anyone with a second order, right?",
        "is your revenue after discounts or before?",
        "do you book orders on the order date or the ship date?",
        "are returns counted on the day they arrive or the day the refund posts?",
    ):
        assert on(layer, OCT_14, text).intent is Intent.HELP, text
    hours = on(layer, OCT_14, "is the returns warehouse open on columbus day?")
    assert hours.intent is Intent.UNKNOWN
    assert hours.clarification is not None and "Opening hours" in hours.clarification.question


def test_two_customer_types_named_singly_are_compared(layer: SemanticLayer) -> None:
    goal = on(layer, OCT_14, "Returning customer vs new customer, which has the higher AOV?")
    assert (goal.intent, goal.metric) == (Intent.COMPARE, "aov")
    assert dict(goal.compare) == {"customer_type": ("returning", "new")}
    assert on(layer, OCT_14, "new customer count yesterday").metric == "new_customers"


def test_a_holiday_that_names_what_is_planned_is_no_period(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        OCT_14,
        "orders by device on Columbus Day. deciding if the Halloween banner goes mobile-first",
    )
    assert span(goal.window) == ("2026-10-12", "2026-10-13")
    assert span(goal.baseline) == ("2026-10-05", "2026-10-06")
    segment = on(layer, OCT_14, "segment for the Halloween campaign: returning toy buyers")
    assert (segment.intent, segment.window) == (Intent.SEGMENT, None)


def test_where_orders_were_shipped_to_names_a_place(layer: SemanticLayer) -> None:
    goal = on(layer, OCT_14, "how many orders did we ship to Brazil last month?")
    assert goal.clarification is not None
    assert "Brazil" in goal.clarification.question
    assert [o.label for o in goal.clarification.options][:2] == ["Northeast", "Southeast"]
    assert dict(on(layer, OCT_14, "units shipped to Texas last week").filters) == {"state": "TX"}


def test_measures_the_warehouse_does_not_hold_and_work_in_other_tools_are_refused(
    layer: SemanticLayer,
) -> None:
    for text in (
        "average handle time by topic last week?",
        "what's our take rate on beauty for September?",
        "net revenue retention for 2025?",
        "how many clicks on the hero banner in the Columbus Day email?",
        "is C552190 on the fraud list?",
        "revenue 2025 vs 2024 in real terms, strip out inflation",
        "Cohen's kappa between the two teams' topic tags for September",
        "great, can you load that into Assembled for next week's roster?",
        "paste this table into the ops doc please",
    ):
        assert on(layer, OCT_14, text).intent is Intent.UNKNOWN, text
    # Beside a request, the same words only say what the figure is for.
    beside = on(layer, OCT_14, "revenue by channel for September — the take rate review uses it")
    assert (beside.intent, beside.metric) == (Intent.BREAKDOWN, "revenue")


def test_thanks_then_a_request_and_chats_why(layer: SemanticLayer) -> None:
    first = on(layer, OCT_14, "revenue by region last week")
    goal = on(layer, OCT_14, "Thank you! Same split for Columbus Day on its own.", context=first)
    assert (goal.intent, goal.metric, tuple(goal.group_by)) == (
        Intent.BREAKDOWN,
        "revenue",
        ("region",),
    )
    assert span(goal.window) == ("2026-10-12", "2026-10-13")
    assert on(layer, OCT_14, "thanks, super helpful").intent is Intent.HELP
    why = on(layer, OCT_14, "y r refund tix so high this week")
    assert (why.intent, dict(why.filters)) == (Intent.EXPLAIN, {"topic": "refund"})


def test_a_metrics_short_name_with_an_s(layer: SemanticLayer) -> None:
    soft = on(layer, OCT_14, "AOV's been soft since Labor Day, what's behind it?")
    assert (soft.intent, soft.metric) == (Intent.EXPLAIN, "aov")
    assert span(soft.window) == ("2026-09-07", "2026-10-14")
    assert on(layer, OCT_14, "CVRs by device last week").metric == "conversion_rate"
