"""De-duplication that survives replicas and restarts: anomaly fingerprints, digest claims."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from agent.domain import Anomaly
from agent.memory import Memory
from tests.agent.memory.conftest import Clock

REPO = Path(__file__).resolve().parents[3]

_CHILD = """
import asyncio, json, sys
from agent.memory import Memory

async def main(path, action, key):
    mem = await Memory.open(path)
    try:
        if action == "seen":
            result = await mem.seen_anomaly(key, ref="child")
        else:
            result = await mem.claim(key, owner="child")
    finally:
        await mem.close()
    print(json.dumps(result))

asyncio.run(main(*sys.argv[1:4]))
"""


def _child(path: Path, action: str, key: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), action, key],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen[str]) -> bool:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return bool(json.loads(out))


def _anomaly() -> Anomaly:
    return Anomaly(
        metric="conversion_rate",
        where={"region": "Northeast"},
        day=date(2025, 12, 14),
        actual=0.021,
        expected=0.031,
        score=-4.2,
        direction="down",
    )


async def test_anomaly_reported_once_across_two_instances(db_path: Path, clock: Clock) -> None:
    fp = _anomaly().fingerprint
    first = await Memory.open(db_path, clock=clock)
    second = await Memory.open(db_path, clock=clock)
    try:
        assert await first.seen_anomaly(fp, ref="C1/1.1") is False
        clock.advance(hours=1)
        assert await second.seen_anomaly(fp, ref="C1/9.9") is True
        assert await first.seen_anomaly("another", ref="") is False
        record = await second.alert(fp)
        assert record is not None
        assert record.count == 2
        assert record.ref == "C1/1.1"  # the first post stays the one to update
        assert (record.last_seen - record.first_seen).total_seconds() == 3600
    finally:
        await first.close()
        await second.close()


async def test_anomaly_dedup_survives_a_restart_in_a_new_process(db_path: Path) -> None:
    fp = _anomaly().fingerprint
    mem = await Memory.open(db_path)
    assert await mem.seen_anomaly(fp, ref="C1/1.1") is False
    await mem.close()

    assert _result(_child(db_path, "seen", fp)) is True  # a fresh process knows it
    assert _result(_child(db_path, "seen", "brand-new")) is False

    mem = await Memory.open(db_path)
    try:
        assert await mem.seen_anomaly("brand-new") is True  # and the child's sighting stuck
        record = await mem.alert(fp)
        assert record is not None and record.count == 2
    finally:
        await mem.close()


async def test_set_alert_ref_records_where_it_was_posted(mem: Memory) -> None:
    await mem.seen_anomaly("fp")
    await mem.set_alert_ref("fp", "C9/123.456")
    record = await mem.alert("fp")
    assert record is not None and record.ref == "C9/123.456"
    assert await mem.alert("missing") is None


async def test_digest_claimed_once_by_concurrent_instances(db_path: Path) -> None:
    a = await Memory.open(db_path)
    b = await Memory.open(db_path)
    try:
        results = await asyncio.gather(
            *(m.claim("digest:2025-12-15", owner=n) for m, n in [(a, "a"), (b, "b")] * 5)
        )
        assert sorted(results) == [False] * 9 + [True]
        assert await a.claim("digest:2025-12-16") is True
    finally:
        await a.close()
        await b.close()


async def test_digest_claimed_once_across_processes(db_path: Path) -> None:
    # No file yet: the three processes also race to create and migrate it.
    procs = [_child(db_path, "claim", "digest:2025-12-15") for _ in range(3)]
    assert sorted(_result(p) for p in procs) == [False, False, True]
