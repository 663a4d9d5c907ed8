"""Every bench/ script runs, at a small size, through the command a reader would type.

A smoke run: the script exits 0 and prints its table with well-formed numbers. The figures
themselves are not checked (they belong in BENCHMARKS.md, at the default sizes), nor is any
timing. Each run gets its own working and temporary directory, so whatever a script
generates lands in pytest's tmp_path, never in the tree. Scripts that read ../shared/data
(SCOUT_SHARED_DATA overrides) are skipped when their folders are absent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench import run_all

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120

# Numbers as the scripts print them: 1,234 / 0.123 / -4.5.
N = r"-?[\d,]+(?:\.\d+)?"


@dataclass(frozen=True)
class Smoke:
    name: str
    args: tuple[str, ...]
    # Each pattern must match a whole line of stdout (re.MULTILINE, anchored at ^).
    expect: tuple[str, ...]
    # Folders of ../shared/data it reads: skipped when none is there.
    data: tuple[str, ...] = ()
    # Given the session's Spark Connect server as --spark (skipped when none can start).
    spark: bool = False
    # Given the session's PostgreSQL server as --postgres (skipped when none can start).
    postgres: bool = False


SMOKES: tuple[Smoke, ...] = (
    Smoke(
        "act_speed",
        ("--n", "20", "--approvals", "10"),
        (
            r"^propose→execute→outbox, 20 alerts",
            rf"^  Scout    p50 {N} ms  p95 {N} ms  mean {N} ms  \({N} actions/s\)$",
            rf"^  baseline p50 {N} ms  p95 {N} ms",
            # Some must execute: an actor that only queues would time nothing worth timing.
            rf"^approvals x10 \(3 connections, gather\): {N} approvals/s, [1-9]\d* executed, "
            rf"overspend \${N}$",
            rf"^approvals x10 \(1 connection, sequential\): {N} approvals/s, [1-9]\d* executed",
        ),
    ),
    Smoke(
        "churn_benchmark",
        ("demo", "sim", "--days", "120", "--scale", "0.1", "--weeks", "2", "--per-week", "20"),
        (
            rf"^## demo \({N} s\)$",
            rf"^- _setup: generate_s {N}, train_and_scan_s {N}, active_customers {N}",
            rf"^- cohort: Scout model: auc {N}, p_at_5 {N}$",
            rf"^- future: lesson's fixed rules: auc {N}, p_at_5 {N}$",
            rf"^## sim \({N} s\)$",
            rf"^- Scout: Thompson sampling: value_kept {N}, spent {N}, regret {N}$",
            rf"^- always offer: value_kept {N}, spent {N}, regret {N}$",
        ),
    ),
    Smoke(
        "churn_real",
        ("--limit", "500"),
        (),  # per section, below: it runs those whose data is there
        data=("telco_churn", "online_retail", "cdnow"),
    ),
    Smoke(
        "conversion_cause",
        ("--seeds", "1", "--days", "60", "--scale", "0.1"),
        (
            r"^conversion cause: 1 seeds \(101\), today 2026-10-14, days=60, scale=0\.1, \d+ s$",
            r"^\| question \| names the injected segment exactly \| rate \|$",
            rf'^\| "why did conversion drop\?" \| \d+/1 \| {N}% \|$',
            rf'^\| "why did conversion drop for <one value of it>\?" \| \d+/1 \| {N}% \|$',
        ),
    ),
    Smoke(
        "demo_data_speed",
        ("--repeat", "1", "--scale", "0.05", "--big-scale", "0.1", "--days", "60"),
        (
            r"^cores: \d+  target: default < \d+ s$",
            rf"^scale 0\.05: +{N} sessions +{N} orders +{N} MB  best +{N} s  worst +{N} s  \((OK|SLOW)\)$",
            rf"^scale 0\.1 *: +{N} sessions +{N} orders +{N} MB +{N} s$",
            rf"^peak memory: {N} GB$",
        ),
    ),
    Smoke(
        "detect_accuracy",
        ("--seeds", "1", "--days", "60", "--scale", "0.05", "--workers", "1"),
        (
            rf"^seed +1 drop=[Yn] spike=[Yn] quiet_alarms=\d+ scan={N}s ",
            r"^scale 0\.05, 60 days, 1 seeds$",
            r"^conversion drop detected .*: +\d+/1$",
            r"^revenue anomaly detected .*: +\d+/1$",
            rf"^quiet seeds: false alarms per 7-day watchlist scan: mean {N}, seeds with >1: \d+/1$",
            rf"^scan seconds \(whole watchlist, quiet warehouse\): mean {N}$",
        ),
    ),
    Smoke(
        "monitor_recall",
        ("--seeds", "1", "--days", "60", "--scale", "0.05", "--workers", "1"),
        (
            r"^seed +1 drop/spike/bias=[Yn]{3} quiet_alarms=\d+ unrelated=\d+$",
            r"^1 seeds \(1\), scale 0\.05, 60 days, today 2026-12-04$",
            r"^conversion drop, exact segment, start \+-1 day: \d/1$",
            r"^revenue anomaly, its day and exact segment: +\d/1$",
            r"^  \.\.\. named average order value instead: +\d/1$",
            r"^forecast bias acted on in its category: +\d/1$",
            rf"^false alarms per quiet week \(14-day first cycle / 2\): {N}$",
            rf"^unrelated alerts per cycle on the full warehouse \(last day\): {N}$",
        ),
    ),
    Smoke(
        "monitor_bars",
        ("--seeds", "1", "--days", "60", "--scale", "0.05", "--workers", "1"),
        (
            r"^1 seeds \(1\), scale 0\.05, 60 days, today 2026-12-04, first cycle \(14 days\)$",
            r"^DEPTH_Z +spike +drop +false alarms per quiet week$",
            rf"^\(3\.5, 4\.5, 5\.5\) +\d/1 +\d/1 +{N}$",
            rf"^\(3\.5, 3\.75, 5\.5\) +\d/1 +\d/1 +{N}$",
        ),
    ),
    Smoke(
        "explain_accuracy",
        ("--seeds", "1", "--days", "60", "--scale", "0.05", "--workers", "1"),
        (
            r"^explain accuracy: 1 seeds \(1\.\.1\), days=60, scale=0\.05, \d+ s$",
            r"^\| check \| target \| hits \| rate \|$",
            rf"^\| conversion drop is the top root cause \(exact where\) \| ≥ 95% \| \d+/1 \| {N}% \|$",
            rf"^\| quiet seeds: within normal variation \| ≥ 90% \| \d+/1 \| {N}% \|$",
            rf"^\| revenue anomaly: .* \| — \| \d+/1 \| {N}% \|$",
            rf"^\| forecast bias: .* \| — \| \d+/1 \| {N}% \|$",
        ),
    ),
    Smoke(
        "explain_speed",
        ("--scale", "0.05", "--days", "60", "--repeat", "1", "--out", "{tmp}"),
        (
            rf"^machine: .*, \d+ cores; sessions: {N}$",
            r"^\| path \| first run \| median of runs \| top cause \| leaves \|$",
            rf"^\| Scout \(SQL pushed down to DuckDB\) \| {N} s \| {N} s \| .+ \| \d+ \|$",
            rf"^\| pandas \(load rows, group in pandas\) \| {N} s \| {N} s \| .+ \| \d+ \|$",
            rf"^ratio pandas / Scout: {N}x; target Scout < 2 s: (met|MISSED)$",
        ),
    ),
    Smoke(
        "spark_vs_duckdb",
        ("--scale", "0.05", "--repeat", "1", "--out", "{tmp}"),
        (
            rf"^machine: .*, \d+ cores; demo data scale 0\.05, 60 days; generated and loaded "
            rf"into Spark in {N} s$",
            r"^\| warehouse \| first run \| median of runs \| SELECT 1 \| top cause \| leaves \|$",
            rf"^\| DuckDB \(embedded\) \| {N} s \| {N} s \| {N} ms \| .+ \| \d+ \|$",
            rf"^\| Spark \| {N} s \| {N} s \| {N} ms \| .+ \| \d+ \|$",
            rf"^ratio Spark / DuckDB: {N}x; same answer: yes$",
        ),
        spark=True,
    ),
    Smoke(
        "forecast_check_accuracy",
        ("--seeds", "1", "--days", "60", "--scale", "0.05"),
        (
            r"^seeds: 1 \(scale 0\.05, 60 days, today \d{4}-\d\d-\d\d\)$",
            rf"^biased category is the worst forecast: +\d+/1 \({N}%\)$",
            rf"^drift start within ±3 days \(Scout\): +\d+/1 \({N}%\)$",
            rf"^drift start within ±3 days \(raw bias\): +\d+/1 \({N}%\)$",
            r"^false drift on quiet warehouses: +\d+/1$",
            rf"^forecast_check time per run: median {N} s, max {N} s$",
        ),
    ),
    Smoke(
        "memory_speed",
        ("--observations", "200", "--threads", "50", "--loads", "50", "--dedup", "50"),
        (
            rf"^observations, batched 5,000 per transaction: {N} obs/s \(200 rows\)$",
            rf"^observations, one transaction each \(baseline\): {N} obs/s \(200 rows\)$",
            rf"^  speed-up: {N}x$",
            rf"^thread context load \(50 threads, 50 loads\): p50 {N} ms, p99 {N} ms, max {N} ms",
            rf"^  baseline, blocking sqlite3 point query: p50 {N} ms, p99 {N} ms, max {N} ms$",
            rf"^anomaly de-dup check \(seen_anomaly\): {N} ms per call$",
        ),
    ),
    Smoke(
        "monitor_cycle",
        ("--scale", "0.05", "--days", "60", "--observations", "200", "--loads", "20"),
        (
            r"^series read: \d+ queries, metrics=\d+$",
            rf"^observe_kpis: {N} s \(\d+ series reads\)$",
            rf"^detect \(watchlist, 7 days\): {N} s, \d+ anomalies$",
            rf"^detect \(every series, 7 days\): {N} s, \d+ anomalies$",
            rf"^first monitor cycle: {N} s \(\d+ new, \d+ actions\)$",
            rf"^steady-state cycle: {N} s \(\d+ new, \d+ updated\)$",
            rf"^memory batch write: {N} observations/s$",
            rf"^thread context load: median {N} ms, p99 {N} ms$",
        ),
    ),
    Smoke(
        "nab_benchmark",
        ("--limit", "6", "--jobs", "1"),
        (
            r"^NAB corpus: 6 files, \d+ rows, \d+ windows$",
            r"^detector +Standard +LowFP +LowFN$",
            rf"^numenta \(stored, rescored\) +{N} +{N} +{N}   \(raw {N}, theta {N}\)$",
            rf"^Scout StreamingDetector +{N} +{N} +{N}   \(raw {N}, theta {N}\)$",
            rf"^held-out split \(Standard, theta tuned on the 3 odd files\): odd {N}, ",
            rf"^at the detector's own threshold \({N}, nothing tuned on the corpus\): odd {N}, even {N}$",
            rf"^  Numenta HTM \(NuPIC 1\.0\) +{N} +{N} +{N}$",
            rf"^  realKnownCause +windows +\d+  raw +{N}$",
        ),
        data=("nab",),
    ),
    Smoke(
        "query_speed",
        ("--runs", "2", "--scale", "0.05", "--days", "60"),
        (
            rf"^generated demo warehouse \(scale 0\.05\) in {N}s$",
            rf"^warehouse: warehouse\.duckdb, {N} sessions; window ",
            rf"^run_metric: conversion_rate by region +p50 +{N} ms +p99 +{N} ms$",
            rf"^run_metric: revenue_per_session by device \(derived\) +p50 +{N} ms +p99 +{N} ms$",
            rf"^compile only: conversion_rate by region +p50 +{N} ms +p99 +{N} ms$",
            rf"^baseline: hand-written SQL, same query +p50 +{N} ms +p99 +{N} ms$",
        ),
    ),
    Smoke(
        "rca_benchmark",
        ("--limit", "5"),
        (
            r"^== Squeeze B0 subset \(108 cases, first 5\) ==$",
            r"^== RobustSpot RS \(135 cases, first 5\) ==$",
            r"^setting +scout +adtributor-baseline$",
            rf"^OVERALL F1 \(TP/FP/FN\) +{N} \(\d+/\d+/\d+\) +{N} \(\d+/\d+/\d+\)$",
            rf"^seconds total +{N} +{N}$",
            r"^reference \(riskloc repo defaults, local re-run\): Squeeze ",
        ),
        data=("rca",),
    ),
    Smoke(
        "rca_synthetic",
        ("--cases", "2"),
        (
            r"^rca synthetic: 2 cases per cell, seed 1, \d+ s$",
            rf"^\| ratio \| 1-value cause \| \d+/2 \| {N}% \|$",
            rf"^\| additive \| pure noise \| \d+/2 \| {N}% \|$",
            rf"^top-1 exact over cause cases: \d+/12 \({N}%\); target ≥ 95%$",
            rf"^noise called noise: \d+/4 \({N}%\)$",
        ),
    ),
    Smoke(
        "replica_throughput",
        ("--smoke",),
        (
            rf"^machine: \d+ cores, load average {N} {N} {N} before the run; PostgreSQL "
            r"[\d.]+; demo warehouse 60 days$",
            r"^6 signed mentions in one burst, load from its own process; two replicas split "
            r"round-robin by the load process",
            # Answered once each, one claim and one thread per mention, no duplicate findings.
            rf"^\| 1 \| {N} \| {N} \| {N} \| {N} \| 6/6 \| 0 \| 6 \| 6 \| 0 \| {N}% \((?:memory|act)\) "
            rf"\| {N}% \(\d+\) \| {N}% \|$",
            rf"^\| 2 \| {N} \| {N} \| {N} \| {N} \| 6/6 \| 0 \| 6 \| 6 \| 0 \| {N}% \((?:memory|act)\) "
            rf"\| {N}% \(\d+\) \| {N}% \|$",
            rf"^throughput two / one replica: {N}x$",
        ),
        postgres=True,
    ),
    Smoke(
        "slack_ack_latency",
        ("--n", "1"),
        (
            r"^1 concurrent signed app_mention events",
            r"^ +p50 ms +p99 ms +max ms +all answered s$",
            rf"^Scout \(ack, then work\) +{N} +{N} +{N} +{N}$",
            rf"^baseline \(work, then ack\) +{N} +{N} +{N} +{N}$",
            rf"^Scout dispatch only \(in-process\) +{N} +{N} +{N}$",
            r'^\{"scout": \{"p50_ms": ',
        ),
    ),
    Smoke(
        "slack_load",
        ("--smoke",),
        (
            r"^4 concurrent signed mentions, 1 of them 40 kB; load from its own process$",
            rf"^Scout \(scout serve --http\)( +{N}){{6}}$",
            rf"^floor: signature check \+ 200( +{N}){{6}}$",
            rf"^answered 4/4 in {N} s; answered twice 0; threads in memory 4$",
        ),
    ),
    Smoke(
        "judgement_accuracy",
        ("--seeds", "7", "--todays", "2026-03-18", "--days", "70", "--scale", "0.1"),
        (
            rf"^judgement: \d+/\d+ right \(\S+, {N} s\)$",
            r"^  window +\d+/\d+$",
            r"^  number +\d+/\d+$",
        ),
    ),
    Smoke(
        "understand_model_cv",
        ("--folds", "1"),
        (
            r"^left out +requests +corpus only +corpus \+ hand$",
            r"^heldout_batch5 +\d+ +\d+ +\d+$",
            rf"^all \d+ requests: corpus only \d+/\d+ \({N}%\), corpus \+ hand-labelled "
            rf"\d+/\d+ \({N}%\); \d+ s$",
        ),
    ),
    Smoke(
        "understand_accuracy",
        ("--runs", "1"),
        (
            rf"^labelled requests: \d+; lexicon build: {N} ms \(once per layer\)$",
            r"^field +scout +no typo fix$",
            rf"^intent +{N}% +{N}%$",
            r"^intent +scout +no typo fix$",
            r"^explain +\d+/\d+ +\d+/\d+ *$",
            r"^all +\d+/\d+ +\d+/\d+ *$",
            rf"^latency warm wall \(\d+ parses\): p50 {N} ms  p99 {N} ms  max {N} ms  mean {N} ms$",
            rf"^latency cold cpu  \(\d+ parses\): p50 {N} ms  p99 {N} ms  max {N} ms  mean {N} ms$",
        ),
    ),
    Smoke(
        "understand_llm",
        ("--sets", "follow-ups"),
        (
            r"^recorded replies: \d+; prompts sent: [1-9]\d*; without a recording: 0$",
            rf"^follow-ups +\d+ +[1-9]\d* +\d+ +\d+ \( *{N}%\) +\d+ \( *{N}%\) +\d+/\d+ / \d+/\d+$",
        ),
    ),
)

# churn_real's section for each data folder, and what it prints when the data is there.
CHURN_REAL_SECTIONS = {"telco_churn": "telco", "online_retail": "retail", "cdnow": "cdnow"}
CHURN_REAL_LINES = {
    "telco": (
        rf"^- logistic regression \(README protocol\): {N}$",
        rf"^- Scout \(boosting \+ logistic, 4 derived features\): {N}$",
    ),
    "retail": (
        rf"^- Scout model \((model|rules); train {N} s\): auc {N}, p_at_5 {N}$",
        rf"^- RFM rule: auc {N}, p_at_5 {N}$",
        rf"^- _population: customers {N}, churn_rate {N}$",
    ),
    "cdnow": (
        rf"^- Scout model \((model|rules); train {N} s\): auc {N}, p_at_5 {N}$",
        rf"^- lesson's fixed rules: auc {N}, p_at_5 {N}$",
    ),
}


def bench_modules() -> set[str]:
    return {p.stem for p in (REPO / "bench").glob("*.py") if p.stem not in ("__init__", "run_all")}


def test_every_script_has_a_smoke_run_and_is_in_run_all() -> None:
    """A new script without a smoke run here, or missing from `make bench`, fails."""
    assert {s.name for s in SMOKES} == bench_modules()
    assert set(run_all.SCRIPTS) == bench_modules()
    assert len(run_all.SCRIPTS) == len(set(run_all.SCRIPTS))


def test_run_all_lists_every_script() -> None:
    done = _run(REPO, ["-m", "bench.run_all", "--list"], dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == list(run_all.SCRIPTS)


# The Spark script's run lives in tests/agent/warehouse/test_spark.py, beside the other tests
# of the session's one Spark server: a file runs on one test worker, so one JVM serves both.
@pytest.mark.parametrize("smoke", [s for s in SMOKES if not s.spark], ids=lambda s: s.name)
def test_script_runs_small_and_prints_its_table(
    smoke: Smoke, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    run_smoke(smoke, tmp_path, request)


def run_smoke(smoke: Smoke, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Run one script small, as `make bench` would, and check the lines it must print."""
    args = [a.replace("{tmp}", str(tmp_path / "out")) for a in smoke.args]
    if smoke.spark:
        # The session's one server, never a second JVM of the script's own.
        args += ["--spark", request.getfixturevalue("spark_url")]
    if smoke.postgres:
        # The session's server: the script would otherwise start (or skip) its own.
        args += ["--postgres", request.getfixturevalue("postgres_url")]
    expect = list(smoke.expect)
    present = [f for f in smoke.data if (run_all.shared_data() / f).is_dir()]
    if smoke.data and not present:
        where = run_all.shared_data()
        pytest.skip(f"needs {', '.join(smoke.data)} in {where} (set SCOUT_SHARED_DATA)")
    if smoke.name == "churn_real":
        for folder in present:
            section = CHURN_REAL_SECTIONS[folder]
            args.append(section)
            expect += [rf"^## {section} \({N} s\)$", *CHURN_REAL_LINES[section]]
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ)
    env.update(
        TZ="UTC",
        MPLBACKEND="Agg",
        # The scripts' temporary folders (and act_speed's BENCH_TMP) under tmp_path too.
        TMPDIR=str(tmp_path),
        BENCH_TMP=str(tmp_path),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    done = _run(work, ["-m", f"bench.{smoke.name}", *args], env)
    tail = f"\n--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"exit {done.returncode}{tail}"
    assert "Traceback" not in done.stderr, tail
    assert "skipped" not in done.stdout, tail
    missing = [p for p in expect if not re.search(p, done.stdout, re.MULTILINE)]
    assert not missing, f"lines not printed: {missing}{tail}"
    assert not re.search(r"\b(nan|inf)\b", done.stdout, re.IGNORECASE), tail


def _run(cwd: Path, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
