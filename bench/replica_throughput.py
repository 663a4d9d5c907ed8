"""Replica throughput: one `scout serve --http` against two, on one PostgreSQL memory.

A private PostgreSQL server (initdb + pg_ctl, as `make test` starts it) holds Scout's memory;
each replica is the real core behind `scout serve --http --no-scheduler`, in its own process,
on one demo warehouse (DuckDB, opened read-only by every replica). This process is Slack: it
serves the fake Web API on 127.0.0.1, and a separate load process fires the same burst of N
signed mentions at (a) one replica and (b) two replicas, split round-robin by the load
process itself. In production Slack has one Request URL and a load balancer in front of the
replicas makes that split; here each replica listens on its own port and the load process
plays the load balancer.

Every write, from any replica, takes its component's advisory lock (memory or the actor:
agent/db/postgres.py, `transaction`), so each component's writes are serialised across
replicas; during the burst the run samples how much of the time each lock was held and how
often a writer queued behind one, and how busy the machine's CPUs were: which limits
throughput. The busier lock is reported, with its component. A fresh
database per scenario, so neither run sees the other's claims.

    .venv/bin/python -m bench.replica_throughput [--n 200] [--days 120] [--smoke]
        [--postgres postgresql+psycopg://user@host:port/db]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import aiohttp
import psycopg

from agent.db import postgres_url as libpq_url
from agent.db.postgres import writer_lock
from agent.demo_data import generate
from bench.slack_ack_latency import REPO, percentile, start_server
from bench.slack_load import BURST, NOT_AN_ANSWER, QUESTIONS, health
from tests.bot.slack_requests import event_body, mention, signed_headers
from tests.fakes.postgres import INSTALL_HINT, PostgresServer, _has_user, find_bindir, query
from tests.fakes.slack_api import FakeSlack

# Who holds a component's writer lock in this database right now, and who waits for it.
WRITER_LOCK_USE = (
    "SELECT count(*) FILTER (WHERE granted), count(*) FILTER (WHERE NOT granted)"
    " FROM pg_locks WHERE locktype = 'advisory' AND classid = %s::oid AND objid = %s::oid"
    " AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
COMPONENTS = ("memory", "act")


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One scenario's figures and checks."""

    replicas: int
    answers_per_s: float
    all_answered_s: float
    ack_p50_ms: float
    ack_p99_ms: float
    messages: int
    answered_once: int
    answered_twice: int
    unanswered: int
    delivery_claims: int
    threads: int
    extra_findings: int
    lock_held_pct: float
    busiest_lock: str
    lock_waited_pct: float
    most_waiting: int
    cpu_busy_pct: float

    @property
    def consistent(self) -> bool:
        n = self.messages
        return (
            self.answered_once == n
            and self.answered_twice == 0
            and self.delivery_claims == n
            and self.threads == n
            and self.extra_findings == 0
        )


async def fire(urls: list[str], texts: list[str], second: int) -> tuple[float, list[float]]:
    """Each text as its own signed app_mention in its own channel, all at once; mention i
    goes to replica i mod len(urls), as a round-robin load balancer would send it. The wall
    clock when the first went out (this process's start-up is no part of the figure), and
    the seconds each took to be acknowledged."""
    bodies = [
        event_body(mention(text, channel=f"CL{i:04d}", ts=f"{second}.{i:06d}"))
        for i, text in enumerate(texts)
    ]
    connector = aiohttp.TCPConnector(limit=0)  # Slack does not queue its deliveries for us
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url: str, body: str) -> float:
            headers = signed_headers(body, "application/json")
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            return time.perf_counter() - started

        started = time.time()
        latencies = await asyncio.gather(
            *(one(urls[i % len(urls)], b) for i, b in enumerate(bodies))
        )
        return started, list(latencies)


