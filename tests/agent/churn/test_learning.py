"""Learning: outcomes in memory move the Beta posteriors, and so the recommended action."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from agent.churn.agent import CustomerChurnAgent
from agent.churn.recommend import rank_actions
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
            await agent.learn_from_outcomes(
                f"C9{i:05d}", ["support_call"], "retained", risk_level=level
            )
            await agent.learn_from_outcomes(
                f"C8{i:05d}", ["winback_sequence"], "churned", risk_level=level
            )
            await agent.learn_from_outcomes(
                f"C7{i:05d}", ["account_manager_alert"], "churned", risk_level=level
            )
        # The same outcome twice counts once.
        assert await agent.learn_from_outcomes(
            "C900000", ["support_call"], "retained", risk_level=level
        ) == [False]

        after = picks(7, await agent.bandit())
        assert after["support_call"] > 270
        reassessed = await agent.assess_churn_risk(profile.customer_id)
        assert reassessed.recommended_actions[0] == "support_call"
        works = await agent.what_works()
        assert f"support call for {level}-risk customers kept 15 of 15 (100%)" in works
        assert f"winback sequence for {level}-risk customers kept 0 of 15 (0%)" in works
        # Other risk levels have learned nothing.
        assert (await agent.bandit()).arm("churn|low", "support_call").samples == 0
    finally:
        await memory.close()
