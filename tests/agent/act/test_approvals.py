"""Approvals: persisted, expiring, authorised, four-eyes, exactly once under double clicks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent.act import Actor, ActSettings, ApprovalNotFound, ApprovalSettings
from agent.domain import Action, NeedsApproval
from tests.agent.act.conftest import (
    APPROVER,
    OTHER_APPROVER,
    FakeClock,
    RecordingIntegration,
    settings,
)


def optimize(change: str = "cut the BF discount from 30% to 20%") -> Action:
    return Action(
        kind="optimize",
        target="U_CRM_LEAD",
        params={"change": change, "campaign": "black-friday"},
        cost=12.5,
        reason="margin fell below target",
    )


async def test_risky_action_waits_and_runs_once_approved(
    actor: Actor, notifier: RecordingIntegration
) -> None:
    proposed = await actor.propose(optimize(), requested_by="scout")
    assert proposed.status == "pending_approval"
    assert isinstance(proposed.decision, NeedsApproval)
    assert proposed.decision.approvers == (APPROVER, OTHER_APPROVER)
    assert notifier.sent == [] and await actor.outbox() == []
    [pending] = await actor.pending()
    assert pending.id == proposed.approval_id and pending.requester == "scout"

    approved = await actor.approve(pending.id, APPROVER)
    assert approved.status == "executed"
    assert len(notifier.sent) == 1
    [row] = await actor.outbox()
    assert row.approval_id == pending.id and row.decision.kind == "allow"
    assert f"approved by {APPROVER}" in row.decision.reason
    assert await actor.pending() == []
    request = await actor.approval(pending.id)
    assert request.state == "approved" and request.decided_by == APPROVER
    assert request.execution_id == approved.execution.id  # type: ignore[union-attr]
    trail = [(e.event, e.who) for e in await actor.audit(approval_id=pending.id)]
    assert trail == [
        ("approval_requested", "scout"),
        ("approved", APPROVER),
        ("execution_started", "scout"),
        ("executed", "scout"),
    ]


async def test_reproposal_finds_the_pending_request(actor: Actor) -> None:
    first = await actor.propose(optimize(), requested_by="scout")
    second = await actor.propose(optimize(), requested_by="scout")
    assert second.status == "pending_approval" and second.approval_id == first.approval_id
    assert "already waiting" in second.reason
    assert len(await actor.pending()) == 1


async def test_concurrent_double_approval_executes_exactly_once(
    store_url: str, clock: FakeClock, notifier: RecordingIntegration
) -> None:
    a = await Actor.open(store_url, settings(), integrations={"notify": notifier}, clock=clock)
    b = await Actor.open(store_url, settings(), integrations={"notify": notifier}, clock=clock)
    try:
        proposed = await a.propose(optimize(), requested_by="scout")
        assert proposed.approval_id
        clicks = [
            a.approve(proposed.approval_id, APPROVER),
            b.approve(proposed.approval_id, OTHER_APPROVER),
            a.approve(proposed.approval_id, APPROVER),
            b.approve(proposed.approval_id, APPROVER),
        ]
        results = await asyncio.gather(*clicks)
        statuses = sorted(r.status for r in results)
        assert statuses == ["deduplicated", "deduplicated", "deduplicated", "executed"]
        assert all("already approved" in r.reason for r in results if r.status == "deduplicated")
        assert len(notifier.sent) == 1
        assert len(await a.executions()) == 1 and len(await a.outbox()) == 1
        approvals = [e for e in await a.audit() if e.event == "approved"]
        assert len(approvals) == 1
    finally:
        await a.close()
        await b.close()


async def test_expired_approval_refuses_to_run(
    actor: Actor, clock: FakeClock, notifier: RecordingIntegration
) -> None:
    proposed = await actor.propose(optimize(), requested_by="scout")
    assert proposed.approval_id
    clock.advance(hours=24)
    result = await actor.approve(proposed.approval_id, APPROVER)
    assert result.status == "refused" and "expired" in result.reason
    assert notifier.sent == [] and await actor.executions() == []
    assert (await actor.approval(proposed.approval_id)).state == "expired"
    assert await actor.pending() == []
    # An expired request does not block the proposal from being made again.
    again = await actor.propose(optimize(), requested_by="scout")
    assert again.status == "pending_approval" and again.approval_id != proposed.approval_id


async def test_pending_lists_exclude_and_mark_expired(actor: Actor, clock: FakeClock) -> None:
    old = await actor.propose(optimize("old"), requested_by="scout")
    clock.advance(hours=23)
    new = await actor.propose(optimize("new"), requested_by="scout")
    clock.advance(hours=2)
    assert [p.id for p in await actor.pending()] == [new.approval_id]
    assert (await actor.approval(old.approval_id or "")).state == "expired"
    assert "expired" in [e.event for e in await actor.audit(approval_id=old.approval_id)]


async def test_unauthorised_user_cannot_approve_or_reject(
    actor: Actor, notifier: RecordingIntegration
) -> None:
    proposed = await actor.propose(optimize(), requested_by="scout")
    assert proposed.approval_id
    for attempt in (
        actor.approve(proposed.approval_id, "U_MALLORY"),
        actor.reject(proposed.approval_id, "U_MALLORY", "nope"),
    ):
        result = await attempt
        assert result.status == "refused" and "not authorised" in result.reason
    assert (await actor.approval(proposed.approval_id)).state == "pending"
    assert notifier.sent == []
    denied = [
        e
        for e in await actor.audit(approval_id=proposed.approval_id)
        if e.event == "approval_denied"
    ]
    assert [e.who for e in denied] == ["U_MALLORY", "U_MALLORY"]


async def test_group_membership_comes_from_the_port(db_path: Path, clock: FakeClock) -> None:
    asked: list[str] = []

    async def in_crm_leads(user: str) -> bool:
        asked.append(user)
        return user == "U_GROUP_MEMBER"

    s = ActSettings(approvals=ApprovalSettings(groups=("S_CRM_LEADS",)))
    async with await Actor.open(db_path, s, clock=clock, is_authorised=in_crm_leads) as a:
        first = await a.propose(optimize("a"), requested_by="scout")
        assert first.decision == NeedsApproval(
            reason=first.decision.reason, approvers=("group:S_CRM_LEADS",)
        )  # type: ignore[union-attr]
        assert (await a.approve(first.approval_id or "", "U_OUTSIDER")).status == "refused"
        assert (await a.approve(first.approval_id or "", "U_GROUP_MEMBER")).status == "queued"
    assert asked == ["U_OUTSIDER", "U_GROUP_MEMBER"]


async def test_four_eyes(actor: Actor) -> None:
    proposed = await actor.propose(optimize(), requested_by=APPROVER)
    assert proposed.approval_id
    own = await actor.approve(proposed.approval_id, APPROVER)
    assert own.status == "refused" and "four-eyes" in own.reason
    assert (await actor.approve(proposed.approval_id, OTHER_APPROVER)).status == "executed"


async def test_four_eyes_can_be_switched_off(db_path: Path, clock: FakeClock) -> None:
    s = ActSettings(approvals=ApprovalSettings(approvers=(APPROVER,), four_eyes=False))
    async with await Actor.open(db_path, s, clock=clock) as a:
        proposed = await a.propose(optimize(), requested_by=APPROVER)
        assert (await a.approve(proposed.approval_id or "", APPROVER)).status == "queued"


async def test_rejection_is_final_and_remembered(
    actor: Actor, notifier: RecordingIntegration
) -> None:
    proposed = await actor.propose(optimize(), requested_by="scout")
    assert proposed.approval_id
    rejected = await actor.reject(proposed.approval_id, APPROVER, "we keep the discount")
    assert rejected.status == "refused" and "we keep the discount" in rejected.reason
    late = await actor.approve(proposed.approval_id, OTHER_APPROVER)
    assert late.status == "refused" and "already rejected" in late.reason
    again = await actor.propose(optimize(), requested_by="scout")
    assert again.status == "refused" and "rejected earlier by U_APPROVER" in again.reason
    assert notifier.sent == []
    [entry] = [e for e in await actor.audit() if e.event == "rejected"]
    assert (entry.who, entry.why) == (APPROVER, "we keep the discount")


async def test_approving_while_paused_keeps_the_request(
    actor: Actor, notifier: RecordingIntegration
) -> None:
    proposed = await actor.propose(optimize(), requested_by="scout")
    await actor.pause("U_OPS")
    held = await actor.approve(proposed.approval_id or "", APPROVER)
    assert held.status == "refused" and "paused" in held.reason
    assert (await actor.approval(proposed.approval_id or "")).state == "pending"
    await actor.resume("U_OPS")
    assert (await actor.approve(proposed.approval_id or "", APPROVER)).status == "executed"
    assert len(notifier.sent) == 1


async def test_unknown_id_is_a_friendly_error(actor: Actor) -> None:
    with pytest.raises(ApprovalNotFound, match="no approval request 'ap_missing'"):
        await actor.approve("ap_missing", APPROVER)


async def test_pending_survives_a_restart(store_url: str, clock: FakeClock) -> None:
    async with await Actor.open(store_url, settings(), clock=clock) as a:
        proposed = await a.propose(optimize(), requested_by="scout")
    async with await Actor.open(store_url, settings(), clock=clock) as b:
        [pending] = await b.pending()
        assert pending.id == proposed.approval_id
        assert pending.action == optimize().__class__.from_json(optimize().to_json())
        assert (await b.approve(pending.id, APPROVER)).status == "queued"