def fire_from_another_process(
    urls: list[str], texts: list[str], second: int
) -> tuple[float, list[float]]:
    """The burst from its own process, so the load shares no GIL with the fake Web API."""
    spec = json.dumps({"urls": urls, "texts": texts, "second": second})
    done = subprocess.run(
        [sys.executable, "-m", "bench.replica_throughput", "--fire"],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    started, latencies = json.loads(done.stdout.strip().splitlines()[-1])
    return float(started), [float(t) for t in latencies]


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine so far, from /proc/stat; (0, 0)
    where there is none."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


@dataclass(frozen=True, kw_only=True)
class Sample:
    at: float  # wall clock, comparable with the load process's
    held: tuple[int, ...]  # per component: write transactions holding its lock (0 or 1)
    waiting: tuple[int, ...]  # per component: writers queued behind it
    busy: int  # the machine's busy and total CPU ticks so far
    total: int


@dataclass(frozen=True, kw_only=True)
class Usage:
    """The writers' lock and the machine's CPU between two moments."""

    samples: int
    lock_held_pct: float
    busiest_lock: str
    lock_waited_pct: float
    most_waiting: int
    cpu_busy_pct: float


class Sampler(threading.Thread):
    """Samples pg_locks for the writers' lock, and /proc/stat, every few milliseconds from
    its own connection until stopped; `usage` keeps the samples inside the burst."""

    def __init__(self, memory: str, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        libpq = libpq_url(memory)
        assert libpq is not None
        self.libpq, self.every = libpq, every
        self.stopped = threading.Event()
        self.samples: list[Sample] = []

    def run(self) -> None:
        # A bigint advisory key shows in pg_locks as its high and low halves.
        keys = [writer_lock(c) for c in COMPONENTS]
        halves = [((k >> 32) & 0xFFFFFFFF, k & 0xFFFFFFFF) for k in keys]
        with psycopg.connect(self.libpq, autocommit=True) as conn:
            while not self.stopped.wait(self.every):
                rows = [conn.execute(WRITER_LOCK_USE, half).fetchone() for half in halves]
                busy, total = cpu_ticks()
                held = tuple(int(r[0]) if r else 0 for r in rows)
                waiting = tuple(int(r[1]) if r else 0 for r in rows)
                self.samples.append(
                    Sample(at=time.time(), held=held, waiting=waiting, busy=busy, total=total)
                )

    def usage(self, start: float, end: float) -> Usage:
        self.stopped.set()
        self.join(10)
        inside = [s for s in self.samples if start <= s.at <= end] or self.samples[-1:]
        first, last = inside[0], inside[-1]
        held = [
            100.0 * sum(s.held[c] > 0 for s in inside) / len(inside) for c in range(len(COMPONENTS))
        ]
        busiest = max(range(len(COMPONENTS)), key=held.__getitem__)
        ticks = last.total - first.total
        return Usage(
            samples=len(inside),
            lock_held_pct=held[busiest],
            busiest_lock=COMPONENTS[busiest],
            lock_waited_pct=100.0 * sum(any(s.waiting) for s in inside) / len(inside),
            most_waiting=max(max(s.waiting) for s in inside),
            cpu_busy_pct=100.0 * (last.busy - first.busy) / ticks if ticks > 0 else 0.0,
        )


def wait_answered(urls: list[str], slack: FakeSlack, channels: set[str], timeout: float) -> None:
    """Until every channel's placeholder was edited and no replica has an answer in flight."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        edited = {c.body["channel"] for c in slack.ok_calls("chat.update")}
        if channels <= edited and all(health(u).get("answers_in_flight") == 0 for u in urls):
            return
        time.sleep(0.2)
    raise TimeoutError(f"not all answered within {timeout:.0f} s")


def consistency(slack: FakeSlack, memory: str, channels: set[str], second: int) -> dict[str, int]:
    """The messages in each mention's thread as the fake Slack holds them (placeholders
    edited into answers), and the memory's rows for each mention, by hand-written SQL."""
    in_thread: dict[str, list[str]] = {ch: [] for ch in channels}
    for message in list(slack.messages):
        channel, thread = message.get("channel"), str(message.get("thread_ts") or "")
        if channel in in_thread and thread == f"{second}.{int(channel[2:]):06d}":
            in_thread[channel].append(str(message.get("text") or ""))

    def is_answer(text: str) -> bool:
        return bool(text) and not any(w in text for w in NOT_AN_ANSWER)

    claims = query(
        memory, "SELECT COUNT(*) FROM digests WHERE key LIKE ?", (f"delivery:%:CL%:{second}.%",)
    )[0][0]
    threads = query(
        memory,
        "SELECT thread_key, finding_ids FROM threads WHERE thread_key LIKE ?",
        (f"CL%:{second}.%",),
    )
    stored = dict(
        query(
            memory,
            "SELECT thread_key, COUNT(*) FROM findings WHERE thread_key LIKE ? GROUP BY thread_key",
            (f"CL%:{second}.%",),
        )
    )
    # A mention analysed twice leaves findings its thread does not point at.
    extra = sum(int(stored.get(key, 0)) - len(json.loads(ids)) for key, ids in threads)
    return {
        "messages": len(channels),
        "answered_once": sum(
            1 for texts in in_thread.values() if len(texts) == 1 and is_answer(texts[0])
        ),
        "answered_twice": sum(1 for texts in in_thread.values() if len(texts) > 1),
        "unanswered": sum(1 for texts in in_thread.values() if not any(map(is_answer, texts))),
        "delivery_claims": int(claims),
        "threads": len(threads),
        "extra_findings": extra,
    }


def scenario(
    replicas: int, texts: list[str], warehouse: Path, memory: str, workdir: Path
) -> Outcome:
    """The burst against `replicas` serving processes on one fresh memory database."""
    n = len(texts)
    with FakeSlack() as slack:
        started_servers = []
        try:
            for r in range(replicas):
                home = workdir / f"replica{r}"
                home.mkdir()
                extra = f"warehouse: {warehouse}\nmemory: {memory}\n"
                started_servers.append(
                    start_server("scout", slack, home, core=None, config_extra=extra)
                )
            urls = [url for _, url in started_servers]
            # Warm-up, one mention per replica: imports, auth.test, the warehouse's first query.
            warm = ["what was revenue yesterday?"] * replicas
            fire_from_another_process(urls, warm, BURST - 1)
            wait_answered(urls, slack, {f"CL{r:04d}" for r in range(replicas)}, 180)
            slack.reset()
            sampler = Sampler(memory)
            sampler.start()
            started, latencies = fire_from_another_process(urls, texts, BURST)
            channels = {f"CL{i:04d}" for i in range(n)}
            wait_answered(urls, slack, channels, max(300.0, 6.0 * n))
            # Until the last answer reached Slack (the fake's clock is this process's).
            last = max(c.at for c in slack.ok_calls("chat.update"))
            ended = last + (time.time() - time.monotonic())
            usage = sampler.usage(started, ended)
            checked = consistency(slack, memory, channels, BURST)
        finally:
            for process, _ in started_servers:
                process.terminate()
            for process, _ in started_servers:
                process.wait(30)
    return Outcome(
        replicas=replicas,
        answers_per_s=n / (ended - started),
        all_answered_s=ended - started,
        ack_p50_ms=statistics.median(latencies) * 1000,
        ack_p99_ms=percentile(latencies, 0.99) * 1000,
        lock_held_pct=usage.lock_held_pct,
        busiest_lock=usage.busiest_lock,
        lock_waited_pct=usage.lock_waited_pct,
        most_waiting=usage.most_waiting,
        cpu_busy_pct=usage.cpu_busy_pct,
        **checked,
    )


@contextlib.contextmanager
def postgres_server(given: str | None) -> Iterator[str | None]:
    """An admin URL: the one given, or a private server of this run's own; None (with the
    reason printed) when no server can be started here."""
    if given:
        yield given
        return
    bindir = find_bindir()
    if bindir is None:
        print(f"skipped: no PostgreSQL server binaries found; {INSTALL_HINT}, or pass --postgres")
        yield None
        return
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _has_user("postgres")):
        print("skipped: as root, starting PostgreSQL needs the `postgres` OS user and runuser")
        yield None
        return
    server = private_server(bindir)
    # Its commands run as the `postgres` user when this is root: from a folder it may enter.
    try:
        with contextlib.chdir(server.root):
            server.start()
        yield server.url
    finally:
        with contextlib.chdir(REPO):
            server.stop()


