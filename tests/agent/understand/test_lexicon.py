"""The lexicon: built from the layer's words only, typo-tolerant without guessing wildly."""

from __future__ import annotations

import pytest

from agent.semantic import SemanticLayer
from agent.understand import Lexicon, lexicon_for
from agent.understand.normalize import clean, tokenize


def test_every_metric_and_value_of_the_layer_is_known(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    for name in layer.metric_names:
        metric = layer.metric(name)
        for phrase in (name.replace("_", " "), metric.label, *metric.synonyms):
            senses = lex.phrases[tuple(t.text for t in tokenize(clean(phrase).text))]
            assert any(s.kind == "metric" and s.name == name for s in senses), phrase
    for dim_name in layer.dimension_names:
        dim = layer.dimension(dim_name)
        for value in dim.values:
            for phrase in (value, *dim.synonyms.get(value, ())):
                key = tuple(t.text for t in tokenize(clean(phrase.replace("_", " ")).text))
                assert any(s.value == value for s in lex.phrases[key]), phrase


def test_built_once_per_layer(layer: SemanticLayer) -> None:
    assert lexicon_for(layer) is lexicon_for(layer)


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        ("convrsion", "conversion"),
        ("conversoin", "conversion"),
        ("reveune", "revenue"),
        ("revnue", "revenue"),
        ("norhteast", "northeast"),
        ("electroncs", "electronics"),
        ("octber", "october"),
        ("yesterdy", "yesterday"),
        ("mobil", "mobile"),
    ],
)
def test_typos_are_fixed(layer: SemanticLayer, typed: str, fixed: str) -> None:
    correction = lexicon_for(layer).correct(typed)
    assert correction is not None and correction.fixed == fixed


@pytest.mark.parametrize(
    "word",
    ["chart", "weather", "going", "revenue", "state", "happened", "tomorrow", "cvr", "asdfghjkl"],
)
def test_real_words_and_gibberish_are_left_alone(layer: SemanticLayer, word: str) -> None:
    assert lexicon_for(layer).correct(word) is None


def test_fuzzy_can_be_switched_off(layer: SemanticLayer) -> None:
    assert Lexicon.from_layer(layer, fuzzy=False).correct("convrsion") is None


def test_state_codes_that_are_english_words_need_capitals(layer: SemanticLayer) -> None:
    lex = lexicon_for(layer)
    upper = lex.match(tokenize(clean("revenue in OR").text))
    lower = lex.match(tokenize(clean("revenue or orders").text))
    assert any(s.value == "OR" for m in upper for s in m.senses)
    assert not any(s.value == "OR" for m in lower for s in m.senses)
