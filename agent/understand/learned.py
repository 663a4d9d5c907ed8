"""A small learned intent model, consulted only where the rules are not sure.

TF-IDF over words and character n-grams of the request's shape (its words with dates,
metrics, values and dimensions replaced by their kind), then a linear one-vs-rest logistic
model, fitted with scikit-learn on the generated corpus (agent.understand.corpus) and, for
the repository's own layer, on the requests people wrote and labelled by hand (the labelled,
held-out and used batches under tests/agent/understand/, never its unseen/ folder).

Fitting takes a couple of seconds and scikit-learn a second more to import, so a parse never
does either: the fitted numbers are kept in a file and predicting is pure Python over the
few n-grams of one request. The repository's own semantic.yml has its file shipped beside
this module (rebuilt by `python -m agent.understand.learned --build`); any other layer's
model is fitted once, on first use, and kept in the user's cache directory.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import logging
import math
import operator
import os
import re
import sys
import threading
from array import array
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from agent.domain import Intent, stable_key
from agent.understand import corpus
from agent.understand.corpus import PER_FAMILY, SEED, Example, generate
from agent.understand.lexicon import Lexicon
from agent.understand.slots import parse

log = logging.getLogger("scout.understand")

# Any fixed day: the corpus is parsed only for its shape, where a date is a date.
_TRAINING_DAY = date(2025, 12, 15)
# Requests people wrote, labelled by hand. They are few beside the generated corpus and far
# more like what people type, so each counts this many times. Thread follow-ups are left out
# (their shape alone does not say what they mean). Left out one held-out batch at a time,
# the model's intent accuracy on it rises from 72% to 89% (bench/understand_model_cv.py).
LABELLED_REQUESTS = Path(__file__).resolve().parents[2] / "tests" / "agent" / "understand"
HAND_WEIGHT = 3
# Bump when the vectorisers, the classifier, this file's layout or the parser's shapes change:
# every kept model then misses its key and is fitted again (a model cached for another layer
# cannot notice a parser change by itself; the shipped one is checked by a test).
FORMAT = 2
SHIPPED = Path(__file__).with_name("intent_model.json.gz")
BUILD_COMMAND = "python -m agent.understand.learned --build"

# The two vectorisers, as scikit-learn fits them and as `word_ngrams`/`char_wb_ngrams`
# re-create their analysers; these are scikit-learn's defaults, spelled out because the
# pure-Python analysers must agree with them exactly.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 4)
CHAR_MIN_DF = 2
# Word n-grams seen in one example only (a name, a one-off phrase in a hand-written request)
# teach the model nothing general and would make the shipped file grow with every batch.
WORD_MIN_DF = 2

Analyzer = Literal["word", "char_wb"]


@dataclass(frozen=True, kw_only=True)
class Guess:
    """The model's intent for a request and its probability."""

    intent: Intent
    probability: float


def word_ngrams(text: str) -> list[str]:
    """scikit-learn's word analyser (lowercase, tokens of 2+ word characters, 1-2 grams)."""
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens)
    low, high = WORD_NGRAMS
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(text: str) -> list[str]:
    """scikit-learn's char_wb analyser: 2-4 grams inside each space-padded word."""
    grams: list[str] = []
    for word in text.lower().split():
        known = _WORD_GRAMS.get(word)
        if known is None:
            known = _char_wb_word(word)
            if len(_WORD_GRAMS) > 20_000:  # shapes reuse few words; bound the odd ones
                _WORD_GRAMS.clear()
            _WORD_GRAMS[word] = known
        grams.extend(known)
    return grams


def _char_wb_word(word: str) -> tuple[str, ...]:
    low, high = CHAR_NGRAMS
    padded = f" {word} "
    grams: list[str] = []
    for n in range(low, high + 1):
        grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
        if len(padded) <= n:  # a word shorter than n is counted once, not per n
            break
    return tuple(grams)


# A shape's words are mostly kinds (_metric_, _date_) and common words: memoised, their
# n-grams cost a dict lookup instead of twenty microseconds a request.
_WORD_GRAMS: dict[str, tuple[str, ...]] = {}


