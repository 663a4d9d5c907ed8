"""Unseen batches (tests/agent/understand/unseen/): written apart from the parser and never
used to change it, so the bench's figure on them is honest. Only their shape is tested here;
a bar on their accuracy would invite fixing them, which would end their use as a measure."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from tests.agent.understand.labelled import (
    FOLLOWUPS,
    HELDOUT,
    HELDOUT_BATCHES,
    LABELLED,
    UNSEEN,
    load_items,
)


@cache
def _seen() -> frozenset[str]:
    """Every text of the sets a batch must stay apart from (read once, not per batch)."""
    return frozenset(
        i.text.lower()
        for p in (LABELLED, HELDOUT, FOLLOWUPS, *HELDOUT_BATCHES)
        for i in load_items(p)
    )


def test_there_is_an_unseen_batch() -> None:
    assert UNSEEN, "keep one batch unseen: write a new one when the last is used for fixes"


@pytest.mark.parametrize("path", UNSEEN, ids=lambda p: p.stem)
def test_an_unseen_batch_is_varied_and_apart_from_every_other_set(path: Path) -> None:
    items = load_items(path)
    assert len(items) >= 40
    assert len({i.intent for i in items}) >= 10
    assert 0.1 <= sum(i.scope == "out" for i in items) / len(items) <= 0.2
    assert not [i.text for i in items if i.text.lower() in _seen()]
    assert "never used to change it" in path.read_text()
