"""Pure scoring behind recall and insights: segment match × recency, effectiveness trends.

Kept apart from the SQL so the ranking can be read and tested on its own. The store fetches
a bounded set of candidate rows; these functions rank and summarise them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from agent.domain import format_segment
from agent.memory.records import ActionInsight, Pattern, RecalledPattern

DEFAULT_HALF_LIFE_DAYS = 30.0
TREND_WINDOW = 10  # outcomes per half when comparing recent vs earlier effectiveness
TREND_EPSILON = 0.05


def where_match(query: Mapping[str, str], candidate: Mapping[str, str]) -> float:
    """1.0 for the same segment, less for a broader/narrower one, 0 for a conflicting one.

    A pattern about the West says nothing about the Northeast (conflict → 0); a pattern
    about the whole business says something, but less, about any region.
    """
    for key in query.keys() & candidate.keys():
        if query[key] != candidate[key]:
            return 0.0
    shared = len(query.keys() & candidate.keys())
    return (1 + shared) / (1 + max(len(query), len(candidate)))


def recency_weight(created: datetime, now: datetime, half_life_days: float) -> float:
    """Halve a memory's weight every `half_life_days`; future timestamps count as now."""
    age_days = max(0.0, (now - created).total_seconds() / 86400.0)
    return float(0.5 ** (age_days / half_life_days))


def rank_patterns(
    candidates: Sequence[Pattern],
    where: Mapping[str, str],
    now: datetime,
    *,
    limit: int,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> list[RecalledPattern]:
    """Best matching, most recent patterns first; conflicting segments dropped."""
    scored = []
    for pattern in candidates:
        match = where_match(where, pattern.where)
        if match <= 0:
            continue
        recency = recency_weight(pattern.created, now, half_life_days)
        scored.append(RecalledPattern(pattern=pattern, match=match, recency=recency))
    scored.sort(key=lambda r: (r.score, r.pattern.created, r.pattern.id), reverse=True)
    return scored[: max(0, limit)]


def describe_recall(
    metric: str,
    direction: str,
    where: Mapping[str, str],
    recalled: Sequence[RecalledPattern],
    *,
    label: str = "",
) -> str:
    """'The last 3 times conversion rate dropped in Northeast, the cause was mobile …'.

    `label` is the metric's semantic.yml label; without it the key reads with its
    underscores gone, never as the raw key."""
    if not recalled:
        return ""
    moved = {"down": "dropped", "up": "rose"}.get(direction, "moved")
    name = label or metric.replace("_", " ")
    name = name[:1].lower() + name[1:]  # mid-sentence, yet "(WAPE)" keeps its capitals
    place = " in " + format_segment(where, style="words") if where else ""
    n = len(recalled)
    times = "time" if n == 1 else f"{n} times"
    causes = Counter(_segment(r.pattern.cause) for r in recalled)
    if len(causes) == 1:
        cause, count = next(iter(causes.items()))
        tail = f"the cause was {cause}" + (f" ({count} of {n})" if n > 1 else "")
    else:
        tail = "the causes were " + ", ".join(f"{c} ({k} of {n})" for c, k in causes.most_common())
    return f"The last {times} {name} {moved}{place}, {tail}."


def _segment(where: Mapping[str, str]) -> str:
    return format_segment(where, style="words") or "no single segment"


def insight_for(
    kind: str,
    *,
    samples: int,
    successes: int,
    average_effectiveness: float,
    recent: Sequence[float],
    last_outcome: datetime | None,
) -> ActionInsight:
    """Summarise one action kind; `recent` is effectiveness newest first (≤ 2×TREND_WINDOW)."""
    newer, older = recent[:TREND_WINDOW], recent[TREND_WINDOW : 2 * TREND_WINDOW]
    label: Literal["improving", "declining", "steady", "too few samples"]
    if len(newer) < 3 or len(older) < 3:
        trend, label = 0.0, "too few samples"
    else:
        trend = sum(newer) / len(newer) - sum(older) / len(older)
        if trend > TREND_EPSILON:
            label = "improving"
        elif trend < -TREND_EPSILON:
            label = "declining"
        else:
            label = "steady"
    return ActionInsight(
        kind=kind,
        samples=samples,
        success_rate=successes / samples if samples else 0.0,
        average_effectiveness=average_effectiveness,
        trend=trend,
        trend_label=label,
        last_outcome=last_outcome,
    )
