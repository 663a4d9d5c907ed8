"""Two `scout serve` replicas on one PostgreSQL database: approvals execute exactly once and
spend never passes its cap, whichever replica a click lands on. Truth is read with SQL."""

from __future__ import annotations

import asyncio
import random

from agent.act import Actor, ActResult
from tests.agent.act.conftest import APPROVER, FakeClock, RecordingIntegration, settings
from tests.agent.act.kinds_fixture import KINDS
from tests.agent.act.test_approvals import optimize
from tests.agent.act.test_spend_caps import _settings, offer
from tests.fakes.postgres import query


async def _replica(
    url: str, day_cents: int, clock: FakeClock
) -> tuple[Actor, RecordingIntegration]:
    sent = RecordingIntegration()
    actor = await Actor.open(
        url,
        _settings(day_cents, 10_000_000),
        clock=clock,
        kinds=KINDS,
        integrations={"notify": sent},
    )
    return actor, sent


async def test_fifty_concurrent_approvals_on_two_replicas_never_overspend(
    postgres_database: str,
) -> None:
    day_cap = 12_345  # cents; the 50 offers ask for far more
    rng = random.Random(7)
    costs = [rng.randint(100, 1_500) for _ in range(50)]
    clock = FakeClock()
    (a, sent_a), (b, sent_b) = [await _replica(postgres_database, day_cap, clock) for _ in "ab"]
    try:
        offers = [offer(i, cents, f"C{i % 5}") for i, cents in enumerate(costs)]
        proposed = await asyncio.gather(
            *((a if i % 2 else b).propose(o, requested_by="scout") for i, o in enumerate(offers))
        )
        assert all(p.status == "pending_approval" for p in proposed)
        # Every request is clicked on both replicas at once (a double click, two pods).
        clicks = [r.approve(p.approval_id or "", APPROVER) for p in proposed for r in (a, b)]
        results: list[ActResult] = await asyncio.gather(*clicks)
    finally:
        await a.close()
        await b.close()

    cents_of = {o.idempotency_key: c for o, c in zip(offers, costs, strict=True)}
    runs = query(
        postgres_database,
        "SELECT idempotency_key, COUNT(*) FROM act_executions WHERE status = 'executed'"
        " GROUP BY idempotency_key",
    )
    assert runs and all(n == 1 for _, n in runs)  # each action at most once
    [(reserved,)] = query(
        postgres_database,
        "SELECT COALESCE(SUM(amount_cents), 0) FROM act_spend WHERE state != 'released'",
    )
    assert int(reserved) == sum(cents_of[key] for key, _ in runs)
    assert int(reserved) <= day_cap  # to the cent
    # The cap binds: every offer that did not run would have passed it.
    left = day_cap - int(reserved)
    assert all(c > left for key, c in cents_of.items() if key not in dict(runs))
    assert len(runs) < len(offers)
    # Delivered once per execution, by whichever replica won the claim.
    delivered = [m.idempotency_key for m in sent_a.sent + sent_b.sent]
    assert sorted(delivered) == sorted(key for key, _ in runs)
    assert sum(r.status == "executed" for r in results) == len(runs)


async def test_an_approval_on_one_replica_is_seen_by_the_other_after_its_restart(
    postgres_database: str,
) -> None:
    clock = FakeClock()
    sent = RecordingIntegration()
    a = await Actor.open(postgres_database, settings(), integrations={"notify": sent}, clock=clock)
    b = await Actor.open(postgres_database, settings(), integrations={"notify": sent}, clock=clock)
    try:
        proposed = await a.propose(optimize(), requested_by="scout")
        assert proposed.status == "pending_approval" and proposed.approval_id
        assert [p.id for p in await b.pending()] == [proposed.approval_id]
        await b.close()  # replica b restarts
        b = await Actor.open(
            postgres_database, settings(), integrations={"notify": sent}, clock=clock
        )
        approved = await b.approve(proposed.approval_id, APPROVER)
        assert approved.status == "executed"
        for replica in (a, b):
            request = await replica.approval(proposed.approval_id)
            assert request.state == "approved" and request.decided_by == APPROVER
            assert await replica.pending() == []
        again = await a.approve(proposed.approval_id, APPROVER)
        assert again.status == "deduplicated"
        assert len(sent.sent) == 1
    finally:
        await a.close()
        await b.close()
    [(state, executions)] = query(
        postgres_database,
        "SELECT a.state, COUNT(e.id) FROM act_approvals a"
        " LEFT JOIN act_executions e ON e.approval_id = a.id GROUP BY a.state",
    )
    assert (state, executions) == ("approved", 1)
