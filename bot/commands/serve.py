"""`scout serve`: Scout in Slack. Socket Mode by default; `--http` serves /slack/events.

Both modes run the same Bolt app (bot/app.py) and, in the same process, the scheduler
(monitor cycle, 09:00 digest, weekly summary). Settings are validated before anything
connects, so a missing token or channel fails at once with what to set.

SIGTERM (a deploy, a scale-down) or SIGINT stops taking events at once, lets the answers in
flight finish for up to `--shutdown-grace` seconds (they were acknowledged, so Slack will not
send them again), then cancels what is left and exits 0. Platforms give about 30 s between
SIGTERM and SIGKILL; the default grace leaves room for closing memory after it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent.config import load_config
from bot.settings import load_settings

if TYPE_CHECKING:  # the app pulls in Bolt, aiohttp and matplotlib: only `serve` pays for them
    from aiohttp import web

    from bot.app import ScoutSlack

log = logging.getLogger("scout.serve")
EVENTS_PATH = "/slack/events"
DEFAULT_GRACE_S = 20.0


def register(sub: Any) -> None:
    """Add `scout serve` to the CLI."""
    parser = sub.add_parser("serve", help="run Scout in Slack (Socket Mode, or HTTP with --http)")
    parser.add_argument(
        "--http", action="store_true", help=f"serve Bolt HTTP mode at {EVENTS_PATH}"
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", "3000")), help="HTTP port ($PORT)"
    )
    parser.add_argument("--host", default="0.0.0.0", help="HTTP bind address")
    parser.add_argument(
        "--config", help="path to scout.yml (default: $SCOUT_CONFIG or ./scout.yml)"
    )
    parser.add_argument(
        "--no-scheduler", action="store_true", help="do not run the monitor/digest jobs here"
    )
    parser.add_argument(
        "--shutdown-grace",
        type=float,
        default=DEFAULT_GRACE_S,
        metavar="SECONDS",
        help=f"on SIGTERM, how long answers in flight may finish (default {DEFAULT_GRACE_S:g})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate settings, build the core and the app, serve until SIGINT/SIGTERM."""
    config = load_config(args.config)
    settings = load_settings(config, mode="http" if args.http else "socket")
    if logging.getLogger().level > logging.INFO:  # a server should say what it is doing
        logging.getLogger("scout").setLevel(logging.INFO)
    asyncio.run(_serve(args, config, settings))
    return 0


async def _serve(args: argparse.Namespace, config: Any, settings: Any) -> None:
    from bot.app import build_scout
    from bot.core import Scheduled, load_core
    from bot.scheduler import ScoutJobs, build_scheduler

    core = await load_core(config)
    scout = build_scout(core, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stopper(stop, sig))

    scheduler = None
    jobs = None
    if not args.no_scheduler and not isinstance(core, Scheduled):
        logging.getLogger("scout").warning("the core runs no scheduled jobs; answering only")
    elif not args.no_scheduler:
        jobs = ScoutJobs(scout.deps)
        scheduler = build_scheduler(jobs)
        scheduler.start()
    try:
        if args.http:
            await _serve_http(scout, args.host, args.port, stop)
        else:
            await _serve_socket(scout, settings.app_token, stop)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if jobs is not None:
            await jobs.close()  # the leader lock, at once: another replica leads next tick
        await scout.aclose(timeout=args.shutdown_grace)
        close = getattr(core, "aclose", None) or getattr(core, "close", None)
        if close is not None:
            await close()


def _stopper(stop: asyncio.Event, sig: signal.Signals) -> Callable[[], None]:
    def on_signal() -> None:
        if not stop.is_set():
            log.info("%s: no new events; finishing the answers in flight", sig.name)
        stop.set()

    return on_signal


def is_event_delivery(raw: str) -> bool:
    """An Events API delivery, for which Slack wants nothing but a 200."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return False
    return (
        isinstance(payload, dict)
        and payload.get("type") == "event_callback"
        and isinstance(payload.get("event"), dict)
    )


class EventsAfterAck:
    """Events API deliveries are acknowledged before Bolt sees them and dispatched once the
    burst they came in has passed (at most MOST_S later). In a burst of hundreds, every
    acknowledgement (Slack's 3 s deadline, then retries) comes before any work, Bolt's own
    middleware and the durable de-duplication claim included."""

    QUIET_S = 0.02
    MOST_S = 1.0

    def __init__(self, scout: ScoutSlack) -> None:
        self.scout = scout
        self._last_arrival = 0.0

    def take(self, request: Any) -> None:
        self._last_arrival = time.monotonic()
        self.scout.deps.work.spawn(self._dispatch(request), name="event-dispatch")

    async def _dispatch(self, request: Any) -> None:
        deadline = time.monotonic() + self.MOST_S
        while (now := time.monotonic()) < deadline:
            gap = now - self._last_arrival
            if gap >= self.QUIET_S:
                break
            await asyncio.sleep(min(self.QUIET_S - gap, deadline - now))
        try:
            response = await self.scout.app.async_dispatch(request)
        except (ValueError, TypeError, AttributeError, LookupError):
            log.warning("malformed signed event dropped", exc_info=True)
            return
        if response.status >= 400:
            log.warning("event not handled status=%d body=%s", response.status, response.body)


def http_app(scout: ScoutSlack) -> web.Application:
    """aiohttp application: Bolt at /slack/events (signature verified by Bolt), /health."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncBoltRequest
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(scout.deps.settings.signing_secret)
    events_after_ack = EventsAfterAck(scout)

    async def events(request: web.Request) -> web.Response:
        # The signature is checked on the raw bytes before anything parses them: a malformed
        # body from anyone gets 401 or 400, never a 500 from a parser, and nothing runs.
        try:
            raw = (await request.read()).decode("utf-8")  # Slack only ever sends UTF-8
        except UnicodeDecodeError:
            return web.json_response({"error": "malformed request"}, status=400)
        if not verifier.is_valid_request(raw, dict(request.headers)):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            if is_event_delivery(raw):
                # Bolt reads the context (channel, user) while building the request: a
                # signed body with a wrongly typed field must be refused here, not later.
                events_after_ack.take(AsyncBoltRequest(body=raw, headers=dict(request.headers)))
                return web.Response(status=200)
            bolt_request = await to_bolt_request(request)
            bolt_response = await scout.app.async_dispatch(bolt_request)
        except (ValueError, TypeError, AttributeError, LookupError):
            log.warning("malformed signed request rejected", exc_info=True)
            return web.json_response({"error": "malformed request"}, status=400)
        return await to_aiohttp_response(bolt_response)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "answers_in_flight": scout.deps.work.running})

    application = web.Application()
    application.router.add_post(EVENTS_PATH, events)
    application.router.add_get("/health", health)
    return application


async def _serve_http(scout: ScoutSlack, host: str, port: int, stop: asyncio.Event) -> None:
    from aiohttp import web

    # Requests are acknowledged within milliseconds (the work runs after the ack), so a
    # request still open seconds after SIGTERM is a stuck client: no reason to wait a minute.
    runner = web.AppRunner(http_app(scout), access_log=None, shutdown_timeout=3.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("Scout is listening on http://%s:%d%s", host, port, EVENTS_PATH)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def _serve_socket(scout: ScoutSlack, app_token: str | None, stop: asyncio.Event) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(scout.app, app_token)
    await handler.connect_async()
    log.info("Scout is connected to Slack over Socket Mode")
    try:
        await stop.wait()
    finally:
        await handler.close_async()
