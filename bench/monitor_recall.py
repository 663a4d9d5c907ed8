"""Does the morning monitor find what a person would have asked for, and only that?

Each seed builds two demo warehouses (every scenario, and a quiet one) and runs the monitor's
morning cycle through the service (`ScoutService.check_kpis`, what `scout run` calls) with a
fresh memory, so each cycle checks its first-run lookback (14 days):

- conversion drop: a cycle on the last day reports a drop in exactly the injected segment
  (same dimensions and values), starting within a day of the injected start;
- revenue anomaly: a cycle on the morning after the anomaly reports revenue in exactly the
  injected segment, on its day (counted apart: named average order value instead, since the
  anomaly is in the baskets);
- forecast bias: the cycle on the last day proposes an action on forecast error in the
  biased category;
- quiet: every new anomaly of a cycle on the quiet warehouse is a false alarm; the figure is
  false alarms per week (a cycle covers two);
- unrelated: a new anomaly of the last-day cycle on the full warehouse that shares no
  segment value with an injected scenario live on its days (a surge elsewhere read as a move
  of its siblings, the end of an incident read as a new one). Consequences of a scenario
  in its segment (orders and revenue with a conversion drop) or the total are related.

Protocol, fixed before tuning: thresholds were chosen on quiet seeds 1-3
(`--seeds 1-3 --calibrate`); figures are reported on seeds 101 onwards, never tuned on.
Run: nice -n 10 .venv/bin/python -m bench.monitor_recall [--seeds 101-130] [--days 120]
[--scale 1.0] [--workers 2] [--calibrate]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from agent.config import ScoutConfig
from agent.demo_data import generate
from agent.demo_data.scenarios import Scenario
from agent.deps import open_deps
from agent.domain import Anomaly
from agent.service import ScoutService
from agent.views import MonitorReport
from agent.warehouse import DuckDBWarehouse

TODAY = date(2026, 12, 4)  # the default demo's day: Black Friday season in the window


@dataclass(frozen=True)
class SeedResult:
    seed: int
    drop_found: bool
    spike_found: bool  # reported as revenue
    spike_as_aov: bool  # reported as average order value only (the baskets moved)
    spike_inside: bool  # not exact, but revenue or basket value in a cell inside its segment
    bias_found: bool
    false_alarms: int
    unrelated: int
    note: str


async def _cycle(path: Path, today: date, memory: Path) -> MonitorReport:
    deps = await open_deps(
        ScoutConfig(), warehouse=DuckDBWarehouse(path), today=today, memory_path=memory
    )
    service = ScoutService(deps)
    try:
        return await service.check_kpis()
    finally:
        await service.aclose()


def _unrelated(found: tuple[Anomaly, ...], scenarios: tuple[Scenario, ...]) -> list[Anomaly]:
    def related(a: Anomaly) -> bool:
        end = a.day + timedelta(days=a.days)
        return not a.where or any(
            s.start - timedelta(days=1) < end
            and a.day <= s.end
            and set(a.where.items()) & set(s.where.items())
            for s in scenarios
        )

    return [a for a in found if not related(a)]


def _describe(found: tuple[Anomaly, ...] | list[Anomaly]) -> str:
    return "; ".join(f"{a.metric} {dict(a.where)} {a.day} x{a.days} z={a.score:.1f}" for a in found)


def run_seed(seed: int, days: int, scale: float = 1.0, today: date = TODAY) -> SeedResult:
    with tempfile.TemporaryDirectory(prefix=f"scout-recall-{seed}-") as tmp:
        work = Path(tmp)
        full = generate(out=work / "f", seed=seed, today=today, days=days, scale=scale)
        quiet = generate(
            out=work / "q", seed=seed, today=today, days=days, scale=scale, scenarios=[]
        )
        drop = full.scenario("conversion_drop")
        spike = full.scenario("revenue_anomaly")
        bias = full.scenario("forecast_bias")
        last = asyncio.run(_cycle(full.path, today, work / "m1.sqlite3"))
        drop_found = any(
            a.metric == "conversion_rate"
            and dict(a.where) == dict(drop.where)
            and a.direction == "down"
            and abs((a.day - drop.start).days) <= 1
            for a in last.new_anomalies
        )
        # The forecast rule's alert carries its signal's fingerprint: metric[segment].
        wanted = f"forecast_error[category={dict(bias.where)['category']}]"
        bias_found = any(
            str(p.action.params.get("fingerprint", "")).startswith(wanted) for p in last.actions
        )
        after = asyncio.run(_cycle(full.path, spike.start + timedelta(days=1), work / "m2.sqlite3"))
        on_spike = {
            a.metric
            for a in after.new_anomalies
            if dict(a.where) == dict(spike.where) and a.day == spike.start
        }
        inside = any(
            a.metric in ("revenue", "aov")
            and a.day == spike.start
            and dict(a.where) != dict(spike.where)
            and dict(a.where).items() >= dict(spike.where).items()
            for a in after.new_anomalies
        )
        calm = asyncio.run(_cycle(quiet.path, today, work / "m3.sqlite3"))
        unrelated = _unrelated(last.new_anomalies, full.scenarios)
    note = (
        f"drop {dict(drop.where)} {drop.start}: {_describe(last.new_anomalies[:3])} | "
        f"spike {dict(spike.where)} {spike.start} {spike.effect_size:+.0%}: "
        f"{_describe(after.new_anomalies[:3])} | quiet: {_describe(calm.new_anomalies)}"
        f" | unrelated: {_describe(unrelated)}"
    )
    return SeedResult(
        seed,
        drop_found,
        "revenue" in on_spike,
        "aov" in on_spike and "revenue" not in on_spike,
        "revenue" not in on_spike and inside,
        bias_found,
        len(calm.new_anomalies),
        len(unrelated),
        note,
    )


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101-130", help="a range, e.g. 101-130")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--scale", type=float, default=1.0, help="sessions per day / 10k")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calibrate", action="store_true", help="print every seed's detail")
    parser.add_argument(
        "--today", type=date.fromisoformat, default=TODAY, help="the demo's day (YYYY-MM-DD)"
    )
    args = parser.parse_args()
    seeds = _seeds(args.seeds)
    with ProcessPoolExecutor(args.workers) as pool:
        n = len(seeds)
        rows = list(pool.map(run_seed, seeds, [args.days] * n, [args.scale] * n, [args.today] * n))
    for r in rows:
        flags = "".join("Y" if ok else "n" for ok in (r.drop_found, r.spike_found, r.bias_found))
        print(
            f"seed {r.seed:4d} drop/spike/bias={flags} quiet_alarms={r.false_alarms}"
            f" unrelated={r.unrelated}"
        )
        if (
            args.calibrate
            or not (r.drop_found and r.spike_found)
            or r.false_alarms > 2
            or r.unrelated
        ):
            print(f"    {r.note}")
    n = len(rows)
    print(f"\n{n} seeds ({args.seeds}), scale {args.scale:g}, {args.days} days, today {args.today}")
    print(f"conversion drop, exact segment, start +-1 day: {sum(r.drop_found for r in rows)}/{n}")
    print(f"revenue anomaly, its day and exact segment:     {sum(r.spike_found for r in rows)}/{n}")
    print(
        f"  ... named average order value instead:        {sum(r.spike_as_aov for r in rows)}/{n}"
    )
    print(
        f"  ... named in a narrower cell inside it:       {sum(r.spike_inside for r in rows)}/{n}"
    )
    print(f"forecast bias acted on in its category:        {sum(r.bias_found for r in rows)}/{n}")
    weekly = sum(r.false_alarms for r in rows) / n / 2
    print(f"false alarms per quiet week (14-day first cycle / 2): {weekly:.2f}")
    unrelated = sum(r.unrelated for r in rows) / n
    print(f"unrelated alerts per cycle on the full warehouse (last day): {unrelated:.2f}")


if __name__ == "__main__":
    main()
