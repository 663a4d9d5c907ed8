"""The validator: kinds, schemas, allowlists, risky traits → Allow | NeedsApproval | Refuse."""

from __future__ import annotations

from agent.act import ActSettings, ApprovalSettings, Guardrails, GuardrailSettings, RiskRules
from agent.act.guardrails import SpendUsage
from agent.act.kinds import REGISTRY
from agent.act.rules import SpendCaps
from agent.config import ScoutConfig
from agent.domain import Action, Allow, NeedsApproval, Refuse
from tests.agent.act.kinds_fixture import KINDS

APPROVALS = ApprovalSettings(
    approvers=("U_A",), groups=("S_LEADS",), by_kind={"optimize": ("U_CFO",)}
)


def guard(**rules: object) -> Guardrails:
    return Guardrails(
        ActSettings(guardrails=GuardrailSettings.model_validate(rules), approvals=APPROVALS), KINDS
    )


def alert(**params: object) -> Action:
    base: dict[str, object] = {"title": "Revenue fell 12%", "severity": "medium"}
    return Action(kind="alert", target="#kpi-alerts", params={**base, **params})


def test_plain_alert_is_allowed() -> None:
    decision = guard().evaluate(alert()).decision
    assert decision == Allow(reason="within guardrails")


def test_unknown_kind_and_disallowed_kind_are_refused() -> None:
    unknown = guard().evaluate(Action(kind="launch_rockets", target="x")).decision
    assert isinstance(unknown, Refuse) and "unknown action kind" in unknown.reason
    barred = guard(allowed_kinds=["report"]).evaluate(alert()).decision
    assert isinstance(barred, Refuse) and "not allowed" in barred.reason


def test_schema_problems_are_named() -> None:
    bad = guard().evaluate(alert(severity="apocalyptic", extra="x")).decision
    assert isinstance(bad, Refuse)
    assert "severity" in bad.reason and "extra" in bad.reason


def test_markup_cannot_hide_in_structured_fields() -> None:
    for params in ({"recipients": ["<!channel>"]}, {"channel": "general <@U1>"}):
        decision = guard().evaluate(alert(**params)).decision
        assert isinstance(decision, Refuse), params


def test_channel_and_recipient_allowlists() -> None:
    g = guard(allowed_channels=["#kpi-alerts"], allowed_recipients=["U_ANA"])
    assert isinstance(g.evaluate(alert()).decision, Allow)
    off = g.evaluate(alert(channel="random")).decision
    assert isinstance(off, Refuse) and "#random" in off.reason
    who = g.evaluate(alert(recipients=["U_ANA", "U_EVE"])).decision
    assert isinstance(who, Refuse) and "U_EVE" in who.reason


def test_bulk_needs_approval_and_too_many_is_refused() -> None:
    g = guard(max_recipients=8, risk={"bulk_recipients": 3})
    bulk = g.evaluate(alert(recipients=[f"U{i}" for i in range(4)])).decision
    assert isinstance(bulk, NeedsApproval) and "bulk: 4 recipients" in bulk.reason
    assert bulk.approvers == ("U_A", "group:S_LEADS")
    over = g.evaluate(alert(recipients=[f"U{i}" for i in range(9)])).decision
    assert isinstance(over, Refuse) and "over the cap of 8" in over.reason


def test_executives_and_severity_rules() -> None:
    g = guard(risk={"executives": ["U_CEO", "#exec"], "executive_min_severity": "high"})
    assert isinstance(g.evaluate(alert(recipients=["U_CEO"], severity="medium")).decision, Allow)
    high = g.evaluate(alert(recipients=["U_CEO"], severity="high")).decision
    assert isinstance(high, NeedsApproval) and "executives (U_CEO)" in high.reason
    channel = g.evaluate(alert(channel="exec", severity="high")).decision
    assert isinstance(channel, NeedsApproval)
    # Default: anything to an executive needs approval.
    strict = guard(risk={"executives": ["U_CEO"]}).evaluate(
        alert(recipients=["U_CEO"], severity="low")
    )
    assert isinstance(strict.decision, NeedsApproval)
    sev = guard(risk={"approval_min_severity": "high"}).evaluate(alert(severity="high")).decision
    assert isinstance(sev, NeedsApproval) and "severity high" in sev.reason


def test_optimize_always_needs_approval_from_its_own_approvers() -> None:
    action = Action(kind="optimize", target="U_CRM", params={"change": "raise bids 5%"})
    decision = guard().evaluate(action).decision
    assert isinstance(decision, NeedsApproval)
    assert decision.approvers == ("U_CFO", "group:S_LEADS")


def test_money_and_customers_need_approval() -> None:
    offer = Action(kind="test_offer", target="C42", params={"customer_value": 500.0}, cost=5.0)
    decision = guard().evaluate(offer).decision
    assert isinstance(decision, NeedsApproval)
    assert "spends $5.00" in decision.reason and "reaches customers" in decision.reason


