"""Perception: broken, slow and partial sources become observations, never exceptions."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from agent.perceive import (
    Reading,
    SourceSpec,
    failures,
    observe,
    observe_all,
    overall_confidence,
)

AT = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)


def clock() -> datetime:
    return AT


async def test_a_healthy_source_gives_full_confidence() -> None:
    async def kpis() -> dict[str, float]:
        return {"revenue": 1234.5}

    obs = await observe("kpi", kpis, timeout=1, context={"metric": "revenue"}, clock=clock)
    assert obs.data == {"revenue": 1234.5} and obs.confidence == 1.0 and obs.error is None
    assert obs.source == "kpi" and obs.at == AT and obs.context == {"metric": "revenue"}


async def test_a_failing_source_gives_zero_confidence_with_the_error() -> None:
    async def broken() -> dict[str, float]:
        raise ConnectionError("warehouse unreachable")

    def broken_sync() -> dict[str, float]:
        raise ValueError("bad column")

    obs = await observe("warehouse", broken, timeout=1, clock=clock)
    assert obs.confidence == 0.0 and obs.data == {}
    assert obs.error == "ConnectionError: warehouse unreachable"
    obs = await observe("duckdb", broken_sync, timeout=1, clock=clock)
    assert obs.error == "ValueError: bad column"


async def test_a_slow_source_times_out_into_an_observation() -> None:
    release = asyncio.Event()

    async def slow() -> dict[str, float]:
        await release.wait()  # never set: only the timeout can end this
        return {}

    obs = await observe("http", slow, timeout=0.05, clock=clock)
    assert obs.confidence == 0.0 and obs.error == "timed out after 0.05s"


async def test_a_slow_sync_source_times_out_too() -> None:
    gate = threading.Event()

    def blocking() -> dict[str, float]:
        gate.wait(5)
        return {"late": 1.0}

    try:
        obs = await observe("sqlite", blocking, timeout=0.05, clock=clock)
    finally:
        gate.set()  # let the abandoned thread finish
    assert obs.error == "timed out after 0.05s"


async def test_partial_data_lowers_confidence() -> None:
    def segments() -> Reading:
        return Reading(data={"West": 1.0, "South": 2.0, "Midwest": 3.0}, expected=4, received=3)

    obs = await observe("kpi.segments", segments, timeout=1, clock=clock)
    assert obs.confidence == 0.75
    assert obs.context == {"completeness": 0.75, "missing": 1}
    assert obs.data == {"West": 1.0, "South": 2.0, "Midwest": 3.0}

    async def stale() -> Reading:
        return Reading(data={"x": 1}, confidence=0.5, notes=("data is 2 days old",))

    obs = await observe("feed", stale, timeout=1, clock=clock)
    assert obs.confidence == 0.5 and obs.context["notes"] == ["data is 2 days old"]


async def test_a_source_returning_nonsense_is_a_failure() -> None:
    async def nonsense() -> object:
        return [1, 2, 3]

    obs = await observe("odd", nonsense, timeout=1, clock=clock)  # type: ignore[arg-type]
    assert obs.confidence == 0.0 and "expected a mapping" in (obs.error or "")


async def test_observe_all_keeps_order_and_survives_failures() -> None:
    async def ok() -> dict[str, int]:
        return {"v": 1}

    async def bad() -> dict[str, int]:
        raise RuntimeError("nope")

    async def hang() -> dict[str, int]:
        await asyncio.Event().wait()
        return {}

    specs = [
        SourceSpec(name="a", fn=ok),
        SourceSpec(name="b", fn=bad),
        SourceSpec(name="c", fn=hang, timeout=0.05),
        SourceSpec(name="d", fn=ok, context={"metric": "orders"}),
    ]
    observations = await observe_all(specs, clock=clock, concurrency=2)
    assert [o.source for o in observations] == ["a", "b", "c", "d"]
    assert [o.source for o in failures(observations)] == ["b", "c"]
    assert overall_confidence(observations) == 0.5
    assert observations[3].context == {"metric": "orders"}
    assert overall_confidence([]) == 0.0
