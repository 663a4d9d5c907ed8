"""The generated corpus and the learned intent model: deterministic, covering every intent,
kept apart from the held-out set, and consulted only where the rules are not sure."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand import lexicon_for, normalize, understand_with
from agent.understand.corpus import generate
from agent.understand.learned import IntentModel, intent_model
from agent.understand.slots import parse
from tests.agent.understand.labelled import (
    HELDOUT,
    LABELLED,
    actual_fields,
    load_items,
)

TODAY = date(2026, 11, 23)


def test_the_corpus_is_seeded_covers_every_intent_and_names_every_metric(
    layer: SemanticLayer,
) -> None:
    lex = lexicon_for(layer)
    corpus = generate(lex)
    assert corpus == generate(lex)
    assert generate(lex, seed=17) != corpus
    counts = Counter(e.intent for e in corpus)
    assert set(counts) == set(Intent)
    assert min(counts.values()) >= 100, counts
    assert {e.metric for e in corpus if e.metric} == set(layer.metric_names)
    # A metric it names is one the text really contains, as the parser reads it.
    sample = [e for e in corpus if e.metric][::25]
    assert all(e.metric in parse(e.text, lex, TODAY).metrics for e in sample[:40])


def test_no_held_out_request_is_in_the_corpus(layer: SemanticLayer) -> None:
    corpus = {normalize(e.text) for e in generate(lexicon_for(layer))}
    # Bare words ("help", "churn") may coincide; whole requests must not.
    shared = [
        i.text
        for i in load_items(HELDOUT)
        if len(i.text.split()) > 2 and normalize(i.text) in corpus
    ]
    assert not shared


def test_training_is_deterministic(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    small = generate(lex, per_family=3)
    one, two = IntentModel.train(lex, small), IntentModel.train(lex, small)
    shapes = [parse(i.text, lex, i.today).shape for i in load_items(HELDOUT)[:60]]
    for shape in shapes:
        a, b = one.guess(shape), two.guess(shape)
        assert a.intent is b.intent and np.isclose(a.probability, b.probability)


def test_a_refused_request_naming_a_metric_stays_refused(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    text = "write sql for revenue by region"
    # The model alone would read it as a breakdown; the out-of-scope check comes first.
    assert intent_model(lex).guess(parse(text, lex, TODAY).shape).intent is Intent.BREAKDOWN
    goal = understand_with(text, lexicon=lex, today=TODAY)
    assert goal.intent is Intent.UNKNOWN
    assert goal.clarification is not None and goal.clarification.options


def test_out_of_scope_held_out_requests_stay_refused_with_the_model(
    layer: SemanticLayer,
) -> None:
    lex = lexicon_for(layer)
    out = [i for i in load_items(HELDOUT) if i.scope == "out" and not i.context]
    answered = [
        i.text
        for i in out
        if understand_with(i.text, lexicon=lex, today=i.today).intent.value != "unknown"
    ]
    assert len(out) >= 70 and not answered


def test_phrasings_without_a_cue_get_the_models_intent(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    cases = {
        "our best buyers, who are they?": Intent.SEGMENT,
        "which shoppers look ready to walk away?": Intent.CHURN,
    }
    for text, intent in cases.items():
        # The rules find only a metric word and fall back to a lookup of it.
        assert understand_with(text, lexicon=lex, today=TODAY, learned=False).intent is (
            Intent.LOOKUP
        )
        goal = understand_with(text, lexicon=lex, today=TODAY)
        assert goal.intent is intent and goal.metric is None and goal.clarification is None


def test_where_the_rules_are_sure_the_model_changes_nothing(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    for item in load_items(LABELLED):
        if item.context or item.previous is not None:
            continue
        with_model = understand_with(item.text, lexicon=lex, today=item.today)
        rules = understand_with(item.text, lexicon=lex, today=item.today, learned=False)
        assert actual_fields(with_model) == actual_fields(rules), item.text
