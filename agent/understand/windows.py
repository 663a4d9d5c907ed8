"""Date phrases → half-open windows [start, end), all relative to a `today` tests can fix.

The rules are DESIGN.md's: "last N days" are the N complete days before today, "last week"
the previous Monday–Sunday, "last month" the previous calendar month, "in October" that month
of this year (last year if it has not started), "between Nov 1 and Nov 15" = [Nov 1, Nov 16).
"This week/month" run to date; on the first day of the period, when no day is complete yet,
they fall back to today so far rather than an empty window.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from agent.domain import Intent, Window
from agent.understand.date_phrases import (
    COMPARE_WORDS,
    MONTHS,
    NUMBER_WORDS,
    RULES,
    WEEKDAYS,
    last_days,
    month_start,
    shift_months,
    to_date_window,
)

__all__ = [
    "MONTHS",
    "NUMBER_WORDS",
    "WEEKDAYS",
    "Mention",
    "Resolved",
    "default_window",
    "find_windows",
    "last_days",
    "month_start",
    "resolve",
    "shift_months",
    "to_date_window",
]

_P = re.compile


Role = Literal["main", "baseline", "future"]


@dataclass(frozen=True, kw_only=True)
class Mention:
    """A date phrase found in the text: where it is, what it means, which role it plays."""

    start: int  # character offsets in the normalised text
    end: int
    role: Role
    window: Window | None = None
    # A baseline named relative to the main window ("vs last year" = main shifted 364 days).
    relative: Callable[[Window], Window] | None = None


_BASELINE_MARKER = _P(rf"\b{COMPARE_WORDS} (?:the )?(?:same period )?(?:in |of )?$")


def find_windows(norm: str, today: date) -> list[Mention]:
    """Every date phrase in normalised text, earliest first, without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    for rule in RULES:
        for m in rule.pattern.finditer(norm):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            if rule.future:
                found.append(Mention(start=s, end=e, role="future"))
                taken.append((s, e))
                continue
            relative = rule.relative(m, today) if rule.relative else None
            window = rule.build(m, today)
            if window is None and relative is None:
                continue
            role: Role = "main"
            if (
                relative is not None
                or _BASELINE_MARKER.search(norm[:s])
                or m.group(0).startswith(("vs ", "versus ", "compared to ", "against ", "than "))
            ):
                role = "baseline"
            found.append(Mention(start=s, end=e, role=role, window=window, relative=relative))
            taken.append((s, e))
    found.sort(key=lambda x: x.start)
    return _second_of_a_pair_is_baseline(found, norm)


def _second_of_a_pair_is_baseline(found: list[Mention], norm: str) -> list[Mention]:
    """'compare last week to the week before', 'this month and last month': the later one."""
    mains = [m for m in found if m.role == "main"]
    if len(mains) >= 2 and not any(m.role == "baseline" for m in found):
        later = mains[1]
        # The connector may open the later phrase itself ("to september").
        between = norm[mains[0].end : later.start] + " " + norm[later.start : later.end][:9]
        if re.search(r"\b(?:to|and|with|vs|versus|against|or)\b", between):
            found = [
                Mention(
                    start=m.start, end=m.end, role="baseline", window=m.window, relative=m.relative
                )
                if m is later
                else m
                for m in found
            ]
    return found


@dataclass(frozen=True, kw_only=True)
class Resolved:
    window: Window | None
    baseline: Window | None
    explicit_window: bool
    explicit_baseline: bool


def resolve(mentions: list[Mention], intent: Intent, today: date) -> Resolved:
    """The goal's window and baseline: what the text says, else the intent's defaults."""
    mains = [m.window for m in mentions if m.role == "main" and m.window is not None]
    bases = [m for m in mentions if m.role == "baseline"]
    window = mains[0] if mains else None
    explicit = window is not None
    if window is None:
        window = default_window(intent, today)
    baseline: Window | None = None
    if bases and window is not None:
        b = bases[0]
        baseline = b.relative(window) if b.relative else b.window
    explicit_baseline = baseline is not None
    if baseline is None and window is not None and intent in BASELINE_INTENTS:
        baseline = window.previous()
    return Resolved(
        window=window,
        baseline=baseline,
        explicit_window=explicit,
        explicit_baseline=explicit_baseline,
    )


BASELINE_INTENTS = frozenset({Intent.EXPLAIN, Intent.COMPARE, Intent.DETECT, Intent.FORECAST_CHECK})


def default_window(intent: Intent, today: date) -> Window | None:
    """DESIGN.md's defaults when the text names no window."""
    match intent:
        case Intent.EXPLAIN | Intent.COMPARE | Intent.DETECT | Intent.BREAKDOWN:
            return last_days(7, today)
        case Intent.LOOKUP | Intent.DIGEST:
            return last_days(1, today)
        case Intent.TREND | Intent.FORECAST_CHECK:
            return last_days(30, today)
        case _:
            return None
