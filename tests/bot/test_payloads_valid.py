"""Every Block Kit payload Scout sends is one Slack accepts and shows no raw Python value.

Two sources: what the fake Slack Web API received while the real app and the real core
answered every kind of question, ran the monitor, posted the digest and the weekly summary,
took votes, decisions and clicks, and published App Home; and the renderers fed the edge
cases a session rarely reaches (every outcome, refusals, long SQL, switched-off notes).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from agent.analyses.anomaly.stories import Story
from agent.domain import Action, Anomaly, Evidence, NeedsApproval, Refuse
from agent.loop import alert_action
from agent.plan import Signal, plan_from_signals
from agent.semantic import load_semantic
from bot.blocks import answer_message, error_message, progress_message, sql_message
from bot.core import (
    ActionStatus,
    AlertSummary,
    Effectiveness,
    HomeView,
    KpiStatus,
    ProposedAction,
    Reply,
)
from bot.demo import demo_config
from bot.home_blocks import home_view
from bot.scheduler import ScoutJobs
from tests.block_checks import problems, raw_value_problems, read_texts
from tests.bot.conftest import APPROVER
from tests.bot.real_env import NOW, RealEnv, module_env
from tests.bot.scripted_core import answer, clarifying, conversion_finding, proposing
from tests.bot.slack_requests import click, event_request, home_opened, mention
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONFIG: dict[str, Any] = {
    "slack": {"digest_channel": "CDIGEST", "alerts_channel": "CALERTS", "approvers": [APPROVER]},
    "guardrails": {"alerts_per_channel_per_hour": 100},
}
QUESTIONS = (
    "revenue yesterday",
    "revenue trend over the last 30 days",
    "revenue by region last week",
    "compare conversion rate for mobile vs desktop last week",
    "why did conversion drop last week?",
    "why did conversion drop in the West last week?",
    "anything unusual this week?",
    "segment customers for tomorrow's campaign",
    "the inventory predictions seem off, can you investigate?",
    "which customers are about to churn?",
    "show me sales",
    "help",
    "what is the meaning of life?",
)
SENDS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
# A three-day conversion drop in one segment: what the demo's monitor alerts on and its
# segment rule escalates.
SEGMENT_DROP = Anomaly(
    metric="conversion_rate",
    where={"device": "desktop", "channel": "organic"},
    day=date(2026, 11, 30),
    actual=0.021,
    expected=0.034,
    score=-7.99,
    direction="down",
    days=3,
)


fake_slack, env = module_env("payloads", CONFIG)


def held(slack: FakeSlack, ts: str) -> dict[str, Any]:
    return next(m for m in slack.messages if m["ts"] == ts)


async def a_session(env: RealEnv) -> None:
    """Everything a day of Scout in Slack sends, through the real app and core.

    Bolt runs listeners after the ack, so each step waits (bounded) for its effect."""
    slack, app, work = env.slack, env.scout.app, env.scout.deps.work
    for index, question in enumerate(QUESTIONS):
        ts = f"1765790000.{index + 1:06d}"
        await app.async_dispatch(event_request(mention(question, channel="CASK", ts=ts)))
        # The placeholder is posted by the answer's own task: once it is in, draining waits
        # for the answer.
        await slack.wait_for(
            "chat.postMessage", where=lambda c, ts=ts: c.body.get("thread_ts") == ts
        )
        await work.drain(60)
    answers = [m for m in slack.messages if "scout_show_sql" in json.dumps(m.get("blocks"))]
    await app.async_dispatch(click(answers[0], "scout_show_sql", user="UASKER"))
    await slack.wait_for("chat.postMessage", where=lambda c: "SELECT" in json.dumps(c.body))
    question = next(m for m in slack.messages if "scout_choose" in json.dumps(m.get("blocks")))
    await app.async_dispatch(click(question, "scout_choose_0", user="UASKER"))
    await slack.wait_for("chat.update", where=lambda c: " chose " in json.dumps(c.body))
    await work.drain(60)

    jobs = ScoutJobs(env.scout.deps, now=lambda: NOW)
    await jobs.monitor()
    await jobs.digest(TODAY)
    await jobs.weekly()
    await work.drain(60)
    await app.async_dispatch(home_opened(APPROVER))
    await app.async_dispatch(home_opened("UASKER"))
    await slack.wait_for("views.publish", 2)
    proposals = [m for m in slack.messages if "scout_approve" in json.dumps(m.get("blocks"))]
    assert proposals, "the session proposed nothing that waits for an approver"
    approve = click(held(slack, proposals[0]["ts"]), "scout_approve", user=APPROVER)
    await app.async_dispatch(approve)
    await slack.wait_for("chat.update", where=lambda c: "decided by" in json.dumps(c.body))
    refuse = click(held(slack, proposals[-1]["ts"]), "scout_reject", user="UNOBODY")
    await app.async_dispatch(refuse)
    await slack.wait_for("chat.postEphemeral", where=lambda c: c.body.get("user") == "UNOBODY")


async def test_every_payload_sent_in_a_session_is_valid_and_reads_as_text(env: RealEnv) -> None:
    await a_session(env)
    slack = env.slack
    sent = [c for method in SENDS for c in slack.ok_calls(method)]
    views = [c.json_field("view") for c in slack.ok_calls("views.publish")]
    with_blocks = [c for c in sent if c.json_field("blocks")]
    kinds = {b["type"] for c in with_blocks for b in c.json_field("blocks")}
    # The session reached every kind of block Scout renders.
    assert {"header", "section", "context", "actions", "table", "context_actions"} <= kinds
    assert len(views) >= 2 and len(with_blocks) >= 20

    found = []
    for call in with_blocks:
        found += [f"{call.method} {p}" for p in problems(call.json_field("blocks"))]
    for call in sent:
        found += [
            f"{call.method} text: {p}"
            for p in raw_value_problems({"text": call.body.get("text", "")})
        ]
    for view in views:
        found += [f"views.publish {p}" for p in problems(view, view=True)]
    assert not found, "\n".join(found[:40])
    # The segment asked about reached the prose the scan read, said in words.
    read = [t for call in with_blocks for t in read_texts(call.json_field("blocks"))]
    assert any(t.startswith("Understood as:") and " in West" in t for t in read), [
        t for t in read if t.startswith("Understood as:")
    ]


def monitor_proposals() -> tuple[Action, Action]:
    """The monitor's alert and the demo rules' escalation for SEGMENT_DROP, built by the code
    the monitor cycle runs (their reasons are what an approver reads on the card)."""
    layer = load_semantic()
    alert = alert_action(layer, Story(lead=SEGMENT_DROP), target="CALERTS")
    planning = demo_config()[0].planning
    plan = plan_from_signals([Signal.from_anomaly(SEGMENT_DROP)], planning, layer=layer)
    escalate = next(p.action for p in plan.actions if p.action.kind == "escalate")
    return alert, escalate


@pytest.mark.filterwarnings("ignore:The test <Function")
def test_monitor_proposals_say_what_moved_in_words() -> None:
    alert, escalate = monitor_proposals()
    # The unit's format (percent, two decimals) and the dates, computed here by hand.
    for reason in (alert.reason, escalate.reason):
        assert "2.10%" in reason and "3.40%" in reason, reason
        assert "organic traffic × desktop" in reason and "since Mon Nov 30 (3 days)" in reason
    assert escalate.reason.startswith("Conversion rate in"), escalate.reason
    for reason in (alert.reason, escalate.reason):
        assert not raw_value_problems({"text": reason}), reason


@pytest.mark.filterwarnings("ignore:The test <Function")
def test_every_rendered_edge_case_is_valid_and_reads_as_text() -> None:
    reply, proposed = proposing(needs_approval=True)
    outcomes = [
        replace(
            proposed,
            status=status,
            decided_by=APPROVER if status is not ActionStatus.EXPIRED else None,
            decided_at=datetime(2025, 12, 15, 10, 30, tzinfo=UTC),
            result="sent to 42 customers" if status is ActionStatus.EXECUTED else "",
        )
        for status in ActionStatus
    ]
    refused = replace(proposed, decision=Refuse(reason="over the daily cap of $500.00"))
    monitor = tuple(
        ProposedAction(
            approval_id=f"apr-monitor-{index}",
            action=action,
            decision=NeedsApproval(reason="high severity waits for a person"),
            status=ActionStatus.PENDING,
        )
        for index, action in enumerate(monitor_proposals())
    )
    long_sql = replace(
        conversion_finding(), evidence=(Evidence(sql="SELECT 1\n" * 800, description="huge"),)
    )
    west = answer()
    assert west.goal is not None
    west = replace(west, goal=replace(west.goal, filters={"region": "West", "device": "mobile"}))
    messages = [
        answer_message(answer()),
        answer_message(west),
        answer_message(replace(reply, actions=(*outcomes, refused))),
        answer_message(Reply(text="The monitor proposes:", actions=monitor)),
        answer_message(clarifying()),
        answer_message(Reply(error="The warehouse could not answer: connection refused.")),
        answer_message(Reply()),
        answer_message(answer()).with_note("Approvals are off until scout.yml names approvers."),
        progress_message("why did conversion drop?", ["Understood", "Ran 3 queries"]),
        error_message("Sorry, something went wrong."),
        sql_message([conversion_finding(), long_sql]),
    ]
    found = []
    for message in messages:
        found += problems(message.blocks_json())
        found += raw_value_problems({"text": message.text})
        found += raw_value_problems({"text": message.simplified().text})
    home = HomeView(
        pending=(proposed, *monitor),
        alerts=(
            AlertSummary(
                title="Revenue fell 12%", status="sent", at=datetime(2025, 12, 15, 9, tzinfo=UTC)
            ),
        ),
        learned=(
            Effectiveness(
                action_kind="retention_offer", tried=4, worked=3, note="best on weekends"
            ),
        ),
        watchlist=(
            KpiStatus(metric="revenue", label="Revenue", value=123456.789, change=-0.1234),
            KpiStatus(metric="aov", label="Average order", value=None, unit="$", status="watch"),
        ),
        paused=True,
    )
    for decidable in (None, frozenset()):
        view = home_view(
            home, decidable=decidable, off=("The digest is off: set slack.digest_channel.",)
        )
        found += problems(view.to_dict(), view=True)
    assert not found, "\n".join(found)


@pytest.mark.filterwarnings("ignore:The test <Function")
def test_the_checks_catch_what_slack_or_a_reader_would_not_take() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "x" * 80}, "action_id": "a"}
    cells = [[{"type": "raw_text", "text": "a"}] * 21]
    bad = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "facts {'rate': 0.0312345}"}},
        {"type": "actions", "elements": [button]},
        {"type": "table", "rows": cells},
        {"type": "no_such_block"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Intent.EXPLAIN None nan"}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Open anomalies: None."}},
        # What a planned escalation's reason used to read: a rule key, a signal id, a score.
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "rule conversion_segment_drop: conversion_rate[channel=organic,"
                'device=desktop]@2026-11-30 anomaly +7.99 {"device": "desktop"}',
            },
        },
    ]
    # A segment in a sentence or a title, as goal filters and alert titles used to read.
    bad += [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Understood as: region = West"}],
        },
        {"type": "header", "text": {"type": "plain_text", "text": "WAPE (category=apparel)"}},
    ]
    found = "\n".join(problems(bad))
    for expected in ("('region = W') in 'Understood as", "('category=a') in 'WAPE"):
        assert f"a dimension=value pair {expected}" in found, found
    for expected in (
        "a Python dict or list literal",
        "an unformatted float",
        "block 1 (actions): invalid",
        "row widths [21]",
        "block 3 (no_such_block)",
        "an enum repr",
        "None ('None') in 'Intent.EXPLAIN",
        "None ('None') in 'Open anomalies: None.'",
        "nan or inf",
        "an internal rule key",
        "an internal signal label",
        "a segment key",
        "a raw score",
        "a JSON object",
    ):
        assert expected in found, f"{expected!r} not reported:\n{found}"
    mention = "<@U123> at <!date^1^{date}|x>"
    assert problems([{"type": "context", "elements": [{"type": "mrkdwn", "text": mention}]}]) == []
    # Pairs may name dimensions in a table's cells and in code; statistics are not segments.
    allowed = [
        {
            "type": "table",
            "rows": [[{"type": "raw_text", "text": "device=mobile, region=West"}]],
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "```\n-- f_region: West\nWHERE region = $f_region\n```",
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "West moved -12% (z = -3.1, p = 0.001)"},
        },
        # The asker's own words, quoted back as typed: a pasted log may say `order=O123`.
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Working on:\n>why? order=O1 {'a': True}"},
        },
        # "None" as English, not as Python's None.
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Open anomalies: None in the last 7 days."},
        },
    ]
    assert problems(allowed) == []


async def _send(fake: FakeSlack, planted: str) -> None:
    """One ordinary message and, after it, one message or view carrying `planted`."""
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    try:
        await client.chat_postMessage(channel="C1", text="Revenue was $1,234.00 yesterday.")
        if planted == "dict":
            section: dict[str, Any] = {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Where:"},
                "fields": [{"type": "mrkdwn", "text": "{'device': 'desktop'}"}],
            }
            await client.chat_postMessage(channel="C1", text="Where", blocks=[section])
        elif planted == "bool":
            await client.chat_update(channel="C1", ts="1.000001", text="Holiday: False")
        else:  # a view slack_sdk does not know a block of
            await client.views_publish(
                user_id="U1", view={"type": "home", "blocks": [{"type": "no_such_block"}]}
            )
    finally:
        if client.session is not None:
            await client.session.close()


@pytest.mark.parametrize(
    ("planted", "reported"),
    [
        ("dict", "chat.postMessage ('Where'): a Python dict or list literal"),
        ("bool", "chat.update ('Holiday: False'): text: a Python bool ('False')"),
        ("view", "views.publish (''): block 0 (no_such_block)"),
    ],
)
async def test_the_fake_fails_the_test_that_sent_a_raw_or_invalid_payload(
    planted: str, reported: str
) -> None:
    # The fake's exit is what raises, after Slack answered every call.
    with pytest.raises(AssertionError) as failed, FakeSlack() as fake:
        await _send(fake, planted)
        assert len(fake.ok_calls("chat.postMessage")) >= 1
    message = str(failed.value)
    assert "1 payload problem(s)" in message and reported in message, message
    # The well-formed message sent first is not blamed.
    assert "$1,234.00" not in message, message


async def test_a_test_that_means_to_send_a_bad_payload_opts_out() -> None:
    with FakeSlack() as fake:
        fake.allow_bad_payloads()
        await _send(fake, "dict")
        # The problem is still seen; only the failure is waived.
        assert any("a Python dict" in p for p in fake.payload_problems())


@pytest.mark.filterwarnings("ignore:The test <Function")
def test_a_pasted_question_is_quoted_back_line_by_line() -> None:
    pasted = "why did orders fail?\n2026-12-01T09:00:00Z order=O123 status=shipped\n> R&D <b>"
    head = progress_message(pasted, []).blocks_json()[0]["text"]["text"]
    # Every line a Slack quote (italics would break across lines), escaped once.
    assert head.splitlines()[1:] == [
        ">why did orders fail?",
        ">2026-12-01T09:00:00Z order=O123 status=shipped",
        ">&gt; R&amp;D &lt;b&gt;",
    ], head
    assert problems(progress_message(pasted, []).blocks_json()) == []
