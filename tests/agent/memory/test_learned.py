"""Outcomes, learned weights, feedback, insights, recall and retention."""

from __future__ import annotations

from agent.domain import Finding, RootCause
from agent.learning import situation_key
from agent.memory import Memory, describe_recall
from tests.agent.memory.conftest import Clock

CONV_NE = situation_key("conversion_rate", "down", {"region": "Northeast"})


async def test_outcomes_update_weights_once_per_action(mem: Memory) -> None:
    for i in range(10):
        assert await mem.record_outcome(f"a{i}", "alert", CONV_NE, success=i < 8)
    assert await mem.record_outcome("a0", "alert", CONV_NE, success=False) is False  # replay

    weights = await mem.learned_weights()
    arm = weights[(CONV_NE, "alert")]
    assert (arm.successes, arm.failures) == (8, 2)
    assert arm.mean == 9 / 12  # Beta(1 + 8, 1 + 2)
    [sentence] = await mem.describe_learning()
    assert sentence.startswith("Alerts on conversion rate drops in Northeast")
    assert "acknowledged 8 of 10 times" in sentence


async def test_feedback_counts_one_vote_per_user_and_moves_on_change(mem: Memory) -> None:
    async def vote(user: str, positive: bool) -> bool:
        return await mem.record_feedback(
            "T1", user, positive, finding_id=7, kind="report", situation=CONV_NE
        )

    assert await vote("U1", True)
    assert not await vote("U1", True)  # same vote again
    assert await vote("U2", True)
    assert await vote("U2", False)  # U2 changes their mind
    assert await mem.feedback_summary("T1") == (1, 1)
    arm = (await mem.learned_weights())[(CONV_NE, "report")]
    assert (arm.successes, arm.failures) == (1, 1)
    # Feedback without an action kind is kept but teaches no posterior.
    assert await mem.record_feedback("T2", "U1", False)
    assert await mem.feedback_summary() == (1, 2)
    assert len(await mem.learned_weights()) == 1


async def test_insights_average_trend_and_samples(mem: Memory, clock: Clock) -> None:
    # 10 older report outcomes of effectiveness 0.2, then 10 newer of 0.9: improving.
    for i in range(20):
        clock.advance(hours=1)
        eff = 0.2 if i < 10 else 0.9
        await mem.record_outcome(f"r{i}", "report", "s", success=eff > 0.5, effectiveness=eff)
    for i in range(2):
        await mem.record_outcome(f"x{i}", "escalate", "s", success=True, value=120.0)

    insights = {i.kind: i for i in await mem.insights()}
    report = insights["report"]
    assert report.samples == 20
    assert report.success_rate == 0.5
    assert abs(report.average_effectiveness - 0.55) < 1e-9
    assert abs(report.trend - 0.7) < 1e-9 and report.trend_label == "improving"
    assert report.last_outcome == clock.now
    assert insights["escalate"].trend_label == "too few samples"
    assert insights["escalate"].average_effectiveness == 1.0


async def test_recall_prefers_matching_recent_causes(mem: Memory, clock: Clock) -> None:
    async def remember(where: dict[str, str], cause: dict[str, str], days_later: int) -> None:
        clock.advance(days=days_later)
        await mem.record_pattern(
            metric="conversion_rate",
            direction="down",
            where=where,
            cause=cause,
            summary=f"a move found on {clock():%Y-%m-%d}",  # each names its own dates
        )

    await remember({"region": "Northeast"}, {"device": "tablet"}, 0)  # old: 120 days ago
    await remember({"region": "Northeast"}, {"device": "mobile"}, 60)
    await remember({"region": "West"}, {"channel": "email"}, 1)  # other region: never
    await remember({}, {"channel": "paid_search"}, 1)  # business-wide: half a match
    await remember({"region": "Northeast"}, {"device": "mobile"}, 30)
    await remember({"region": "Northeast"}, {"device": "mobile"}, 28)
    clock.advance(days=1)

    recalled = await mem.recall("conversion_rate", {"region": "Northeast"}, "down")
    assert [r.pattern.cause for r in recalled] == [{"device": "mobile"}] * 3
    assert [r.match for r in recalled] == [1.0, 1.0, 1.0]
    assert recalled[0].recency > recalled[1].recency > recalled[2].recency
    sentence = await mem.recall_sentence("conversion_rate", {"region": "Northeast"}, "down")
    assert sentence == (
        "The last 3 times conversion rate dropped in Northeast, the cause was mobile (3 of 3)."
    )
    recalled = await mem.recall("conversion_rate", {"region": "Northeast"}, "down")
    labelled = describe_recall(
        "forecast_error", "up", {"channel": "paid_search"}, recalled, label="Forecast error (WAPE)"
    )
    assert labelled.startswith(
        "The last 3 times forecast error (WAPE) rose in paid search traffic,"
    )
    west = await mem.recall("conversion_rate", {"region": "West"}, "down", limit=5)
    assert [r.pattern.cause for r in west] == [{"channel": "email"}, {"channel": "paid_search"}]
    assert await mem.recall("conversion_rate", {}, "up") == []


