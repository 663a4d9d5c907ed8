"""Scout's memory: the persistent store (aiosqlite) and a bounded working memory."""

from agent.memory.records import (
    ActionInsight,
    AlertRecord,
    AuditEntry,
    FeedbackLink,
    Pattern,
    PruneReport,
    RecalledPattern,
    StoredAction,
    StoredFinding,
    ThreadContext,
)
from agent.memory.retrieval import describe_recall
from agent.memory.schema import SCHEMA_VERSION
from agent.memory.store import Memory
from agent.memory.working import WorkingMemory

__all__ = [
    "SCHEMA_VERSION",
    "ActionInsight",
    "AlertRecord",
    "AuditEntry",
    "FeedbackLink",
    "Memory",
    "Pattern",
    "PruneReport",
    "RecalledPattern",
    "StoredAction",
    "StoredFinding",
    "ThreadContext",
    "WorkingMemory",
    "describe_recall",
]