def test_minimum_customer_value_for_costly_actions() -> None:
    g = guard(costly_action=20, min_customer_value=100)
    cheap = Action(kind="test_offer", target="C1", params={"customer_value": 10.0}, cost=19.99)
    assert isinstance(g.evaluate(cheap).decision, NeedsApproval)
    costly = Action(kind="test_offer", target="C1", params={"customer_value": 99.99}, cost=20.0)
    refused = g.evaluate(costly).decision
    assert isinstance(refused, Refuse) and "below the $100.00 minimum" in refused.reason
    unknown = Action(kind="test_offer", target="C1", cost=25.0)
    assert "no known value" in g.evaluate(unknown).decision.reason  # type: ignore[union-attr]


def test_spend_caps_are_checked_against_usage() -> None:
    g = guard(spend=SpendCaps(per_customer=30, per_day=100, per_campaign=None))
    offer = Action(kind="test_offer", target="C1", params={"customer_value": 900.0}, cost=10.0)
    ok = g.evaluate(offer, SpendUsage(customer_cents=2000, day_cents=0)).decision
    assert isinstance(ok, NeedsApproval)
    over = g.evaluate(offer, SpendUsage(customer_cents=2001, day_cents=0)).decision
    assert isinstance(over, Refuse) and "customer C1 spend cap of $30.00" in over.reason
    day = g.evaluate(offer, SpendUsage(day_cents=9001)).decision
    assert isinstance(day, Refuse) and "daily" in day.reason


def test_negative_cost_is_refused() -> None:
    refused = guard().evaluate(Action(kind="test_offer", target="C1", cost=-1.0)).decision
    assert isinstance(refused, Refuse)


def test_adding_a_kind_is_one_declared_change() -> None:
    assert "test_offer" in KINDS.names()
    assert "test_offer" not in REGISTRY.names()  # the global registry is untouched
    assert set(REGISTRY.names()) == {
        "answer",
        "alert",
        "report",
        "investigate",
        "escalate",
        "optimize",
        "wait",
        "retention_offer",
        "support_call",
        "account_manager_alert",
        "winback_sequence",
        "winback_email",
    }


def test_target_fills_the_kind_target_param() -> None:
    checked = REGISTRY.check(Action(kind="escalate", target="U_OWNER", params={"title": "x"}))
    assert not isinstance(checked, str)
    assert checked.params.recipient_ids() == ("U_OWNER",)


def test_risk_defaults_are_safe() -> None:
    rules = RiskRules()
    assert rules.money_threshold == 0 and rules.customer_facing_needs_approval
    assert rules.executive_min_severity == "low"


def test_channels_and_people_scout_yml_does_not_name_need_an_approver() -> None:
    config = ScoutConfig.model_validate(
        {"slack": {"alerts_channel": "CALERTS", "approvers": ["UBOSS"]}}
    )
    rules = Guardrails(ActSettings.from_config(config), REGISTRY)

    def alert(channel: str, **params: object) -> Action:
        return Action(kind="alert", target=channel, params={"title": "Revenue down", **params})

    for named in ("#kpi-alerts", "kpi-alerts", "CALERTS"):
        assert isinstance(rules.evaluate(alert(named)).decision, Allow), named
    general = rules.evaluate(alert("general")).decision
    assert isinstance(general, NeedsApproval)
    assert "#general, a channel scout.yml does not name" in general.reason
    stranger = rules.evaluate(alert("kpi-alerts", recipients=["USTRANGER"])).decision
    assert isinstance(stranger, NeedsApproval) and "USTRANGER" in stranger.reason
    boss = rules.evaluate(alert("kpi-alerts", recipients=["UBOSS"])).decision
    assert isinstance(boss, Allow)


def test_an_answer_goes_where_it_was_asked_whatever_the_allowlists_say() -> None:
    """The asker chose the conversation: no channel allowlist, new-audience or executive rule
    turns an answer into a refusal or an approval request (redaction still applies)."""
    settings = ActSettings.model_validate(
        {
            "guardrails": {
                "allowed_channels": ["kpi-alerts"],
                "allowed_kinds": ["alert"],
                "risk": {"executives": ["CEXEC"]},
            }
        }
    )
    rails = Guardrails(
        settings.model_copy(update={"named_channels": frozenset({"kpi-alerts"})}), REGISTRY
    )
    answer = Action(
        kind="answer",
        target="CEXEC",
        params={"title": "Revenue", "text": "up 3%", "thread": "1.2", "asker": "U1"},
    )
    assert isinstance(rails.evaluate(answer).decision, Allow)
    report = Action(kind="report", target="CEXEC", params={"title": "Revenue"})
    assert isinstance(rails.evaluate(report).decision, Refuse)
