"""Fixtures for the Slack adapter: a fake Slack Web API and the real Bolt app wired to a core."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.app import ScoutSlack, build_scout
from bot.settings import SlackSettings
from tests.bot.scripted_core import ScriptedCore
from tests.bot.slack_requests import SECRET
from tests.fakes.slack_api import FakeSlack

APPROVER = "UAPPROVER"
GROUP = "SAPPROVERS"
GROUP_MEMBER = "UGROUPIE"


@pytest.fixture(autouse=True)
def payloads_read_well() -> Iterator[None]:
    """After each test, every fake Slack still serving (module-scoped ones included) must have
    been sent only payloads slack_sdk accepts and a person can read; function-scoped fakes
    check themselves when they close, before this runs."""
    yield
    for fake in FakeSlack.serving():
        fake.assert_payloads_ok()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.usergroups[GROUP] = [GROUP_MEMBER]
        yield fake


def settings_for(slack: FakeSlack) -> SlackSettings:
    return SlackSettings(
        bot_token="xoxb-test",
        signing_secret=SECRET,
        api_url=slack.base_url,
        digest_channel="CDIGEST",
        alerts_channel="CALERTS",
        approvers=(APPROVER,),
        approver_group=GROUP,
        progress_interval=0.0,
        rate_limit_retries=2,
    )


@pytest.fixture
def core() -> ScriptedCore:
    return ScriptedCore()


@pytest.fixture
async def scout(slack: FakeSlack, core: ScriptedCore) -> AsyncIterator[ScoutSlack]:
    runtime = build_scout(core, settings_for(slack))
    yield runtime
    await runtime.aclose(timeout=5)
    await core.aclose()
