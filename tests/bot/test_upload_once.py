"""A file is shared into a thread once, even when Slack's answer to the share is lost.

files_upload_v2 ends with files.completeUploadExternal, the call that shares the file into
the channel. The fake Slack Web API processes that call and then drops the connection (the
chart is in the thread, Scout never heard), or answers HTTP 500. Before: slack-sdk's
connection-error and 5xx handlers re-sent it and the thread showed the chart twice. Now the
share is tried once, the failure is logged, and the next file still goes out.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_client
from bot.blocks import FileUpload
from bot.notifier import upload_files
from tests.bot.conftest import settings_for
from tests.fakes.slack_api import FakeSlack

SHARE = "files.completeUploadExternal"
FILES = [
    FileUpload(filename="chart-1.png", content=b"\x89PNG one", title="Revenue by day"),
    FileUpload(filename="chart-2.png", content=b"\x89PNG two", title="Orders by day"),
]


@pytest.fixture
async def client(slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    built = build_client(settings_for(slack))  # the client the app builds, its handlers too
    yield built
    if built.session is not None:
        await built.session.close()


def _shared_titles(slack: FakeSlack) -> list[str]:
    """The titles of the files Slack shared (calls it processed, answered or not)."""
    processed = [c for c in slack.calls(SHARE) if "_failed" not in c.body]
    return [f["title"] for c in processed for f in c.json_field("files")]


async def test_a_share_whose_answer_was_lost_is_not_shared_again(
    slack: FakeSlack, client: AsyncWebClient, caplog: pytest.LogCaptureFixture
) -> None:
    slack.drop_after_processing(SHARE)
    with caplog.at_level(logging.ERROR):
        await upload_files(client, "C1", "1700000000.000100", list(FILES))
    assert _shared_titles(slack) == ["Revenue by day", "Orders by day"]  # each exactly once
    assert "file upload failed channel=C1" in caplog.text


async def test_a_share_answered_with_a_server_error_is_tried_once(
    slack: FakeSlack, client: AsyncWebClient, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail_next(SHARE, status=500, error="internal_error")
    with caplog.at_level(logging.ERROR):
        await upload_files(client, "C1", "1700000000.000100", list(FILES))
    # One try of the first share (a 500 may hide a share that happened), then the next file.
    assert len(slack.calls(SHARE)) == 2
    assert _shared_titles(slack) == ["Orders by day"]
    assert "file upload failed channel=C1" in caplog.text


async def test_other_calls_are_still_retried_after_a_server_error(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    # Getting an upload URL creates nothing anyone sees: retrying it is safe, and kept.
    slack.fail_next("files.getUploadURLExternal", status=500, error="internal_error")
    await upload_files(client, "C1", "1700000000.000100", [FILES[0]])
    assert len(slack.calls("files.getUploadURLExternal")) == 2
    assert _shared_titles(slack) == ["Revenue by day"]
