"""Every labelled request must give exactly the goal an analyst wrote down for it."""

from __future__ import annotations

import pytest

from agent.domain import Goal
from agent.semantic import SemanticLayer
from agent.understand import understand
from tests.agent.understand.labelled import Item, load_items, mismatches

ITEMS = load_items()


def parse_in_thread(item: Item, layer: SemanticLayer) -> Goal:
    context: Goal | None = None
    for earlier in item.context:
        context = understand(earlier, layer=layer, today=item.today, context=context)
    return understand(item.text, layer=layer, today=item.today, context=context)


def test_the_set_is_big_and_covers_every_intent() -> None:
    from agent.domain import Intent

    assert len(ITEMS) >= 150
    assert {i.intent for i in ITEMS} == {i.value for i in Intent}


@pytest.mark.parametrize("item", ITEMS, ids=[f"{n:03d}" for n in range(len(ITEMS))])
def test_labelled_request(item: Item, layer: SemanticLayer) -> None:
    goal = parse_in_thread(item, layer)
    wrong = list(mismatches(item, goal))
    assert not wrong, (
        f"\n  text:    {item.text!r} (today {item.today}, context {list(item.context)})\n"
        + "\n".join(f"  {name}: expected {want!r}, got {got!r}" for name, want, got in wrong)
    )
    assert goal.text == item.text
    assert 0.0 < goal.confidence <= 1.0
