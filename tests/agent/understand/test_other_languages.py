"""Business words from other languages in an English request ("the fatturato of the last
trimester", "ticket promedio de ayer", "Umsatz by channel letzte Woche"), the learned model
overruling a cue word that is not the request's ask, and readings the Italian-speaking
analyst's requests showed wrong (a correction, "I mean", a count of returns). Windows worked
out by hand for Monday 2026-03-02 (last week: Monday 2026-02-23 to Sunday 2026-03-01)."""

from __future__ import annotations

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand import clean
from tests.agent.understand.test_context_and_shorthand import on, span

MONDAY = "2026-03-02"


def test_metric_words_from_other_languages_are_the_layers_metrics(layer: SemanticLayer) -> None:
    goal = on(layer, MONDAY, "The fatturato of the last trimester, please")
    assert goal.intent is Intent.LOOKUP and goal.metric == "revenue"
    assert span(goal.window) == ("2025-10-01", "2026-01-01")
    goal = on(layer, MONDAY, "ticket promedio de ayer?")
    assert goal.metric == "aov" and span(goal.window) == ("2026-03-01", "2026-03-02")
    goal = on(layer, MONDAY, "Umsatz by channel letzte Woche")
    assert goal.intent is Intent.BREAKDOWN and goal.metric == "revenue"
    assert goal.group_by == ("channel",)
    assert span(goal.window) == ("2026-02-23", "2026-03-02")
    goal = on(layer, MONDAY, "how many pedidos yesterday by region")
    assert goal.metric == "orders" and goal.group_by == ("region",)
    goal = on(layer, MONDAY, "the andamento of the ordini week by week since January")
    assert goal.intent is Intent.TREND and goal.metric == "orders" and goal.grain == "week"
    goal = on(layer, MONDAY, "the chiffre d'affaires of yesterday in California")
    assert goal.metric == "revenue" and dict(goal.filters) == {"state": "CA"}


def test_only_whole_words_are_read_and_english_is_left_alone() -> None:
    assert clean("Chiffre d\u2019affaires et panier moyen").text == (
        "revenue et average order value"
    )
    # Inside another word, or an English word that looks alike: untouched.
    assert clean("resize the orderinis; a ticket by topic").text == (
        "resize the orderinis; a ticket by topic"
    )


def test_the_model_overrules_a_cue_that_is_not_the_ask(layer: SemanticLayer) -> None:
    # "win-back" cues churn, but the question is a split of orders by region.
    goal = on(
        layer,
        MONDAY,
        "orders from email by region over the weekend? picking which region gets the first "
        "wave of the spring win-back",
    )
    assert goal.intent is Intent.BREAKDOWN and goal.group_by == ("region",)
    assert dict(goal.filters) == {"channel": "email"}


def test_the_model_never_overrules_two_periods_set_side_by_side(layer: SemanticLayer) -> None:
    goal = on(layer, MONDAY, "rev NE yday vs sat?")
    assert goal.intent is Intent.COMPARE and dict(goal.filters) == {"region": "Northeast"}
    assert span(goal.baseline) == ("2026-02-28", "2026-03-01")
    assert on(layer, MONDAY, "wape").intent is Intent.FORECAST_CHECK


def test_a_metric_taken_back_is_replaced_whatever_came_between(layer: SemanticLayer) -> None:
    # The correction names a metric: it replaces the metric, not the last word ("Q2").
    goal = on(layer, MONDAY, "Give me omzet per channel for Q2 — sorry, revenue. Dutch slips in")
    assert goal.metric == "revenue" and goal.group_by == ("channel",)
    assert span(goal.window) == ("2025-04-01", "2025-07-01")  # the last Q2 that is over
    goal = on(layer, MONDAY, "sessions last week, sorry, orders")
    assert goal.metric == "orders" and span(goal.window) == ("2026-02-23", "2026-03-02")


def test_the_week_past_is_last_week_as_romance_languages_say(layer: SemanticLayer) -> None:
    wednesday = "2026-03-04"
    for text in ("orders in the week past", "orders of the week passed"):
        goal = on(layer, wednesday, text)
        assert span(goal.window) == ("2026-02-23", "2026-03-02"), text
        assert span(goal.baseline) == ("2026-02-16", "2026-02-23"), text
    assert span(on(layer, wednesday, "revenue of the month past").window) == (
        "2026-02-01",
        "2026-03-01",
    )
    # "past due" is no period: yesterday, as any lookup without one.
    goal = on(layer, wednesday, "orders a week past due")
    assert span(goal.window) == ("2026-03-03", "2026-03-04")


def test_a_count_asked_of_a_rates_word_is_the_count(layer: SemanticLayer) -> None:
    # Return rate is units returned over units sold: "how many returns" counts the units.
    for text in ("how many returns yesterday", "number of returns yesterday"):
        assert on(layer, MONDAY, text).metric == "units_returned", text
    assert on(layer, MONDAY, "returns yesterday").metric == "return_rate"
    assert on(layer, MONDAY, "how many points did the return rate move").metric == "return_rate"


def test_i_mean_after_a_question_says_more_and_takes_nothing_back(layer: SemanticLayer) -> None:
    goal = on(
        layer,
        MONDAY,
        "How many resi we had in the week passed? I mean the pieces that came back, "
        "not the percentage",
    )
    assert goal.metric == "units_returned"
    assert span(goal.window) == ("2026-02-23", "2026-03-02")
    # After a comma it still corrects.
    goal = on(layer, MONDAY, "revenue by device, I mean by channel")
    assert goal.group_by == ("channel",)


def test_ad_platform_shorthand_names_the_channel(layer: SemanticLayer) -> None:
    goal = on(layer, MONDAY, "pd search rev yday?")
    assert goal.metric == "revenue" and dict(goal.filters) == {"channel": "paid_search"}
    assert dict(on(layer, MONDAY, "orders from pd soc last week").filters) == {"channel": "social"}


def test_no_date_phrase_reads_across_a_question_mark(layer: SemanticLayer) -> None:
    # "July planning" would be an event being planned; "July?" ends its own question.
    goal = on(layer, "2026-08-14", "sales by category for July? planning the fall floor set")
    assert span(goal.window) == ("2026-07-01", "2026-08-01")
    goal = on(layer, "2026-08-14", "revenue for the July campaign")
    assert span(goal.window) == ("2026-08-13", "2026-08-14")  # no period named: yesterday
