"""How fast acting decides and records, and what the safety costs.

    .venv/bin/python -m bench.act_speed [--n 300] [--approvals 200]

1. propose → guardrails → execute → outbox for N distinct alerts (one sqlite file on disk,
   WAL, synchronous=FULL), latency per action; baseline: one durable INSERT + COMMIT.
2. A race of approvals for $-costing offers against a daily cap through 3 connections
   (asyncio.gather); throughput, and the overspend (must be $0.00); baseline: the same
   approvals one after another through one connection.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from agent.act import (
    Actor,
    ActSettings,
    ApprovalSettings,
    Delivery,
    GuardrailSettings,
    OutboundMessage,
    SpendCaps,
)
from agent.act.kinds import REGISTRY
from agent.domain import Action


class InstantDelivery:
    """A notify integration that answers at once: without one, acting stops at the outbox
    ("queued"), and the figures are about deciding and recording, not about Slack."""

    async def deliver(self, message: OutboundMessage) -> Delivery:
        return Delivery(via="bench", ref=str(message.outbox_id))


INTEGRATIONS = {"notify": InstantDelivery()}


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def propose_latency(tmp: Path, n: int) -> tuple[list[float], list[float]]:
    settings = ActSettings(guardrails=GuardrailSettings(alerts_per_channel_per_hour=10_000))
    times: list[float] = []
    async with await Actor.open(
        tmp / "propose.sqlite3", settings, integrations=INTEGRATIONS
    ) as actor:
        for i in range(n):
            action = Action(kind="alert", target=f"#c{i % 20}", params={"title": f"KPI {i} moved"})
            start = time.perf_counter()
            result = await actor.propose(action, requested_by="bench")
            times.append(time.perf_counter() - start)
            assert result.status == "executed", result
    base: list[float] = []
    async with aiosqlite.connect(tmp / "baseline.sqlite3", isolation_level=None) as db:
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        for i in range(n):
            start = time.perf_counter()
            await db.execute("BEGIN IMMEDIATE")
            await db.execute("INSERT INTO t(v) VALUES (?)", (f"row {i}",))
            await db.execute("COMMIT")
            base.append(time.perf_counter() - start)
    return times, base


def _offer_settings(cap_dollars: float) -> ActSettings:
    return ActSettings(
        guardrails=GuardrailSettings(spend=SpendCaps(per_day=cap_dollars, per_customer=None)),
        approvals=ApprovalSettings(approvers=("U_BENCH",)),
    )


async def approval_race(tmp: Path, n: int, conns: int, concurrent: bool) -> tuple[float, int, int]:
    path = tmp / f"race-{conns}-{concurrent}.sqlite3"
    cap = n * 5.0  # half of what is asked ($10 each)
    actors = [
        await Actor.open(path, _offer_settings(cap), kinds=REGISTRY, integrations=INTEGRATIONS)
        for _ in range(conns)
    ]
    try:
        ids = []
        for i in range(n):
            action = Action(
                kind="optimize", target="U_CRM", params={"change": f"bid +{i}"}, cost=10.0
            )
            ids.append((await actors[0].propose(action, requested_by="bench")).approval_id or "")
        start = time.perf_counter()
        if concurrent:
            calls = [actors[i % conns].approve(a, "U_BENCH") for i, a in enumerate(ids)]
            results = await asyncio.gather(*calls)
        else:
            results = [await actors[0].approve(a, "U_BENCH") for a in ids]
        elapsed = time.perf_counter() - start
        executed = sum(r.status == "executed" for r in results)
        overspend = max(0, executed * 1000 - int(cap * 100))
        return elapsed, executed, overspend
    finally:
        for actor in actors:
            await actor.close()


async def run(n: int, approvals: int) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as raw:
        tmp = Path(raw)
        times, base = await propose_latency(tmp, n)
        print(f"propose→execute→outbox, {n} alerts (disk, WAL, synchronous=FULL)")
        print(
            f"  Scout    p50 {_ms(times, 0.5):.2f} ms  p95 {_ms(times, 0.95):.2f} ms  "
            f"mean {statistics.mean(times) * 1000:.2f} ms  ({n / sum(times):.0f} actions/s)"
        )
        print(
            f"  baseline p50 {_ms(base, 0.5):.2f} ms  p95 {_ms(base, 0.95):.2f} ms  "
            f"(one INSERT+COMMIT)"
        )
        for conns, concurrent in ((3, True), (1, False)):
            elapsed, executed, overspend = await approval_race(tmp, approvals, conns, concurrent)
            label = f"{conns} connections, gather" if concurrent else "1 connection, sequential"
            print(
                f"approvals x{approvals} ({label}): {approvals / elapsed:.0f} approvals/s, "
                f"{executed} executed, overspend ${overspend / 100:.2f}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--approvals", type=int, default=200)
    args = parser.parse_args(argv)
    asyncio.run(run(args.n, args.approvals))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
