"""Acting safely: every action Scout proposes passes one validator, waits for a person when it
is risky, and executes exactly once, with every effect in the outbox and the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.lazy import lazy_exports

if TYPE_CHECKING:
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
    from agent.act.rules import (
        ActSettings,
        ApprovalSettings,
        GuardrailSettings,
        RiskRules,
        SpendCaps,
    )


_WHERE = {
    "Act": "agent.act.ports",
    "ActResult": "agent.act.records",
    "ActSettings": "agent.act.rules",
    "ActionKind": "agent.act.kinds",
    "Actor": "agent.act.actor",
    "ApprovalNotFound": "agent.act.approvals",
    "ApprovalRequest": "agent.act.records",
    "ApprovalSettings": "agent.act.rules",
    "AuditEntry": "agent.act.records",
    "CheckedAction": "agent.act.kinds",
    "Clock": "agent.act.ports",
    "Delivery": "agent.act.records",
    "ExecutionRecord": "agent.act.records",
    "GuardrailSettings": "agent.act.rules",
    "Guardrails": "agent.act.guardrails",
    "Integration": "agent.act.ports",
    "Investigator": "agent.act.ports",
    "IsAuthorised": "agent.act.ports",
    "KindParams": "agent.act.kinds",
    "KindRegistry": "agent.act.kinds",
    "OutboundMessage": "agent.act.records",
    "OutboxEntry": "agent.act.records",
    "REGISTRY": "agent.act.kinds",
    "RiskRules": "agent.act.rules",
    "Sleep": "agent.act.ports",
    "SpendCaps": "agent.act.rules",
    "SpendUsage": "agent.act.guardrails",
    "TerminalNotifier": "agent.act.outbox",
    "Verdict": "agent.act.guardrails",
    "spend_problem": "agent.act.guardrails",
}


__getattr__ = lazy_exports(__name__, _WHERE)


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
