"""App Home: the Home tab is republished from the core's view each time a user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.home_blocks import home_view
from bot.listeners.common import Deps, log


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach the app_home_opened listener."""

    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        try:
            await publish_home(deps, user)
        except Exception:
            log.exception("App Home publish failed user=%s", user)


async def publish_home(deps: Deps, user: str) -> None:
    """The user's Home tab: Approve/Reject only on the proposals this user may decide."""
    home = await deps.core.home(user)
    assert deps.approvers is not None
    decidable = [
        p.approval_id
        for p in home.pending
        if not p.needs_approval or await deps.approvers.is_authorised(user, p)
    ]
    view = home_view(
        home, decidable=frozenset(decidable), off=deps.settings.off, what_works=home.what_works
    )
    await deps.client.views_publish(user_id=user, view=view)
