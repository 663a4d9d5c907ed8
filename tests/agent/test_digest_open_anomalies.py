"""The digest's open anomalies: a run still going through the last week is open, whenever
it began; one that ended before the week is not."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from agent.demo_data import GeneratedWarehouse
from agent.digest import build_digest
from agent.domain import Anomaly, Finding, FindingKind, Goal, Intent
from tests.agent.loop_helpers import demo_deps
from tests.conftest import TODAY

# Began nine days ago and ran through yesterday: the week's story.
ONGOING = Anomaly(
    metric="conversion_rate",
    where={"device": "mobile", "customer_type": "returning"},
    day=TODAY - timedelta(days=9),
    actual=0.019,
    expected=0.032,
    score=7.3,
    direction="down",
    days=9,
)
# A three-day run that ended ten days ago: last week's.
ENDED = Anomaly(
    metric="revenue",
    where={"region": "West"},
    day=TODAY - timedelta(days=12),
    actual=9000.0,
    expected=6000.0,
    score=9.0,
    direction="up",
    days=3,
)


def test_a_run_still_going_is_open_whenever_it_began(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    async def main() -> Finding:
        deps = await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite3", TODAY)
        try:
            finding = Finding(
                kind=FindingKind.ANOMALIES,
                title="Monitor",
                summary="two anomalies",
                anomalies=(ONGOING, ENDED),
            )
            await deps.memory.record_finding("monitor", Goal(intent=Intent.DETECT), finding)
            digest = await build_digest(deps, TODAY)
        finally:
            await deps.close()
        return next(s for s in digest.sections if s.kind == "digest_anomalies")

    section = asyncio.run(main())
    assert [(a.metric, dict(a.where), a.day) for a in section.anomalies] == [
        (ONGOING.metric, dict(ONGOING.where), ONGOING.day)
    ]
    assert section.summary.startswith("1 anomaly open in the last 7 days; the strongest: ")
