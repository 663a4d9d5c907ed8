"""The learned model as a check on scope: a request whose subject no rule names, read by the
model as outside the data, is refused with the help reply, but as a judgement an LLM may
still overrule (no known reason is attached); what only the data could answer is never
refused this way."""

from __future__ import annotations

from datetime import date

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand import lexicon_for, understand_with

MONDAY = date(2025, 12, 15)
REVIEWS = "what share of returning customers left a product review last month?"


def test_a_subject_the_data_lacks_is_refused_where_the_rules_alone_would_answer(
    layer: SemanticLayer,
) -> None:
    lex = lexicon_for(layer)
    rules = understand_with(REVIEWS, lexicon=lex, today=MONDAY, learned=False)
    assert rules.intent is Intent.LOOKUP and rules.metric == "customers"  # a wrong answer

    goal = understand_with(REVIEWS, lexicon=lex, today=MONDAY)
    assert goal.intent is Intent.UNKNOWN and goal.clarification is not None
    assert goal.clarification.question.startswith("That doesn't read as a question")
    assert goal.clarification.options  # what Scout can do instead
    assert goal.clarification.refusal == ""  # a judgement: an LLM may read it otherwise


def test_what_only_the_data_answers_is_not_refused_by_the_model(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    # Every word known; a split; a scorecard; a named customer; nothing read at all.
    cases = {
        "how many unique returning customers ordered in the last 14 days?": Intent.LOOKUP,
        "revenue by channel last month, the review people keep asking": Intent.BREAKDOWN,
        "how's the West doing? the review people keep asking": Intent.DIGEST,
        "did C123456 leave a product review before going quiet? likely to churn?": Intent.CHURN,
    }
    for text, intent in cases.items():
        assert understand_with(text, lexicon=lex, today=MONDAY).intent is intent, text
    blorp = understand_with("blorp", lexicon=lex, today=MONDAY)
    assert blorp.clarification is not None
    assert blorp.clarification.question.startswith("I'm not sure what you'd like")


def test_a_thread_follow_up_is_not_refused_by_the_model(layer: SemanticLayer) -> None:
    # The model is fitted on whole requests; a thread's "and for …" is read by the thread.
    lex = lexicon_for(layer)
    text = "and for returning customers who left a product review?"
    alone = understand_with(text, lexicon=lex, today=MONDAY)
    assert alone.intent is Intent.UNKNOWN
    first = understand_with("revenue last week", lexicon=lex, today=MONDAY)
    follow = understand_with(text, lexicon=lex, today=MONDAY, context=first)
    assert follow.intent is Intent.LOOKUP and follow.metric == "revenue"


def test_statistics_the_layer_does_not_compute_are_refused_as_such(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    for text in (
        "what's the correlation between weekly sessions and orders this quarter?",
        "std dev of daily revenue over the last 60 days",
        "a 95% confidence interval for AOV last week, please",
        "August revenue in constant 2025 dollars, CPI-adjusted",
    ):
        goal = understand_with(text, lexicon=lex, today=MONDAY)
        assert goal.intent is Intent.UNKNOWN and goal.clarification is not None, text
        assert goal.clarification.refusal.startswith("Correlations, spreads"), text
    # The person's own statistics, said beside a request for a figure, refuse nothing.
    aside = "AOV for returning customers last month, I'll bootstrap the interval myself"
    goal = understand_with(aside, lexicon=lex, today=MONDAY)
    assert goal.intent is Intent.LOOKUP and goal.metric == "aov"


def test_a_log_pasted_under_the_question_is_context(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    line = "2026-12-01T09:00:00Z order=O123456 status=shipped carrier=ups retries=3 dlq=none\n"
    for question, intent in (
        ("what was revenue yesterday?", Intent.LOOKUP),
        ("orders this month so far vs the same period last month", Intent.COMPARE),
    ):
        goal = understand_with(question + "\n" + line * 40, lexicon=lex, today=MONDAY)
        assert goal.intent is intent, question
