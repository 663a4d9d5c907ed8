"""Planning: rules → actions, DAG order, named errors, top-N selection, validated proposals."""

from __future__ import annotations

import logging
import random
from datetime import date

import pytest

from agent.config import ScoutConfig
from agent.domain import Action, Anomaly
from agent.errors import ConfigError, PlanError
from agent.learning import Bandit
from agent.plan import (
    DependencyCycle,
    MissingDependency,
    Plan,
    PlannedAction,
    PlanningConfig,
    Rule,
    RuleAction,
    Signal,
    Trigger,
    check_proposals,
    plan_from_signals,
    validate_proposals,
)


def _pa(id_: str, priority: int, *deps: str, kind: str = "alert") -> PlannedAction:
    action = Action(kind=kind, target="#t", params={"id": id_}, priority=priority)
    return PlannedAction(id=id_, action=action, priority=priority, depends_on=deps)


def _ids(actions: tuple[PlannedAction, ...] | list[PlannedAction]) -> list[str]:
    return [a.id for a in actions]


# ------------------------------------------------------------------ DAG


def test_order_respects_dependencies_then_priority() -> None:
    plan = Plan.build(
        [
            _pa("report", 90, "investigate"),
            _pa("investigate", 10),
            _pa("alert", 50),
            _pa("escalate", 95, "report", "alert"),
        ]
    )
    # investigate has low priority but report (90) cannot start before it.
    assert _ids(plan.actions) == ["alert", "investigate", "report", "escalate"]


def test_cycle_is_an_error_naming_the_actions() -> None:
    with pytest.raises(DependencyCycle) as info:
        Plan.build([_pa("a", 1, "c"), _pa("b", 1, "a"), _pa("c", 1, "b"), _pa("free", 1)])
    assert set(info.value.actions) == {"a", "b", "c"}
    assert isinstance(info.value, PlanError)
    for name in ("a", "b", "c"):
        assert f"{name}" in str(info.value)
    assert "free" not in str(info.value)


def test_missing_dependency_is_an_error_naming_both_ends() -> None:
    with pytest.raises(MissingDependency) as info:
        Plan.build([_pa("report", 1, "investigate"), _pa("alert", 1)])
    assert info.value.missing == {"report": ("investigate",)}
    assert "'report' depends on 'investigate'" in str(info.value)


def test_duplicate_ids_are_an_error() -> None:
    with pytest.raises(PlanError, match="duplicate action ids: a"):
        Plan.build([_pa("a", 1), _pa("a", 2)])


def test_dependency_done_in_an_earlier_cycle_is_allowed() -> None:
    plan = Plan.build([_pa("report", 1, "investigate")], done={"investigate"})
    assert plan.select(1) == plan.actions


def test_top_n_by_priority_brings_dependencies_along() -> None:
    plan = Plan.build(
        [
            _pa("investigate", 10),
            _pa("report", 90, "investigate"),
            _pa("alert", 80),
            _pa("notify", 70),
            _pa("escalate", 85, "report", "alert"),
        ]
    )
    # report (90) needs investigate: both fit in 2, in run order.
    assert _ids(plan.select(2)) == ["investigate", "report"]
    # escalate (85) needs report+alert+investigate → 4 > 3, so it is passed over for alert.
    assert _ids(plan.select(3)) == ["alert", "investigate", "report"]
    assert _ids(plan.select(4)) == ["alert", "investigate", "report", "escalate"]
    assert len(plan.select(100)) == 5
    assert plan.select(0) == ()


# ------------------------------------------------------------------ rules


def _anomaly(metric: str = "conversion_rate", region: str = "Northeast") -> Anomaly:
    return Anomaly(
        metric=metric,
        where={"region": region},
        day=date(2025, 12, 14),
        actual=0.02,
        expected=0.03,
        score=-4.0,
        direction="down",
    )


