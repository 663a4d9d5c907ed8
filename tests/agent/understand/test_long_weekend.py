"""The long weekend: the federal holiday's day off as observed (a Saturday holiday on the
Friday, a Sunday one on the Monday) with the weekend beside it, compared with the same days a
week earlier. Windows are [start, end), worked out by hand from a calendar."""

from __future__ import annotations

import pytest

from agent.domain import Intent
from agent.semantic import SemanticLayer
from tests.agent.understand.test_context_and_shorthand import on, span

CASES = [
    # July 4th 2026 is a Saturday, observed on Friday the 3rd.
    ("2026-07-07", "orders over the long weekend", ("2026-07-03", "2026-07-06"),
     ("2026-06-26", "2026-06-29")),
    # Labor Day 2026 is Monday September 7.
    ("2026-09-08", "revenue over the long wknd?", ("2026-09-05", "2026-09-08"),
     ("2026-08-29", "2026-09-01")),
    # July 4th 2027 is a Sunday, observed on Monday the 5th.
    ("2027-07-06", "sessions during the long weekend", ("2027-07-03", "2027-07-06"),
     ("2027-06-26", "2027-06-29")),
    # Thanksgiving 2026 is November 26: Thursday to Sunday.
    ("2026-11-30", "aov over the long weekend", ("2026-11-26", "2026-11-30"),
     ("2026-11-19", "2026-11-23")),
    # Named, and a year back: July 4th 2025 was a Friday.
    ("2026-07-07", "orders over the 4th of July weekend last year", ("2025-07-04", "2025-07-07"),
     ("2025-06-27", "2025-06-30")),
    ("2026-09-04", "toy units over Labor Day weekend last year", ("2025-08-30", "2025-09-02"),
     ("2025-08-23", "2025-08-26")),
]  # fmt: skip


@pytest.mark.parametrize(("today", "text", "window", "baseline"), CASES)
def test_the_long_weekend_is_the_holiday_s(
    layer: SemanticLayer,
    today: str,
    text: str,
    window: tuple[str, str],
    baseline: tuple[str, str],
) -> None:
    goal = on(layer, today, text)
    assert goal.intent is Intent.LOOKUP
    assert span(goal.window) == window and span(goal.baseline) == baseline


def test_last_years_long_weekend_in_a_thread_is_the_same_holiday_a_year_back(
    layer: SemanticLayer,
) -> None:
    first = on(layer, "2026-07-07", "revenue over the long weekend")
    goal = on(layer, "2026-07-07", "and vs last yr's long weekend?", context=first)
    assert span(goal.window) == ("2026-07-03", "2026-07-06")
    assert span(goal.baseline) == ("2025-07-04", "2025-07-07")


def test_no_long_weekend_lately_is_no_window(layer: SemanticLayer) -> None:
    # Mid-August: the last long weekend (July 4th) was over a month ago, Labor Day ahead.
    goal = on(layer, "2026-08-20", "why did orders dip? ops blames the long weekend")
    assert span(goal.window) == ("2026-08-13", "2026-08-20")  # the default: the last 7 days
