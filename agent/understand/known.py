"""Which words Scout knows: the layer's, the cue phrases', and the everyday English kept in
`vocabulary`. A word none of them knows is *foreign*; where foreign words sit in a request
says whether it is about the shop's data at all (agent.understand.scope) and which of its
clauses are asides."""

from __future__ import annotations

import re
from functools import cache

from agent.understand.intents import CUES
from agent.understand.lexicon import Lexicon
from agent.understand.vocabulary import (
    BEFORE_UNIT,
    COMMON_WORDS,
    CUE_WORDS,
    FUNCTION_WORDS,
    MEASURE_NOUNS,
    REPORT_VERBS,
    TIME_UNITS,
)
from agent.understand.windows import MONTHS, NUMBER_WORDS, WEEKDAYS

_LOOKAHEAD_NOT = re.compile(r"\(\?<?!(?:[^()]|\([^()]*\))*\)")


@cache
def _cue_spellings() -> frozenset[str]:
    """Every word a cue phrase spells out: known, whatever the layer says."""
    words: set[str] = set()
    # The things Scout refuses to do ("bump their commission") are no subject it knows.
    for rx in (rx for name, rx in CUES.items() if name != "action"):
        # Not the words a cue must not be followed by ("weekly" but not "weekly report").
        spelt = _LOOKAHEAD_NOT.sub(" ", rx.pattern)
        words |= set(re.findall(r"[a-z]{2,}", spelt))
    return frozenset(words)


def is_foreign(word: str, lex: Lexicon) -> bool:
    """A word neither the layer, the cue phrases nor the everyday English here knows."""
    if word.endswith("in") and len(word) >= 4 and not is_foreign(word + "g", lex):
        return False  # "doin", "lookin": the -ing form typed short
    return (
        word.isalpha()
        and len(word) >= 3
        and word not in lex.vocabulary
        and (word,) not in lex.phrases  # "aov", "atc": short names the spelling list skips
        and word not in COMMON_WORDS
        and word not in CUE_WORDS
        and word not in FUNCTION_WORDS
        and word not in MEASURE_NOUNS
        and word not in REPORT_VERBS
        and word not in TIME_UNITS
        and word not in BEFORE_UNIT
        and word not in MONTHS
        and word not in WEEKDAYS
        and word not in NUMBER_WORDS
        and word not in _cue_spellings()
    )
