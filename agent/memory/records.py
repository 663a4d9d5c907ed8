"""What memory hands back: small frozen values, never raw rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from agent.domain import Goal


@dataclass(frozen=True, kw_only=True)
class ThreadContext:
    """A conversation's last goal and the findings it produced, for follow-ups."""

    thread_key: str
    goal: Goal
    finding_ids: tuple[int, ...]
    updated: datetime


@dataclass(frozen=True, kw_only=True)
class FeedbackLink:
    """The action a thread's 👍/👎 speaks about: its kind and situation feed learning."""

    thread_key: str
    kind: str
    situation: str
    action_key: str = ""


@dataclass(frozen=True, kw_only=True)
class StoredFinding:
    id: int
    thread_key: str
    kind: str
    title: str
    summary: str
    goal: Mapping[str, Any]
    finding: Mapping[str, Any]
    created: datetime


@dataclass(frozen=True, kw_only=True)
class AlertRecord:
    """One anomaly fingerprint: when first and last seen, how often, where it was posted."""

    fingerprint: str
    first_seen: datetime
    last_seen: datetime
    count: int
    ref: str


@dataclass(frozen=True, kw_only=True)
class StoredAction:
    id: str
    action_key: str
    kind: str
    situation: str
    cycle: str
    priority: float
    depends_on: tuple[str, ...]
    action: Mapping[str, Any]
    status: str
    detail: str
    updated: datetime


@dataclass(frozen=True, kw_only=True)
class ActionInsight:
    """How well an action kind has worked: average effectiveness, its trend, how many samples."""

    kind: str
    samples: int
    success_rate: float
    average_effectiveness: float
    trend: float
    trend_label: Literal["improving", "declining", "steady", "too few samples"]
    last_outcome: datetime | None = None

    def describe(self) -> str:
        return (
            f"{self.kind}: {self.success_rate:.0%} success over {self.samples} outcomes, "
            f"average effectiveness {self.average_effectiveness:.2f} ({self.trend_label})"
        )


@dataclass(frozen=True, kw_only=True)
class Pattern:
    """A learned situation → cause link, e.g. conversion_rate down in the Northeast ← mobile."""

    id: int
    metric: str
    direction: str
    where: Mapping[str, str]
    cause: Mapping[str, str]
    summary: str
    thread_key: str
    created: datetime


@dataclass(frozen=True, kw_only=True)
class RecalledPattern:
    """A pattern retrieved for a situation, with how well it matches and how recent it is."""

    pattern: Pattern
    match: float
    recency: float

    @property
    def score(self) -> float:
        return self.match * self.recency


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    id: int
    at: datetime
    event: str
    actor: str
    ref: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PruneReport:
    """Rows removed per table by `Memory.prune`."""

    cutoff: datetime
    removed: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.removed.values())
