"""Slack settings: every missing or wrong setting is reported at once, with what to set."""

from __future__ import annotations

import pytest

from agent.config import ScoutConfig
from agent.errors import ConfigError
from bot.settings import load_settings

GOOD_ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}
GOOD_CONFIG = {
    "slack": {"digest_channel": "C0DIGEST", "alerts_channel": "C0ALERTS", "approvers": ["U0BOSS"]}
}


def test_a_complete_configuration_loads() -> None:
    config = ScoutConfig.model_validate(
        GOOD_CONFIG | {"timezone": "Europe/Paris", "schedule": {"digest_time": "08:30"}}
    )
    settings = load_settings(
        config, GOOD_ENV | {"SLACK_API_URL": "http://127.0.0.1:9/api"}, mode="socket"
    )
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert settings.approvers == ("U0BOSS",) and settings.timezone == "Europe/Paris"
    assert settings.schedule.digest_time == "08:30" and settings.schedule.weekly_day == "mon"


def test_everything_missing_is_listed_with_what_to_set() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            ScoutConfig(timezone="Mars/Olympus"), {"SLACK_API_URL": "slack.com"}, mode="http"
        )
    problems = "\n".join(caught.value.problems)
    for expected in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_API_URL",
        "Mars/Olympus",
    ):
        assert expected in problems
    assert "SLACK_APP_TOKEN" not in problems  # not needed in HTTP mode
    assert "slack.digest_channel" not in problems  # optional: see the next test


def test_the_tokens_alone_start_scout_with_the_rest_switched_off() -> None:
    settings = load_settings(ScoutConfig(), GOOD_ENV, mode="socket")
    off = "\n".join(settings.off)
    for expected in ("slack.digest_channel", "slack.alerts_channel", "slack.approvers"):
        assert expected in off
    assert not settings.has_approvers
    complete = load_settings(ScoutConfig.model_validate(GOOD_CONFIG), GOOD_ENV, mode="socket")
    assert complete.off == () and complete.has_approvers


def test_wrong_token_kinds_are_named() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            ScoutConfig.model_validate(GOOD_CONFIG),
            {"SLACK_BOT_TOKEN": "xoxp-user", "SLACK_APP_TOKEN": "xoxb-1"},
            mode="socket",
        )
    assert len(caught.value.problems) == 2
    assert "xoxb-" in caught.value.problems[0] and "xapp-" in caught.value.problems[1]


@pytest.mark.parametrize(
    "section",
    [
        {"slack": {"approvers": ["bob"]}},
        {"slack": {"approver_group": "U123"}},
        {"slack": {"digest_channel": "#kpi-digest"}},
        {"schedule": {"digest_time": "9am"}},
        {"schedule": {"weekly_day": "monday"}},
        {"schedule": {"monitor_every_minutes": 0}},
    ],
)
def test_wrong_values_in_scout_yml_fail_validation(section: dict) -> None:
    with pytest.raises(ValueError):
        ScoutConfig.model_validate(section)