def private_server(bindir: Path) -> PostgresServer:
    """The server's folder under the system's /tmp when it runs as the `postgres` user:
    TMPDIR may be root's private folder (pytest's are), which that user cannot enter."""
    if os.geteuid() != 0 or not Path("/tmp").is_dir():
        return PostgresServer(bindir)
    chosen, tempfile.tempdir = tempfile.tempdir, "/tmp"
    try:
        return PostgresServer(bindir)
    finally:
        tempfile.tempdir = chosen


def fresh_database(admin: str, name: str) -> str:
    """An empty database `name` on the admin URL's server (a leftover one is dropped)."""
    drop_database(admin, name)
    libpq = libpq_url(admin)
    assert libpq is not None
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + "/" + name


def drop_database(admin: str, name: str) -> None:
    libpq = libpq_url(admin)
    assert libpq is not None
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_version(admin: str) -> str:
    return str(query(admin, "SHOW server_version")[0][0]).split()[0]


def run(admin: str, n: int, days: int) -> tuple[str, list[Outcome]]:
    texts = [QUESTIONS[i % len(QUESTIONS)] for i in range(n)]
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        built = generate(out=workdir / "demo", seed=7, today=date.today(), days=days)
        for replicas in (1, 2):
            name = f"scout_bench_replicas_{replicas}"
            memory = fresh_database(admin, name)
            home = workdir / f"run{replicas}"
            home.mkdir()
            try:
                outcomes.append(scenario(replicas, texts, built.path, memory, home))
            finally:
                drop_database(admin, name)
    return server_version(admin), outcomes


