"""Work done in other tools is no question for Scout: pasting into a doc, building a link,
overriding a forecast, asked politely or after a filler word."""

from __future__ import annotations

from datetime import date

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from agent.understand import understand

MONDAY = date(2025, 12, 15)


@pytest.mark.parametrize(
    "text",
    [
        "great, paste this into the Q4 planning doc under Revenue",
        "can you build me a tracking link for the holiday email?",
        "override the toys forecast for January by +15% in Anaplan",
        "um can you call the carrier and ask where the Northeast pallets are",
    ],
)
def test_work_in_another_tool_is_refused(layer: SemanticLayer, text: str) -> None:
    goal = understand(text, layer=layer, today=MONDAY)
    assert goal.intent is Intent.UNKNOWN and goal.clarification is not None
    assert goal.clarification.refusal  # said why, not "not sure"


def test_the_questions_those_words_also_start_stay_questions(layer: SemanticLayer) -> None:
    for text, intent in (
        ("how often do people paste a coupon code at checkout on mobile? conversion rate by device",
         Intent.BREAKDOWN),
        ("revenue from links in the holiday email last week", Intent.LOOKUP),
        ("how far off was the toys forecast last month?", Intent.FORECAST_CHECK),
    ):  # fmt: skip
        assert understand(text, layer=layer, today=MONDAY).intent is intent, text
