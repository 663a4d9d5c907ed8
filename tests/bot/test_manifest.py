"""manifest.yml and Procfile: the structure Slack's manifest schema requires, matching the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]


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
