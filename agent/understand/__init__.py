"""Understanding requests: a Slack message (and its thread) → a precise Goal, or a question.

Deterministic and offline: the semantic layer's words, a fixed `today` and rules, with a
small intent model trained on a corpus generated from the same words (agent.understand.
learned) deciding only where no rule stated an intent. An optional LLM path can sit behind
the same `understand` signature later.
"""

from agent.understand.clarify import is_complete
from agent.understand.core import reading_notes, understand, understand_with
from agent.understand.lexicon import LayerLike, Lexicon, lexicon_for
from agent.understand.normalize import clean, normalize

__all__ = [
    "LayerLike",
    "Lexicon",
    "clean",
    "is_complete",
    "lexicon_for",
    "normalize",
    "reading_notes",
    "understand",
    "understand_with",
]
