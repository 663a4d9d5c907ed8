"""Date phrases → half-open windows [start, end), all relative to a `today` tests can fix.

The rules are DESIGN.md's: "last N days" are the N complete days before today, "last week"
the previous Monday–Sunday, "last month" the previous calendar month, "in October" that month
of this year (last year if it has not started), "between Nov 1 and Nov 15" = [Nov 1, Nov 16).
"This week/month" run to date; on the first day of the period, when no day is complete yet,
they fall back to today so far rather than an empty window.

Every window also gets the period it is compared with, as the business means it: a period to
date against the same days of the period before, calendar months against the months before,
"last N days" against the N days before, a day or a partial week against the same weekdays a
week earlier, "vs the previous 4 weeks" against the 4 weeks before the window. A baseline never
overlaps its window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from agent.domain import Intent, Window
from agent.understand.date_phrases import (
    COMPARE_WORDS,
    MONTHS,
    NUMBER_WORDS,
    RULES,
    WEEKDAYS,
    Relative,
    comparison_period,
    last_days,
    month_start,
    shift_months,
    to_date_window,
    whole_months,
)

__all__ = [
    "MONTHS",
    "NUMBER_WORDS",
    "WEEKDAYS",
    "Mention",
    "Resolved",
    "comparison_period",
    "default_window",
    "find_windows",
    "last_days",
    "month_start",
    "named_baseline",
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
    relative: Relative | None = None
    # What `window` is compared with when the text names no baseline.
    before: Window | None = None
    # The text marks it as the other side of a comparison ("vs the week before"), rather
    # than naming a period relative to another ("and the week before?").
    compared: bool = False
    # The main window a relative baseline implies when the text names none ("revenue QoQ":
    # the last complete quarter).
    implies: Window | None = None


_BASELINE_MARKER = _P(rf"\b{COMPARE_WORDS} (?:the )?(?:same period )?(?:in |of )?$")
# "Q3 revenue up 6.1% on Q2": the British "on" of a change against a period; but "orders
# down on xmas day vs last yr": the day it fell, when a comparison follows.
_UP_ON = _P(r"\b(?:up|down) (?:\S+ ){0,2}on $")
_COMPARED_AFTER = _P(rf"^(?:\S+ ){{0,3}}?{COMPARE_WORDS}\b")


def find_windows(norm: str, today: date) -> list[Mention]:
    """Every date phrase in normalised text, earliest first, without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    for rule in RULES:
        for m in rule.pattern.finditer(norm):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            if rule.future or (rule.future_if is not None and rule.future_if(m, today)):
                found.append(Mention(start=s, end=e, role="future"))
                taken.append((s, e))
                continue
            relative = rule.relative(m, today) if rule.relative else None
            window = rule.build(m, today)
            if window is None and relative is None:
                continue
            before = None
            if window is not None:
                before = rule.before(m, window) if rule.before else comparison_period(window)
            role: Role = "main"
            compared = bool(
                _BASELINE_MARKER.search(norm[:s])
                # "why was revenue down on Thanksgiving?": a single day after "down on" is
                # the day it fell, not the period it fell against.
                or (
                    _UP_ON.search(norm[:s])
                    and not _COMPARED_AFTER.search(norm[e:].lstrip())
                    and (window is None or window.days > 1)
                )
                or m.group(0).startswith(("vs ", "versus ", "compared to ", "against ", "than "))
                or (window is None and not rule.shift)
            )
            if window is None or compared:
                role = "baseline"
            found.append(
                Mention(
                    start=s,
                    end=e,
                    role=role,
                    window=window,
                    relative=relative,
                    before=before,
                    compared=compared,
                    implies=rule.implies(m, today) if rule.implies else None,
                )
            )
            taken.append((s, e))
    found.sort(key=lambda x: x.start)
    return _second_of_a_pair_is_baseline(found, norm)


