"""The fake Slack Web API with channels that have members: conversations.info, .members, .open.

An extension of `FakeSlack` for the audience check (who reads a channel before an answer with
limited data is posted there). Members are listed in pages of at most `page_size`, as Slack
may return fewer than the `limit` asked for, so pagination is exercised; conversations.open
answers a DM id of "D" + the user id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakes.slack_api import FakeSlack


@dataclass(frozen=True, kw_only=True)
class FakeChannel:
    members: tuple[str, ...]
    is_ext_shared: bool = False
    is_private: bool = False


class ChannelsFakeSlack(FakeSlack):
    """`slack.channels["CSALES"] = FakeChannel(members=("U1", "UBOT"))`; unknown channels
    answer `channel_not_found`, as Slack does for a channel the bot cannot see."""

    def __init__(self, *, page_size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channels: dict[str, FakeChannel] = {}
        self.page_size = page_size

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{body.get('users', '')}"}}
        if method not in ("conversations.info", "conversations.members"):
            return super()._answer(method, body)
        channel = self.channels.get(str(body.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if method == "conversations.info":
            return {
                "ok": True,
                "channel": {
                    "id": body["channel"],
                    "is_channel": not channel.is_private,
                    "is_private": channel.is_private,
                    "is_ext_shared": channel.is_ext_shared,
                    "is_shared": channel.is_ext_shared,
                    "is_org_shared": False,
                },
            }
        start = int(body.get("cursor") or 0)
        size = min(int(body.get("limit") or 100), self.page_size)
        page = channel.members[start : start + size]
        more = start + size < len(channel.members)
        return {
            "ok": True,
            "members": list(page),
            "response_metadata": {"next_cursor": str(start + size) if more else ""},
        }
