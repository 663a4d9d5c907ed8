"""Perception plumbing: every source read becomes an Observation, never an exception.

A source is a zero-argument callable (async or not) returning either a mapping (complete
data, full confidence) or a `Reading` (data plus how much of it arrived). A source that
raises or exceeds its timeout yields a zero-confidence observation carrying the error, so a
monitor cycle survives one broken source and says which one broke.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agent.domain import Observation

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, kw_only=True)
class Reading:
    """What a source returned, with its completeness: `received` of `expected` parts."""

    data: Mapping[str, Any]
    expected: int | None = None
    received: int | None = None
    confidence: float = 1.0
    notes: tuple[str, ...] = ()

    @property
    def completeness(self) -> float:
        if not self.expected:
            return 1.0
        got = self.expected if self.received is None else self.received
        return max(0.0, min(1.0, got / self.expected))


Source = Callable[[], Awaitable[Mapping[str, Any] | Reading] | Mapping[str, Any] | Reading]


@dataclass(frozen=True, kw_only=True)
class SourceSpec:
    """A named source with its own timeout and context (e.g. the metric and window read)."""

    name: str
    fn: Source
    timeout: float = 10.0
    context: Mapping[str, Any] = field(default_factory=dict)


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def observe(
    source: str,
    fn: Source,
    timeout: float,
    *,
    context: Mapping[str, Any] | None = None,
    clock: Clock = _utcnow,
) -> Observation:
    """Read one source within `timeout` seconds; failures become zero-confidence observations."""
    ctx = dict(context or {})
    started = clock()
    try:
        result = await asyncio.wait_for(_call(fn), timeout=timeout)
    except TimeoutError:
        return _failed(source, started, ctx, f"timed out after {timeout:g}s")
    except Exception as error:  # a broken source must never break the cycle
        return _failed(source, started, ctx, f"{type(error).__name__}: {error}")
    return _from_result(source, started, ctx, result)


async def observe_all(
    sources: Iterable[SourceSpec], *, clock: Clock = _utcnow, concurrency: int = 8
) -> list[Observation]:
    """Read sources concurrently (at most `concurrency` at once), in the given order."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(spec: SourceSpec) -> Observation:
        async with gate:
            return await observe(
                spec.name, spec.fn, spec.timeout, context=spec.context, clock=clock
            )

    return list(await asyncio.gather(*(one(s) for s in sources)))


def overall_confidence(observations: Sequence[Observation]) -> float:
    """Mean confidence of a cycle's observations (0 when there are none)."""
    if not observations:
        return 0.0
    return sum(o.confidence for o in observations) / len(observations)


def failures(observations: Iterable[Observation]) -> list[Observation]:
    """The observations whose source failed, for the cycle report."""
    return [o for o in observations if o.error is not None]


async def _call(fn: Source) -> Mapping[str, Any] | Reading:
    if inspect.iscoroutinefunction(fn):
        return await fn()  # type: ignore[no-any-return,misc]
    # Sync sources (DuckDB, sqlite, files) run off the event loop. On timeout the thread
    # cannot be killed; wait_for abandons it and the cycle moves on.
    result = await asyncio.to_thread(fn)
    if inspect.isawaitable(result):
        return await result
    return result


def _from_result(source: str, at: datetime, ctx: dict[str, Any], result: object) -> Observation:
    if isinstance(result, Reading):
        confidence = max(0.0, min(1.0, result.confidence)) * result.completeness
        if result.completeness < 1.0:
            ctx["completeness"] = round(result.completeness, 4)
            ctx["missing"] = (result.expected or 0) - (result.received or 0)
        if result.notes:
            ctx["notes"] = list(result.notes)
        return Observation(
            source=source, at=at, data=dict(result.data), confidence=confidence, context=ctx
        )
    if isinstance(result, Mapping):
        return Observation(source=source, at=at, data=dict(result), confidence=1.0, context=ctx)
    return _failed(
        source, at, ctx, f"returned {type(result).__name__}, expected a mapping or Reading"
    )


def _failed(source: str, at: datetime, ctx: dict[str, Any], error: str) -> Observation:
    log.warning("source_failed source=%s error=%s", source, error)
    return Observation(source=source, at=at, data={}, confidence=0.0, context=ctx, error=error)
