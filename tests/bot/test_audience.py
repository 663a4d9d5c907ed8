"""Channel audiences from the Slack Web API: members across pages, shared channels, the cache,
and every failure to learn them answered as unknown (so the answer goes privately)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient

from bot import audience as audience_module
from bot.audience import ChannelAudience, ChannelAudiences
from tests.fakes.slack_channels import ChannelsFakeSlack, FakeChannel


@pytest.fixture
def fake_slack() -> Iterator[ChannelsFakeSlack]:
    with ChannelsFakeSlack(page_size=2) as slack:
        slack.channels |= {
            "CFIVE": FakeChannel(members=("U1", "U2", "U3", "U4", "U5")),
            "CEXT": FakeChannel(members=("U1",), is_ext_shared=True),
        }
        yield slack


@pytest_asyncio.fixture
async def client(fake_slack: ChannelsFakeSlack) -> AsyncIterator[AsyncWebClient]:
    web = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)
    yield web
    if web.session is not None:
        await web.session.close()


async def test_members_are_read_across_pages_and_cached(
    fake_slack: ChannelsFakeSlack, client: AsyncWebClient
) -> None:
    audiences = ChannelAudiences(client, ttl=60)
    expected = ChannelAudience(members=frozenset({"U1", "U2", "U3", "U4", "U5"}), shared=False)
    assert await audiences.audience("CFIVE") == expected
    assert len(fake_slack.ok_calls("conversations.members")) == 3  # 2 + 2 + 1
    assert await audiences.audience("CFIVE") == expected
    assert len(fake_slack.ok_calls("conversations.info")) == 1  # the second came from the cache
    assert await audiences.audience("CEXT") == ChannelAudience(
        members=frozenset({"U1"}), shared=True
    )


async def test_an_expired_entry_is_read_again(
    fake_slack: ChannelsFakeSlack, client: AsyncWebClient
) -> None:
    audiences = ChannelAudiences(client, ttl=0)
    await audiences.audience("CEXT")
    fake_slack.channels["CEXT"] = FakeChannel(members=("U1", "U9"), is_ext_shared=True)
    found = await audiences.audience("CEXT")
    assert found is not None and found.members == {"U1", "U9"}


async def test_failures_are_unknown_and_not_cached(
    fake_slack: ChannelsFakeSlack, client: AsyncWebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    audiences = ChannelAudiences(client, ttl=60)
    assert await audiences.audience("CMISSING") is None  # channel_not_found
    fake_slack.fail_next("conversations.members", error="missing_scope")
    assert await audiences.audience("CFIVE") is None
    assert await audiences.audience("CFIVE") is not None  # the failure was not remembered
    # A channel larger than Scout will page through is treated as unknown too.
    monkeypatch.setattr(audience_module, "MAX_PAGES", 2)
    assert await ChannelAudiences(client).audience("CFIVE") is None


async def test_scouts_own_user_id_comes_from_auth_test_once(
    fake_slack: ChannelsFakeSlack, client: AsyncWebClient
) -> None:
    audiences = ChannelAudiences(client)
    assert await audiences.scout_user() == fake_slack.bot_user_id
    assert await audiences.scout_user() == fake_slack.bot_user_id
    assert len(fake_slack.ok_calls("auth.test")) == 1
