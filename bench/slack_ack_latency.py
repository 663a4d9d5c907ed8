"""Ack latency of Scout's Slack endpoint: 50 concurrent signed mentions while analyses run.

Scout runs as `scout serve --http` in its own process, as in production, with a core whose
"analysis" is real work; the Web API is the fake Slack server on 127.0.0.1 in this process,
which also fires the requests. Each "analysis"
does ~0.3 s of numpy work off the loop plus I/O waits, like a warehouse query. Slack needs
the ack within 3 s; the target is p99 < 100 ms.

Baseline, side by side: the naive handler that runs the analysis before acknowledging
(Bolt's process_before_response=True with the work inline), then posts the same answer text
and uploads the same chart, so both columns deliver the same thing.

    .venv/bin/python -m bench.slack_ack_latency [--n 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.app import build_client
from bot.charts import render_chart
from bot.core import Reply, ThreadRef
from bot.settings import SlackSettings
from tests.bot.scripted_core import ScriptedCore, answer
from tests.bot.slack_requests import SECRET, event_body, mention, signed_headers
from tests.fakes.slack_api import FakeSlack

REPO = Path(__file__).resolve().parents[1]


def analysis() -> float:
    """~0.3 s of numeric work that releases the GIL, like DuckDB does."""
    rng = np.random.default_rng(7)
    a = rng.standard_normal((600, 600))
    total = 0.0
    for _ in range(6):
        total += float(np.linalg.norm(a @ a))
    return total


class AnalysingCore(ScriptedCore):
    """Answers every question after a real, CPU-bound analysis off the event loop."""

    async def ask(
        self,
        text: str,
        *,
        thread: ThreadRef,
        user: str,
        on_progress: Any,
        groups: frozenset[str] = frozenset(),
    ) -> Reply:
        self.asked.append((text, thread, user))
        await on_progress("Running the analysis")
        await asyncio.to_thread(analysis)
        await asyncio.sleep(0.2)  # the warehouse round trip
        return self._remember(thread, answer())


def build_core(_config: Any) -> AnalysingCore:
    """Factory for `SCOUT_CORE=bench.slack_ack_latency:build_core` in the served process."""
    return AnalysingCore()


def naive_app(settings: SlackSettings) -> web.Application:
    """The baseline: answer before acknowledging (what Scout must not do)."""
    core = AnalysingCore()
    app = AsyncApp(
        client=build_client(settings), signing_secret=SECRET, process_before_response=True
    )

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], say: Any, client: Any) -> None:
        thread = ThreadRef(channel=event["channel"], thread_ts=event["ts"])

        async def nothing(_step: str) -> None:
            return None

        reply = await core.ask(
            event["text"], thread=thread, user=event["user"], on_progress=nothing
        )
        finding = reply.findings[0]
        await say(text=finding.summary, thread_ts=event["ts"])
        # The same deliverable as Scout's answer, so "all answered" compares equal work.
        assert finding.chart is not None
        png = await asyncio.to_thread(render_chart, finding.chart)
        await client.files_upload_v2(
            channel=event["channel"], thread_ts=event["ts"], content=png, filename="chart.png"
        )

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    application = web.Application()
    application.router.add_post("/slack/events", events)
    application.router.add_get("/health", lambda _r: _health())
    return application


async def _health() -> web.Response:
    return web.json_response({"ok": True})


def serve_naive(port: int) -> None:
    settings = SlackSettings(
        bot_token="xoxb-bench", signing_secret=SECRET, api_url=os.environ["SLACK_API_URL"]
    )
    web.run_app(naive_app(settings), host="127.0.0.1", port=port, print=None, access_log=None)


def start_server(
    kind: str,
    slack: FakeSlack,
    workdir: Path,
    *,
    core: str | None = "bench.slack_ack_latency:build_core",
    config_extra: str = "",
) -> tuple[subprocess.Popen[bytes], str]:
    """`scout serve --http` (or the naive baseline) as its own process, like production.

    `core` None serves Scout's own core (the warehouse and memory `config_extra` names)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = workdir / "scout.yml"
    config.write_text(
        "slack:\n  digest_channel: C0DIGEST\n  alerts_channel: C0ALERTS\n  approvers: [U0BOSS]\n"
        + config_extra
    )
    env = {k: v for k, v in os.environ.items() if k != "SCOUT_CORE"} | {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "SCOUT_CONFIG": str(config),
    }
    if core is not None:
        env["SCOUT_CORE"] = core
    if kind == "scout":
        argv = [
            "-m",
            "bot.cli",
            "serve",
            "--http",
            "--no-scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    else:
        argv = ["-m", "bench.slack_ack_latency", "--serve-naive", str(port)]
    process = subprocess.Popen([sys.executable, *argv], cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server did not start") from None
            time.sleep(0.1)
    return process, f"http://127.0.0.1:{port}/slack/events"


async def fire(url: str, n: int, second: int = 1765000000) -> list[float]:
    """n concurrent signed app_mention deliveries; the seconds each took to be acknowledged.

    Messages are told apart by their ts: Scout answers a message once, so a burst must not
    reuse the warm-up's (with `--n 1` the run would wait for an answer that never comes)."""
    bodies = [event_body(mention(f"question {i}", ts=f"{second}.{i:06d}")) for i in range(n)]
    async with aiohttp.ClientSession() as session:

        async def one(body: str) -> float:
            headers = signed_headers(body, "application/json")
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            return time.perf_counter() - started

        return list(await asyncio.gather(*(one(b) for b in bodies)))


async def dispatch_only(n: int) -> list[float]:
    """Scout's own share of an ack: Bolt dispatch of n concurrent signed mentions, in-process.

    The end-to-end figure above also holds the load generator and the fake Web API sharing
    one process on 2 cores; this isolates what Scout does before answering 200.
    """
    from slack_bolt.request.async_request import AsyncBoltRequest

    from bot.app import build_scout
    from bot.settings import SlackSettings as Settings

    with FakeSlack() as slack:
        settings = Settings(
            bot_token="xoxb-bench",
            signing_secret=SECRET,
            api_url=slack.base_url,
            digest_channel="C0DIGEST",
            alerts_channel="C0ALERTS",
            approvers=("U0BOSS",),
        )
        scout = build_scout(AnalysingCore(), settings)
        bodies = [event_body(mention(f"q {i}", ts=f"1765000001.{i:06d}")) for i in range(n + 1)]

        async def one(body: str) -> float:
            request = AsyncBoltRequest(body=body, headers=signed_headers(body, "application/json"))
            started = time.perf_counter()
            response = await scout.app.async_dispatch(request)
            assert response.status == 200, response.status
            return time.perf_counter() - started

        await one(bodies[0])  # warm-up: auth.test once
        latencies = list(await asyncio.gather(*(one(b) for b in bodies[1:])))
        await scout.aclose(timeout=60)
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(kind: str, n: int) -> dict[str, float]:
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as workdir:
        process, url = start_server(kind, slack, Path(workdir))
        try:
            # both answers end with their chart uploaded into the thread
            done = "files.completeUploadExternal"
            asyncio.run(fire(url, 1, second=1764999999))  # warm-up: auth.test, imports, chart
            slack.wait_for_sync(done, timeout=60)
            started = time.perf_counter()
            latencies = asyncio.run(fire(url, n))
            answered = slack.wait_for_sync(done, n + 1, timeout=300)[1:]
            all_answered = time.perf_counter() - started
        finally:  # a failed run must not leave its server holding the port and the pipe
            process.terminate()
            process.wait(30)
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies) * 1000,
        "answers": float(len(answered)),
        "all_answered_s": all_answered,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--serve-naive", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_naive:
        serve_naive(args.serve_naive)
        return 0
    results = {kind: measure(kind, args.n) for kind in ("scout", "naive")}
    print(f"{args.n} concurrent signed app_mention events, each analysis ~0.5 s (CPU + I/O)")
    print(f"{'':28}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'all answered s':>16}")
    for kind, label in (
        ("scout", "Scout (ack, then work)"),
        ("naive", "baseline (work, then ack)"),
    ):
        r = results[kind]
        print(
            f"{label:28}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}{r['max_ms']:>10.1f}{r['all_answered_s']:>16.1f}"
        )
    inside = asyncio.run(dispatch_only(args.n))
    print(
        f"{'Scout dispatch only (in-process)':28}{statistics.median(inside) * 1000:>10.2f}"
        f"{percentile(inside, 0.99) * 1000:>10.2f}{max(inside) * 1000:>10.2f}"
    )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