_ANALYZERS: dict[Analyzer, Callable[[str], list[str]]] = {
    "word": word_ngrams,
    "char_wb": char_wb_ngrams,
}


@dataclass(frozen=True, kw_only=True)
class _Part:
    """One vectoriser's share: its n-grams' columns, idf, and per column one weight a class."""

    analyzer: Analyzer
    columns: dict[str, int]
    idf: array[float]
    coef: tuple[array[float], ...]  # one row a class, one weight a column
    # coef times idf: with every count 1 (the usual case) a class's score is then a plain
    # sum over the request's columns, the cheapest loop pure Python has.
    scaled: tuple[array[float], ...] = field(init=False, repr=False)
    idf_squared: array[float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        scaled = tuple(array("d", map(operator.mul, row, self.idf)) for row in self.coef)
        object.__setattr__(self, "scaled", scaled)
        object.__setattr__(self, "idf_squared", array("d", (x * x for x in self.idf)))


class IntentModel:
    """Predicts an intent from a parsed request's shape, with no numeric library.

    Scores are what scikit-learn's pipeline computes: per vectoriser, sublinear tf times
    idf, L2-normalised (TfidfVectorizer's norm applies to each vectoriser's block on its
    own, before they are stacked), then the linear decision plus the intercept.
    """

    def __init__(
        self, *, parts: tuple[_Part, ...], intercept: tuple[float, ...], classes: tuple[Intent, ...]
    ) -> None:
        self._parts = parts
        self._intercept = intercept
        self._classes = classes

    @property
    def classes(self) -> tuple[Intent, ...]:
        return self._classes

    @staticmethod
    def train(lex: Lexicon, examples: list[Example]) -> IntentModel:
        """Fit on the examples' shapes, as the parser sees them."""
        return IntentModel.from_fitted(*fit_sklearn(*training_set(lex, examples)))

    @staticmethod
    def from_fitted(vectorizers: Sequence[Any], classifier: Any) -> IntentModel:
        """The fitted scikit-learn vectorisers' and classifier's numbers, as plain floats."""
        classes = tuple(Intent(c) for c in classifier.classes_)
        n = len(classes)
        parts: list[_Part] = []
        offset = 0
        for kind, vec in zip(_ANALYZERS, vectorizers, strict=True):
            width = len(vec.idf_)
            block = classifier.coef_[:, offset : offset + width]
            parts.append(
                _Part(
                    analyzer=kind,
                    columns={str(t): int(i) for t, i in vec.vocabulary_.items()},
                    idf=array("d", (float(x) for x in vec.idf_)),
                    coef=tuple(array("d", (float(x) for x in block[k])) for k in range(n)),
                )
            )
            offset += width
        intercept = tuple(float(x) for x in classifier.intercept_)
        return IntentModel(parts=tuple(parts), intercept=intercept, classes=classes)

    def decision(self, shape: str) -> list[float]:
        """One linear score per class, as SGDClassifier.decision_function gives them."""
        scores = list(self._intercept)
        for part in self._parts:
            counts: dict[int, int] = {}
            for term in _ANALYZERS[part.analyzer](shape):
                column = part.columns.get(term)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            columns = list(counts)
            # Sublinear tf is 1 + log(count): a sum of the columns' scaled weights, plus
            # log(count) more of those seen twice or more. Summed in C by itemgetter and sum,
            # twelve classes cost tens of microseconds where a Python loop costs a hundred.
            repeated = [(j, math.log(c)) for j, c in counts.items() if c > 1]
            pick = operator.itemgetter(*columns) if len(columns) > 1 else _one(columns[0])
            squares = sum(pick(part.idf_squared))
            for j, extra in repeated:
                squares += ((1.0 + extra) ** 2 - 1.0) * part.idf_squared[j]
            norm = math.sqrt(squares)
            for k, row in enumerate(part.scaled):
                total = sum(pick(row))
                for j, extra in repeated:
                    total += extra * row[j]
                scores[k] += total / norm
        return scores

    def guess(self, shape: str) -> Guess:
        """The most probable intent for a shape."""
        # One-vs-rest logistic outputs, normalised, as SGDClassifier.predict_proba does.
        probabilities = [_sigmoid(s) for s in self.decision(shape)]
        total = sum(probabilities)
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        return Guess(intent=self._classes[best], probability=probabilities[best] / total)


def _one(column: int) -> Callable[[array[float]], tuple[float]]:
    """A picker for one column (itemgetter of one index returns the item, not a tuple)."""
    return lambda row: (row[column],)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # the other branch would overflow for a very negative score
    return e / (1.0 + e)


def training_set(lex: Lexicon, examples: Sequence[Example]) -> tuple[list[str], list[str]]:
    """The examples' shapes (what the model reads) and their intents."""
    # Each hand-labelled request appears HAND_WEIGHT times: parsed once.
    shape_of: dict[str, str] = {}
    for e in examples:
        if e.text not in shape_of:
            shape_of[e.text] = parse(e.text, lex, _TRAINING_DAY).shape
    return [shape_of[e.text] for e in examples], [e.intent.value for e in examples]


def fit_sklearn(shapes: Sequence[str], labels: Sequence[str]) -> tuple[tuple[Any, ...], Any]:
    """The vectorisers and classifier fitted with scikit-learn (imported only here)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier

    vectorizers = (
        TfidfVectorizer(
            ngram_range=WORD_NGRAMS,
            sublinear_tf=True,
            token_pattern=_TOKEN.pattern,
            min_df=WORD_MIN_DF,
            norm="l2",
        ),
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=CHAR_NGRAMS,
            sublinear_tf=True,
            min_df=CHAR_MIN_DF,
            norm="l2",
        ),
    )
    features = hstack([v.fit_transform(shapes) for v in vectorizers]).tocsr()
    # Stochastic gradient descent with a fixed seed: the same corpus gives the same model,
    # in about a second where a full logistic-regression solve takes ten or more.
    classifier = SGDClassifier(
        loss="log_loss", alpha=1e-4, max_iter=30, tol=None, random_state=SEED
    )
    classifier.fit(features, list(labels))
    return vectorizers, classifier


# --- keeping fitted models ----------------------------------------------------------------


def model_key(lex: Lexicon) -> str:
    """What the fitted model depends on, hashed without generating or parsing the corpus.

    The corpus is a pure function of the layer's words, the seed and corpus.py (hashed as
    source, so a changed template or rule changes the key); generating it costs 60 ms a
    process, this a millisecond. The shapes also depend on the parser: the shipped file
    records a digest of its corpus and shapes, and a test rebuilds and compares them.
    """
    phrases = sorted(
        (list(k), [[s.kind, s.name, s.value] for s in senses]) for k, senses in lex.phrases.items()
    )
    return stable_key(
        "intent-model", FORMAT, SEED, PER_FAMILY, lex.fuzzy, phrases,
        sorted((k, list(v)) for k, v in lex.dims_for.items()),
        sorted((k, list(v)) for k, v in lex.values.items()),
        sorted(" ".join(w) for w in lex.weak),
        _corpus_source(lex),
    )  # fmt: skip


def _corpus_source(lex: Lexicon) -> str:
    try:
        return hashlib.sha256(Path(corpus.__file__).read_bytes()).hexdigest()
    except OSError:  # no source installed: the generated texts and labels stand in for it
        h = hashlib.sha256()
        for e in generate(lex):
            h.update(f"{e.text}\t{e.intent.value}\n".encode())
        return h.hexdigest()


def corpus_digest(examples: Sequence[Example], shapes: Sequence[str]) -> str:
    """A digest of what a model was fitted on: texts, intents and the parser's shapes."""
    h = hashlib.sha256()
    for e, shape in zip(examples, shapes, strict=True):
        h.update(f"{e.text}\t{e.intent.value}\t{shape}\n".encode())
    return h.hexdigest()[:16]


