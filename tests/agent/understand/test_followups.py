"""Follow-ups in a thread: every labelled follow-up gives exactly the goal written for it."""

from __future__ import annotations

import pytest

from agent.domain import Goal
from agent.semantic import SemanticLayer
from agent.understand import understand
from tests.agent.understand.labelled import FOLLOWUPS, Item, load_items, mismatches

ITEMS = load_items(FOLLOWUPS)


def in_thread(item: Item, layer: SemanticLayer) -> Goal:
    context = item.previous_goal()
    for earlier in item.context:
        context = understand(earlier, layer=layer, today=item.today, context=context)
    assert context is not None, "a follow-up needs something to follow"
    return understand(item.text, layer=layer, today=item.today, context=context)


def test_the_set_covers_each_thread_rule() -> None:
    texts = " | ".join(i.text.lower() for i in ITEMS)
    for marker in ("what about", "compare to", "vs ", "break", "week before", "why?"):
        assert marker in texts
    assert any(i.previous is not None for i in ITEMS)


@pytest.mark.parametrize("item", ITEMS, ids=[f"{n:03d}" for n in range(len(ITEMS))])
def test_follow_up(item: Item, layer: SemanticLayer) -> None:
    goal = in_thread(item, layer)
    wrong = list(mismatches(item, goal))
    assert not wrong, (
        f"\n  follow-up: {item.text!r} after {list(item.context) or item.previous}\n"
        + "\n".join(f"  {name}: expected {want!r}, got {got!r}" for name, want, got in wrong)
    )
