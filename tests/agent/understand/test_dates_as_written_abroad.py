"""Dates and words as people who learnt them in another language write them: "since the 15
June", "Sunday 21", "from 13 to 16 of November", "24.12.–26.12.", "the first semester", "the
CA", "the clients fidèles"; a named month against the whole month before; thanks that ask for
nothing; "and for the new clients?" in a thread. Windows worked out by hand for Tuesday
2026-06-30 (the last day of June and of H1) and Sunday 2026-01-04."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand.normalize import normalize
from tests.agent.understand.test_context_and_shorthand import on, span

TUESDAY = "2026-06-30"
SUNDAY = "2026-01-04"


def test_since_the_day_before_its_month_runs_to_yesterday(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "Since the 15 June the taux de conversion on the mobile falls")
    assert span(goal.window) == ("2026-06-15", "2026-06-30")
    assert span(goal.baseline) == ("2026-05-31", "2026-06-15")  # the 15 days before


def test_an_event_may_stand_between_since_and_its_date(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "AOV since the beginning of our summer sale, the 24 June?")
    assert goal.metric == "aov" and span(goal.window) == ("2026-06-24", "2026-06-30")
    goal = on(layer, TUESDAY, "returns since the sale started (the 13 of June)?")
    assert span(goal.window) == ("2026-06-13", "2026-06-30")


def test_a_weekday_written_with_its_date_is_that_date(layer: SemanticLayer) -> None:
    # The last Sunday was June 28; the one named is June 21.
    assert span(on(layer, TUESDAY, "revenue on Sunday 21 June").window) == (
        "2026-06-21",
        "2026-06-22",
    )
    assert span(on(layer, TUESDAY, "the trafic of the fete (Sunday 21)?").window) == (
        "2026-06-21",
        "2026-06-22",
    )
    # No Sunday 21 in June? The latest month that has one: a bare day never reads as today.
    assert span(on(layer, TUESDAY, "orders on Saturday 13").window) == ("2026-06-13", "2026-06-14")


def test_a_span_of_days_before_its_month(layer: SemanticLayer) -> None:
    for text in ("AOV from 13 to 16 of June", "AOV 13-16 June", "AOV 13 to 16 June"):
        goal = on(layer, TUESDAY, text)
        assert span(goal.window) == ("2026-06-13", "2026-06-17"), text
        assert span(goal.baseline) == ("2026-06-09", "2026-06-13"), text  # the 4 days before


def test_german_dates_closed_by_a_full_stop(layer: SemanticLayer) -> None:
    goal = on(layer, SUNDAY, "The Umsatz split by device for 24.12.–26.12., please.")
    assert goal.metric == "revenue" and span(goal.window) == ("2025-12-24", "2025-12-27")
    goal = on(layer, SUNDAY, "the Umsatz of 29.12. to 31.12.")
    assert span(goal.window) == ("2025-12-29", "2026-01-01")
    assert normalize("revenue 31.12.2025") == "revenue 12/31/2025"
    # A decimal has no closing full stop, and a sentence's last number stays a number.
    assert normalize("AOV was 24.12. Then") == "aov was 24point12 then"


def test_semesters_are_half_years(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "new clients recruited in the first semester?")
    assert span(goal.window) == ("2026-01-01", "2026-06-30")  # H1, cut at today
    assert span(goal.baseline) == ("2025-07-01", "2026-01-01")  # all of H2 2025
    goal = on(layer, TUESDAY, "the panier moyen of the last semester")
    # H1 ends tonight, so the last complete half is H2 2025, against H1 2025.
    assert span(goal.window) == ("2025-07-01", "2026-01-01")
    assert span(goal.baseline) == ("2025-01-01", "2025-07-01")


def test_a_named_month_is_held_against_the_whole_month_before(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "returns in the West in June")
    assert span(goal.window) == ("2026-06-01", "2026-06-30")  # the current month, cut at today
    assert span(goal.baseline) == ("2026-05-01", "2026-06-01")  # May, all 31 days
    goal = on(layer, TUESDAY, "revenue June so far")  # month to date: the same days of May
    assert span(goal.baseline) == ("2026-05-01", "2026-05-30")
    goal = on(layer, TUESDAY, "revenue this month")
    assert span(goal.baseline) == ("2026-05-01", "2026-05-30")


def test_a_message_may_open_with_march(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-04-02", "March YoY on orders? the board wants the month on its own")
    assert span(goal.window) == ("2026-03-01", "2026-04-01")
    assert span(goal.baseline) == ("2025-03-01", "2025-04-01")
    assert on(layer, "2026-04-02", "May I have revenue yesterday?").window is not None
    assert span(on(layer, "2026-04-02", "May I have revenue yesterday?").window) == (
        "2026-04-01",
        "2026-04-02",
    )


def test_the_ca_with_a_determiner_is_revenue_and_ca_alone_the_state(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "The CA of the Northeast last week?")
    assert goal.metric == "revenue" and dict(goal.filters) == {"region": "Northeast"}
    assert dict(on(layer, TUESDAY, "orders in CA last week").filters) == {"state": "CA"}


def test_calques_for_customer_groups_and_returns(layer: SemanticLayer) -> None:
    goal = on(layer, TUESDAY, "the panier moyen of the clients fidèles this month")
    assert goal.metric == "aov" and dict(goal.filters) == {"customer_type": "returning"}
    goal = on(layer, TUESDAY, "I need a segmentation of the stock customers in the West")
    assert goal.intent is Intent.SEGMENT
    assert dict(goal.filters) == {"customer_type": "returning", "region": "West"}
    goal = on(layer, TUESDAY, "How many unities of beauty we sold yesterday?")
    assert goal.metric == "units_sold" and dict(goal.filters) == {"category": "beauty"}
    assert normalize("la Fête, réclamations") == "la fete complaints"


def test_thanks_that_ask_for_nothing_get_the_short_help(layer: SemanticLayer) -> None:
    for text in (
        "ok this is gold — forwarding to the squad leads, thx :raised_hands:",
        "legend, that's exactly the number I needed for the CEO",
        "great, the rota is sorted thanks to that. appreciate you :pray:",
    ):
        assert on(layer, TUESDAY, text).intent is Intent.HELP, text
    # "thanks to" is a cause, and a question after thanks is a question.
    assert on(layer, TUESDAY, "thanks to the promo, was revenue up?").metric == "revenue"


def test_thanks_then_a_follow_up_about_a_customer_group(layer: SemanticLayer) -> None:
    first = on(layer, TUESDAY, "the panier moyen of the clients fidèles this month")
    goal = on(layer, TUESDAY, "Thank you ! And for the new clients ?", context=first)
    assert goal.metric == "aov" and dict(goal.filters) == {"customer_type": "new"}
    assert span(goal.window) == ("2026-06-01", "2026-06-30")
    earlier = on(layer, TUESDAY, "revenue last week")
    goal = on(layer, TUESDAY, "Thanks! what about orders?", context=earlier)
    assert goal.metric == "orders" and span(goal.window) == ("2026-06-22", "2026-06-29")


def test_is_it_a_dimension_thing_asks_for_that_split(layer: SemanticLayer) -> None:
    goal = on(
        layer, SUNDAY, "Q4 conversion finished under Q3, I want the why. Is it a device thing?"
    )
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("device",)


def test_spread_over_a_dimension_is_a_breakdown(layer: SemanticLayer) -> None:
    goal = on(
        layer, TUESDAY, "How are the new clients of last week distributed between the canals?"
    )
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("channel",)
    goal = on(layer, TUESDAY, "the distribution of the orders over the regions for KW 25?")
    assert goal.group_by == ("region",)
    assert span(goal.window) == ("2026-06-15", "2026-06-22")  # ISO week 25
    assert on(layer, TUESDAY, "revenue over the weekend").group_by == ()


def test_no_surprise_is_no_anomaly_and_a_step_down_is_a_move(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        "2026-04-02",
        "Q1 revenue landed below Q4 (no surprise, holiday). Which channel accounts for most "
        "of the step-down?",
    )
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("channel",)
    assert span(goal.window) == ("2026-01-01", "2026-04-01")
    assert span(goal.baseline) == ("2025-10-01", "2026-01-01")
    goal = on(layer, "2026-04-02", "anything since the 20th I should be worried about?")
    assert goal.intent is Intent.DETECT and span(goal.window) == ("2026-03-20", "2026-04-02")


def test_a_forecast_held_to_what_sold_is_a_forecast_check(layer: SemanticLayer) -> None:
    for text in (
        "the toy forecast vs what actually sold in christmas week — how far apart were they?",
        "How precise was the forecast of the sold units for toys in December?",
        "toys fcst — over- or under-calling lately?",
        "The forecast of toys for last week, how far it was from the reality?",
    ):
        goal = on(layer, SUNDAY, text)
        assert goal.intent is Intent.FORECAST_CHECK, text
        assert goal.metric == "forecast_error" and dict(goal.filters) == {"category": "toys"}


def test_the_week_of_a_holiday_is_the_week_it_falls_in(layer: SemanticLayer) -> None:
    # Thanksgiving 2026 is Thursday November 26: its week runs Monday 23 to Sunday 29.
    goal = on(layer, "2026-11-30", "orders the week of Thanksgiving")
    assert span(goal.window) == ("2026-11-23", "2026-11-30")
    assert span(goal.baseline) == ("2026-11-16", "2026-11-23")


def test_what_the_asker_will_do_is_no_request_to_scout(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-11-30", "weekend summary for the standup? I'll paste them into the doc")
    assert goal.intent is Intent.DIGEST and span(goal.window) == ("2026-11-28", "2026-11-30")
    assert on(layer, "2026-11-30", "paste that into the Q1 planning sheet").intent is Intent.UNKNOWN
    goal = on(layer, TUESDAY, "Can you make me a little bilan of the last week for the comex?")
    assert goal.intent is Intent.DIGEST and span(goal.window) == ("2026-06-22", "2026-06-29")


def test_customers_in_danger_not_to_buy_again_are_a_churn_question(layer: SemanticLayer) -> None:
    goal = on(layer, SUNDAY, "Which of the new customers are in danger not to buy again?")
    assert goal.intent is Intent.CHURN and dict(goal.filters) == {"customer_type": "new"}
    goal = on(layer, SUNDAY, "clients frecuentes in the Southeast, I am afraid we are losing them")
    assert goal.intent is Intent.CHURN


def test_a_purpose_opening_a_sentence_is_no_unknown_place(layer: SemanticLayer) -> None:
    goal = on(layer, SUNDAY, "Turnover in 2025? For the Jahresabschluss I need our own number.")
    assert goal.metric == "revenue" and goal.clarification is None
    assert on(layer, SUNDAY, "orders for the Midlands yesterday").clarification is not None


def test_finally_coming_down_asks_for_the_course(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-11-23", "is ticket volume finally coming down?")
    assert goal.intent is Intent.TREND and span(goal.window) == ("2026-10-24", "2026-11-23")


def test_second_round_of_dates_and_words(layer: SemanticLayer) -> None:
    jan2 = "2026-01-02"
    goal = on(layer, "2026-07-31", "Which was the ticket médio of yesterday?")
    assert goal.metric == "aov" and span(goal.window) == ("2026-07-30", "2026-07-31")
    goal = on(layer, "2026-07-31", "The quantity of pieces of toys sold since 14/07?")
    assert goal.metric == "units_sold" and span(goal.window) == ("2026-07-14", "2026-07-31")
    goal = on(layer, "2026-07-31", "the visits of mobile of before-yesterday, you have?")
    assert span(goal.window) == ("2026-07-29", "2026-07-30")
    goal = on(layer, jan2, "GMV for the quarter we just closed?")
    assert span(goal.window) == ("2025-10-01", "2026-01-01")
    goal = on(layer, jan2, "How high was the Warenkorb in KW 52?")
    assert goal.metric == "aov" and span(goal.window) == ("2025-12-22", "2025-12-29")
    goal = on(layer, jan2, "Can we put KW 52 next to KW 52 of 2024 for the turnover?")
    assert span(goal.baseline) == ("2024-12-23", "2024-12-30")
    assert span(on(layer, jan2, "visits on Silvester?").window) == ("2025-12-31", "2026-01-01")
    assert on(layer, jan2, "the Retourenquote of apparel for December").metric == "return_rate"


def test_units_that_were_returned_are_units_returned(layer: SemanticLayer) -> None:
    for text in ("how many units were returned for apparel last month", "pieces were returned?"):
        assert on(layer, SUNDAY, text).metric == "units_returned", text


def test_second_round_of_intents(layer: SemanticLayer) -> None:
    jan2 = "2026-01-02"
    assert on(layer, jan2, "ty!! got what I needed for standup, lifesaver").intent is Intent.HELP
    first = on(layer, "2026-02-02", "new customers in January")
    goal = on(layer, "2026-02-02", "Thank you. And in comparison to the previous year?", first)
    assert goal.intent is Intent.COMPARE and span(goal.baseline) == ("2025-01-01", "2025-02-01")
    for text in (
        "do your ticket numbers go by the day a ticket was opened or the day it got solved?",
        "what makes you flag someone as at-risk — pure days since last order?",
    ):
        assert on(layer, jan2, text).intent is Intent.HELP, text
    goal = on(layer, jan2, "refund tix keep climbing since Good Friday — which region?")
    assert goal.intent is Intent.EXPLAIN and goal.group_by == ("region",)
    assert on(layer, jan2, "the clients of Texas that stopped to buy with us?").intent is (
        Intent.CHURN
    )
    goal = on(layer, jan2, "repeat-customer revenue QTD? building the Q4 retention slide")
    assert goal.intent is Intent.LOOKUP and goal.metric == "revenue"
    assert on(layer, jan2, "Could you band 2025 buyers by spend?").intent is Intent.SEGMENT
    goal = on(layer, jan2, "daily ticket volume for december for the staffing post-mortem")
    assert goal.intent is Intent.TREND and goal.metric == "support_tickets"
    goal = on(layer, jan2, "any missing or doubled days in sessions over the last 30 days?")
    assert goal.intent is Intent.DETECT
    goal = on(layer, jan2, "Which Stammkunden in the Southeast are about to jump off? In German …")
    assert goal.intent is Intent.CHURN and goal.clarification is None


def test_down_on_a_day_then_a_comparison_names_the_day(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-12-26", "orders down on xmas day vs last yr? why")
    assert span(goal.window) == ("2026-12-25", "2026-12-26")
    assert span(goal.baseline) == ("2025-12-25", "2025-12-26")
    goal = on(layer, "2026-12-26", "Q3 revenue up 6.1% on Q2, can you confirm?")
    assert span(goal.baseline) == ("2026-04-01", "2026-07-01")  # the British "on" still compares


def test_split_by_the_groups_values_in_a_thread(layer: SemanticLayer) -> None:
    first = on(layer, "2026-12-26", "average basket over the last fortnight")
    assert span(first.window) == ("2026-12-12", "2026-12-26")  # 14 days, not two calendar weeks
    goal = on(
        layer, "2026-12-26", "Lovely. Could you split that by new and returning customers?", first
    )
    assert goal.intent is Intent.BREAKDOWN and goal.metric == "aov"
    assert goal.group_by == ("customer_type",) and dict(goal.filters) == {}
    assert span(goal.window) == ("2026-12-12", "2026-12-26")
    assert span(on(layer, "2026-12-26", "orders a fortnight ago").window) == (
        "2026-12-07",
        "2026-12-14",
    )


def test_the_semester_before(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        "2026-07-31",
        "The faturamento of the last semester compared with the semester before",
    )
    assert goal.intent is Intent.COMPARE and goal.metric == "revenue"
    assert span(goal.window) == ("2026-01-01", "2026-07-01")
    assert span(goal.baseline) == ("2025-07-01", "2026-01-01")


def test_a_statement_after_the_question_tells_no_period(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        "2026-08-14",
        "What is the status of the forecast for electronics? Last year it was a disaster.",
    )
    assert span(goal.window) == ("2026-07-15", "2026-08-14")  # the forecast check's 30 days
    first = on(layer, "2026-08-14", "revenue by region for Q3")
    goal = on(layer, "2026-08-14", "why is the West so soft? it was our strongest last year", first)
    assert span(goal.window) == span(first.window)
    # A request after the question still counts, and so does a question without its mark.
    goal = on(layer, "2026-08-14", "What was revenue yesterday? Compare it to last Monday.")
    assert span(goal.baseline) == ("2026-08-10", "2026-08-11")
    goal = on(
        layer, "2026-08-14", "the sports forecast, wrong as usual? how far off is it this month"
    )
    assert span(goal.window) == ("2026-08-01", "2026-08-14")
    goal = on(
        layer, "2026-12-28", "quick weekend recap for the log? nobody else is around till wednesday"
    )
    assert span(goal.window) == ("2026-12-26", "2026-12-28")


def test_a_sundays_weekend_and_a_day_of_last_year(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-05-12", "units sold by category over Mother's Day weekend")
    assert span(goal.window) == ("2026-05-09", "2026-05-11")
    goal = on(
        layer,
        "2026-12-26",
        "compare the Christmas Day of this year with the Christmas Day of last year",
    )
    assert span(goal.window) == ("2026-12-25", "2026-12-26")
    assert span(goal.baseline) == ("2025-12-25", "2025-12-26")
    goal = on(
        layer, "2026-11-30", "toys this Black Friday than in the Black Friday of the year past?"
    )
    assert span(goal.baseline) == ("2025-11-28", "2025-11-29")
