"""One bounded poll for the tests: wait for what another task, thread or process does, up to
a deadline, never a fixed sleep that hopes it is long enough."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable


async def until(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str,
    *,
    timeout: float = 10.0,
    every: float = 0.01,
) -> None:
    """Return as soon as `condition()` (plain or awaitable) holds; fail after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        done = condition()
        if inspect.isawaitable(done):
            done = await done
        if done:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(every)
