"""Everything a cycle needs, in one frozen container that tests can assemble from parts.

`open_deps(config)` wires the real pieces: the warehouse (a missing one becomes a warehouse
whose queries fail, so cycles still run and report zero-confidence observations, until it
opens at a later question), the semantic layer, Scout's memory and the actor, sharing one
database (a sqlite file, or a PostgreSQL URL shared by replicas). Tests pass their own
warehouse, today and memory location; Scout's own logic is never swapped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from agent.act import (
    Actor,
    ActResult,
    ActSettings,
    ApprovalRequest,
    ExecutionRecord,
    Integration,
    OutboxEntry,
)
from agent.act.email import email_integrations
from agent.act.webhooks import webhook_integrations
from agent.analyses.base import AnalysisContext
from agent.config import ScoutConfig, data_dir
from agent.db import postgres_url
from agent.errors import ScoutError, WarehouseUnavailable
from agent.investigator import AnalysisInvestigator
from agent.llm import LLM, from_config
from agent.memory import Memory
from agent.semantic import SemanticLayer, load_semantic
from agent.semantic.contacts import WarehouseContacts
from agent.semantic.policies import UNRESTRICTED, Access, Policies, load_policies
from agent.views import Reply
from agent.warehouse import Warehouse, open_warehouse

log = logging.getLogger(__name__)

Today = Callable[[], date]
Clock = Callable[[], datetime]


class ActDesk(Protocol):
    """The acting port the loop and the adapters use (agent.act.Actor implements it)."""

    async def propose(
        self, action: Any, *, requested_by: str, content: Reply | None = None
    ) -> ActResult: ...
    async def approve(self, approval_id: str, user_id: str) -> ActResult: ...
    async def reject(self, approval_id: str, user_id: str, reason: str) -> ActResult: ...
    async def pending(self) -> list[ApprovalRequest]: ...
    async def executions(
        self, *, key: str | None = None, limit: int = 100
    ) -> list[ExecutionRecord]: ...
    async def approval(self, approval_id: str) -> ApprovalRequest: ...
    async def is_paused(self) -> bool: ...
    async def pause(self, by: str, reason: str = "") -> None: ...
    async def resume(self, by: str, reason: str = "") -> None: ...
    async def outbox(
        self, *, limit: int = 100, execution_id: str | None = None
    ) -> list[OutboxEntry]: ...
    async def close(self) -> None: ...


@dataclass(frozen=True, kw_only=True)
class Deps:
    """The warehouse, the semantic layer, memory, the actor, the clock and the configuration."""

    config: ScoutConfig
    warehouse: Warehouse
    layer: SemanticLayer
    memory: Memory
    act: ActDesk
    investigator: AnalysisInvestigator
    today: Today
    clock: Clock
    out_dir: Path | None = None
    extras: Mapping[str, object] = field(default_factory=dict)
    # The optional model (None = off): consulted when the rules cannot read a request, and
    # for extra action proposals, both validated (agent.llm).
    llm: LLM | None = None
    # policies.yml beside semantic.yml (None: none, everyone sees everything) and the access
    # of whoever this copy of the deps works for (`limited_to`), which every context carries.
    policies: Policies | None = None
    access: Access = UNRESTRICTED

    def context(self) -> AnalysisContext:
        """What an analysis gets, for today, under the current access."""
        return AnalysisContext(
            warehouse=self.warehouse,
            layer=self.layer,
            today=self.today(),
            out_dir=self.out_dir,
            access=self.access,
        )

    def access_for(self, user: str) -> Access:
        """A person's access, from their Slack user id (never from what they wrote)."""
        return self.policies.for_user(user) if self.policies is not None else UNRESTRICTED

    def channel_access(self, *names: str) -> Access:
        """What a scheduled post to a channel (its id, its name) may show."""
        return self.policies.for_channel(*names) if self.policies is not None else UNRESTRICTED

    def limited_to(self, access: Access) -> Deps:
        """The same deps working for someone with `access` (shared memory, actor, warehouse)."""
        return self if access == self.access else replace(self, access=access)

    async def close(self) -> None:
        closing = getattr(self.llm, "aclose", None)
        if closing is not None:
            await closing()
        await self.act.close()
        await self.memory.close()
        self.warehouse.close()


# A question's queries follow each other within milliseconds: a second between attempts
# means at most one attempt per question, and one a second under a burst of them.
REOPEN_AFTER_S = 1.0


