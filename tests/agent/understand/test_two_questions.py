"""Two questions in one message: the first answered, a second Scout refuses on its own named
as left out (with its reason), and a second that only makes sense with the first ("and the
week before?") read as part of the request, not as something left out."""

from __future__ import annotations

from datetime import date

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand import understand

MONDAY = date(2025, 12, 15)


@pytest.mark.parametrize(
    ("text", "metric", "why"),
    [
        # Refused as a whole before: the weather's place read as an unknown region.
        ("revenue last week? also, what's the weather in Boston?", "revenue", "weather"),
        ("orders yesterday? and can you book me a table at Nobu tonight?", "orders", "requests"),
        ("what was AOV last week? and who won the game last night?", "aov", "outside"),
    ],
)
def test_the_first_is_answered_and_the_second_named(
    layer: SemanticLayer, text: str, metric: str, why: str
) -> None:
    goal = understand(text, layer=layer, today=MONDAY)
    assert goal.intent is Intent.LOOKUP and goal.metric == metric
    assert goal.clarification is None
    assert why in goal.left_out


def test_a_second_question_that_leans_on_the_first_is_not_left_out(
    layer: SemanticLayer,
) -> None:
    goal = understand("revenue last week? and the week before?", layer=layer, today=MONDAY)
    assert goal.intent is Intent.COMPARE and goal.left_out == ""
    one = understand("revenue last week?", layer=layer, today=MONDAY)
    assert one.left_out == ""


def test_a_meeting_named_after_the_question_leaves_its_comparison(layer: SemanticLayer) -> None:
    # "… the week before? investor call at 3": the call is the next sentence's, not the name
    # of the week before (as "the December buy" names a buy).
    goal = understand(
        "revenue last week vs the week before? investor call at 3", layer=layer, today=MONDAY
    )
    assert goal.intent is Intent.COMPARE
    assert (str(goal.window.start), str(goal.baseline.start)) == ("2025-12-08", "2025-12-01")  # type: ignore[union-attr]