def to_document(model: IntentModel, *, key: str, digest: str) -> dict[str, Any]:
    """The model as JSON: terms in column order, floats as base64 little-endian doubles
    (coef: one row a class, rows end to end).

    Doubles round-trip exactly and load in a millisecond, where 60,000 decimal floats take
    tens of milliseconds to parse; only exact zeros could be dropped, and SGD leaves none.
    """
    return {
        "format": FORMAT,
        "key": key,
        "corpus": digest,
        "seed": SEED,
        "classes": [c.value for c in model.classes],
        "intercept": list(model._intercept),
        "parts": [
            {
                "analyzer": p.analyzer,
                "terms": sorted(p.columns, key=p.columns.__getitem__),
                "idf": _pack(p.idf),
                "coef": _pack(array("d", (x for row in p.coef for x in row))),
            }
            for p in model._parts
        ],
    }


def from_document(doc: Any, *, key: str) -> IntentModel:
    """The model a document holds; ValueError if it is another key's, another format's or
    not whole."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
        raise ValueError("another format or key")
    classes = tuple(Intent(c) for c in doc["classes"])
    intercept = tuple(float(x) for x in doc["intercept"])
    parts: list[_Part] = []
    for raw, kind in zip(doc["parts"], _ANALYZERS, strict=True):
        terms = [str(t) for t in raw["terms"]]
        idf, flat = _unpack(raw["idf"]), _unpack(raw["coef"])
        columns = {t: i for i, t in enumerate(terms)}
        if raw["analyzer"] != kind or not len(columns) == len(idf) == len(terms):
            raise ValueError(f"{kind}: terms and idf disagree")
        if len(flat) != len(terms) * len(classes):
            raise ValueError(f"{kind}: coefficients and terms disagree")
        w = len(terms)
        coef = tuple(flat[k * w : (k + 1) * w] for k in range(len(classes)))
        parts.append(_Part(analyzer=kind, columns=columns, idf=idf, coef=coef))
    if not classes or len(intercept) != len(classes):
        raise ValueError("classes and intercept disagree")
    return IntentModel(parts=tuple(parts), intercept=intercept, classes=classes)


def _pack(values: array[float]) -> str:
    data = array("d", values)
    if sys.byteorder == "big":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode("ascii")


def _unpack(text: str) -> array[float]:
    data = array("d")
    data.frombytes(base64.b64decode(text, validate=True))
    if sys.byteorder == "big":
        data.byteswap()
    return data


def read_model(path: Path, *, key: str) -> IntentModel | None:
    """The model kept at `path` for this key, or None: absent, another key's, or unreadable
    (a half-written or damaged file is refitted, never trusted or fatal)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("understand.intent_model_unreadable path=%s error=%r", path, error)
        return None
    try:
        doc = json.loads(gzip.decompress(raw))
        if isinstance(doc, dict) and doc.get("key") != key:
            return None  # another layer's model (the shipped file, for any other layer)
        return from_document(doc, key=key)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
        log.warning("understand.intent_model_unreadable path=%s error=%r", path, error)
        return None


