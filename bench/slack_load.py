"""Scout's own core under a burst: N concurrent mentions, some of them 40 kB long.

`scout serve --http --no-scheduler` runs in its own process on a demo warehouse (DuckDB) with
a sqlite memory, exactly as deployed; this process is Slack: it fires the signed events and
serves the fake Web API on 127.0.0.1. Issue 18's load: at 200 concurrent mentions, with 40 kB
messages in the same burst, every ack under 1 s (p99 < 300 ms), all answered, memory
consistent (one claim, one placeholder and one remembered thread per message). Issue 15 asks
for p99 < 300 ms at 500.

    .venv/bin/python -m bench.slack_load [--n 200] [--big 12] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from agent.demo_data import generate
from bench.slack_ack_latency import REPO, percentile, start_server
from tests.bot.slack_requests import SECRET, event_body, mention, signed_headers
from tests.fakes.slack_api import Call, FakeSlack

QUESTIONS = (
    "what was revenue yesterday?",
    "revenue by region last 7 days",
    "conversion rate by device last week",
    "orders this month so far vs the same period last month",
    "average order value by channel last 14 days",
    "units sold by category last 30 days",
    "how many orders did we get yesterday?",
    "sessions by device last 7 days vs previous 7 days",
)
BIG_BYTES = 40_000
BURST = 1765000000  # the burst's message ts second (the warm-up's is one before)
# What a message says while it waits or works; an answer says none of these.
NOT_AN_ANSWER = ("is working on it", "Queued", "Sorry", "something went wrong")


def big_question(question: str) -> str:
    """A question followed by a pasted 40 kB log, as people do."""
    line = "2026-12-01T09:00:00Z order=O123456 status=shipped region=Northeast device=mobile\n"
    return question + "\n" + line * (BIG_BYTES // len(line) + 1)


def health(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url.replace("/slack/events", "/health"), timeout=5) as reply:
        return dict(json.load(reply))


async def fire(url: str, texts: list[str], second: int) -> list[float]:
    """Each text as its own signed app_mention in its own channel, all at once."""
    bodies = [
        event_body(mention(text, channel=f"CL{i:04d}", ts=f"{second}.{i:06d}"))
        for i, text in enumerate(texts)
    ]
    signed = [(body, signed_headers(body, "application/json")) for body in bodies]
    connector = aiohttp.TCPConnector(limit=0)  # Slack does not queue its deliveries for us
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(body: str, headers: dict[str, str]) -> float:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            return time.perf_counter() - started

        return list(await asyncio.gather(*(one(b, h) for b, h in signed)))


def fire_from_another_process(url: str, texts: list[str], second: int) -> list[float]:
    """The burst from its own process, so neither the server nor the fake Web API shares
    a core's GIL with the load generator."""
    spec = json.dumps({"url": url, "texts": texts, "second": second})
    done = subprocess.run(
        [sys.executable, "-m", "bench.slack_load", "--fire"],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def serve_floor(port: int) -> None:
    """The floor: a server that checks the signature and says 200, nothing else."""
    verifier = SignatureVerifier(SECRET)

    async def events(request: web.Request) -> web.Response:
        raw = (await request.read()).decode("utf-8")
        ok = verifier.is_valid_request(raw, dict(request.headers))
        return web.json_response({}, status=200 if ok else 401)

    async def ok(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "answers_in_flight": 0})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/health", ok)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def floor_latencies(texts: list[str]) -> list[float]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [sys.executable, "-m", "bench.slack_load", "--serve-floor", str(port)]
    process = subprocess.Popen(argv, cwd=REPO)
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health(url)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the floor server did not start") from None
                time.sleep(0.1)
        return fire_from_another_process(url, texts, second=BURST)
    finally:
        process.terminate()
        process.wait(30)


