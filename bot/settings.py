"""Slack settings: secrets from the environment, channels/approvers/schedule from scout.yml.

`load_settings` checks everything at start-up and reports every problem at once, each saying
what to set, so a half-configured Scout never starts and then fails at 09:00.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.config import ScheduleSection, ScoutConfig, channel_aliases
from agent.errors import ConfigError

Mode = Literal["socket", "http", "test"]
__all__ = [
    "NO_APPROVERS",
    "Mode",
    "SlackSettings",
    "channel_aliases",
    "load_settings",
    "normalise_api_url",
    "switched_off",
]


NO_APPROVERS = (
    "Approvals are off: nobody can approve a risky action until scout.yml names "
    "slack.approvers (user ids, U…) or slack.approver_group (a user group id, S…)."
)


@dataclass(frozen=True, kw_only=True)
class SlackSettings:
    """Everything the Slack adapter needs; built by `load_settings` or directly in tests."""

    bot_token: str
    signing_secret: str = ""
    app_token: str | None = None
    api_url: str | None = None  # Web API base URL ending in "/", e.g. https://slack.com/api/
    digest_channel: str | None = None
    alerts_channel: str | None = None
    approvers: tuple[str, ...] = ()
    approver_group: str | None = None
    timezone: str = "UTC"
    schedule: ScheduleSection = field(default_factory=ScheduleSection)
    # Coalesce placeholder edits: chat.update is rate-limited (Tier 3, ~50/min per channel).
    progress_interval: float = 1.0
    # usergroups.users.list is cached briefly: membership changes apply within a minute.
    approver_cache_seconds: float = 60.0
    event_dedup_seconds: float = 600.0
    # 429s are retried this many times per call (honouring Retry-After) before giving up.
    rate_limit_retries: int = 3
    # Every Web API call gives up after this long (slack-sdk's own default), so a stalled
    # Slack never holds an answer for aiohttp's five minutes.
    http_timeout_s: float = 30.0
    # The agent's logical channels (planning.targets, e.g. "kpi-alerts") → Slack channel ids.
    channel_aliases: Mapping[str, str] = field(default_factory=dict)
    # What stays off until scout.yml names it (see `switched_off`); shown in App Home.
    off: tuple[str, ...] = ()
    # scout.yml `memory:` (None: the local sqlite file): replicas sharing a PostgreSQL memory
    # elect one of them to run the scheduled jobs (agent.db.leader).
    memory: str | None = None
    # Analyses this replica runs at once; more requests wait their turn, and see their place.
    max_concurrent_analyses: int = 4

    @property
    def has_approvers(self) -> bool:
        return bool(self.approvers) or self.approver_group is not None

    def channel_id(self, name: str) -> str:
        """The Slack channel for an action's channel: its configured id, else the name."""
        bare = name.strip().removeprefix("#")
        return self.channel_aliases.get(bare, bare)


def normalise_api_url(url: str) -> str:
    """slack_sdk joins `base_url + method`, so the base must end with a slash."""
    return url if url.endswith("/") else url + "/"


def load_settings(
    config: ScoutConfig, env: Mapping[str, str] | None = None, *, mode: Mode = "socket"
) -> SlackSettings:
    """Validate env + scout.yml for `mode`; raise ConfigError listing what to set."""
    env = os.environ if env is None else env
    problems: list[str] = []

    bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
    if not bot_token:
        problems.append("SLACK_BOT_TOKEN is not set: export the Bot User OAuth Token (xoxb-…)")
    elif not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'")

    signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    if mode == "http" and not signing_secret:
        problems.append(
            "SLACK_SIGNING_SECRET is not set: copy it from Basic Information → App Credentials"
        )

    app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
    if mode == "socket":
        if app_token is None:
            problems.append(
                "SLACK_APP_TOKEN is not set: create an app-level token with "
                "connections:write (xapp-…), or run `scout serve --http`"
            )
        elif not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")

    api_url = env.get("SLACK_API_URL", "").strip() or None
    if api_url is not None:
        if not re.match(r"^https?://[^/\s]+", api_url):
            problems.append(
                f"SLACK_API_URL '{api_url}' is not an http(s) URL (e.g. https://slack.com/api/)"
            )
        else:
            api_url = normalise_api_url(api_url)

    slack = config.slack
    off = switched_off(config)

    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"scout.yml timezone '{config.timezone}' is unknown (e.g. Europe/Paris)")

    if problems:
        raise ConfigError(problems, source="Scout's Slack settings")
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api_url,
        digest_channel=slack.digest_channel,
        alerts_channel=slack.alerts_channel,
        approvers=tuple(slack.approvers),
        approver_group=slack.approver_group,
        timezone=config.timezone,
        schedule=config.schedule,
        channel_aliases=channel_aliases(
            config, digest_channel=slack.digest_channel, alerts_channel=slack.alerts_channel
        ),
        off=off,
        memory=config.memory,
        max_concurrent_analyses=slack.max_concurrent_analyses,
    )


def switched_off(config: ScoutConfig) -> tuple[str, ...]:
    """What stays off until scout.yml names it. With the tokens alone Scout answers
    questions; the digest, alerts and approvals wait for their channels and people."""
    slack = config.slack
    notes = []
    if slack.digest_channel is None:
        notes.append(
            "The morning digest is off: set slack.digest_channel (a channel id, C…) in scout.yml."
        )
    if slack.alerts_channel is None:
        notes.append(
            "KPI monitoring and alerts are off: set slack.alerts_channel (a channel id, C…) "
            "in scout.yml."
        )
    if not slack.approvers and slack.approver_group is None:
        notes.append(NO_APPROVERS)
    return tuple(notes)
