"""The words Scout knows, built once per semantic layer: metrics, dimensions, their values.

Every phrase comes from the layer (names, labels, synonyms), normalised exactly like user
text, so "add-to-cart" in semantic.yml matches "add to cart" typed in Slack. Typos are fixed
token by token against the known vocabulary with a bounded edit distance (a symmetric
delete index keeps each lookup to a few dict probes, well under a millisecond).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from agent.understand.date_phrases import HOLIDAY_WORDS
from agent.understand.normalize import Token, clean, phrase_key, tokenize
from agent.understand.vocabulary import (
    COMMON_WORDS,
    CUE_WORDS,
    DIMENSION_ALIASES,
    GEO_WORDS,
    METRIC_ALIASES,
    NOT_TYPOS,
    SHORT_COMMON,
    STATE_NICKNAMES,
    TIME_UNITS,
    US_STATES,
    WEAK_VALUE_CONTEXT,
)
from agent.understand.windows import MONTHS, NUMBER_WORDS, WEEKDAYS

# Values whose plural is another word ("others" a pronoun, "news" not many new ones).
_NO_PLURAL = frozenset(["other", "new", "none"])
# Words before "to"/"with" that make what follows the other side of a comparison.
COMPARED = frozenset(["compared", "comparing", "compare", "relative", "next", "up"])


class MetricLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def synonyms(self) -> tuple[str, ...]: ...
    @property
    def format(self) -> str: ...
    @property
    def expr(self) -> str: ...
    @property
    def components(self) -> tuple[str, ...]: ...


class DimensionLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def values(self) -> tuple[str, ...]: ...
    @property
    def synonyms(self) -> Mapping[str, tuple[str, ...]]: ...


class LayerLike(Protocol):
    """What understanding needs from the semantic layer (agent.semantic.SemanticLayer fits)."""

    @property
    def metric_names(self) -> tuple[str, ...]: ...
    @property
    def dimension_names(self) -> tuple[str, ...]: ...
    def metric(self, name: str) -> MetricLike: ...
    def dimension(self, name: str) -> DimensionLike: ...
    def dimensions_for(self, metric_name: str) -> tuple[str, ...]: ...


@dataclass(frozen=True, kw_only=True)
class Sense:
    """One meaning of a phrase: a metric, a dimension (to group by) or a dimension value."""

    kind: Literal["metric", "dimension", "value"]
    name: str  # metric name, or dimension name
    value: str | None = None


@dataclass(frozen=True, kw_only=True)
class PhraseMatch:
    start: int  # token indices, end exclusive
    end: int
    senses: tuple[Sense, ...]
    text: str

    @property
    def is_metric(self) -> bool:
        """It can name a metric ("new customers" is a metric and a value)."""
        return any(s.kind == "metric" for s in self.senses)

    @property
    def is_value(self) -> bool:
        """It names only values of dimensions."""
        return all(s.kind == "value" for s in self.senses)


@dataclass(frozen=True, kw_only=True)
class Correction:
    typed: str
    fixed: str
    ambiguous: tuple[str, ...] = ()  # other words just as close


# Values that are also nouns taking an article ("a repeat", "a return").
_ALSO_NOUNS = frozenset(["repeat", "return", "refund", "delivery"])


_FILED = frozenset(
    ["coded", "mapped", "filed", "classed", "booked", "up", "lives", "sits", "sit", "falls",
     "goes", "belongs", "rolled", "rolls"]
)  # fmt: skip


def _shouted(tokens: Sequence[Token]) -> bool:
    """Whether the message is written in capitals throughout ("TOP 20 CUSTOMERS IN CA")."""
    words = [t.orig for t in tokens if t.orig.isalpha() and len(t.orig) > 2]
    return len(words) >= 3 and all(w.isupper() for w in words)


@dataclass(kw_only=True)
class Lexicon:
    """Phrases → senses, plus a spelling corrector over the same vocabulary."""

    phrases: dict[tuple[str, ...], tuple[Sense, ...]]
    metric_labels: dict[str, str]
    dimension_labels: dict[str, str]
    dims_for: dict[str, tuple[str, ...]]
    values: dict[str, tuple[str, ...]]
    vocabulary: frozenset[str]
    weak: frozenset[tuple[str, ...]]
    # A percentage defined as one count over another → that count: "how many returns" asks
    # for units returned, not the return rate its word also names.
    count_of: dict[str, str] = field(default_factory=dict)
    fuzzy: bool = True
    _deletes: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    # A metric's phrase with one word left open → (the phrase, the word left open).
    _near: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = field(
        default_factory=dict, repr=False
    )
    _max_len: int = 5
    _cache: dict[str, Correction | None] = field(default_factory=dict, repr=False)

    @staticmethod
    def from_layer(layer: LayerLike, *, fuzzy: bool = True) -> Lexicon:
        """Build the lexicon from the layer's names, labels, values and synonyms."""
        table: dict[tuple[str, ...], list[Sense]] = {}

        def add(phrase: str, sense: Sense) -> None:
            key = phrase_key(phrase)
            if key and sense not in table.setdefault(key, []):
                table[key].append(sense)

        metric_labels: dict[str, str] = {}
        for name in layer.metric_names:
            metric = layer.metric(name)
            metric_labels[name] = metric.label
            sense = Sense(kind="metric", name=name)
            plain_label = re.sub(r"\(.*?\)", "", metric.label)
            for phrase in (name, metric.label, plain_label, *metric.synonyms):
                add(phrase, sense)
                if not phrase.endswith("s") and " " in phrase.strip():
                    add(phrase + "s", sense)  # "conversion rates", "return rates"
                elif phrase.endswith("s") and not phrase.endswith("ss") and " " in phrase.strip():
                    add(phrase[:-1], sense)  # "new customer count", "support ticket trend"
            for phrase in METRIC_ALIASES.get(name, ()):
                add(phrase, sense)
        dimension_labels: dict[str, str] = {}
        values: dict[str, tuple[str, ...]] = {}
        for dim_name in layer.dimension_names:
            dim = layer.dimension(dim_name)
            dimension_labels[dim_name] = dim.label
            values[dim_name] = tuple(dim.values)
            group = Sense(kind="dimension", name=dim_name)
            for phrase in (dim_name, dim.label, *DIMENSION_ALIASES.get(dim_name, ())):
                add(phrase, group)
                add(plural(phrase), group)
            for value in dim.values:
                add(value, Sense(kind="value", name=dim_name, value=value))
                for synonym in dim.synonyms.get(value, ()):
                    add(synonym, Sense(kind="value", name=dim_name, value=value))
                if dim_name == "state" and value in US_STATES:
                    add(US_STATES[value], Sense(kind="value", name=dim_name, value=value))
                    for nickname in STATE_NICKNAMES.get(value, ()):
                        add(nickname, Sense(kind="value", name=dim_name, value=value))
        # "tickets about late deliveries", "refunds by topic": a one-word value in the plural
        # is still that value, unless the plural already means something else in the layer.
        plurals: dict[tuple[str, ...], tuple[str, ...]] = {}
        for key, senses in list(table.items()):
            word = key[0]
            if len(key) != 1 or len(word) < 4 or not word.isalpha() or word.endswith("s"):
                continue
            if word in _NO_PLURAL:
                continue
            if not all(s.kind == "value" for s in senses):
                continue
            many = phrase_key(plural(word))
            if many not in table:
                table[many] = list(senses)
                plurals[many] = key
        phrases = {k: tuple(v) for k, v in table.items()}
        # A value that is also an everyday word ("new", "home", "direct") needs context, and
        # so does its plural ("accounts").
        weak = frozenset(
            k for k, senses in phrases.items()
            if len(k) == 1 and plurals.get(k, k)[0] in COMMON_WORDS
            and all(s.kind == "value" for s in senses)
        )  # fmt: skip
        words = {w for key in phrases for w in key if w.isalpha() and len(w) >= 4}
        words |= CUE_WORDS | GEO_WORDS | HOLIDAY_WORDS | set(MONTHS) | set(WEEKDAYS)
        words |= set(NUMBER_WORDS)
        lexicon = Lexicon(
            phrases=phrases,
            metric_labels=metric_labels,
            dimension_labels=dimension_labels,
            dims_for={m: tuple(layer.dimensions_for(m)) for m in layer.metric_names},
            values=values,
            vocabulary=frozenset(words),
            weak=weak,
            count_of={
                name: count
                for name in layer.metric_names
                if (count := _count_behind(layer.metric(name))) is not None
            },
            fuzzy=fuzzy,
            _max_len=max(len(k) for k in phrases),
        )
        lexicon._index()
        return lexicon

    # ------------------------------------------------------------------ spelling

    def _index(self) -> None:
        index: dict[str, set[str]] = {}
        for word in self.vocabulary:
            if len(word) >= 4:
                for variant in _deletes(word, 2 if len(word) >= 5 else 1):
                    index.setdefault(variant, set()).add(word)
        self._deletes = {k: tuple(sorted(v)) for k, v in index.items()}
        for key, senses in self.phrases.items():
            if len(key) < 2 or not all(s.kind == "metric" for s in senses):
                continue
            for p, word in enumerate(key):
                if len(word) >= 4 and word.isalpha():
                    self._near.setdefault((*key[:p], "*", *key[p + 1 :]), []).append((key, word))

    def correct_closely(self, word: str) -> str | None:
        """The known word `word` was meant to be when one edit away and unambiguous."""
        fix = self.correct(word)
        if fix is None or fix.ambiguous or _osa(word, fix.fixed, 1) > 1:
            return None
        return fix.fixed

    def correct(self, word: str) -> Correction | None:
        """The known word `word` was probably meant to be, or None if it is fine or unknown."""
        if not self.fuzzy or len(word) < 5 or not word.isalpha():
            return None
        if word in self.vocabulary or word in COMMON_WORDS or word in NOT_TYPOS:
            return None
        if _inflects_common(word):
            return None
        if word in self._cache:
            return self._cache[word]
        allowed = 1 if len(word) <= 7 else 2
        candidates: set[str] = set()
        for variant in _deletes(word, 2):
            candidates.update(self._deletes.get(variant, ()))
        # Typing rarely gets the first letter wrong: "tests" is not a typo of "wests".
        scored = sorted(
            (d, c)
            for c in candidates
            if c[0] == word[0]
            and (d := _osa(word, c, allowed)) <= allowed
            and abs(len(c) - len(word)) <= allowed
        )
        result = None
        if scored:
            best, fixed = scored[0]
            ties = tuple(c for d, c in scored[1:] if d == best)
            result = Correction(typed=word, fixed=fixed, ambiguous=ties)
        if len(self._cache) > 50_000:  # a long-running bot sees endless new words
            self._cache.clear()
        self._cache[word] = result
        return result

    def correct_unit(self, word: str) -> Correction | None:
        """A short misspelt period word after "last 7" or "past" ("dyas", "wek"): too short
        for the general corrector, but the words around it leave only a unit of time."""
        if not self.fuzzy or not word.isalpha() or len(word) < 3:
            return None
        if word in TIME_UNITS or word in COMMON_WORDS or word in self.vocabulary:
            return None
        close = [u for u in TIME_UNITS if abs(len(u) - len(word)) <= 1 and _osa(word, u, 1) <= 1]
        if len(close) > 1:
            # "dasy" is one edit from "day" and "days": a swap of letters beats a lost one.
            close = [u for u in close if len(u) == len(word)]
        if len(close) != 1:
            return None
        return Correction(typed=word, fixed=close[0])

    # ------------------------------------------------------------------ phrases

    def match(self, tokens: Sequence[Token], skip: Iterable[int] = ()) -> list[PhraseMatch]:
        """Longest known phrases, left to right, over tokens not already used."""
        used = set(skip)
        found: list[PhraseMatch] = []
        i = 0
        while i < len(tokens):
            if i in used:
                i += 1
                continue
            hit = None
            for n in range(min(self._max_len, len(tokens) - i), 0, -1):
                if any(j in used for j in range(i, i + n)):
                    continue
                key = tuple(t.text for t in tokens[i : i + n])
                senses = self.phrases.get(key)
                if senses and self._acceptable(key, tokens, i):
                    hit = PhraseMatch(start=i, end=i + n, senses=senses, text=" ".join(key))
                    break
                if n >= 2 and (near := self._one_word_off(key)) is not None:
                    hit = PhraseMatch(
                        start=i, end=i + n, senses=self.phrases[near], text=" ".join(near)
                    )
                    break
            if hit is None:
                i += 1
                continue
            found.append(hit)
            i = hit.end
        return found

    def _one_word_off(self, key: tuple[str, ...]) -> tuple[str, ...] | None:
        """'average older value', 'add to card rate', 'return rage': a metric's phrase with
        one real word typed for another (autocorrect's kind of typo, which the word-level
        corrector cannot see because the word typed is a word)."""
        for p, typed in enumerate(key):
            if len(typed) < 4:
                continue
            # "conversation rate": a long word two edits off is still the one meant.
            allowed = 1 if len(typed) < 8 else 2
            for phrase, word in self._near.get((*key[:p], "*", *key[p + 1 :]), ()):
                if typed[0] == word[0] and _osa(typed, word, allowed) <= allowed:
                    return phrase
        return None

    def _acceptable(self, key: tuple[str, ...], tokens: Sequence[Token], i: int) -> bool:
        word = key[0]
        after_key = tokens[i + len(key)].text if i + len(key) < len(tokens) else ""
        if (
            len(key) == 1
            and after_key in _TEAM_NOUNS
            and all(s.kind in ("metric", "value") for s in self.phrases[key])
        ):
            # "the support team", "the sales org", "the apparel team", "the returns floor":
            # people and places, not the measure or the segment.
            return False
        if len(key) == 1 and len(word) <= 2 and word in SHORT_COMMON:
            # "OR" the state, not "or" the conjunction; "GA shows a dip" is the analytics
            # tool, not Georgia.
            after = tokens[i + 1].text if i + 1 < len(tokens) else ""
            if _shouted(tokens):
                # "THAT OK FOR A SUNDAY": in capitals throughout, only a place's position
                # makes "OK" Oklahoma.
                return i > 0 and tokens[i - 1].text in ("in", "from", "to")
            return tokens[i].orig.isupper() and after not in _TOOL_VERBS
        if len(key) == 1 and i > 0 and tokens[i - 1].text in ("a", "an") and word in _ALSO_NOUNS:
            return False  # "to avoid a repeat this Friday": the noun, not returning customers
        if (
            word in ("partner", "partners")
            and i > 0
            and _names_a_kind_of_partner(tokens[i - 1].text)
        ):
            return False  # "the courier partner", "the brand partner": a company, no channel
        if key in self.weak:
            # "against the West": an article between the context word and the value.
            # Not for everyday words: "on the new denim line" is no customer type.
            skip = word not in COMMON_WORDS and i > 1 and tokens[i - 1].text in ("the", "our")
            j = i - 1 if skip else i
            before = tokens[j - 1].text if j > 0 else ""
            after = tokens[i + 1].text if i + 1 < len(tokens) else ""
            following = tuple(t.text for t in tokens[i + 1 : i + 4])
            # "electronics compared to home": the second side of a comparison.
            compared = before in ("to", "with") and j > 1 and tokens[j - 2].text in COMPARED
            # "it lives under home", "it's all coded to home": where a thing sits in the layer.
            filed = (
                before in ("to", "as", "under", "into") and j > 1 and tokens[j - 2].text in _FILED
            )
            return (
                before in WEAK_VALUE_CONTEXT
                or compared
                or filed
                or after in ("vs", "versus", "or", "and", "related")
                # "(they live under home for you)", "home on your side": a gloss of the layer.
                or following[:2] in (("for", "you"), ("for", "us"), ("on", "your"), ("in", "your"))
                or self._qualifies_metric(key, following)
                or self._names_own_dimension(key, after)
                or self._names_own_dimension(key, before)  # "where customer_type = 'new'"
            )
        return True

    def _qualifies_metric(self, key: tuple[str, ...], following: tuple[str, ...]) -> bool:
        """'refund tickets', 'direct traffic', 'home return rate': the value names a kind of
        the metric that follows it (in one to three words), so the everyday word is the
        dimension's value after all. 'home revenue' too: a value of a dimension that cuts
        several metrics scopes the request even where this metric cannot be cut (the
        question back says so); 'refund sessions' does not."""
        dims = {s.name for s in self.phrases[key] if s.kind == "value"}
        senses = [
            s for n in range(1, len(following) + 1) for s in self.phrases.get(following[:n], ())
        ]
        if (
            following
            and following[0] in ("forecast", "forecasts")
            and "forecast_error" in self.dims_for
        ):
            # "the home forecast": the forecast's error, cut by the value.
            senses += self.phrases.get(("forecast", "error"), ())
        for s in senses:
            if s.kind != "metric":
                continue
            if dims & set(self.dims_for.get(s.name, ())):
                return True
            if any(self.cuts_many(d) for d in dims):
                return True
        return False

    def cuts_many(self, dim: str) -> bool:
        """Whether several metrics can be cut by the dimension (not a ticket's topic)."""
        return sum(dim in dims for dims in self.dims_for.values()) >= 3

    def _names_own_dimension(self, key: tuple[str, ...], word: str) -> bool:
        """'the home category', 'the direct channel': the value followed by its own
        dimension's word."""
        return any(
            s.kind == "value" and word in self.dimension_labels[s.name].lower().split()
            for s in self.phrases[key]
        )

    # ------------------------------------------------------------------ helpers

    def metrics_named(self, text: str) -> tuple[str, ...]:
        """The metrics a text names, in order, each once ("is revenue net of refunds?")."""
        found: list[str] = []
        for match in self.match(tokenize(clean(text).text)):
            for sense in match.senses:
                if sense.kind == "metric" and sense.name not in found:
                    found.append(sense.name)
        return tuple(found)

    def value_dimension(self, dims: Sequence[str], metric: str | None) -> str:
        """Of the dimensions sharing a value, the one the metric can use."""
        if metric is not None:
            for d in dims:
                if d in self.dims_for.get(metric, ()):
                    return d
        return dims[0]

    def group_dimension(self, dim: str, metric: str | None) -> str:
        """'category' for a sessions metric means landing_category: same words, its table."""
        if metric is None or dim in self.dims_for.get(metric, ()):
            return dim
        for other in self.dims_for.get(metric, ()):
            if other.endswith("_" + dim):
                return other
        return dim


