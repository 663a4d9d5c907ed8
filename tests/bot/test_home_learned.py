"""App Home's "What Scout has learned": retention actions by measured uplift, never by how
often they were approved."""

from __future__ import annotations

import json

from agent.views import Effectiveness, HomeView
from bot.home_blocks import home_view

SENTENCE = (
    "winback sequence for high-risk customers: not enough data yet (2 treated, 1 held out; "
    "at least 30 of each are needed)."
)


def test_retention_kinds_show_what_was_measured_not_approvals() -> None:
    home = HomeView(
        learned=(
            Effectiveness(action_kind="winback_sequence", tried=5, worked=5),
            Effectiveness(action_kind="alert", tried=4, worked=3, note="steady"),
        )
    )
    shown = json.dumps(home_view(home, what_works=(SENTENCE,)).to_dict(), ensure_ascii=False)
    assert SENTENCE in shown
    assert "`alert` worked 3/4 (75%) — steady" in shown
    assert "winback_sequence" not in shown


def test_nothing_measured_says_so() -> None:
    home = HomeView(learned=(Effectiveness(action_kind="support_call", tried=3, worked=3),))
    shown = json.dumps(home_view(home).to_dict(), ensure_ascii=False)
    assert "Nothing measured yet" in shown and "support_call" not in shown