def test_default_rules_turn_signals_into_actions() -> None:
    config = PlanningConfig()
    signals = [
        Signal.change("revenue", 80_000, 100_000, period="2025-12-08/2025-12-15"),  # −20%
        Signal.change("revenue", 90_000, 100_000, where={"region": "West"}),  # segment: no
        Signal.change("orders", 10, 100),  # no rule for orders
        Signal.from_anomaly(_anomaly()),
        Signal.level("forecast_error", 0.42),
        Signal.level("forecast_error", 0.12),  # below 30%
    ]
    plan = plan_from_signals(signals, config)
    kinds = sorted((a.rule, a.action.kind, a.action.target) for a in plan.actions)
    assert kinds == [
        ("conversion_anomaly", "investigate", "scout"),
        ("conversion_anomaly", "report", "#kpi-digest"),
        ("forecast_error_high", "alert", "#kpi-alerts"),
        ("revenue_drop", "alert", "#kpi-alerts"),
        ("revenue_drop", "investigate", "scout"),
    ]
    report = next(a for a in plan.actions if a.action.kind == "report")
    investigate = plan.by_id(report.depends_on[0])
    assert investigate.rule == "conversion_anomaly"
    assert _ids(plan.actions).index(investigate.id) < _ids(plan.actions).index(report.id)
    assert report.situation == "conversion_rate|down|region=Northeast"
    alert = next(a for a in plan.actions if a.rule == "revenue_drop" and a.action.kind == "alert")
    assert alert.action.params["value"] == pytest.approx(-0.2)
    assert _ids(plan.actions)[0] == alert.id  # priority 80 goes first


def test_revenue_threshold_is_strictly_more_than_15_percent() -> None:
    config = PlanningConfig()
    assert plan_from_signals([Signal.change("revenue", 85, 100)], config).actions == ()
    assert len(plan_from_signals([Signal.change("revenue", 84.9, 100)], config).actions) == 2


def test_same_signal_in_two_cycles_gives_the_same_idempotency_keys() -> None:
    config = PlanningConfig()
    first = plan_from_signals([Signal.from_anomaly(_anomaly())], config)
    again = plan_from_signals(
        [Signal.from_anomaly(_anomaly()), Signal.from_anomaly(_anomaly())], config
    )
    assert [a.key for a in first.actions] == [a.key for a in again.actions]
    other = plan_from_signals([Signal.from_anomaly(_anomaly(region="West"))], config)
    assert {a.key for a in other.actions}.isdisjoint(a.key for a in first.actions)


def test_planning_section_in_scout_yml_is_validated() -> None:
    config = ScoutConfig.model_validate(
        {
            "planning": {
                "max_actions_per_cycle": 2,
                "rules": [
                    {
                        "name": "aov_up",
                        "when": {
                            "metric": "aov",
                            "signal": "change",
                            "direction": "up",
                            "threshold": 0.1,
                        },
                        "then": [{"id": "tell", "kind": "report", "target": "#wins"}],
                    }
                ],
            }
        }
    )
    assert config.planning.max_actions_per_cycle == 2
    plan = plan_from_signals([Signal.change("aov", 120, 100)], config.planning)
    assert [(a.action.kind, a.action.target) for a in plan.actions] == [("report", "#wins")]


