"""The optional LLM path on the held-out and follow-up sets, with the model's replies replayed.

Replies were recorded once from the prompts Scout sends (bench/understand_llm.py). A changed
prompt has no recording and fails the first test (re-record); a change to the validation
that costs answers, or lets a guess overrule a refusal, fails the others.
"""

from __future__ import annotations

import asyncio

import pytest

from agent.semantic import SemanticLayer
from tests.agent.llm.recorded import Score, load_recorded, measure
from tests.agent.understand.labelled import FOLLOWUPS, HELDOUT, HELDOUT_BATCHES, load_items
from tests.fakes.openai_server import FakeOpenAI

# What the recorded replies bought on the held-out set when they were recorded: 8 requests
# right that the rules alone got wrong, one the other way (a reading both can defend).
RECORDED_GAIN = 7


@pytest.fixture(scope="module")
def replayed(layer: SemanticLayer) -> tuple[dict[str, Score], list[str]]:
    heldout = [item for path in (HELDOUT, *HELDOUT_BATCHES) for item in load_items(path)]
    sets = [("held-out", heldout), ("follow-ups", load_items(FOLLOWUPS))]
    with FakeOpenAI() as fake:
        fake.replay(load_recorded())
        scores = asyncio.run(measure(sets, layer, fake))
        return {s.name: s for s in scores}, list(fake.unrecorded)


def test_every_prompt_scout_sends_has_a_recorded_reply(
    replayed: tuple[dict[str, Score], list[str]],
) -> None:
    scores, unrecorded = replayed
    assert scores["held-out"].consulted > 400  # the path was exercised, not skipped
    assert not unrecorded, (
        f"{len(unrecorded)} prompts have no recorded reply: the prompt or the sets changed. "
        "Record them: python -m bench.understand_llm --record BASE_URL --model MODEL"
    )


def test_the_model_path_gets_more_held_out_requests_right_than_the_rules_alone(
    replayed: tuple[dict[str, Score], list[str]],
) -> None:
    held = replayed[0]["held-out"]
    assert held.with_model_right - held.rules_right >= RECORDED_GAIN, (held.fixed, held.broken)
    assert len(held.broken) <= 1, held.broken


def test_no_out_of_scope_request_is_answered_because_a_model_guessed(
    replayed: tuple[dict[str, Score], list[str]],
) -> None:
    held = replayed[0]["held-out"]
    assert held.out_of_scope > 400
    assert held.with_model_refused == held.rules_refused == held.out_of_scope


def test_follow_ups_stay_right_with_the_model(
    replayed: tuple[dict[str, Score], list[str]],
) -> None:
    follow = replayed[0]["follow-ups"]
    assert follow.with_model_right == follow.rules_right == follow.items