def write_model(path: Path, model: IntentModel, *, key: str, digest: str) -> None:
    """Write atomically (a reader sees the old file or the whole new one); mtime 0 keeps the
    shipped file's bytes a function of the model alone."""
    doc = to_document(model, key=key, digest=digest)
    data = gzip.compress(json.dumps(doc, separators=(",", ":")).encode(), mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, path)


def cache_dir() -> Path:
    """Where models fitted for other layers are kept: SCOUT_HOME/cache when set (tests set
    it), else $XDG_CACHE_HOME/scout or ~/.cache/scout."""
    home = os.environ.get("SCOUT_HOME")
    if home:
        return Path(home).expanduser() / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scout"


def hand_written(
    folder: Path = LABELLED_REQUESTS, *, leave_out: Collection[Path] = ()
) -> list[Example]:
    """The hand-labelled requests outside the unseen batches: the labelled set, the held-out
    batches and the batches read for fixes (none when not in a clone), less `leave_out`."""
    import yaml  # only a build reads these

    paths = [folder / "labelled.yml", folder / "heldout.yml"]
    paths += sorted(folder.glob("heldout_batch*.yml"), key=lambda p: (len(p.stem), p.stem))
    # Batches read for fixes: labelled like the others, and never again an unseen measure.
    paths += sorted((folder / "read").glob("batch*.yml"), key=lambda p: (len(p.stem), p.stem))
    examples: list[Example] = []
    for path in paths:
        if not path.is_file() or path in leave_out:
            continue
        for raw in yaml.safe_load(path.read_text())["items"]:
            if raw.get("context") or raw.get("previous"):
                continue
            examples.append(Example(text=str(raw["text"]), intent=Intent(raw["expect"]["intent"])))
    return examples


