"""Signed Slack requests for dispatching through the real Bolt app (as Slack would send)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from slack_bolt.async_app import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"
TEAM = "T0001"
BOT_USER = "UBOT"
_ids = itertools.count(1)


def signed_headers(
    body: str,
    content_type: str,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    retry: int | None = None,
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
    }
    if retry is not None:
        headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
    return headers


def request(body: str, content_type: str, **kwargs: Any) -> AsyncBoltRequest:
    headers: dict[str, str | Sequence[str]] = {**signed_headers(body, content_type, **kwargs)}
    return AsyncBoltRequest(body=body, headers=headers)


def event_body(event: dict[str, Any], *, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event": event,
            "event_id": event_id or f"Ev{next(_ids):06d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def mention(
    text: str,
    *,
    channel: str = "CASK",
    ts: str = "1765000000.000100",
    user: str = "UASKER",
    thread_ts: str | None = None,
) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def message(
    text: str,
    *,
    channel: str = "CASK",
    ts: str = "1765000000.000200",
    user: str = "UASKER",
    thread_ts: str | None = None,
    channel_type: str = "channel",
    **extra: Any,
) -> dict[str, Any]:
    event = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
    } | extra
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def event_request(
    event: dict[str, Any], *, event_id: str | None = None, **kwargs: Any
) -> AsyncBoltRequest:
    return request(event_body(event, event_id=event_id), "application/json", **kwargs)


def find_button(blocks: list[dict[str, Any]], prefix: str) -> tuple[dict[str, Any], str]:
    """The first button whose action_id starts with `prefix`, and its block id."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["action_id"].startswith(prefix):
                return element, block.get("block_id", "")
    raise AssertionError(f"no button {prefix!r} in {json.dumps(blocks)[:500]}")


def click(
    posted: dict[str, Any], prefix: str, *, user: str, response_url: str = ""
) -> AsyncBoltRequest:
    """A block_actions payload for a button of a message the fake received (as Slack builds it)."""
    button, block_id = find_button(posted["blocks"], prefix)
    return press(posted, _pressed(button, block_id), user=user, response_url=response_url)


def press(
    posted: dict[str, Any], action: dict[str, Any], *, user: str, response_url: str = ""
) -> AsyncBoltRequest:
    """The block_actions payload Slack sends when `user` uses `action` on a posted message."""
    blocks = posted["blocks"]
    message = {
        "type": "message",
        "ts": posted["ts"],
        "text": posted.get("text", ""),
        "blocks": blocks,
        "user": BOT_USER,
    } | ({"thread_ts": posted["thread_ts"]} if posted.get("thread_ts") else {})
    payload = {
        "type": "block_actions",
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": f"{next(_ids)}.{next(_ids)}.trigger",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "team": {"id": TEAM, "domain": "fake"},
        "container": {
            "type": "message",
            "message_ts": posted["ts"],
            "channel_id": posted["channel"],
            "is_ephemeral": False,
        },
        "channel": {"id": posted["channel"], "name": "analytics"},
        "message": message,
        "response_url": response_url,
        "actions": [action],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return request(body, "application/x-www-form-urlencoded")


def _pressed(button: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The `actions` entry Slack sends for a pressed button."""
    return {
        "type": "button",
        "action_id": button["action_id"],
        "block_id": block_id,
        "value": button.get("value", ""),
        "text": button["text"],
        "action_ts": "1.0",
    }


def home_click(view_blocks: list[dict[str, Any]], prefix: str, *, user: str) -> AsyncBoltRequest:
    """A block_actions payload for a button in the clicker's App Home tab (no channel)."""
    button, block_id = find_button(view_blocks, prefix)
    payload = {
        "type": "block_actions",
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": f"{next(_ids)}.{next(_ids)}.trigger",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "team": {"id": TEAM, "domain": "fake"},
        "container": {"type": "view", "view_id": "V0001"},
        "view": {"id": "V0001", "type": "home", "blocks": view_blocks},
        "actions": [_pressed(button, block_id)],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return request(body, "application/x-www-form-urlencoded")


def home_opened(user: str) -> AsyncBoltRequest:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
    return event_request(event)


def slash(
    text: str, *, user: str = "UASKER", channel: str = "CASK", response_url: str = ""
) -> AsyncBoltRequest:
    body = urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "analytics",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/scout",
            "text": text,
            "response_url": response_url,
            "trigger_id": f"{next(_ids)}.{next(_ids)}.trigger",
            "api_app_id": "A0001",
        }
    )
    return request(body, "application/x-www-form-urlencoded")
