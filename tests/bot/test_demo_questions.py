"""The demo's questions are the same on every run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from agent.demo_data import GeneratedWarehouse
from agent.demo_data.scenarios import Scenario
from bot.demo import questions


def _built(where: dict[str, str]) -> GeneratedWarehouse:
    drop = Scenario(
        id="s1",
        kind="conversion_drop",
        metric="conversion_rate",
        where=where,
        start=date(2026, 11, 30),
        end=date(2026, 12, 5),
        effect_size=-0.47,
    )
    return GeneratedWarehouse(
        path=Path("unused.duckdb"), scenarios=(drop,), today=date(2026, 12, 5), seed=42
    )


def test_the_first_question_does_not_depend_on_the_segments_order() -> None:
    # The same segment recorded in either order: the question names the first dimension
    # by name (channel before device), so both runs ask the same thing.
    one = questions(_built({"device": "desktop", "channel": "organic"}))
    two = questions(_built({"channel": "organic", "device": "desktop"}))
    assert (
        one[0][0]
        == two[0][0]
        == "Can you analyze why conversion rates dropped for organic traffic?"
    )


def test_a_regional_drop_is_asked_about_its_region() -> None:
    asked = questions(_built({"device": "mobile", "region": "West"}))
    assert asked[0][0] == "Can you analyze why conversion rates dropped in the West?"
