"""Planning: business rules and validated proposals → a DAG of actions."""

from agent.plan.dag import (
    DependencyCycle,
    DuplicateAction,
    MissingDependency,
    Plan,
    PlannedAction,
    Skipped,
    topo_order,
)
from agent.plan.planner import Signal, actions_for, matches, plan_from_signals
from agent.plan.proposals import ProposalCheck, Rejected, check_proposals, validate_proposals
from agent.plan.rules import PlanningConfig, Rule, RuleAction, Trigger, default_rules

__all__ = [
    "DependencyCycle",
    "DuplicateAction",
    "MissingDependency",
    "Plan",
    "PlannedAction",
    "PlanningConfig",
    "ProposalCheck",
    "Rejected",
    "Rule",
    "RuleAction",
    "Signal",
    "Skipped",
    "Trigger",
    "actions_for",
    "check_proposals",
    "default_rules",
    "matches",
    "plan_from_signals",
    "topo_order",
    "validate_proposals",
]
