"""Buttons: approvals by the signed clicker, unauthorised clicks, double clicks, SQL, feedback."""

from __future__ import annotations

import asyncio
import copy
import json
from dataclasses import replace
from typing import Any

from bot.app import ScoutSlack
from tests.bot.conftest import APPROVER, GROUP_MEMBER
from tests.bot.scripted_core import ScriptedCore, answer, proposing
from tests.bot.slack_requests import click, event_request, mention
from tests.fakes.slack_api import FakeSlack


async def _posted_answer(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore, reply: Any
) -> dict:
    """Ask, wait for the answer, and return the message as Slack holds it."""
    core.script["retain at-risk customers"] = reply
    await scout.app.async_dispatch(event_request(mention("retain at-risk customers")))
    final = (await slack.wait_for("chat.update"))[-1]
    # a copy: the message as the clicker's client shows it, even after later edits
    return copy.deepcopy(next(m for m in slack.messages if m["ts"] == final.body["ts"]))


def _decision_updates(slack: FakeSlack) -> list[str]:
    return [
        json.dumps(c.body["blocks"])
        for c in slack.ok_calls("chat.update")
        if "Executed" in json.dumps(c.body["blocks"]) or "Rejected" in json.dumps(c.body["blocks"])
    ]


async def test_an_authorised_approver_approves(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    reply, _ = proposing(needs_approval=True)
    posted = await _posted_answer(scout, slack, core, reply)
    assert "Guardrails: needs approval: costs money" in json.dumps(posted["blocks"])

    await scout.app.async_dispatch(click(posted, "scout_approve_", user=APPROVER))
    recorded = await slack.wait_for(
        "chat.update", where=lambda c: "Executed" in json.dumps(c.body["blocks"])
    )
    blocks = json.dumps(recorded[0].body["blocks"])
    assert f"decided by <@{APPROVER}>" in blocks
    assert "<!date^1765794600^" in blocks  # when, rendered in each reader's time zone
    assert "offer sent to 42 customers" in blocks
    assert "scout_approve_" not in blocks  # the buttons are gone
    assert core.executions == ["apr-1"]
    assert core.decisions == [("apr-1", APPROVER, True)]


async def test_a_group_member_may_approve_and_membership_is_cached(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    reply, _ = proposing(needs_approval=True)
    posted = await _posted_answer(scout, slack, core, reply)
    await scout.app.async_dispatch(click(posted, "scout_reject_", user=GROUP_MEMBER))
    rejected = await slack.wait_for(
        "chat.update", where=lambda c: "Rejected" in json.dumps(c.body["blocks"])
    )
    assert f"*Rejected by <@{GROUP_MEMBER}>*" in json.dumps(rejected[0].body["blocks"])
    assert "Refused" not in json.dumps(rejected[0].body["blocks"])
    await scout.app.async_dispatch(click(posted, "scout_approve_", user=GROUP_MEMBER))
    await slack.wait_for("chat.postEphemeral")
    assert core.executions == []  # rejected first: the second click changes nothing
    assert len(slack.ok_calls("usergroups.users.list")) == 1
    assert slack.ok_calls("usergroups.users.list")[0].body["usergroup"] == "SAPPROVERS"


async def test_an_unauthorised_click_changes_nothing(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    reply, _ = proposing(needs_approval=True)
    posted = await _posted_answer(scout, slack, core, reply)
    updates_before = len(slack.ok_calls("chat.update"))

    # The button's value is the approval id only; a forged value naming an approver is no help.
    request = click(posted, "scout_approve_", user="UINTRUDER")
    response = await scout.app.async_dispatch(request)
    assert response.status == 200

    note = (await slack.wait_for("chat.postEphemeral"))[0]
    assert note.body["user"] == "UINTRUDER"
    assert "Only an approver" in note.body["text"] and "Nothing was changed" in note.body["text"]
    await scout.deps.work.drain(2)
    assert core.decisions == [] and core.executions == []
    assert len(slack.ok_calls("chat.update")) == updates_before


async def test_a_double_click_executes_once(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    reply, _ = proposing(needs_approval=True)
    posted = await _posted_answer(scout, slack, core, reply)
    first, second = (click(posted, "scout_approve_", user=APPROVER) for _ in range(2))
    responses = await asyncio.gather(
        scout.app.async_dispatch(first), scout.app.async_dispatch(second)
    )
    assert [r.status for r in responses] == [200, 200]

    await slack.wait_for("chat.postEphemeral", where=lambda c: "Already decided" in c.body["text"])
    await slack.wait_for("chat.update", where=lambda c: "Executed" in json.dumps(c.body["blocks"]))
    assert core.executions == ["apr-1"]
    assert len(core.decisions) == 2  # both clicks reached the core, which executed once


async def test_do_it_runs_an_allowed_action_for_anyone(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    reply, _ = proposing(needs_approval=False, approval_id="allow-1")
    posted = await _posted_answer(scout, slack, core, reply)
    assert "scout_approve_" not in json.dumps(posted["blocks"])
    await scout.app.async_dispatch(click(posted, "scout_do_", user="UASKER"))
    await slack.wait_for("chat.update", where=lambda c: "Executed" in json.dumps(c.body["blocks"]))
    assert core.executions == ["allow-1"]
    assert slack.calls("usergroups.users.list") == []


async def test_show_sql_posts_the_evidence_in_the_thread(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    posted = await _posted_answer(scout, slack, core, answer(chart=False))
    await scout.app.async_dispatch(click(posted, "scout_show_sql", user="UASKER"))
    sql = await slack.wait_for(
        "chat.postMessage", where=lambda c: "SELECT region" in json.dumps(c.body["blocks"])
    )
    assert sql[0].body["thread_ts"] == "1765000000.000100"
    assert "SUM(orders)/SUM(sessions)" in json.dumps(sql[0].body["blocks"])


async def test_two_approvers_deciding_two_proposals_on_one_message_are_both_recorded(
    scout: ScoutSlack, slack: FakeSlack, core: ScriptedCore
) -> None:
    """Both clicks come from the same copy of the message; neither edit may undo the other."""
    first, _ = proposing(needs_approval=True, approval_id="apr-1")
    second, _ = proposing(needs_approval=True, approval_id="apr-2")
    both = replace(first, actions=(*first.actions, *second.actions))
    posted = await _posted_answer(scout, slack, core, both)
    approve = click(posted, "scout_approve_0", user=APPROVER)
    reject = click(posted, "scout_reject_1", user=GROUP_MEMBER)
    await asyncio.gather(scout.app.async_dispatch(approve), scout.app.async_dispatch(reject))
    await slack.wait_for("chat.update", 2, where=lambda c: " by <@" in json.dumps(c.body))
    await scout.deps.work.drain(5)
    held = json.dumps(next(m for m in slack.messages if m["ts"] == posted["ts"])["blocks"])
    assert "Executed" in held and "Rejected" in held
    assert "scout_approve_" not in held and "scout_reject_" not in held
