"""Held-out batches kept in files of their own (heldout_batch*.yml): each is a real batch
(varied intents, some out of scope, written apart from the labelled set) and parses at the
held-out bar, so a change that breaks one of its phrasings shows up here."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.domain import Goal, Intent
from agent.semantic import SemanticLayer
from agent.understand import understand
from bench.understand_accuracy import sections
from tests.agent.understand.labelled import (
    HELDOUT,
    HELDOUT_BATCHES,
    LABELLED,
    Item,
    load_items,
    mismatches,
)


def parse(item: Item, layer: SemanticLayer) -> Goal:
    context: Goal | None = None
    for earlier in item.context:
        context = understand(earlier, layer=layer, today=item.today, context=context)
    return understand(item.text, layer=layer, today=item.today, context=context)


def test_there_is_a_batch_file() -> None:
    assert [p.name for p in HELDOUT_BATCHES] and all(
        p.parent == HELDOUT.parent for p in HELDOUT_BATCHES
    )


@pytest.mark.parametrize("path", HELDOUT_BATCHES, ids=lambda p: p.stem)
def test_a_batch_is_varied_and_apart_from_the_other_sets(path: Path) -> None:
    items = load_items(path)
    assert len(items) >= 40
    assert len({i.intent for i in items}) >= 10
    assert 0.1 <= sum(i.scope == "out" for i in items) / len(items) <= 0.2
    # The bench names each batch by its section heading.
    assert all("batch" in head for head in sections(path))
    others = {i.text.lower() for p in (LABELLED, HELDOUT) for i in load_items(p)}
    assert not [i.text for i in items if i.text.lower() in others]


@pytest.mark.parametrize("path", HELDOUT_BATCHES, ids=lambda p: p.stem)
def test_a_batch_parses_at_the_held_out_bar(layer: SemanticLayer, path: Path) -> None:
    items = load_items(path)
    wrong = [(i.text, bad) for i in items if (bad := list(mismatches(i, parse(i, layer))))]
    assert len(wrong) <= 0.03 * len(items), wrong
    refused = [i for i in items if i.scope == "out" and parse(i, layer).intent is Intent.UNKNOWN]
    assert len(refused) == sum(i.scope == "out" for i in items)