class UnavailableWarehouse:
    """A warehouse that could not be opened at start-up (a file not there yet, a bad URL).

    Every query raises the last opening error as WarehouseUnavailable, until `reopen` (when
    given) succeeds: it is tried again at most once per REOPEN_AFTER_S, so the next question after
    the file appears is answered without a restart, and a warehouse that stays missing costs
    one attempt a second, not one per query. Once open, queries go to the real warehouse.
    """

    # What a missing file is; a URL that failed fails at its scheme or driver, which no retry
    # mends, so SQL compiled before the first opening is DuckDB's.
    dialect = "duckdb"

    def __init__(
        self,
        error: Exception,
        reopen: Callable[[], Warehouse] | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.error = error
        self._reopen = reopen
        self._monotonic = monotonic
        self._tried = monotonic()  # the failed opening that made this warehouse
        self._opened: Warehouse | None = None
        self._closed = False
        self._lock = threading.Lock()  # queries come from worker threads

    def _current(self) -> Warehouse | None:
        """The real warehouse, opening it if it is time to try again; None if still missing."""
        with self._lock:
            if self._closed:
                raise WarehouseUnavailable("the warehouse is closed")
            if self._opened is not None or self._reopen is None:
                return self._opened
            now = self._monotonic()
            if now - self._tried < REOPEN_AFTER_S:
                return None
            self._tried = now
            try:
                self._opened = self._reopen()
            except ScoutError as error:
                self.error = error
                return None
            self.dialect = self._opened.dialect
            log.info("warehouse_reopened warehouse=%r", self._opened)
            return self._opened

    def _open(self) -> Warehouse:
        opened = self._current()
        if opened is None:
            raise WarehouseUnavailable(str(self.error))
        return opened

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return self._open().query(sql, params)

    async def aquery(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return await self._open().aquery(sql, params)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, None
        if opened is not None:
            opened.close()


def default_memory_path(config: ScoutConfig) -> str | Path:
    """scout.yml `memory:` (a sqlite path or a PostgreSQL URL), else the per-user data dir
    (the same file `scout approve` opens)."""
    if config.memory is None:
        return data_dir() / "memory.sqlite3"
    return config.memory if postgres_url(config.memory) else Path(config.memory).expanduser()


async def open_deps(
    config: ScoutConfig,
    *,
    warehouse: Warehouse | None = None,
    today: date | None = None,
    memory_path: str | Path | None = None,
    layer: SemanticLayer | None = None,
    integrations: Mapping[str, Integration] | None = None,
    clock: Clock | None = None,
    out_dir: Path | None = None,
    act_settings: ActSettings | None = None,
    llm: LLM | None = None,
    policies: Policies | None = None,
) -> Deps:
    """Open memory and the actor (one database) and the warehouse; close with `deps.close()`."""
    wall = clock or (lambda: datetime.now(UTC))
    fixed = today
    today_fn: Today = (lambda: fixed) if fixed is not None else (lambda: wall().date())
    layer = layer or load_semantic(config.semantic)
    policies = policies or load_policies(config.semantic, layer)  # a bad file fails start-up
    model = llm if llm is not None else from_config(config)  # a bad setting fails before opening
    if warehouse is None:
        try:
            warehouse = open_warehouse(config.warehouse, today=today)
        except ScoutError as error:
            log.warning("warehouse_unavailable error=%s", error)
            target = config.warehouse
            warehouse = UnavailableWarehouse(
                error, reopen=lambda: open_warehouse(target, today=today)
            )
    path = memory_path or default_memory_path(config)
    memory = await Memory.open(path, clock=wall)
    investigator = AnalysisInvestigator(warehouse=warehouse, layer=layer, today=today_fn)
    try:
        actor = await Actor.open(
            path,
            act_settings or ActSettings.from_config(config),
            # Configured webhooks first; what the caller wires (Slack) by handler name.
            integrations={
                **webhook_integrations(config.integrations),
                **email_integrations(
                    config.integrations.email, WarehouseContacts(warehouse, layer), clock=wall
                ),
                **(integrations or {}),
            },
            investigator=investigator,
            clock=wall,
        )
    except BaseException:
        await memory.close()
        raise
    return Deps(
        llm=model,
        config=config,
        warehouse=warehouse,
        layer=layer,
        memory=memory,
        act=actor,
        investigator=investigator,
        today=today_fn,
        clock=wall,
        out_dir=out_dir,
        policies=policies,
    )
