"""manifest.yml and Procfile: the structure Slack's manifest schema requires, matching the code.

The schema (slack_manifest.schema.json, next to this file) is written from Slack's manifest
reference; the code is read for what it listens to and calls, so a new listener or Web API
call without its event or scope fails here instead of silently in a workspace.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BOT_SOURCES = sorted((REPO / "bot").rglob("*.py"))

# What each Web API method Scout calls needs (docs.slack.dev/reference/methods). Reading a
# message back covers every kind of conversation Scout posts in.
HISTORY = frozenset({"channels:history", "groups:history", "im:history", "mpim:history"})
AUDIENCE = frozenset({"channels:read", "groups:read", "mpim:read"})
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "conversations.history": HISTORY,
    "conversations.replies": HISTORY,
    # Who reads a conversation (the audience check before posting limited data); a DM with
    # Scout is never looked up, so im:read is not needed.
    "conversations.info": AUDIENCE,
    "conversations.members": AUDIENCE,
    "conversations.open": frozenset({"im:write"}),
    "usergroups.users.list": frozenset({"usergroups:read"}),
    "views.publish": frozenset(),
    "files.uploadV2": frozenset({"files:write"}),
    "assistant.threads.setStatus": frozenset({"assistant:write"}),
    "assistant.threads.setSuggestedPrompts": frozenset({"assistant:write"}),
    "assistant.threads.setTitle": frozenset({"assistant:write"}),
}
# Bolt's assistant helpers and `say` call these methods for the listener.
HELPER_METHODS = {
    "say": "chat.postMessage",
    "set_status": "assistant.threads.setStatus",
    "set_suggested_prompts": "assistant.threads.setSuggestedPrompts",
    "set_title": "assistant.threads.setTitle",
}
# Events, and the scope Slack requires to subscribe to each.
EVENT_SCOPES: dict[str, str | None] = {
    "app_mention": "app_mentions:read",
    "app_home_opened": None,
    "assistant_thread_started": "assistant:write",
    "assistant_thread_context_changed": "assistant:write",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
}
# The `message` listener answers follow-ups in threads wherever Scout is, and DMs.
MESSAGE_EVENTS = frozenset({"message.channels", "message.groups", "message.im", "message.mpim"})
ASSISTANT_EVENTS = {
    "thread_started": "assistant_thread_started",
    "thread_context_changed": "assistant_thread_context_changed",
    "user_message": "message.im",
}
# Scopes no single call or event needs, and why Scout asks for them.
JUSTIFIED = {
    "commands": "the /scout slash command",
    "im:write": "direct messages to account managers and approvers",
}


def _manifest() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "manifest.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_manifest_has_the_required_structure() -> None:
    m = _manifest()
    assert m["display_information"]["name"] == "Scout"
    assert len(m["display_information"]["name"]) <= 35
    assert 174 <= len(m["display_information"]["long_description"]) <= 4000
    assert m["features"]["bot_user"]["display_name"]
    assert m["features"]["assistant_view"]["assistant_description"]
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    [command] = m["features"]["slash_commands"]
    assert command["command"] == "/scout" and command["description"]
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is True
    assert set(m) <= {
        "_metadata",
        "display_information",
        "features",
        "oauth_config",
        "settings",
        "outgoing_domains",
        "functions",
        "workflows",
    }


def test_scopes_and_events_cover_what_scout_calls_and_listens_to() -> None:
    m = _manifest()
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert {
        "app_mentions:read",
        "chat:write",
        "commands",
        "files:write",
        "usergroups:read",
        "assistant:write",
        "channels:history",
        "groups:history",
        "im:history",
    } <= scopes
    events = set(m["settings"]["event_subscriptions"]["bot_events"])
    assert {
        "app_mention",
        "app_home_opened",
        "assistant_thread_started",
        "assistant_thread_context_changed",
        "message.channels",
        "message.im",
    } <= events
    # every message.* event needs its history scope
    for event in events:
        if event.startswith("message."):
            assert f"{event.split('.')[1]}:history" in scopes


def test_procfile_runs_socket_mode_worker_and_http_web() -> None:
    lines = dict(
        line.split(":", 1) for line in (REPO / "Procfile").read_text().splitlines() if line
    )
    assert lines["worker"].strip() == "scout serve"
    assert lines["web"].strip() == "scout serve --http --port $PORT"


def _source() -> str:
    return "\n".join(path.read_text() for path in BOT_SOURCES)


def called_methods() -> set[str]:
    """The Web API methods the adapter calls, read from its code."""
    source = _source()
    names = set(re.findall(r"\bclient\.([a-z]+_[A-Za-z_]+[A-Za-z0-9]*)\(", source))
    methods = {
        "files.uploadV2" if name == "files_upload_v2" else name.replace("_", ".") for name in names
    }
    for helper, method in HELPER_METHODS.items():
        if re.search(rf"\bawait {helper}\(", source):
            methods.add(method)
    return methods


def listened_events() -> set[str]:
    """The events the adapter has listeners for, read from its code."""
    source = _source()
    events: set[str] = set()
    for event in re.findall(r"@app\.event\(\"(\w+)\"\)", source):
        events |= set(MESSAGE_EVENTS) if event == "message" else {event}
    for hook in re.findall(r"@assistant\.(\w+)", source):
        events.add(ASSISTANT_EVENTS[hook])
    return events


def test_manifest_matches_slacks_manifest_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="pip install jsonschema")
    schema = json.loads((Path(__file__).parent / "slack_manifest.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_manifest())]
    assert errors == []
    # The schema does catch a mistake: a typo and an over-long name.
    broken = _manifest() | {"display_information": {"name": "S" * 36}, "setings": {}}
    assert len(list(validator.iter_errors(broken))) == 2


def test_every_event_scout_listens_to_is_subscribed_with_its_scope() -> None:
    m = _manifest()
    subscribed = set(m["settings"]["event_subscriptions"]["bot_events"])
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    listened = listened_events()
    assert {"app_mention", "app_home_opened", "assistant_thread_started"} <= listened
    assert listened - subscribed == set()
    assert subscribed - listened == set()  # nothing subscribed that no listener answers
    for event in subscribed:
        needed = EVENT_SCOPES[event]
        assert needed is None or needed in scopes, f"{event} needs {needed}"


def test_every_method_scout_calls_has_its_scope_and_no_scope_is_unused() -> None:
    scopes = set(_manifest()["oauth_config"]["scopes"]["bot"])
    methods = called_methods()
    assert {"chat.postMessage", "chat.update", "files.uploadV2", "views.publish"} <= methods
    unknown = methods - set(METHOD_SCOPES)
    assert unknown == set(), f"add the scopes of {unknown} to METHOD_SCOPES and manifest.yml"
    needed = set().union(*(METHOD_SCOPES[m] for m in methods))
    assert needed - scopes == set()
    events = set(_manifest()["settings"]["event_subscriptions"]["bot_events"])
    used = needed | {EVENT_SCOPES[e] for e in events if EVENT_SCOPES[e]} | set(JUSTIFIED)
    assert scopes - used == set(), "a scope nothing uses (least privilege)"


def test_every_slash_command_registered_is_declared() -> None:
    declared = {c["command"] for c in _manifest()["features"]["slash_commands"]}
    registered = set(re.findall(r"@app\.command\(\"(/[\w-]+)\"\)", _source()))
    assert registered == declared == {"/scout"}
