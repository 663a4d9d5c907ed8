"""Risk factors in plain words, from the customer's own numbers and the model's attribution.

The model says how much each group of signals raises this customer's risk (its probability
minus the probability if that group looked like a typical retained customer's); the groups
that raise it most are described with the customer's own numbers.
"""

from __future__ import annotations

import math

import pandas as pd

MIN_CONTRIBUTION = 0.005  # below this a group is noise, not a reason
MAX_FACTORS = 3


def describe_factors(
    row: pd.Series, contributions: pd.Series, *, recent_days: int, history_days: int
) -> tuple[str, ...]:
    """Up to three sentences, biggest contributor first; only groups that raise the risk."""
    ranked = contributions[contributions > MIN_CONTRIBUTION].sort_values(ascending=False)
    words = []
    for group in ranked.index:
        text = _describe(str(group), row, recent_days=recent_days, history_days=history_days)
        if text:
            words.append(text)
        if len(words) == MAX_FACTORS:
            break
    if not words:
        # Nothing stands out against a typical retained customer: the risk is the base rate
        # of customers like this one, and recency is still the fact a person acts on.
        recency = _describe("recency", row, recent_days=recent_days, history_days=history_days)
        words.append(
            f"{recency}; typical for customers like this"
            if recency
            else "typical for customers like this"
        )
    return tuple(words)


def _n(value: float) -> int:
    return round(float(value))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _describe(group: str, row: pd.Series, *, recent_days: int, history_days: int) -> str:
    if group == "recency":
        since = _n(row["days_since_last"])
        gap = row["usual_gap"]
        if row["orders_total"] == 0:
            return f"no order in the last {history_days} days"
        if gap == gap and gap >= 2:
            return f"no order in {since} days, usually every {_n(gap)}"
        if gap == gap and gap > 0:
            return f"no order in {since} days, after a burst of orders within days"
        return f"no order in {since} days (one order in the last {history_days} days)"
    if group == "frequency":
        recent = _n(row["orders_recent"])
        expected = row["expected_recent"]
        if expected == expected and expected > row["orders_recent"]:
            return (
                f"{_plural(recent, 'order')} in the last {recent_days} days, "
                f"about {max(1, _n(expected))} expected at their earlier pace"
            )
        return f"{_plural(recent, 'order')} in the last {recent_days} days"
    if group == "support":
        month = _n(row["tickets_30"])
        unresolved = _n(row["unresolved"])
        total = _n(row["tickets_90"])
        if total == 0:
            return ""
        text = (
            f"{_plural(month, 'support ticket')} this month"
            if month
            else f"{_plural(total, 'support ticket')} in 90 days"
        )
        if unresolved:
            text += f", {unresolved} unresolved"
        satisfaction = row["avg_satisfaction"]
        if not math.isnan(satisfaction) and satisfaction <= 3:
            text += f", satisfaction {satisfaction:.1f}/5"
        return text
    if group == "usage":
        now = _n(row["sessions_30"])
        before = row["sessions_prev_60"] / 2.0
        since = row["days_since_session"]
        if math.isnan(since):
            return "no visit to the site in 90 days"
        if before > now:
            return f"{_plural(now, 'visit')} in the last 30 days, down from about {max(1, _n(before))} a month"
        if since > 14:
            return f"no visit in {_n(since)} days"
        return ""
    if group == "returns":
        count = _n(row["returns_90"])
        if count == 0:
            return ""
        return f"{_plural(count, 'return')} in 90 days (${row['refunds_90']:,.0f} refunded)"
    return ""