def plural(phrase: str) -> str:
    """English plural of a dimension label: "category" → "categories"."""
    if phrase.endswith("y") and not phrase.endswith(("ay", "ey", "oy")):
        return phrase[:-1] + "ies"
    return phrase if phrase.endswith("s") else phrase + "s"


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 3}
        out |= frontier
    return out


_TEAM_NOUNS = frozenset(
    [
        "team",
        "teams",
        "squad",
        "department",
        "dept",
        "org",
        "staff",
        "agents",
        "reps",
        "desk",
        "floor",
        "dock",
        "huddle",
    ]
)
# Words after a two-letter code that make it a tool talking, not a state ("GA shows").
_TOOL_VERBS = frozenset(["shows", "showed", "says", "said", "reports", "reported", "dashboard"])


def _inflects_common(word: str) -> bool:
    """'kinds', 'asked', 'looking': an everyday word with an ending, never a typo to fix
    ("kinds" is one letter from "kids", a toy-category synonym)."""
    for ending in ("s", "es", "ed", "d", "ing", "ly"):
        if word.endswith(ending) and word[: -len(ending)] in COMMON_WORDS:
            return True
    return False


def _osa(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (edits + adjacent swaps), giving up past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


_CACHE: dict[int, tuple[object, Lexicon]] = {}


def _count_behind(metric: MetricLike) -> str | None:
    """The count a percentage is a share of, when it is written as one metric over another
    ("units_returned / units_sold")."""
    if metric.format != "percent" or len(metric.components) != 2:
        return None
    top, bottom = metric.components
    pattern = rf"\s*{re.escape(top)}\s*/\s*{re.escape(bottom)}\s*"
    return top if re.fullmatch(pattern, metric.expr) else None


def lexicon_for(layer: LayerLike) -> Lexicon:
    """The lexicon of a layer, built once and kept while the layer lives."""
    hit = _CACHE.get(id(layer))
    if hit is not None and hit[0] is layer:
        return hit[1]
    lexicon = Lexicon.from_layer(layer)
    if len(_CACHE) > 16:  # layers are few; forget old ones rather than grow forever
        _CACHE.clear()
    _CACHE[id(layer)] = (layer, lexicon)
    return lexicon


def _names_a_kind_of_partner(before: str) -> bool:
    """Whether the word before "partner" names what kind of partner it is ("courier",
    "brand", "logistics"), rather than leading to the affiliate channel ("from partners",
    "our partners", "affiliate partners")."""
    return before.isalpha() and before not in (
        WEAK_VALUE_CONTEXT | {"the", "our", "a", "an", "affiliate", "affiliates", "channel", "all"}
    )
