"""Learning: measured outcomes against the holdout move the posteriors, and so the
recommended action; an outcome a person or an approval asserts does not."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from agent.churn.agent import CustomerChurnAgent
from agent.churn.recommend import rank_actions
from agent.learning import RetentionOutcome
from agent.memory import Memory


async def test_outcomes_shift_the_recommended_action(
    churn_agent: CustomerChurnAgent, tmp_path: Path
) -> None:
    memory = await Memory.open(tmp_path / "memory.sqlite3")
    try:
        agent = CustomerChurnAgent(
            warehouse=churn_agent.warehouse,
            today=churn_agent.today,
            model=churn_agent.model,
            memory=memory,
        )
        frame = agent.ranked()
        profile = agent.profile(frame[frame["customer_value"] < 1000].index[0])
        level = profile.risk_level
        assert level in ("high", "critical")

        def picks(bandit_rng_seed: int, bandit: object) -> Counter[str]:
            rng = random.Random(bandit_rng_seed)
            return Counter(
                rank_actions(profile, bandit, agent.rules, rng=rng)[0].kind  # type: ignore[arg-type]
                for _ in range(300)
            )

        before = picks(7, await agent.bandit())
        # Untried, the cheapest action (a $2 email) leads; the $15 call is rarely first.
        assert before["support_call"] < 100

        for i in range(15):
            await memory.record_outcome(f"C9{i:05d}", "support_call", f"churn|{level}", True)
        # Asserted (an approval, a person's say-so), not measured: the posterior stays.
        assert (await agent.bandit()).arm(f"churn|{level}", "support_call").samples == 0

        def outcome(i: int, kind: str, group: str, reordered: bool) -> RetentionOutcome:
            return RetentionOutcome(
                customer_id=f"{kind}-{group}-{i}",
                kind=kind,
                segment=str(level),
                group=group,  # type: ignore[arg-type]
                since=agent.today,
                reordered=reordered,
            )

        measured = [
            *(outcome(i, "support_call", "treated", i < 120) for i in range(200)),
            *(outcome(i, "support_call", "holdout", i < 10) for i in range(100)),
            *(outcome(i, kind, "treated", i < 20) for kind in ("winback_sequence",
              "account_manager_alert") for i in range(200)),
            *(outcome(i, kind, "holdout", i < 10) for kind in ("winback_sequence",
              "account_manager_alert") for i in range(100)),
        ]  # fmt: skip
        assert await memory.record_retention_outcomes(measured, days=30) == len(measured)

        after = picks(7, await agent.bandit())
        assert after["support_call"] > 270
        reassessed = await agent.assess_churn_risk(profile.customer_id)
        assert reassessed.recommended_actions[0] == "support_call"
        # Other risk levels have learned nothing.
        assert (await agent.bandit()).arm("churn|low", "support_call").samples == 0
    finally:
        await memory.close()