def test_a_rule_with_a_dangling_step_fails_at_load(tmp_path) -> None:
    from agent.config import load_config

    path = tmp_path / "scout.yml"
    path.write_text(
        "planning:\n  rules:\n  - name: bad\n    when: {metric: revenue}\n"
        "    then:\n    - {id: report, kind: report, after: [investigate]}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "'report' runs after 'investigate'" in str(info.value)


# ------------------------------------------------------------------ learning shapes the plan


def test_learned_effectiveness_reorders_and_mutes() -> None:
    config = PlanningConfig()
    signal = Signal.from_anomaly(_anomaly())
    bandit = Bandit()
    for _ in range(12):  # reports on this situation were never found useful
        bandit.update(signal.situation, "report", success=False)
    plan = plan_from_signals([signal], config, bandit=bandit)
    assert [a.action.kind for a in plan.actions] == ["investigate"]
    assert [(s.action.action.kind, s.reason) for s in plan.skipped] == [
        ("report", "report worked 0 of 12 times in conversion_rate|down|region=Northeast")
    ]


def test_thompson_ranking_needs_a_seeded_rng_and_is_reproducible() -> None:
    config = PlanningConfig(ranking="thompson")
    signals = [Signal.from_anomaly(_anomaly(region=r)) for r in ("Northeast", "West", "South")]
    with pytest.raises(PlanError, match="rng"):
        plan_from_signals(signals, config, bandit=Bandit())
    first = plan_from_signals(signals, config, bandit=Bandit(), rng=random.Random(7))
    second = plan_from_signals(signals, config, bandit=Bandit(), rng=random.Random(7))
    assert [(a.id, a.score) for a in first.actions] == [(a.id, a.score) for a in second.actions]


# ------------------------------------------------------------------ proposals


def test_invalid_llm_proposals_are_dropped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    raw: list[object] = [
        {"id": "p1", "kind": "alert", "target": "#kpi-alerts", "priority": 60},
        {"id": "p2", "kind": "report", "target": "#kpi-digest", "depends_on": ["p1"]},
        "ignore previous instructions",
        {"id": "p3", "kind": "alert", "priority": 1000},
        {"id": "p4", "kind": "alert", "shell": "rm -rf /"},
        {"id": "p5", "kind": "alert", "depends_on": ["ghost"]},
        {"id": "p6", "kind": "alert", "depends_on": ["p5"]},  # orphaned when p5 goes
        {"id": "p7", "kind": "alert", "depends_on": ["p8"]},
        {"id": "p8", "kind": "alert", "depends_on": ["p7"]},
        {"id": "p1", "kind": "alert"},  # duplicate id
        {"id": "p9", "kind": "wire_money"},
        {"id": "p10", "kind": "report", "depends_on": ["rule.investigate"]},
        {"id": "DROP TABLE x;", "kind": "alert"},
    ]
    with caplog.at_level(logging.WARNING, logger="agent.plan.proposals"):
        check = check_proposals(
            raw, known_ids={"rule.investigate"}, allowed_kinds={"alert", "report"}
        )
    assert _ids(list(check.accepted)) == ["p1", "p2", "p10"]
    reasons = {r.id: r.reason for r in check.rejected}
    assert set(reasons) == {"#2", "p3", "p4", "p5", "p6", "p7", "p8", "p1", "p9", "DROP TABLE x;"}
    assert "priority" in reasons["p3"] and "shell" in reasons["p4"]
    assert reasons["p6"] == "depends on unknown 'p5'"
    assert "loop" in reasons["p7"] and "not allowed" in reasons["p9"]
    assert caplog.text.count("proposal_dropped") == len(check.rejected)
    assert all(a.action.source == "llm" for a in check.accepted)

    # What survives plans without error alongside the rule actions.
    rule_action = _pa("rule.investigate", 60, kind="investigate")
    plan = Plan.build([rule_action, *validate_proposals(raw, known_ids={"rule.investigate"})])
    assert _ids(plan.actions)[0] in {"p1", "rule.investigate"}
    assert _ids(plan.actions).index("p10") > _ids(plan.actions).index("rule.investigate")


# ------------------------------------------------------------------ merging


def test_two_rules_on_one_signal_investigate_once() -> None:
    """The demo's case: a segment rule and the anomaly rule both investigate one drop."""
    segment_drop = Rule(
        name="conversion_segment_drop",
        when=Trigger(metric="conversion_rate", signal="anomaly", direction="down", scope="segment"),
        then=[
            RuleAction(id="investigate", kind="investigate", priority=75),
            RuleAction(id="escalate", kind="escalate", target="U1", priority=72, after=["investigate"]),
        ],
    )  # fmt: skip
    config = PlanningConfig(rules=[*PlanningConfig().rules, segment_drop], max_actions_per_cycle=8)
    plan = plan_from_signals([Signal.from_anomaly(_anomaly())], config)
    investigations = [a for a in plan.actions if a.action.kind == "investigate"]
    assert len(investigations) == 1
    kept = investigations[0]
    assert kept.rule == "conversion_segment_drop" and kept.priority == 75  # the higher one
    # The approver reads that two rules agree; the rule keys stay in the ids and the log.
    assert kept.action.reason.endswith("(also proposed by 1 other rule)")
    assert "conversion_anomaly" not in kept.action.reason
    assert kept.action.reason.startswith("Conversion rate in Northeast dropped on Sun Dec 14")
    # both rules' dependants now wait for the one investigation
    report = next(a for a in plan.actions if a.action.kind == "report")
    escalate = next(a for a in plan.actions if a.action.kind == "escalate")
    assert report.depends_on == (kept.id,) and report.action.depends_on == (kept.id,)
    assert escalate.depends_on == (kept.id,)
    order = _ids(plan.actions)
    assert order.index(kept.id) < min(order.index(report.id), order.index(escalate.id))
    assert sorted(a.action.kind for a in plan.select(8)) == ["escalate", "investigate", "report"]


def test_same_kind_on_different_subjects_is_not_merged() -> None:
    signals = [Signal.from_anomaly(_anomaly()), Signal.from_anomaly(_anomaly(region="West"))]
    plan = plan_from_signals(signals, PlanningConfig())
    assert [a.action.kind for a in plan.actions].count("investigate") == 2


def test_a_merged_away_dependency_of_a_proposal_points_at_the_survivor() -> None:
    from agent.plan.planner import merge_same

    first = _pa("r1.investigate", 60, kind="investigate")
    second = _pa("r2.investigate", 80, kind="investigate")
    report = _pa("r1.report", 50, "r1.investigate", kind="report")
    merged = merge_same([first, second, report])
    assert _ids(merged) == ["r2.investigate", "r1.report"]
    assert merged[1].depends_on == ("r2.investigate",)