# How many words may stand between two periods set side by side ("October, and then the
# same stretch of September").
_PAIR_GAP = 9


def _second_of_a_pair_is_baseline(found: list[Mention], norm: str) -> list[Mention]:
    """'compare last week to the week before', 'this month and last month': the later one;
    'New Year's Eve outsold Christmas Eve': the one it is set against."""
    mains = [m for m in found if m.role == "main"]
    if len(mains) >= 2 and not any(m.role == "baseline" for m in found):
        later = mains[1]
        gap = norm[mains[0].end : later.start]
        # The connector may open the later phrase itself ("to september"); far apart ("this
        # week? want to see … before I shuffle the weekend shifts") they are no pair.
        between = gap + " " + norm[later.start : later.end][:9]
        if len(gap.split()) <= _PAIR_GAP and re.search(
            r"\b(?:to|and|with|vs|versus|against|or|outsold|outsells?|outperformed|beat)\b", between
        ):
            first = mains[0]
            # "September was $91 and October came in at $84": the later period is the one
            # asked about, the earlier what it is held against.
            chrono = (
                first.window is not None
                and later.window is not None
                and first.window.end <= later.window.start
                and not re.search(r"\b(?:to|with|vs|versus|against|or)\b", between)
            )
            earlier = first if chrono else later
            found = [
                replace(m, role="baseline", compared=True) if m is earlier else m for m in found
            ]
    return found


@dataclass(frozen=True, kw_only=True)
class Resolved:
    window: Window | None
    baseline: Window | None
    explicit_window: bool
    baseline_named: bool = False  # the text named what to compare with ("vs last year")


def resolve(mentions: list[Mention], intent: Intent, today: date) -> Resolved:
    """The goal's window and baseline: what the text says, else the intent's defaults."""
    main = next((m for m in mentions if m.role == "main" and m.window is not None), None)
    implied = next((m.implies for m in mentions if m.implies is not None), None)
    window = main.window if main is not None else implied or default_window(intent, today)
    baseline: Window | None = None
    named = False
    if window is not None:
        if main is not None:
            natural = main.before or comparison_period(window)
        else:
            # A default is a count of days ("the last 30 days"), even when they happen to
            # make up a calendar month: the days before it, not the month before.
            natural = comparison_period(window) if window.days == 1 else window.previous()
        baseline = named_baseline(mentions, window, natural)
        named = baseline is not None
        if baseline is None and intent in BASELINE_INTENTS:
            baseline = natural
    return Resolved(
        window=window,
        baseline=baseline,
        explicit_window=main is not None or implied is not None,
        baseline_named=named,
    )


def named_baseline(mentions: list[Mention], window: Window, natural: Window) -> Window | None:
    """The baseline the text names for `window`, or None when it names none.

    A named period that overlaps the window ("last 7 days vs the last 7 days") would compare
    the window with itself, so it yields to the window's natural comparison period. The same
    calendar month or quarter named twice ("this October vs last October's") means that
    period a year earlier.
    """
    b = next((m for m in mentions if m.role == "baseline"), None)
    if b is None:
        return None
    named = b.relative(window) if b.relative else b.window
    if named is None:
        return None
    if named == window and whole_months(window):
        return shift_months(window, -12)
    if named.days == 1 == window.days and named.start >= window.end:
        # "St Patrick's Day vs a normal Tuesday": the weekday before the day, not the one since.
        back = timedelta(days=7 * ((named.start - window.start).days // 7 + 1))
        return replace(named, start=named.start - back, end=named.end - back)
    if named.start < window.end and window.start < named.end:
        return natural
    return named


# Every intent whose analysis sets the window against another period, so the goal shows both.
BASELINE_INTENTS = frozenset(
    {
        Intent.LOOKUP,
        Intent.BREAKDOWN,
        Intent.EXPLAIN,
        Intent.COMPARE,
        Intent.DETECT,
        Intent.FORECAST_CHECK,
    }
)


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
