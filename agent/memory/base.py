"""What the store's mixins need from `Memory`: its clock, its write transaction, its reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from agent.db import Row, Session


class StoreBase:
    """Declared here, provided by `Memory`, so each mixin type-checks on its own."""

    _now: Callable[[], datetime]

    def _write(self) -> AbstractAsyncContextManager[Session]:
        raise NotImplementedError

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError
