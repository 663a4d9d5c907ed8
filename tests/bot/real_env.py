"""The real agent core behind the real Bolt app, for adapter tests that must not script Scout."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.service import ScoutService
from agent.warehouse import DuckDBWarehouse
from bot.app import ScoutSlack, build_scout
from tests.bot.conftest import settings_for
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack

NOW = datetime(2025, 12, 15, 9, 0, tzinfo=UTC)
CONFIG: dict[str, Any] = {"slack": {"digest_channel": "CDIGEST", "alerts_channel": "CALERTS"}}


@dataclass
class RealEnv:
    slack: FakeSlack
    scout: ScoutSlack
    core: ScoutService
    warehouse: GeneratedWarehouse
    memory: Path

    async def aclose(self) -> None:
        await self.scout.aclose(timeout=10)
        await self.core.close()


async def real_env(
    slack: FakeSlack,
    warehouse: GeneratedWarehouse,
    memory: Path,
    config: dict[str, Any] | ScoutConfig | None = None,
) -> RealEnv:
    """ScoutService on the demo warehouse (today fixed), its memory at `memory`, in Slack."""
    deps = await open_deps(
        ScoutConfig.model_validate(config or CONFIG),
        warehouse=DuckDBWarehouse(warehouse.path),
        today=TODAY,
        memory_path=memory,
        clock=lambda: NOW,
    )
    core = ScoutService(deps)
    scout = build_scout(core, settings_for(slack))
    return RealEnv(slack=slack, scout=scout, core=core, warehouse=warehouse, memory=memory)


def module_env(name: str, config: ScoutConfig | None = None) -> tuple[Any, Any]:
    """The module-scoped `fake_slack` and `env` fixtures of a test module that drives the
    real core behind the real app: `fake_slack, env = module_env("feedback")`."""

    @pytest.fixture(scope="module")
    def fake_slack() -> Iterator[FakeSlack]:
        with FakeSlack() as slack:
            yield slack

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def env(
        fake_slack: FakeSlack,
        demo_warehouse: GeneratedWarehouse,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> AsyncIterator[RealEnv]:
        memory = tmp_path_factory.mktemp(name) / "memory.sqlite3"
        built = await real_env(fake_slack, demo_warehouse, memory, config)
        yield built
        await built.aclose()

    return fake_slack, env
