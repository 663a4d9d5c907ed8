"""The retail year beyond Black Friday and Christmas, ISO weeks and "the N days to Sunday",
motives after a follow-up, questions about how Scout dates and attributes, and what the
orders do not record: the rules the tenth session's fourth cycle added, each in wording of
its own, with windows stated by hand."""

from __future__ import annotations

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span


@pytest.mark.parametrize(
    ("day", "text", "window"),
    [
        ("2026-03-02", "orders on valentine's day", ("2026-02-14", "2026-02-15")),
        ("2026-03-02", "revenue over V-week", ("2026-02-09", "2026-02-16")),
        ("2026-05-01", "units sold on Good Friday", ("2026-04-03", "2026-04-04")),
        ("2026-05-01", "sessions over Easter weekend", ("2026-04-04", "2026-04-06")),
        ("2026-06-01", "AOV on Mother's Day", ("2026-05-10", "2026-05-11")),
        ("2026-06-01", "orders over memorial day weekend", ("2026-05-23", "2026-05-26")),
        ("2026-07-10", "revenue on the 4th of July", ("2026-07-04", "2026-07-05")),
        ("2026-09-10", "conversion on Labour Day", ("2026-09-07", "2026-09-08")),
        ("2026-11-05", "halloween orders by region", ("2026-10-31", "2026-11-01")),
    ],
)
def test_days_of_the_retail_year(
    layer: SemanticLayer, day: str, text: str, window: tuple[str, str]
) -> None:
    assert span(on(layer, day, text).window) == window


def test_a_holiday_that_is_today_is_today_so_far(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-02-16", "sessions on Presidents' Day so far vs last year's")
    assert span(goal.window) == ("2026-02-16", "2026-02-17")


def test_last_year_s_holiday(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-03-02", "Valentine's Day revenue vs last year's Valentine's")
    assert goal.intent is Intent.COMPARE
    assert span(goal.baseline) == ("2025-02-14", "2025-02-15")


def test_an_iso_week(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-03-02", "orders for week 8, please")
    assert span(goal.window) == ("2026-02-16", "2026-02-23")
    assert span(goal.baseline) == ("2026-02-09", "2026-02-16")
    # A numbered list after "last week" is no week number.
    listed = on(layer, "2026-03-02", "1. orders last week\n2. and AOV")
    assert span(listed.window) == ("2026-02-23", "2026-03-02")


def test_the_n_days_to_a_weekday(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-03-04", "sessions over the 10 days to Sunday")
    assert span(goal.window) == ("2026-02-20", "2026-03-02")


def test_a_roundup_is_the_digest(layer: SemanticLayer) -> None:
    assert on(layer, "2026-03-04", "a quick roundup of February?").intent is Intent.DIGEST
    # A round-up at checkout is something else.
    assert on(layer, "2026-03-04", "how much did the round-up for charity raise?").intent is (
        Intent.UNKNOWN
    )


def test_a_sunday_in_a_month_is_which_sundays(layer: SemanticLayer) -> None:
    first = on(layer, "2026-03-02", "orders yesterday")
    goal = on(layer, "2026-03-02", "is that normal for a Sunday in March?", context=first)
    assert span(goal.window) == ("2026-03-01", "2026-03-02")


def test_a_motive_after_a_follow_up_filters_nothing(layer: SemanticLayer) -> None:
    first = on(layer, "2026-03-02", "revenue by channel last week")
    goal = on(
        layer, "2026-03-02", "and the week before? want to see if the email drop is new", first
    )
    assert goal.group_by == ("channel",) and not goal.filters
    stacked = on(layer, "2026-03-02", "how does that stack up against last year?", first)
    assert stacked.intent is Intent.COMPARE


def test_vips_named_in_passing_are_no_segmentation(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-03-02", "refund tickets this week? two of my VIPs have complained")
    assert goal.intent is Intent.LOOKUP and goal.metric == "support_tickets"
    assert on(layer, "2026-03-02", "who are the VIPs in Ohio?").intent is Intent.SEGMENT


@pytest.mark.parametrize(
    "text",
    [
        "does your yesterday end at midnight Eastern?",
        "which channel gets the order if they click an ad and then an email?",
        "does your data know which orders were gifts, or do I have to guess from the dates?",
        "do you see utm_content, or only the channel?",
    ],
)
def test_questions_about_how_scout_counts(layer: SemanticLayer, text: str) -> None:
    assert on(layer, "2026-03-02", text).intent is Intent.HELP


@pytest.mark.parametrize(
    "text",
    [
        "can you ship the new banner to mobile users?",
        "bump C123456 to the gold tier",
        "how many people watched the livestream on Friday?",
        "what share of orders were paid with Apple Pay last week?",
        "revenue by utm campaign last week",
        "what's the landed cost of the beauty sets?",
        "what will C123456 spend over the next 12 months?",
        "who owns the sessions model now?",
    ],
)
def test_what_the_orders_do_not_record(layer: SemanticLayer, text: str) -> None:
    assert on(layer, "2026-03-02", text).intent is Intent.UNKNOWN


def test_a_second_question_does_not_turn_the_first_away(layer: SemanticLayer) -> None:
    goal = on(layer, "2026-03-02", "orders by region last week? also, who owns the returns model?")
    assert goal.intent is Intent.BREAKDOWN
    first = on(layer, "2026-03-02", "who owns the returns model? orders by region last week")
    assert first.intent is Intent.UNKNOWN
