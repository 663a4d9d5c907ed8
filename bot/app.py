"""Build Scout's Bolt AsyncApp: one transport-free dispatch core, wired to a ScoutCore.

Socket Mode and HTTP (bot/commands/serve.py) are thin adapters around `app.async_dispatch`;
tests feed it signed requests directly. `build_scout(...)` returns the app together with its
runtime (background work, caches), `build_app(...)` just the app.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import DeliveryClaims, OutboundWiring, ScoutCore
from bot.listeners import actions, commands, events, home
from bot.listeners.assistant import build_assistant
from bot.listeners.common import Deps, first_delivery
from bot.notifier import SlackNotifier, approver_check
from bot.posting import ConnectionErrorRetry, ServerErrorRetry
from bot.settings import SlackSettings

log = logging.getLogger("scout.slack")
SLACK_API = "https://slack.com/api/"


def build_client(settings: SlackSettings) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL as base, 429s retried after their Retry-After.

    Dropped connections and 5xx are retried for every method but the ones that post: their
    answer may be lost after Slack posted, so bot.posting looks them up instead.

    Inside a running loop the client gets one shared aiohttp session: without it slack-sdk
    opens a session per call, and that CPU sits on the loop that must ack events in < 3 s.
    """
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout_s)
    try:
        asyncio.get_running_loop()
        # A session of our own ignores the client's timeout: it must carry one itself.
        session: aiohttp.ClientSession | None = aiohttp.ClientSession(timeout=timeout)
    except RuntimeError:
        session = None
    return AsyncWebClient(
        token=settings.bot_token,
        session=session,
        timeout=max(1, round(settings.http_timeout_s)),
        base_url=settings.api_url or SLACK_API,
        retry_handlers=[
            ConnectionErrorRetry(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=settings.rate_limit_retries),
            ServerErrorRetry(max_retry_count=2),
        ],
    )


class BotIdentity:
    """Who Scout is in the workspace, asked once per process.

    Bolt's default single-workspace authorization calls auth.test on every request until the
    first call has answered, so a burst of mentions at start-up waits on a burst of round
    trips before any ack. One call under a lock serves every request after it.
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._result: AuthorizeResult | None = None
        self._lock = asyncio.Lock()

    async def result(self) -> AuthorizeResult:
        """The cached auth.test answer (asked on first use)."""
        if self._result is None:
            async with self._lock:
                if self._result is None:
                    response = await self._client.auth_test()
                    self._result = AuthorizeResult.from_auth_test_response(
                        bot_token=self._client.token, auth_test_response=response
                    )
        return self._result

    def authorize(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Bolt's `authorize` hook (a plain function: Bolt injects arguments by name)."""

        async def authorize(
            enterprise_id: str | None = None, team_id: str | None = None
        ) -> AuthorizeResult:
            return await self.result()

        return authorize


@dataclass
class ScoutSlack:
    """The Bolt app and the adapter runtime behind it."""

    app: AsyncApp
    deps: Deps

    async def aclose(self, timeout: float = 30.0) -> None:
        """Let answers in flight finish (bounded), then close the client's session."""
        await self.deps.work.drain(timeout)
        session = getattr(self.deps.client, "session", None)
        if session is not None and not session.closed:
            await session.close()


def build_scout(
    core: ScoutCore,
    settings: SlackSettings,
    *,
    client: AsyncWebClient | None = None,
    process_before_response: bool = False,
) -> ScoutSlack:
    """Wire listeners, de-duplication and the assistant container to `core`."""
    client = client or build_client(settings)
    identity = BotIdentity(client)
    app = AsyncApp(
        client=client,
        authorize=identity.authorize(),
        signing_secret=settings.signing_secret or None,
        process_before_response=process_before_response,
        name="scout",
    )
    deps = Deps(core=core, settings=settings, client=client)

    @app.middleware
    async def reject_malformed(body: dict[str, Any], next: Any) -> BoltResponse | None:
        # Bolt's matchers index a click's action_id blindly; a signed but malformed click
        # is the sender's mistake (400), not a listener crash (500).
        if body.get("type") == "block_actions" and not _well_formed_actions(body.get("actions")):
            log.warning("malformed block_actions payload rejected")
            return BoltResponse(status=400, body="malformed actions")
        await next()
        return None

    @app.middleware
    async def drop_retries(body: dict[str, Any], next: Any) -> BoltResponse | None:
        # Slack redelivers an event when an ack is slow or lost, a restart or a second
        # replica sees it again, and a signed request can be replayed within its 5 minutes:
        # each delivery is answered once (in process first, then by a claim in memory).
        key = delivery_key(body)
        if key and not await first_delivery(deps, key):
            log.info("duplicate delivery dropped key=%s", key)
            return BoltResponse(status=200, body="")
        await next()
        return None

    app.use(build_assistant(deps))
    events.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)

    @app.event("assistant_thread_context_changed")
    async def _context_changed() -> None:
        """Handled by the assistant middleware; registered so Bolt never answers 404."""

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("listener failed type=%s", body.get("type"), exc_info=error)

    connect_outbound(core, deps)
    return ScoutSlack(app=app, deps=deps)


def _well_formed_actions(actions: object) -> bool:
    return isinstance(actions, list) and all(
        isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions
    )


def delivery_key(body: dict[str, Any]) -> str | None:
    """What makes a delivery the same one again: the event id and the message it is about,
    or the trigger id of a command or a click (Slack makes one per invocation)."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        if isinstance(event, dict) and event.get("channel") and event.get("ts"):
            return f"{event.get('type')}:{event['channel']}:{event['ts']}"
        return f"event:{body['event_id']}" if body.get("event_id") else None
    trigger = body.get("trigger_id")
    if trigger and (
        body.get("command") or body.get("type") in ("block_actions", "view_submission")
    ):
        return f"trigger:{trigger}"
    return None


def connect_outbound(core: ScoutCore, deps: Deps) -> bool:
    """Make an acting core deliver through this app's WebClient and authorise like it.

    The actor's "notify" integration (alerts, reports, escalations) becomes the Slack
    notifier on the app's client, with the agent's logical channels mapped to the configured
    ids; its approver check is the one the buttons use. False for a core that does not act.
    """
    if not isinstance(core, OutboundWiring):
        return False
    assert deps.approvers is not None
    # With the core's delivery claims, "may have landed" outlives a restart: the next
    # process looks the post up instead of sending it twice.
    claims = core if isinstance(core, DeliveryClaims) else None
    notifier = SlackNotifier(deps.client, channels=deps.settings.channel_aliases, claims=claims)
    core.connect_outbound(
        integrations={"notify": notifier}, is_authorised=approver_check(deps.approvers)
    )
    log.info("actor connected to Slack channels=%s", dict(deps.settings.channel_aliases))
    return True


def build_app(
    core: ScoutCore, settings: SlackSettings, *, client: AsyncWebClient | None = None
) -> AsyncApp:
    """The Bolt AsyncApp for `core` (see `build_scout` for the runtime as well)."""
    return build_scout(core, settings, client=client).app
