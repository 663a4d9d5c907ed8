"""The morning monitor never pairs "dropped" with an investigation that says "rose".

The default demo (seed 42, today Sat Dec 5 2026) holds a basket-value dip in organic traffic on
Black Friday: revenue there fell far short of the store-wide Black Friday level while still
rising against the plain Friday before. The alert and its investigation must read as one story.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from agent.config import ScoutConfig
from agent.demo_data import generate
from agent.demo_data.scenarios import Scenario
from agent.deps import open_deps
from agent.service import ScoutService
from agent.views import MonitorReport
from agent.warehouse import DuckDBWarehouse

TODAY = date(2026, 12, 5)  # the demo's "today" when this was written; Black Friday is Nov 27


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[MonitorReport, Scenario]:
    folder = tmp_path_factory.mktemp("demo42")
    demo = generate(out=folder / "w", seed=42, today=TODAY)

    async def cycle() -> MonitorReport:
        deps = await open_deps(
            ScoutConfig(),
            warehouse=DuckDBWarehouse(demo.path),
            today=TODAY,
            memory_path=Path(folder) / "memory.sqlite3",
        )
        service = ScoutService(deps)
        try:
            return await service.check_kpis()
        finally:
            await service.aclose()

    return asyncio.run(cycle()), demo.scenario("revenue_anomaly")


def test_the_black_friday_dip_reads_as_one_story(report: tuple[MonitorReport, Scenario]) -> None:
    found, spike = report
    assert spike.start == date(2026, 11, 27) and spike.effect_size < 0  # the premise
    alert = next(
        a
        for a in found.new_anomalies
        if a.metric == "revenue" and a.day == spike.start and dict(a.where) == dict(spike.where)
    )
    assert alert.direction == "down"
    [investigation] = [
        f
        for f in found.findings
        if f.title.startswith("Why revenue") and "Nov 27" in f.title and f.facts.get("direction")
    ]
    # Against the plain Friday before it rose: said first, so it does not contradict the alert.
    assert investigation.facts["direction"] == "up"
    assert investigation.summary.startswith("Against the same weekdays before, it rose")
    assert "less than the rest of the store on Black Friday" in investigation.summary
