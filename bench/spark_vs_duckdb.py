"""Explain through Spark Connect vs through DuckDB, on the same demo data, side by side.

`scout demo-data --spark sc://...` builds the demo warehouse and loads it into Spark (the
command a user runs); then the same question runs through `scout ask --json` against each
warehouse ("why did conversion rate change in the last 7 days?": understanding, the plan,
the explain analysis's grouped leaf queries and its daily history, rendering). Spark here is a single local JVM on this machine, so the figures show Spark's
fixed cost per query (planning, scheduling, gRPC, Arrow), not what a cluster would gain on
data too big for one machine.

Run: .venv/bin/python -m bench.spark_vs_duckdb [--scale 1] (scale 10: ~2.5 min here) [--days 60] [--repeat 3]
     [--spark sc://host:port] [--out DIR]
Without --spark a local Spark Connect server is started from pyspark (the spark extra and
Java 17 are needed) and stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from agent.warehouse import Warehouse, open_warehouse
from bot.cli import main as scout

TODAY = date(2025, 12, 15)
QUESTION = "why did conversion rate change in the last 7 days?"

Answer = tuple[dict[str, str] | None, int]


def _explain(target: str) -> Answer:
    """The question as a user asks it: `scout ask … --warehouse TARGET --json`."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = scout(
            ["ask", QUESTION, "--warehouse", target, "--today", TODAY.isoformat(), "--json"]
        )
    if code != 0:
        raise SystemExit(f"scout ask failed on {target} (exit {code})")
    (finding,) = json.loads(out.getvalue())["findings"]
    return finding["facts"]["top_cause"], int(finding["facts"]["leaves"])


def _time(fn: Callable[[], Answer], repeat: int) -> tuple[list[float], Answer]:
    times: list[float] = []
    out: Answer = (None, 0)
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return times, out


def _round_trip(warehouse: Warehouse, repeat: int = 5) -> float:
    """The floor of one query: SELECT 1, median seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        warehouse.query("SELECT 1 AS one")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(url: str, args: argparse.Namespace) -> None:
    out = args.out / f"spark-vs-duckdb-s{args.scale:g}-d{args.days}"
    started = time.perf_counter()
    code = scout(
        [
            "demo-data", "--out", str(out), "--seed", "7", "--today", TODAY.isoformat(),
            "--days", str(args.days), "--scale", str(args.scale), "--spark", url,
        ]
    )  # fmt: skip
    if code != 0:
        raise SystemExit(f"scout demo-data --spark failed (exit {code})")
    built_and_loaded = time.perf_counter() - started
    rows: list[tuple[str, list[float], Answer, float]] = []
    for label, target in (("DuckDB (embedded)", str(out / "warehouse.duckdb")), ("Spark", url)):
        warehouse = open_warehouse(target)
        try:
            times, answer = _time(lambda t=target: _explain(t), args.repeat)
            rows.append((label, times, answer, _round_trip(warehouse)))
        finally:
            warehouse.close()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"demo data scale {args.scale:g}, {args.days} days; "
        f"generated and loaded into Spark in {built_and_loaded:.1f} s"
    )
    print("| warehouse | first run | median of runs | SELECT 1 | top cause | leaves |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, times, (top, leaves), floor in rows:
        print(
            f"| {label} | {times[0]:.2f} s | {statistics.median(times):.2f} s | "
            f"{floor * 1000:.1f} ms | {top} | {leaves} |"
        )
    duck, spark = (statistics.median(r[1]) for r in rows)
    same = rows[0][2] == rows[1][2]
    print(f"ratio Spark / DuckDB: {spark / duck:.1f}x; same answer: {'yes' if same else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--days",
        type=int,
        default=60,
        help="days of history (default 60, the least demo-data makes)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spark", metavar="sc://HOST:PORT", help="default: start a local one")
    parser.add_argument("--out", type=Path, default=None, help="where the demo data goes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scout-spark-bench-") as tmp:
        args.out = args.out or Path(tmp)
        if args.spark:
            run(args.spark, args)
            return
        # The same local server the tests start (pyspark's own start-connect-server.sh).
        from tests.fakes.spark_connect import SparkConnectServer

        # A local Spark holds the demo tables it is sent in its driver: at --scale 10 a 1 GB
        # heap ran out while loading (java.lang.OutOfMemoryError) and the load hung.
        server = SparkConnectServer(driver_memory=f"{max(1, min(8, round(args.scale)))}g")
        try:
            started = time.perf_counter()
            server.start()
            print(f"started a local Spark Connect server in {time.perf_counter() - started:.0f} s")
            run(server.url, args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