def training_examples(lex: Lexicon, *, hand: bool) -> list[Example]:
    """The generated corpus, plus the hand-labelled requests for the repository's layer
    (they are written in its words; another layer is fitted on its own corpus alone)."""
    examples = generate(lex)
    if hand:
        examples += hand_written() * HAND_WEIGHT
    return examples


def fit(lex: Lexicon, *, hand: bool = False) -> tuple[IntentModel, str]:
    """Fit on the layer's training examples; the model and the digest of what it read."""
    examples = training_examples(lex, hand=hand)
    shapes, labels = training_set(lex, examples)
    model = IntentModel.from_fitted(*fit_sklearn(shapes, labels))
    return model, corpus_digest(examples, shapes)


def load_or_fit(lex: Lexicon, *, folder: Path | None = None) -> IntentModel:
    """The layer's model: the shipped file, else the cache, else fitted now and cached."""
    key = model_key(lex)
    model = read_model(SHIPPED, key=key)
    if model is not None:
        return model
    where = (folder or cache_dir()) / f"intent-model-{key}.json.gz"
    model = read_model(where, key=key)
    if model is not None:
        return model
    log.info("understand.intent_model_fit key=%s path=%s", key, where)
    model, digest = fit(lex)
    try:
        write_model(where, model, key=key, digest=digest)
    except OSError as error:  # a read-only cache costs a refit next process, nothing more
        log.warning("understand.intent_model_cache_failed path=%s error=%r", where, error)
    return model


_BY_LEXICON: dict[int, tuple[Lexicon, IntentModel]] = {}
_BY_KEY: dict[str, IntentModel] = {}
_LOCK = threading.Lock()


def intent_model(lex: Lexicon) -> IntentModel:
    """The lexicon's model, loaded (or fitted) on first use and kept for the process.

    Kept by the model key as well as by the object: every fresh load of the same semantic
    layer (tests do this often) shares one model instead of loading its own.
    """
    hit = _BY_LEXICON.get(id(lex))
    if hit is not None and hit[0] is lex:
        return hit[1]
    with _LOCK:
        key = model_key(lex)
        model = _BY_KEY.get(key)
        if model is None:
            model = load_or_fit(lex)
            if len(_BY_KEY) > 4:  # layers are few; forget old ones rather than grow forever
                _BY_KEY.clear()
            _BY_KEY[key] = model
        if len(_BY_LEXICON) > 16:
            _BY_LEXICON.clear()
        _BY_LEXICON[id(lex)] = (lex, model)
        return model


def pin_model(lex: Lexicon, model: IntentModel) -> None:
    """Parse with `model` for this lexicon from now on: a bench scoring a model fitted without
    the requests it is scored on."""
    with _LOCK:
        _BY_LEXICON[id(lex)] = (lex, model)


def build_shipped(path: Path = SHIPPED) -> tuple[str, str]:
    """Fit the repository's semantic.yml model and write it to `path`; its key and digest."""
    from agent.paths import REPO_ROOT
    from agent.semantic import load_semantic
    from agent.understand.lexicon import lexicon_for

    lex = lexicon_for(load_semantic(REPO_ROOT / "semantic.yml"))
    key = model_key(lex)
    model, digest = fit(lex, hand=True)
    write_model(path, model, key=key, digest=digest)
    return key, digest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the learned intent model's shipped file")
    parser.add_argument(
        "--build", action="store_true", help="refit on the repository's semantic.yml and write it"
    )
    args = parser.parse_args(argv)
    if not args.build:
        parser.print_help()
        return 2
    key, digest = build_shipped()
    print(f"wrote {SHIPPED} ({SHIPPED.stat().st_size:,} bytes; key {key}, corpus {digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