def report(
    n: int, days: int, version: str, load: tuple[float, float, float], rows: list[Outcome]
) -> None:
    cores = os.cpu_count() or 0
    print(
        f"machine: {cores} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"before the run; PostgreSQL {version}; demo warehouse {days} days"
    )
    print(
        f"{n} signed mentions in one burst, load from its own process; two replicas split "
        "round-robin by the load process (in production: one Request URL, a load balancer)"
    )
    print(
        "| replicas | answers/s | all answered s | ack p50 ms | ack p99 ms | answered once "
        "| answered twice | delivery claims | threads in memory | extra findings "
        "| busiest writer lock held | a writer waited (most) | CPU busy |"
    )
    print("|---" * 13 + "|")
    for row in rows:
        print(
            f"| {row.replicas} | {row.answers_per_s:.2f} | {row.all_answered_s:.1f} "
            f"| {row.ack_p50_ms:.1f} | {row.ack_p99_ms:.1f} "
            f"| {row.answered_once}/{row.messages} | {row.answered_twice} "
            f"| {row.delivery_claims} | {row.threads} | {row.extra_findings} "
            f"| {row.lock_held_pct:.0f}% ({row.busiest_lock}) | {row.lock_waited_pct:.0f}% ({row.most_waiting}) "
            f"| {row.cpu_busy_pct:.0f}% |"
        )
    one, two = rows
    print(f"throughput two / one replica: {two.answers_per_s / one.answers_per_s:.2f}x")
    print(json.dumps([asdict(row) for row in rows]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="mentions in the burst")
    parser.add_argument("--days", type=int, default=120, help="days of demo history")
    parser.add_argument("--smoke", action="store_true", help="6 mentions, 60 days")
    parser.add_argument(
        "--postgres", metavar="URL", help="an existing server's admin URL (default: start one)"
    )
    parser.add_argument("--fire", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fire:  # the load generator's own process: a spec on stdin, latencies out
        spec = json.loads(sys.stdin.read())
        print(json.dumps(asyncio.run(fire(spec["urls"], spec["texts"], spec["second"]))))
        return 0
    n, days = (6, 60) if args.smoke else (args.n, args.days)
    load = os.getloadavg()
    with postgres_server(args.postgres) as admin:
        if admin is None:
            return 0
        version, rows = run(admin, n, days)
    report(n, days, version, load, rows)
    return 0 if all(row.consistent for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
