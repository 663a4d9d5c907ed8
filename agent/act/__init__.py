"""Acting safely: every action Scout proposes passes one validator, waits for a person when it
is risky, and executes exactly once, with every effect in the outbox and the audit log."""

from agent.act.actor import Actor
from agent.act.approvals import ApprovalNotFound
from agent.act.guardrails import Guardrails, SpendUsage, Verdict, spend_problem
from agent.act.kinds import REGISTRY, ActionKind, CheckedAction, KindParams, KindRegistry
from agent.act.outbox import TerminalNotifier
from agent.act.ports import Act, Clock, Integration, Investigator, IsAuthorised, Sleep
from agent.act.records import (
    ActResult,
    ApprovalRequest,
    AuditEntry,
    Delivery,
    ExecutionRecord,
    OutboundMessage,
    OutboxEntry,
)
from agent.act.rules import ActSettings, ApprovalSettings, GuardrailSettings, RiskRules, SpendCaps

__all__ = [
    "REGISTRY",
    "Act",
    "ActResult",
    "ActSettings",
    "ActionKind",
    "Actor",
    "ApprovalNotFound",
    "ApprovalRequest",
    "ApprovalSettings",
    "AuditEntry",
    "CheckedAction",
    "Clock",
    "Delivery",
    "ExecutionRecord",
    "GuardrailSettings",
    "Guardrails",
    "Integration",
    "Investigator",
    "IsAuthorised",
    "KindParams",
    "KindRegistry",
    "OutboundMessage",
    "OutboxEntry",
    "RiskRules",
    "Sleep",
    "SpendCaps",
    "SpendUsage",
    "TerminalNotifier",
    "Verdict",
    "spend_problem",
]
