"""Shared fixtures: a fixed `today`, the demo warehouse built once per test session."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date

import pytest

from agent.demo_data import GeneratedWarehouse

os.environ.setdefault("TZ", "UTC")
# Nothing a test writes (demo warehouse, memory, model cache) lands in the user's data dir;
# subprocesses inherit it.
os.environ["SCOUT_HOME"] = tempfile.mkdtemp(prefix="scout-test-home-")
if hasattr(time, "tzset"):
    time.tzset()

# A Monday two weeks after Black Friday 2025, so the demo data holds the holiday surge.
TODAY = date(2025, 12, 15)
SEED = 7


@pytest.fixture
def today() -> date:
    return TODAY


# Like pydantic-ai's ALLOW_MODEL_REQUESTS = False: no key reaches a test (nor its
# subprocesses), and a client may only talk to a fake on loopback.
_LLM_ENV = ("OPENAI_API_KEY", "SCOUT_LLM_API_KEY", "OPENAI_BASE_URL", "SCOUT_LLM_BASE_URL")


@pytest.fixture(autouse=True)
def _no_real_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.llm.settings as llm_settings

    for name in (*_LLM_ENV, llm_settings.MODEL_VAR):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(llm_settings.LOOPBACK_VAR, "1")
    monkeypatch.setattr(llm_settings, "ALLOW_REMOTE_REQUESTS", False)


# The demo warehouse, built once per test session (about 3 s each); read it, never write it.
DEMO_DAYS = 120
DEMO_SCALE = 0.25


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> GeneratedWarehouse:
    """The seeded demo warehouse with every scenario injected (see `.scenarios`)."""
    from agent.demo_data import generate

    out = tmp_path_factory.mktemp("demo_warehouse")
    return generate(out=out, seed=SEED, today=TODAY, days=DEMO_DAYS, scale=DEMO_SCALE)


@pytest.fixture(scope="session")
def quiet_warehouse(tmp_path_factory: pytest.TempPathFactory) -> GeneratedWarehouse:
    """The same store with no injected scenario: changes are only normal variation."""
    from agent.demo_data import generate

    out = tmp_path_factory.mktemp("quiet_warehouse")
    return generate(out=out, seed=SEED, today=TODAY, days=DEMO_DAYS, scale=DEMO_SCALE, scenarios=[])


# A private PostgreSQL server for dialect tests (skips when the binaries are missing).
from tests.fakes.postgres import postgres_url  # noqa: E402, F401

# A private Spark Connect server, one per session (skips without pyspark or java).
from tests.fakes.spark_connect import spark_url  # noqa: E402, F401
