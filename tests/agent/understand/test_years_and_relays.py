"""Habits of the unseen batches used in the tenth session's second cycle: periods named the
way a year-end review, a retail calendar or a Romance-language speaker names them, questions
relayed from a person by name, what an answer is for, and requests about things the warehouse
does not hold. Each rule in wording of its own; windows stated by hand."""

from __future__ import annotations

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

NEW_YEAR = "2027-01-06"  # a Wednesday


# ---------------------------------------------------------------- periods


def test_since_a_named_day_runs_to_today(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "refund tickets since boxing day")
    assert span(goal.window) == ("2026-12-26", "2027-01-06")
    assert span(goal.baseline) == ("2026-12-15", "2026-12-26")
    assert span(on(layer, "2026-12-03", "orders since CM").window) == ("2026-11-30", "2026-12-03")


def test_new_years_eve_and_day(layer: SemanticLayer) -> None:
    assert span(on(layer, NEW_YEAR, "sessions on NYE").window) == ("2026-12-31", "2027-01-01")
    goal = on(layer, NEW_YEAR, "orders on New Year's Day by channel")
    assert span(goal.window) == ("2027-01-01", "2027-01-02")
    assert not goal.filters  # "new" names the day, not new customers


def test_a_year_named_bare(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "2026 orders by channel vs 2025")
    assert span(goal.window) == ("2026-01-01", "2027-01-01")
    assert span(goal.baseline) == ("2025-01-01", "2026-01-01")
    # A number before a count is the count.
    assert span(on(layer, NEW_YEAR, "we took 2026 orders yesterday?").window) == (
        "2027-01-05",
        "2027-01-06",
    )


def test_a_year_with_an_apostrophe_and_months_with_a_dash(layer: SemanticLayer) -> None:
    first = on(layer, NEW_YEAR, "revenue in November")
    goal = on(layer, NEW_YEAR, "and vs nov '25?", context=first)
    assert span(goal.baseline) == ("2025-11-01", "2025-12-01")
    spanned = on(layer, NEW_YEAR, "units sold Sep–Oct vs Sep–Oct '25")
    assert span(spanned.window) == ("2026-09-01", "2026-11-01")
    assert span(spanned.baseline) == ("2025-09-01", "2025-11-01")


def test_months_through_months(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "weekly sessions, March through June")
    assert span(goal.window) == ("2026-03-01", "2026-07-01")
    # "compare October to September" sets one month against the other.
    compared = on(layer, NEW_YEAR, "compare orders in October to September")
    assert span(compared.window) == ("2026-10-01", "2026-11-01")


def test_a_move_from_one_month_to_the_next(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "conversion dropped from November to December, why?")
    assert goal.intent is Intent.EXPLAIN
    assert span(goal.window) == ("2026-12-01", "2027-01-01")
    assert span(goal.baseline) == ("2026-11-01", "2026-12-01")


def test_days_at_an_end_of_a_month(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "orders in the first three weeks of November")
    assert span(goal.window) == ("2026-11-01", "2026-11-22")
    assert span(goal.baseline) == ("2026-10-11", "2026-11-01")


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("AOV of the week passed", ("2026-12-28", "2027-01-04")),
        ("the facturation of the month passed", ("2026-12-01", "2027-01-01")),
        ("orders of the last trimester", ("2026-10-01", "2027-01-01")),
    ],
)
def test_periods_as_romance_languages_name_them(
    layer: SemanticLayer, text: str, window: tuple[str, str]
) -> None:
    assert span(on(layer, NEW_YEAR, text).window) == window


def test_a_recap_as_romance_languages_ask_for_it(layer: SemanticLayer) -> None:
    assert on(layer, NEW_YEAR, "a point of the situation for the week passed?").intent is (
        Intent.DIGEST
    )
    assert on(layer, NEW_YEAR, "the balance of last month, please").intent is Intent.DIGEST
    assert on(layer, NEW_YEAR, "new clients last week").metric == "new_customers"


# ---------------------------------------------------------------- people and purposes


def test_a_person_named_is_not_a_place(layer: SemanticLayer) -> None:
    for text in (
        "Relaying from Priya: orders by channel last week?",
        "for Priya's Friday notes — conversion last week?",
        "good evening from Porto! revenue yesterday?",
    ):
        assert on(layer, NEW_YEAR, text).clarification is None, text
    assert on(layer, NEW_YEAR, "revenue last week in Narnia").clarification is not None


def test_a_day_a_message_was_sent_is_not_the_period(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        NEW_YEAR,
        "The note we sent on Monday said December orders were down on November. True?",
    )
    assert span(goal.window) == ("2026-12-01", "2027-01-01")


def test_a_device_of_a_person_is_not_a_filter(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "Sam saw orders spike yesterday on his phone — real?")
    assert goal.intent is Intent.DETECT and not goal.filters


def test_what_the_answer_is_for_is_not_the_request(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "who are our top spenders in Ohio? want them invited to the preview")
    assert goal.intent is Intent.SEGMENT
    buyers = on(layer, NEW_YEAR, "which customers spend the most in Ohio? we want to thank them")
    assert buyers.intent is Intent.SEGMENT


def test_a_team_a_figure_goes_to(layer: SemanticLayer) -> None:
    goal = on(
        layer, NEW_YEAR, "December revenue by state? the tax team needs it for the VAT filing"
    )
    assert goal.intent is Intent.BREAKDOWN
    asked = on(layer, NEW_YEAR, "do we have to collect VAT in Ohio? revenue there was big")
    assert asked.intent is Intent.UNKNOWN


def test_a_cluster_of_complaints_is_not_a_segmentation(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "a cluster of delivery complaints yesterday — anything unusual?")
    assert goal.intent is Intent.DETECT


def test_how_much_worse_sizes_a_comparison(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "December returns vs November — how much worse?")
    assert goal.intent is Intent.COMPARE


def test_one_day_outsold_another(layer: SemanticLayer) -> None:
    goal = on(layer, NEW_YEAR, "I think Boxing Day out-sold Christmas Eve. orders on both?")
    assert goal.intent is Intent.COMPARE
    assert span(goal.window) == ("2026-12-26", "2026-12-27")
    assert span(goal.baseline) == ("2026-12-24", "2026-12-25")


@pytest.mark.parametrize(
    "text",
    [
        "do your December numbers change when late returns come in?",
        "is yesterday in your data yet, or does it stop at Monday?",
    ],
)
def test_questions_about_the_data_s_edges(layer: SemanticLayer, text: str) -> None:
    assert on(layer, NEW_YEAR, text).intent is Intent.HELP


@pytest.mark.parametrize(
    "text",
    [
        "please freeze December as it stands",
        "retrain the forecast for home without December",
        "can you dial into the board call and present it?",
        "what accruals should we book for December returns?",
        "how much social security did we pay in December?",
        "did the new agents finish their onboarding training?",
        "how many tickets were written in French last week?",
        "how many home sales did we lose to stockouts in December?",
        "what's the safety stock for toys?",
        "what was the shrink on apparel at the stock count?",
        "what does our Glassdoor page say?",
        "the pipeline forecast in their CRM for Q1 — how accurate was it?",
    ],
)
def test_more_things_the_warehouse_does_not_hold(layer: SemanticLayer, text: str) -> None:
    assert on(layer, NEW_YEAR, text).intent is Intent.UNKNOWN