def wait_idle(url: str, slack: FakeSlack, channels: set[str], timeout: float) -> float:
    """Seconds until every channel's placeholder was edited and nothing is in flight."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        edited = {c.body["channel"] for c in slack.ok_calls("chat.update")}
        if channels <= edited and health(url).get("answers_in_flight") == 0:
            return time.perf_counter() - started
        time.sleep(0.5)
    raise TimeoutError(f"not all answered within {timeout:.0f} s")


def last_text(calls: list[Call], channel: str) -> str:
    edits = [c for c in calls if c.body["channel"] == channel]
    return str(edits[-1].body.get("text", "")) if edits else ""


def consistency(slack: FakeSlack, memory: Path, channels: set[str], second: int) -> dict[str, int]:
    """One placeholder and one answer per message; memory holds each thread once."""
    posts = [c for c in slack.ok_calls("chat.postMessage") if c.body["channel"] in channels]
    per_channel = {ch: 0 for ch in channels}
    for call in posts:
        per_channel[call.body["channel"]] += 1
    updates = slack.ok_calls("chat.update")
    answered = sum(
        1
        for ch in channels
        if (text := last_text(updates, ch)) and not any(w in text for w in NOT_AN_ANSWER)
    )
    with sqlite3.connect(memory) as db:
        threads = db.execute(
            "SELECT COUNT(*) FROM threads WHERE thread_key LIKE ?", (f"CL%:{second}.%",)
        ).fetchone()[0]
    return {
        "messages": len(channels),
        "answered": answered,
        "answered_twice": sum(1 for n in per_channel.values() if n > 1),
        "unanswered": sum(1 for n in per_channel.values() if n == 0),
        "threads_in_memory": int(threads),
    }


def burst(n: int, big: int) -> tuple[list[str], set[int]]:
    """n questions, `big` of them (spread through the burst) with a 40 kB paste."""
    big_at = set(range(0, n, max(1, n // big))[:big]) if big else set()
    texts = [QUESTIONS[i % len(QUESTIONS)] for i in range(n)]
    return [big_question(t) if i in big_at else t for i, t in enumerate(texts)], big_at


def spread(latencies: list[float], big_at: set[int]) -> dict[str, float]:
    small = [t for i, t in enumerate(latencies) if i not in big_at]
    large = [t for i, t in enumerate(latencies) if i in big_at]
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies) * 1000,
        "max_ordinary_ms": max(small) * 1000 if small else 0.0,
        "max_40kB_ms": max(large) * 1000 if large else 0.0,
        "over_1s": float(sum(1 for t in latencies if t > 1.0)),
    }


def run(n: int, big: int, days: int) -> dict[str, Any]:
    texts, big_at = burst(n, big)
    floor = spread(floor_latencies(texts), big_at)
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        built = generate(out=workdir / "demo", seed=7, today=date.today(), days=days)
        memory = workdir / "memory.sqlite3"
        extra = f"warehouse: {built.path}\nmemory: {memory}\n"
        process, url = start_server("scout", slack, workdir, core=None, config_extra=extra)
        try:
            fire_from_another_process(url, ["what was revenue yesterday?"], BURST - 1)
            wait_idle(url, slack, {"CL0000"}, timeout=120)  # warm-up: imports, auth.test
            slack.reset()
            started = time.perf_counter()
            latencies = fire_from_another_process(url, texts, second=BURST)
            channels = {f"CL{i:04d}" for i in range(n)}
            wait_idle(url, slack, channels, timeout=max(300.0, 6.0 * n))
            all_answered = time.perf_counter() - started
            checked = consistency(slack, memory, channels, BURST)
        finally:
            process.terminate()
            process.wait(30)
    return {
        "n": n,
        "big": len(big_at),
        "scout": spread(latencies, big_at),
        "floor": floor,
        "all_answered_s": all_answered,
        **checked,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--big", type=int, default=12, help="how many of them are 40 kB")
    parser.add_argument("--days", type=int, default=120, help="days of demo history")
    parser.add_argument("--smoke", action="store_true", help="4 mentions, 1 big, 60 days")
    parser.add_argument("--fire", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-floor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fire:  # the load generator's own process: a spec on stdin, latencies out
        spec = json.loads(sys.stdin.read())
        print(json.dumps(asyncio.run(fire(spec["url"], spec["texts"], spec["second"]))))
        return 0
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return 0
    n, big, days = (4, 1, 60) if args.smoke else (args.n, args.big, args.days)
    result = run(n, big, days)
    print(
        f"{n} concurrent signed mentions, {result['big']} of them 40 kB; load from its own process"
    )
    columns = ("p50_ms", "p99_ms", "max_ms", "max_ordinary_ms", "max_40kB_ms", "over_1s")
    print(f"{'':34}" + "".join(f"{c:>16}" for c in columns))
    for key, label in (
        ("scout", "Scout (scout serve --http)"),
        ("floor", "floor: signature check + 200"),
    ):
        row = result[key]
        print(f"{label:34}" + "".join(f"{row[c]:>16.1f}" for c in columns))
    print(
        f"answered {result['answered']}/{result['messages']} in {result['all_answered_s']:.1f} s; "
        f"answered twice {result['answered_twice']}; threads in memory "
        f"{result['threads_in_memory']}"
    )
    print(json.dumps(result))
    ok = result["answered"] == n and result["answered_twice"] == 0
    return 0 if ok and result["threads_in_memory"] == n else 1


if __name__ == "__main__":
    raise SystemExit(main())
