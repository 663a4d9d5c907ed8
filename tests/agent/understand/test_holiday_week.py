"""Habits of the unseen batches used in the tenth session's third cycle: the week between
Christmas and New Year as the on-call person and a founder on a phone write about it, a
German speaker's periods, questions about how far Scout's data reaches, and requests about
things the warehouse does not hold. Each rule in wording of its own; windows by hand."""

from __future__ import annotations

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

DEC_29 = "2026-12-29"  # a Tuesday


# ---------------------------------------------------------------- periods


def test_a_weekday_or_the_day_after_a_holiday(layer: SemanticLayer) -> None:
    assert span(on(layer, DEC_29, "revenue the day after boxing day").window) == (
        "2026-12-27",
        "2026-12-28",
    )
    goal = on(layer, DEC_29, "sessions on the monday after xmas, normal?")
    assert goal.intent is Intent.DETECT
    assert span(goal.window) == ("2026-12-28", "2026-12-29")


def test_ly_after_a_holiday_and_the_same_weekday_last_year(layer: SemanticLayer) -> None:
    goal = on(layer, DEC_29, "xmas eve orders vs xmas eve ly")
    assert goal.intent is Intent.COMPARE
    assert span(goal.baseline) == ("2025-12-24", "2025-12-25")
    monday = on(layer, DEC_29, "orders yesterday vs the same monday last year")
    assert span(monday.baseline) == ("2025-12-29", "2025-12-30")


def test_the_same_days_of_a_named_year(layer: SemanticLayer) -> None:
    goal = on(layer, DEC_29, "units sold Dec 1 to today vs the same dates of 2024")
    assert span(goal.window) == ("2026-12-01", "2026-12-29")
    assert span(goal.baseline) == ("2024-12-01", "2024-12-29")


def test_a_time_of_year_is_not_the_holiday(layer: SemanticLayer) -> None:
    first = on(layer, DEC_29, "refund tickets yesterday")
    goal = on(layer, DEC_29, "busy, or just post-xmas normal?", context=first)
    assert goal.intent is Intent.DETECT
    assert span(goal.window) == ("2026-12-28", "2026-12-29")


def test_saturday_and_sunday_are_the_weekend(layer: SemanticLayer) -> None:
    first = on(layer, DEC_29, "units returned by category since christmas")
    goal = on(layer, DEC_29, "and only sat/sun", context=first)
    assert span(goal.window) == ("2026-12-26", "2026-12-28")


def test_the_quarter_so_far(layer: SemanticLayer) -> None:
    goal = on(layer, DEC_29, "weekly orders for the quarter so far")
    assert span(goal.window) == ("2026-10-01", "2026-12-29")


def test_of_or_from_the_last_week_is_the_calendar_week(layer: SemanticLayer) -> None:
    assert span(on(layer, DEC_29, "the sessions of the last week").window) == (
        "2026-12-21",
        "2026-12-28",
    )
    # "over the last week" reaches up to today.
    assert span(on(layer, DEC_29, "sessions over the last week").window) == (
        "2026-12-22",
        "2026-12-29",
    )


def test_the_same_week_one_year_before(layer: SemanticLayer) -> None:
    goal = on(layer, DEC_29, "orders from the last week against the same week one year before")
    assert span(goal.baseline) == ("2025-12-22", "2025-12-29")


# ---------------------------------------------------------------- who and what


def test_a_short_recap(layer: SemanticLayer) -> None:
    goal = on(layer, DEC_29, "christmas week in 3 bullets")
    assert goal.intent is Intent.DIGEST
    assert span(goal.window) == ("2026-12-21", "2026-12-28")


def test_customers_about_to_walk_are_churn(layer: SemanticLayer) -> None:
    assert on(layer, DEC_29, "which regulars might walk after the holidays?").intent is Intent.CHURN
    assert on(layer, DEC_29, "VIPs in danger of leaving?").intent is Intent.CHURN


def test_who_bought_a_category_is_a_segment(layer: SemanticLayer) -> None:
    assert on(layer, DEC_29, "who bought toys from us in December?").intent is Intent.SEGMENT
    assert on(layer, DEC_29, "which customers spent the most on beauty?").intent is Intent.SEGMENT


def test_a_team_or_a_floor_named_after_a_segment(layer: SemanticLayer) -> None:
    goal = on(layer, DEC_29, "is the return rate rising or is the beauty team just nervous?")
    assert goal.metric == "return_rate" and not goal.filters
    digest = on(layer, DEC_29, "quick recap of yesterday? I was on the returns floor all day")
    assert digest.intent is Intent.DIGEST


def test_there_keeps_the_thread_s_place(layer: SemanticLayer) -> None:
    first = on(layer, DEC_29, "support tickets by topic yesterday")
    second = on(layer, DEC_29, "just the West", context=first)
    goal = on(layer, DEC_29, "why are billing tickets so high there?", context=second)
    assert dict(goal.filters) == {"region": "West", "topic": "billing"}


def test_a_statement_after_the_question(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        DEC_29,
        "Can you split yesterday's orders by device? On Monday something looked off with mobile.",
    )
    assert goal.intent is Intent.BREAKDOWN and not goal.filters


@pytest.mark.parametrize(
    "text",
    [
        "can you go back to 2023 as well, or only last year?",
        "orders by product line, or is category as deep as you go?",
        "do you know which coupon an order used, or only the channel?",
        "up to which day do your numbers go?",
        "do you count a refund on the day it's paid or the day the order was placed?",
    ],
)
def test_questions_about_what_scout_holds(layer: SemanticLayer, text: str) -> None:
    assert on(layer, DEC_29, text).intent is Intent.HELP


@pytest.mark.parametrize(
    "text",
    [
        "where's the playbook for a failed orders load?",
        "is our return policy 30 days for sale items?",
        "how many apparel units are on backorder?",
        "what did people search for on the site yesterday?",
        "what does Google Trends say about sleds?",
        "who leads the Midwest team?",
        "how many tickets got reopened last week?",
        "units we sold on Walmart over the holidays",
        "bump our commission for affiliates to 10%",
    ],
)
def test_things_outside_the_shop_s_data(layer: SemanticLayer, text: str) -> None:
    assert on(layer, DEC_29, text).intent is Intent.UNKNOWN


def test_a_policy_told_after_the_request(layer: SemanticLayer) -> None:
    goal = on(layer, DEC_29, "Why did return rate jump last week? The return policy didn't change.")
    assert goal.intent is Intent.EXPLAIN and goal.metric == "return_rate"
    # Said first, before the request, it is the question.
    said_first = on(layer, DEC_29, "extend the return window to Jan 31, tickets are piling up")
    assert said_first.intent is Intent.UNKNOWN


def test_paid_search_is_no_site_search(layer: SemanticLayer) -> None:
    goal = on(layer, DEC_29, "compare sessions from organic with paid search for last week")
    assert goal.intent is Intent.COMPARE
