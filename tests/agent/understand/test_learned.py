"""The generated corpus and the learned intent model: deterministic, covering every intent,
kept apart from the held-out set, and consulted only where the rules are not sure."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.sparse import hstack

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand import Lexicon, learned, lexicon_for, normalize, understand_with
from agent.understand.corpus import Example, generate
from agent.understand.learned import (
    BUILD_COMMAND,
    SHIPPED,
    IntentModel,
    char_wb_ngrams,
    corpus_digest,
    fit_sklearn,
    hand_written,
    intent_model,
    load_or_fit,
    model_key,
    read_model,
    training_examples,
    training_set,
    word_ngrams,
)
from agent.understand.slots import parse
from tests.agent.understand.labelled import (
    HELDOUT,
    HELDOUT_BATCHES,
    LABELLED,
    READ,
    UNSEEN,
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


def test_no_unseen_request_is_in_what_the_model_is_fitted_on(layer: SemanticLayer) -> None:
    texts = {e.text for e in training_examples(lexicon_for(layer), hand=True)}
    fitted_on = {normalize(t) for t in texts}
    # Bare words ("help", "churn") may coincide; whole requests must not.
    unseen = [i for path in UNSEEN for i in load_items(path)]
    shared = [
        i.text
        for i in unseen
        if len(normalize(i.text).split()) > 2 and normalize(i.text) in fitted_on
    ]
    assert unseen and not shared


def test_the_hand_labelled_requests_are_learned_from_except_the_unseen() -> None:
    texts = {e.text for e in hand_written()}
    for path in (HELDOUT, *HELDOUT_BATCHES, *READ):
        assert {i.text for i in load_items(path) if not i.context} <= texts, path.name
    assert not texts & {i.text for path in UNSEEN for i in load_items(path)}


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
        "who are our heaviest buyers?": Intent.SEGMENT,
        "which shoppers look ready to give up on us?": Intent.CHURN,
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


class Fitted:
    """The repository layer's corpus fitted with scikit-learn itself: the truth to match."""

    def __init__(self, layer: SemanticLayer) -> None:
        self.lex = lexicon_for(layer)
        self.examples: list[Example] = training_examples(self.lex, hand=True)
        self.shapes, labels = training_set(self.lex, self.examples)
        self.vectorizers, self.classifier = fit_sklearn(self.shapes, labels)
        features = hstack([v.transform(self.shapes) for v in self.vectorizers]).tocsr()
        self.decisions = self.classifier.decision_function(features)
        self.probabilities = self.classifier.predict_proba(features)


@pytest.fixture(scope="module")
def fitted(layer: SemanticLayer) -> Fitted:
    return Fitted(layer)


def test_the_pure_analysers_give_sklearns_ngrams(fitted: Fitted) -> None:
    word, char = (v.build_analyzer() for v in fitted.vectorizers)
    odd = ["", "a", "I  x\tyz", "  Ünïcode ÇA va? 3 ab", "x\n\nlong-word_with_under 12", "é"]
    for shape in [*fitted.shapes, *odd]:
        assert word_ngrams(shape) == word(shape), shape
        assert char_wb_ngrams(shape) == char(shape), shape


def test_pure_scores_equal_sklearns_on_every_corpus_example(fitted: Fitted) -> None:
    model = IntentModel.from_fitted(fitted.vectorizers, fitted.classifier)
    assert [c.value for c in model.classes] == list(fitted.classifier.classes_)
    for i, shape in enumerate(fitted.shapes):
        assert np.allclose(model.decision(shape), fitted.decisions[i], rtol=0, atol=1e-9), shape
        guess = model.guess(shape)
        best = int(fitted.probabilities[i].argmax())
        assert guess.intent.value == fitted.classifier.classes_[best], shape
        assert abs(guess.probability - fitted.probabilities[i][best]) < 1e-9, shape


def test_the_shipped_model_is_what_the_build_gives(fitted: Fitted) -> None:
    stale = f"{SHIPPED.name} is stale: run `{BUILD_COMMAND}`"
    doc = json.loads(gzip.decompress(SHIPPED.read_bytes()))
    assert doc["key"] == model_key(fitted.lex), stale
    # The key covers the layer and the corpus; the digest also covers the parser's shapes.
    assert doc["corpus"] == corpus_digest(fitted.examples, fitted.shapes), stale
    shipped = read_model(SHIPPED, key=doc["key"])
    assert shipped is not None, stale
    for i, shape in enumerate(fitted.shapes[::7]):
        got = shipped.decision(shape)
        assert np.allclose(got, fitted.decisions[i * 7], rtol=0, atol=1e-9), stale


def test_a_parse_reads_the_shipped_model_without_numeric_libraries(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from agent.semantic import load_semantic\n"
        "from agent.understand import lexicon_for, understand_with\n"
        "from agent.understand import learned\n"
        "goal = understand_with('revenue last week', lexicon=lexicon_for(load_semantic()),"
        " today=date(2026, 11, 23))\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'numpy'})\n"
        "print(goal.intent.value, len(learned._BY_KEY), heavy)\n"
    )
    env = {**os.environ, "SCOUT_HOME": str(tmp_path)}
    env.pop("SCOUT_SEMANTIC", None)  # the repository's own semantic.yml
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "lookup 1 []"
    assert not any(tmp_path.rglob("*")), "the shipped model was refitted and cached"


def _document(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return doc


def test_another_layer_is_fitted_once_then_read_from_the_cache(
    layer: SemanticLayer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCOUT_HOME", str(tmp_path))
    # Without typo correction the shapes differ, so the shipped model's key does not fit.
    lex = Lexicon.from_layer(layer, fuzzy=False)
    key = model_key(lex)
    assert key != _document(SHIPPED)["key"]
    probes = [parse(i.text, lex, i.today).shape for i in load_items(HELDOUT)[:40]]

    first = load_or_fit(lex)
    where = tmp_path / "cache" / f"intent-model-{key}.json.gz"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [where.name]

    def no_fit(lex: Lexicon) -> Any:
        raise AssertionError("fitted again although a cached model was there")

    with monkeypatch.context() as m:
        m.setattr(learned, "fit", no_fit)
        again = load_or_fit(lex)
    assert [again.decision(p) for p in probes] == [first.decision(p) for p in probes]

    # Another key's file at this path (a hash clash, a hand copy) is not used.
    doc = _document(where)
    doc["key"] = "0" * 16
    where.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert read_model(where, key=key) is None

    # A half-written file is ignored, refitted and replaced by a whole one.
    good = gzip.compress(json.dumps(_document(where) | {"key": key}).encode())
    assert read_model(where.with_name("x"), key=key) is None  # absent
    for damaged in (good[: len(good) // 2], b"not a model", gzip.compress(b"[1, 2")):
        where.write_bytes(damaged)
        assert read_model(where, key=key) is None
    refitted = load_or_fit(lex)
    assert [refitted.decision(p) for p in probes] == [first.decision(p) for p in probes]
    assert read_model(where, key=key) is not None
