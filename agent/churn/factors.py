"""Risk factors in plain words, from the customer's own numbers and the model's attribution.

The model says how much each group of signals raises this customer's risk (its probability
minus the probability if that group looked like a typical retained customer's); the groups
that raise it most are described with the customer's own numbers. A group is only put in
words when the customer's own data shows the warning it names: a large contribution with
nothing to show (an order yesterday, on their usual rhythm) says nothing true and is
skipped. Every number in a sentence is one the feature SQL counted for this customer.
"""

from __future__ import annotations

import math

import pandas as pd

MIN_CONTRIBUTION = 0.005  # below this a group is noise, not a reason
MAX_FACTORS = 3
QUIET_DAYS = 30  # "no order in N days" without a known rhythm only says something past this
NOTHING_STANDS_OUT = "no single sign stands out: the risk is that of customers like this one"


def describe_factors(
    row: pd.Series, contributions: pd.Series, *, recent_days: int, history_days: int
) -> tuple[str, ...]:
    """Up to three sentences, biggest contributor first; only groups that raise the risk
    and whose warning the customer's own numbers show."""
    ranked = contributions[contributions > MIN_CONTRIBUTION].sort_values(ascending=False)
    words = []
    for group in ranked.index:
        text = describe(str(group), row, recent_days=recent_days, history_days=history_days)
        if text:
            words.append(text)
        if len(words) == MAX_FACTORS:
            break
    if words:
        return tuple(words)
    # Nothing that raises the score shows in their data; what their data does show (124 days
    # without an order on a 15-day rhythm, kept active by visits) is still true and said,
    # as what it is: not what drives the score.
    seen = [
        text
        for group in contributions.sort_values(ascending=False).index
        if (text := describe(str(group), row, recent_days=recent_days, history_days=history_days))
    ]
    if seen:
        return (f"{NOTHING_STANDS_OUT}; their data also shows: {'; '.join(seen[:MAX_FACTORS])}",)
    return (NOTHING_STANDS_OUT,)


def _n(value: float) -> int:
    return round(float(value))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def describe(group: str, row: pd.Series, *, recent_days: int, history_days: int) -> str:
    """The warning a group names, in the customer's own numbers, or "" when their data does
    not show it."""
    if group == "recency":
        return _recency(row, history_days)
    if group == "frequency":
        recent = _n(row["orders_recent"])
        expected = row["expected_recent"]
        # Behind their earlier pace by at least one whole order, or it is not a drop; and a
        # pace read off a burst (two orders ten days apart, scaled to 40 days: "about 6")
        # expects more than they ever ordered before, which is no expectation at all.
        before = _n(row["orders_total"] - row["orders_recent"])
        if _missing(expected) or _n(expected) < 1 or recent >= _n(expected) or expected > before:
            return ""
        return (
            f"{_plural(recent, 'order')} in the last {recent_days} days, "
            f"about {_n(expected)} expected at their earlier pace"
        )
    if group == "support":
        return _support(row)
    if group == "usage":
        now = _n(row["sessions_30"])
        before = _n(row["sessions_prev_60"] / 2.0)
        since = row["days_since_session"]
        if _missing(since):
            return "no visit to the site in 90 days"
        if before > now:
            return f"{_plural(now, 'visit')} in the last 30 days, down from about {before} a month"
        if since > QUIET_DAYS:
            return f"no visit in {_n(since)} days"
        return ""
    if group == "cohort":
        # Said only for a member: the group's fall is SQL over the group (cohorts.py).
        return str(row.get("cohort_words") or "")
    if group == "returns":
        count = _n(row["returns_90"])
        if count == 0:
            return ""
        return f"{_plural(count, 'return')} in 90 days (${row['refunds_90']:,.0f} refunded)"
    return ""


def _recency(row: pd.Series, history_days: int) -> str:
    if row["orders_total"] == 0:
        return f"no order in the last {history_days} days"
    since = _n(row["days_since_last"])
    gap = row["usual_gap"]
    if not _missing(gap) and gap > 0:
        # Overdue only past their own usual gap (as it reads, rounded): a customer who
        # ordered yesterday on a 28-day rhythm is not behind.
        usual = max(1, _n(gap))
        if since <= usual:
            return ""
        if row["orders_total"] == 2:  # one gap is not a habit: say what it was
            return f"no order in {since} days; their two before were {_plural(usual, 'day')} apart"
        return f"no order in {since} days, usually every {usual}"
    if since < QUIET_DAYS:
        return ""
    only = (
        f" (their only order in the last {history_days} days)" if row["orders_total"] == 1 else ""
    )
    return f"no order in {since} days{only}"


def _support(row: pd.Series) -> str:
    recent = _n(row["tickets_56"])
    if recent == 0:
        older = _n(row["tickets_90"])
        return f"{_plural(older, 'support ticket')} in 90 days" if older else ""
    text = f"{_plural(recent, 'support ticket')} in the last 8 weeks"
    unresolved = _n(row["unresolved_56"])
    if unresolved:
        text += f", {unresolved} unresolved"
    satisfaction = row["satisfaction_56"]
    if not _missing(satisfaction) and satisfaction <= 3:
        text += f", satisfaction {satisfaction:.1f}/5"
    return text
