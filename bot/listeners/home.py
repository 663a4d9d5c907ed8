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
            home = await deps.core.home(user)
            await deps.client.views_publish(user_id=user, view=home_view(home))
        except Exception:
            log.exception("App Home publish failed user=%s", user)
