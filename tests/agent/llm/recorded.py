"""The LLM path measured on the labelled sets, with a model's replies recorded once.

Every request the rules are unsure of (`should_consult`) goes, as in the bot, through
`understand_with_llm` and the real `openai` SDK to the fake server on 127.0.0.1, which answers
each prompt with the reply recorded for it (`RECORDED`, keyed by the prompt's hash). A prompt
nobody recorded is answered with an error, so the rules' goal stands and the prompt is
counted: a change to the prompt shows up, and a change to the validation shows up in the
scores. Shared by the test (tests/agent/llm/test_understand_recorded.py) and the bench
(bench/understand_llm.py, which also exports the prompts and records new replies).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.domain import Goal
from agent.llm import LLMSettings, OpenAIClient, should_consult, understand_with_llm
from agent.semantic import SemanticLayer
from agent.understand import lexicon_for, understand_with
from tests.agent.understand.labelled import Item, mismatches
from tests.fakes.openai_server import FakeOpenAI, prompt_key

RECORDED = Path(__file__).with_name("recorded_understand.jsonl")


@dataclass(kw_only=True)
class Score:
    """One set, rules alone and rules with the model's replies."""

    name: str
    items: int = 0
    rules_right: int = 0
    with_model_right: int = 0
    out_of_scope: int = 0
    rules_refused: int = 0
    with_model_refused: int = 0
    consulted: int = 0
    changed: int = 0  # the model's goal replaced the rules'
    fixed: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def load_recorded(path: Path = RECORDED) -> dict[str, str]:
    """prompt key → the reply text the model gave."""
    if not path.exists():
        return {}
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return {row["key"]: row["reply"] for row in rows if "key" in row}


def rules_goal(item: Item, layer: SemanticLayer) -> Goal:
    """The rules' goal, with the thread's earlier messages read first, as in the bot."""
    lex = lexicon_for(layer)
    context = item.previous_goal()
    for earlier in item.context:
        context = understand_with(earlier, lexicon=lex, today=item.today, context=context)
    return understand_with(item.text, lexicon=lex, today=item.today, context=context)


async def measure(
    sets: Iterable[tuple[str, Sequence[Item]]], layer: SemanticLayer, fake: FakeOpenAI
) -> list[Score]:
    """Score each set through the model path, the fake answering from its recordings."""
    settings = LLMSettings(
        api_key="sk-recorded", model="recorded", base_url=fake.base_url, timeout_s=10, max_retries=0
    )
    client = OpenAIClient(settings)
    quiet = logging.getLogger("agent.llm")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # hundreds of expected "dropped"/"rejected" lines
    try:
        return [await _score(name, items, layer, client) for name, items in sets]
    finally:
        quiet.setLevel(level)
        await client.aclose()


async def _score(name: str, items: Sequence[Item], layer: SemanticLayer, client: Any) -> Score:
    score = Score(name=name)
    for item in items:
        rules = rules_goal(item, layer)
        goal = rules
        if should_consult(rules):
            score.consulted += 1
            goal = await understand_with_llm(
                item.text, layer=layer, today=item.today, llm=client, fallback=rules
            )
            score.changed += goal is not rules
        rules_ok = not any(mismatches(item, rules))
        model_ok = not any(mismatches(item, goal))
        score.items += 1
        score.rules_right += rules_ok
        score.with_model_right += model_ok
        if item.scope == "out":
            score.out_of_scope += 1
            score.rules_refused += rules.intent.value == "unknown"
            score.with_model_refused += goal.intent.value == "unknown"
        if model_ok and not rules_ok:
            score.fixed.append(item.text)
        if rules_ok and not model_ok:
            score.broken.append(item.text)
    return score


def prompts_sent(fake: FakeOpenAI) -> list[dict[str, Any]]:
    """Every distinct prompt the fake received: its key and the messages, in order."""
    seen: dict[str, dict[str, Any]] = {}
    for request in fake.requests:
        if isinstance(request.body, dict):
            messages = request.body.get("messages", [])
            seen.setdefault(prompt_key(messages), {"messages": messages, "body": request.body})
    return [{"key": key, **value} for key, value in seen.items()]
