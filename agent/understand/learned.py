"""A small learned intent model, consulted only where the rules are not sure.

TF-IDF over words and character n-grams of the request's shape (its words with dates,
metrics, values and dimensions replaced by their kind), then a logistic model, trained
on the generated corpus (agent.understand.corpus). It trains in a couple of seconds, once per
process and lexicon, on first use; the same layer and seed give the same model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from agent.domain import Intent
from agent.understand.corpus import SEED, Example, generate
from agent.understand.lexicon import Lexicon
from agent.understand.slots import parse

# Any fixed day: the corpus is parsed only for its shape, where a date is a date.
_TRAINING_DAY = date(2025, 12, 15)


@dataclass(frozen=True, kw_only=True)
class Guess:
    """The model's intent for a request and its probability."""

    intent: Intent
    probability: float


class IntentModel:
    """Predicts an intent from a parsed request's shape.

    Fitted with scikit-learn; predicting re-does the vectorisers' arithmetic on the few
    n-grams of one request, which costs tens of microseconds instead of sklearn's
    millisecond of per-call overhead.
    """

    def __init__(
        self,
        *,
        vectorizers: tuple[TfidfVectorizer, ...],
        coef: npt.NDArray[np.float64],
        intercept: npt.NDArray[np.float64],
        classes: tuple[Intent, ...],
    ) -> None:
        # Each vectoriser's n-grams map to its own block of columns, as hstack laid them out.
        self._parts: list[tuple[Callable[[str], list[str]], dict[str, int]]] = []
        self._idf = np.zeros(coef.shape[1])
        offset = 0
        for vec in vectorizers:
            vocabulary = {term: int(i) + offset for term, i in vec.vocabulary_.items()}
            self._parts.append((vec.build_analyzer(), vocabulary))
            self._idf[offset : offset + len(vec.idf_)] = vec.idf_
            offset += len(vec.idf_)
        self._coef = coef
        self._intercept = intercept
        self._classes = classes

    @staticmethod
    def train(lex: Lexicon, examples: list[Example]) -> IntentModel:
        """Fit on the examples' shapes, as the parser sees them."""
        shapes = [parse(e.text, lex, _TRAINING_DAY).shape for e in examples]
        labels = [e.intent.value for e in examples]
        vectorizers = (
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2),
        )
        features = hstack([v.fit_transform(shapes) for v in vectorizers]).tocsr()
        # Stochastic gradient descent with a fixed seed: the same corpus gives the same model,
        # in about a second where a full logistic-regression solve takes ten or more.
        classifier = SGDClassifier(
            loss="log_loss", alpha=1e-4, max_iter=30, tol=None, random_state=SEED
        )
        classifier.fit(features, labels)
        return IntentModel(
            vectorizers=vectorizers,
            coef=np.asarray(classifier.coef_, dtype=np.float64),
            intercept=np.asarray(classifier.intercept_, dtype=np.float64),
            classes=tuple(Intent(c) for c in classifier.classes_),
        )

    def guess(self, shape: str) -> Guess:
        """The most probable intent for a shape."""
        scores = self._intercept.copy()
        for analyzer, vocabulary in self._parts:
            counts: dict[int, int] = {}
            for term in analyzer(shape):
                index = vocabulary.get(term)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            weights = tf * self._idf[columns]
            weights /= np.linalg.norm(weights)
            scores += self._coef[:, columns] @ weights
        # One-vs-rest logistic outputs, normalised, as SGDClassifier.predict_proba does.
        probabilities = 1.0 / (1.0 + np.exp(-scores))
        probabilities /= probabilities.sum()
        best = int(probabilities.argmax())
        return Guess(intent=self._classes[best], probability=float(probabilities[best]))


_BY_LEXICON: dict[int, tuple[Lexicon, IntentModel]] = {}
_BY_WORDS: dict[int, IntentModel] = {}
_LOCK = threading.Lock()


def intent_model(lex: Lexicon) -> IntentModel:
    """The lexicon's model, trained on first use and kept for the life of the process.

    Kept by the lexicon's words as well as by the object: every fresh load of the same
    semantic layer (tests do this often) shares one model instead of training its own.
    """
    hit = _BY_LEXICON.get(id(lex))
    if hit is not None and hit[0] is lex:
        return hit[1]
    with _LOCK:
        words = hash((lex.fuzzy, frozenset(lex.phrases.items()), frozenset(lex.dims_for.items())))
        model = _BY_WORDS.get(words)
        if model is None:
            model = IntentModel.train(lex, generate(lex))
            if len(_BY_WORDS) > 4:  # layers are few; forget old ones rather than grow forever
                _BY_WORDS.clear()
            _BY_WORDS[words] = model
        if len(_BY_LEXICON) > 16:
            _BY_LEXICON.clear()
        _BY_LEXICON[id(lex)] = (lex, model)
        return model
