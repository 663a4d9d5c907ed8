"""Everything a cycle needs, in one frozen container that tests can assemble from parts.

`open_deps(config)` wires the real pieces: the warehouse (a broken one becomes a warehouse
whose every query fails, so cycles still run and report zero-confidence observations), the
semantic layer, Scout's memory and the actor, sharing one database (a sqlite file, or a
PostgreSQL URL shared by replicas). Tests pass their own warehouse, today and memory
location; Scout's own logic is never swapped.
"""

from __future__ import annotations

import logging
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


class UnavailableWarehouse:
    """A warehouse that could not be opened: every query raises the original error."""

    dialect = "duckdb"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        raise WarehouseUnavailable(str(self.error))

    async def aquery(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        raise WarehouseUnavailable(str(self.error))

    def close(self) -> None:
        return None


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
            warehouse = UnavailableWarehouse(error)
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
