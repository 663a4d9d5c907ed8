"""An account manager named in scout.yml hears about their customer in a Slack DM.

The real service and actor behind the real Bolt app, its WebClient pointed at the fake Slack
Web API: the alert built by the churn recommender goes through the guardrails and the Slack
notifier, and the DM is "sent" only because the fake server accepted it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agent.churn.profile import CustomerRiskProfile
from agent.churn.recommend import build_action
from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.service import ScoutService
from bot.app import build_scout
from tests.agent.loop_helpers import demo_deps
from tests.bot.conftest import APPROVER, settings_for
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack

MANAGER = "U0MANAGER"


def _profile(customer_id: str) -> CustomerRiskProfile:
    return CustomerRiskProfile(
        customer_id=customer_id,
        as_of=date(2025, 12, 15),
        churn_probability=0.82,
        risk_level="critical",
        risk_factors=("no order in 61 days, usually every 21",),
        confidence_score=0.8,
        last_activity=date(2025, 10, 20),
        last_order=date(2025, 10, 15),
        predicted_churn_date=None,
        recommended_actions=("account_manager_alert",),
        customer_value=4200.0,
        scored_by="model",
        scoring_note="",
    )


@pytest.mark.parametrize(
    ("customer", "to"), [("C000123", MANAGER), ("C000999", "account-managers")]
)
async def test_the_alert_goes_to_the_customers_manager_or_the_team_channel(
    slack: FakeSlack, demo_warehouse: GeneratedWarehouse, tmp_path: Path, customer: str, to: str
) -> None:
    config = ScoutConfig.model_validate(
        {
            "slack": {"approvers": [APPROVER]},
            "churn": {"account_managers": {"C000123": MANAGER}},
        }
    )
    service = ScoutService(
        await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite3", TODAY, config=config)
    )
    scout = build_scout(service, settings_for(slack))
    try:
        action = build_action(_profile(customer), "account_manager_alert", config.churn)
        result = await service.deps.act.propose(action, requested_by="churn")
        assert result.status == "executed", result.reason
        (post,) = [c for c in slack.ok_calls("chat.postMessage") if customer in c.body["text"]]
        assert post.body["channel"] == to
        assert "critical" in post.body["text"] or "82%" in post.body["text"]
    finally:
        await scout.aclose(timeout=5)
        await service.close()


def test_a_manager_must_be_a_slack_user_id() -> None:
    with pytest.raises(ValueError, match="not Slack user ids"):
        ScoutConfig.model_validate({"churn": {"account_managers": {"C1": "jane@example.com"}}})