async def test_prune_removes_old_rows_but_keeps_weights(mem: Memory, clock: Clock) -> None:
    await mem.record_outcome("old", "alert", "s", success=True)
    await mem.seen_anomaly("old-fp")
    await mem.claim("digest:old")
    await mem.audit("old")
    clock.advance(days=100)
    await mem.record_outcome("new", "alert", "s", success=False)
    await mem.seen_anomaly("new-fp")
    await mem.audit("new")

    report = await mem.prune(older_than_days=90)
    assert report.removed["outcomes"] == 1
    assert report.removed["alert_fingerprints"] == 1
    assert report.removed["digests"] == 1
    assert report.removed["audit"] == 1
    assert report.total == 4
    counts = await mem.counts()
    assert counts["outcomes"] == 1 and counts["alert_fingerprints"] == 1
    assert counts["weights"] == 1
    arm = (await mem.learned_weights())[("s", "alert")]
    assert (arm.successes, arm.failures) == (1, 1)  # learning outlives the rows it came from
    assert await mem.seen_anomaly("new-fp") is True
    assert await mem.seen_anomaly("old-fp") is False  # forgotten after retention


async def test_remember_cause_keeps_the_main_root_cause(mem: Memory) -> None:
    finding = Finding(
        kind="explain",
        title="Conversion fell",
        summary="Mobile explains 70% of the drop.",
        root_causes=(
            RootCause(
                where={"channel": "email"}, baseline=1, current=0.9, change=-0.1, explains=0.2
            ),
            RootCause(
                where={"device": "mobile"}, baseline=1, current=0.5, change=-0.5, explains=0.7
            ),
        ),
    )
    where = {"region": "Northeast"}
    empty = Finding(kind="explain", title="", summary="")
    for found, expected in [(finding, True), (empty, False)]:
        pattern_id = await mem.remember_cause(
            metric="conversion_rate", direction="down", where=where, finding=found, thread_key="T1"
        )
        assert (pattern_id is not None) is expected
    [recalled] = await mem.recall("conversion_rate", where, "down")
    assert recalled.pattern.cause == {"device": "mobile"}
    assert recalled.pattern.summary == "Mobile explains 70% of the drop."
    assert recalled.pattern.thread_key == "T1"


async def test_a_segment_that_lagged_a_rise_is_never_kept_as_its_cause(mem: Memory) -> None:
    """ "The last time revenue rose, the cause was West": West had risen 12% while the rest
    rose 113% (it lagged, and the answer said so); the note named it the rise's cause."""
    lagged = RootCause(
        where={"region": "West"}, baseline=19756, current=22035, change=2279, explains=0.06
    )
    finding = Finding(
        kind="explain",
        title="Why revenue rose",
        summary="The segment that lagged the rest is West.",
        facts={"value": 92013.0, "baseline": 52608.0},
        root_causes=(lagged,),
    )
    kept = await mem.remember_cause(
        metric="revenue", direction="up", where={}, finding=finding, thread_key="T2"
    )
    assert kept is None and await mem.recall("revenue", {}, "up") == []
    drove = RootCause(
        where={"device": "mobile"}, baseline=20000, current=50000, change=30000, explains=0.76
    )
    found = Finding(
        kind="explain",
        title="Why revenue rose",
        summary="Most of it is mobile.",
        facts={"value": 92013.0, "baseline": 52608.0},
        root_causes=(lagged, drove),
    )
    assert await mem.remember_cause(
        metric="revenue", direction="up", where={}, finding=found, thread_key="T3"
    )
    [recalled] = await mem.recall("revenue", {}, "up")
    assert recalled.pattern.cause == {"device": "mobile"}
