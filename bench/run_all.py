"""Run every benchmark at its default size, one after another (what `make bench` does).

Run: .venv/bin/python -m bench.run_all [NAME ...] [--list]

Each script runs in its own process, so one crash or one slow import does not colour the
next figure, and never two at a time, so none of them measures the others' load. Scripts
that read ../shared/data (SCOUT_SHARED_DATA overrides) are skipped with a note when their
folders are absent. The exit status is 1 when any script failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Cheap first, so a broken setup shows before the long runs.
SCRIPTS: tuple[str, ...] = (
    "understand_accuracy",
    "understand_model_cv",
    "understand_llm",
    "judgement_accuracy",
    "query_speed",
    "memory_speed",
    "act_speed",
    "demo_data_speed",
    "monitor_cycle",
    "monitor_recall",
    "monitor_bars",
    "slack_ack_latency",
    "slack_load",
    "replica_throughput",
    "detect_accuracy",
    "forecast_check_accuracy",
    "explain_accuracy",
    "explain_speed",
    "spark_vs_duckdb",
    "rca_benchmark",
    "rca_synthetic",
    "conversion_cause",
    "nab_benchmark",
    "churn_real",
    "churn_benchmark",
)

# Folders of ../shared/data a script cannot run without (churn_benchmark only notes them).
SHARED_DATA: dict[str, tuple[str, ...]] = {
    "rca_benchmark": ("rca",),
    "nab_benchmark": ("nab",),
    "churn_real": ("telco_churn", "online_retail", "cdnow"),
}


def shared_data() -> Path:
    """../shared/data next to the repo, or SCOUT_SHARED_DATA (as the scripts read it)."""
    override = os.environ.get("SCOUT_SHARED_DATA")
    return Path(override) if override else REPO.parent / "shared" / "data"


def missing_data(name: str) -> list[str]:
    """The shared-data folders `name` needs that are not there."""
    return [f for f in SHARED_DATA.get(name, ()) if not (shared_data() / f).is_dir()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="a subset, in this order")
    parser.add_argument("--list", action="store_true", help="print the script names and stop")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(SCRIPTS))
        return 0
    unknown = set(args.names) - set(SCRIPTS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    outcomes: list[tuple[str, str, float]] = []
    for name in [s for s in SCRIPTS if s in args.names] if args.names else SCRIPTS:
        print(f"\n### bench.{name}", flush=True)
        needs, absent = SHARED_DATA.get(name, ()), missing_data(name)
        # With some of its folders, churn_real runs and notes the sections it skipped.
        if needs and len(absent) == len(needs):
            print(f"skipped: {', '.join(absent)} not found in {shared_data()}")
            outcomes.append((name, "skipped", 0.0))
            continue
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=REPO)
        seconds = time.perf_counter() - started
        outcomes.append((name, "ok" if code == 0 else f"FAILED (exit {code})", seconds))
    print("\n### summary")
    for name, outcome, seconds in outcomes:
        print(f"{name:<26} {outcome:<18} {seconds:8.1f} s")
    return 1 if any(o.startswith("FAILED") for _, o, _ in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
