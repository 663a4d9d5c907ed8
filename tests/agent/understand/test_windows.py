"""Date phrases → windows: DESIGN.md's rules, at month/year boundaries, leap years, Mon/Sun."""

from __future__ import annotations

from datetime import date

import pytest

from agent.domain import Intent, Window
from agent.understand.normalize import normalize
from agent.understand.windows import default_window, find_windows, resolve, shift_months

MONDAY = date(2025, 12, 15)
SUNDAY = date(2025, 12, 14)


def window(text: str, today: date) -> tuple[str, str] | None:
    mains = [m.window for m in find_windows(normalize(text), today) if m.role == "main"]
    assert len(mains) <= 1, mains
    w = mains[0] if mains else None
    return (w.start.isoformat(), w.end.isoformat()) if w else None


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("yesterday", MONDAY, ("2025-12-14", "2025-12-15")),
        ("yesterday", date(2026, 1, 1), ("2025-12-31", "2026-01-01")),
        ("yesterday", date(2024, 3, 1), ("2024-02-29", "2024-03-01")),  # leap day
        ("last 7 days", MONDAY, ("2025-12-08", "2025-12-15")),
        ("past 3 days", date(2025, 3, 2), ("2025-02-27", "2025-03-02")),
        ("last 2 weeks", MONDAY, ("2025-12-01", "2025-12-15")),
        ("last week", MONDAY, ("2025-12-08", "2025-12-15")),
        ("last week", SUNDAY, ("2025-12-01", "2025-12-08")),  # this week is not over
        ("last week", date(2026, 1, 3), ("2025-12-22", "2025-12-29")),
        ("last month", date(2026, 1, 10), ("2025-12-01", "2026-01-01")),
        ("last month", date(2024, 3, 31), ("2024-02-01", "2024-03-01")),
        ("last month", date(2023, 3, 31), ("2023-02-01", "2023-03-01")),
        ("this week", MONDAY, ("2025-12-08", "2025-12-15")),  # nothing complete: the last 7 days
        ("this week", SUNDAY, ("2025-12-08", "2025-12-14")),
        ("this month", date(2025, 12, 1), ("2025-11-01", "2025-12-01")),  # nothing complete
        ("this month", MONDAY, ("2025-12-01", "2025-12-15")),
        ("this year", date(2026, 1, 1), ("2026-01-01", "2026-01-02")),
        ("in October", MONDAY, ("2025-10-01", "2025-11-01")),
        ("in December", date(2025, 11, 20), ("2024-12-01", "2025-01-01")),  # not started yet
        ("in December", MONDAY, ("2025-12-01", "2025-12-15")),  # running: to date
        ("in February", date(2025, 2, 1), ("2025-02-01", "2025-02-02")),  # day one
        ("in February", date(2024, 6, 1), ("2024-02-01", "2024-03-01")),  # 29 days
        ("October 2023", MONDAY, ("2023-10-01", "2023-11-01")),
        ("between Nov 1 and Nov 15", MONDAY, ("2025-11-01", "2025-11-16")),
        ("from 11/1 to 11/15", MONDAY, ("2025-11-01", "2025-11-16")),
        ("Nov 1-15", MONDAY, ("2025-11-01", "2025-11-16")),
        ("between Dec 20 and Jan 5", date(2026, 1, 10), ("2025-12-20", "2026-01-06")),
        ("from 2024-02-28 to 2024-03-01", MONDAY, ("2024-02-28", "2024-03-02")),
        ("on Feb 29", date(2024, 3, 5), ("2024-02-29", "2024-03-01")),
        ("on Nov 3rd", MONDAY, ("2025-11-03", "2025-11-04")),
        ("on Dec 20", MONDAY, ("2024-12-20", "2024-12-21")),  # not yet this year
        ("since Nov 1", MONDAY, ("2025-11-01", "2025-12-15")),
        ("on Monday", MONDAY, ("2025-12-08", "2025-12-09")),  # today is Monday: a week ago
        ("on Sunday", MONDAY, ("2025-12-14", "2025-12-15")),
        ("on Sunday", SUNDAY, ("2025-12-07", "2025-12-08")),
        ("last weekend", MONDAY, ("2025-12-13", "2025-12-15")),
        ("last weekend", SUNDAY, ("2025-12-06", "2025-12-08")),
        ("black friday", MONDAY, ("2025-11-28", "2025-11-29")),
        ("black friday", date(2025, 11, 1), ("2024-11-29", "2024-11-30")),
        ("cyber monday", MONDAY, ("2025-12-01", "2025-12-02")),
        ("last quarter", MONDAY, ("2025-07-01", "2025-10-01")),
        ("last quarter", date(2025, 2, 1), ("2024-10-01", "2025-01-01")),
        ("Q4 2024", MONDAY, ("2024-10-01", "2025-01-01")),
        ("last 3 months", date(2025, 2, 10), ("2024-11-01", "2025-02-01")),
        ("in 2024", MONDAY, ("2024-01-01", "2025-01-01")),
        ("the week of Nov 12", MONDAY, ("2025-11-10", "2025-11-17")),
    ],
)
def test_phrase_to_window(text: str, today: date, expected: tuple[str, str]) -> None:
    assert window(text, today) == expected


@pytest.mark.parametrize(
    "text",
    ["launching tomorrow", "next week", "may I see it", "we sat down", "the march of sales"],
)
def test_future_and_ordinary_words_give_no_window(text: str) -> None:
    assert window(text, MONDAY) is None


def baseline(text: str, intent: Intent, today: date = MONDAY) -> tuple[str, str] | None:
    b = resolve(find_windows(normalize(text), today), intent, today).baseline
    return (b.start.isoformat(), b.end.isoformat()) if b else None


def test_explain_baseline_defaults_to_the_previous_period_as_the_business_means_it() -> None:
    assert baseline("last month", Intent.EXPLAIN) == ("2025-10-01", "2025-11-01")
    assert baseline("", Intent.EXPLAIN) == ("2025-12-01", "2025-12-08")


def test_named_baselines() -> None:
    # 364 days keeps the weekdays aligned.
    assert baseline("last week vs last year", Intent.EXPLAIN) == ("2024-12-09", "2024-12-16")
    assert baseline("this week vs last week", Intent.COMPARE, date(2025, 12, 17)) == (
        "2025-12-08",
        "2025-12-10",
    )
    assert baseline("last month compared to October", Intent.EXPLAIN) == (
        "2025-10-01",
        "2025-11-01",
    )
    assert baseline("yesterday vs the same day last week", Intent.EXPLAIN) == (
        "2025-12-07",
        "2025-12-08",
    )
    assert baseline("October to September", Intent.COMPARE) == ("2025-09-01", "2025-10-01")


def test_trends_have_no_baseline_unless_named_and_lookups_show_theirs() -> None:
    assert baseline("last month", Intent.TREND) is None
    for intent in (Intent.LOOKUP, Intent.BREAKDOWN):
        assert baseline("last month", intent) == ("2025-10-01", "2025-11-01")


def test_defaults_per_intent() -> None:
    days = {i: (w.days if (w := default_window(i, MONDAY)) else None) for i in Intent}
    assert days[Intent.EXPLAIN] == days[Intent.COMPARE] == days[Intent.DETECT] == 7
    assert days[Intent.LOOKUP] == 1
    assert days[Intent.TREND] == 30
    assert days[Intent.BREAKDOWN] == 7
    assert all(default_window(i, MONDAY).end == MONDAY for i in Intent if days[i])  # type: ignore[union-attr]


def test_shift_months_clamps_to_the_shorter_month() -> None:
    w = Window(start=date(2024, 3, 31), end=date(2024, 4, 1))
    moved = shift_months(w, -1)
    assert (moved.start, moved.end) == (date(2024, 2, 29), date(2024, 3, 1))


WEDNESDAY = date(2026, 3, 18)


@pytest.mark.parametrize(
    ("text", "intent", "today", "expected_window", "expected_baseline"),
    [
        # Month to date against the same days of the previous month, not all of it.
        ("revenue this month so far vs the same period last month", Intent.COMPARE, WEDNESDAY,
         ("2026-03-01", "2026-03-18"), ("2026-02-01", "2026-02-18")),
        ("revenue this month", Intent.LOOKUP, WEDNESDAY,
         ("2026-03-01", "2026-03-18"), ("2026-02-01", "2026-02-18")),
        # Thirty days of March against all 28 of February: never past February's end.
        ("revenue this month", Intent.LOOKUP, date(2026, 3, 31),
         ("2026-03-01", "2026-03-31"), ("2026-02-01", "2026-03-01")),
        # "Last N days" against the N days before: never the window itself.
        ("revenue last 7 days vs previous 7 days", Intent.COMPARE, WEDNESDAY,
         ("2026-03-11", "2026-03-18"), ("2026-03-04", "2026-03-11")),
        ("compare the last 7 days to the previous 7 days", Intent.COMPARE, WEDNESDAY,
         ("2026-03-11", "2026-03-18"), ("2026-03-04", "2026-03-11")),
        ("revenue last 30 days vs the last 30 days", Intent.COMPARE, WEDNESDAY,
         ("2026-02-16", "2026-03-18"), ("2026-01-17", "2026-02-16")),
        # Thirty days that happen to be April are still thirty days.
        ("revenue over the last 30 days", Intent.LOOKUP, date(2026, 5, 1),
         ("2026-04-01", "2026-05-01"), ("2026-03-02", "2026-04-01")),
        # "vs the previous K weeks": the K weeks before the window, never overlapping it.
        ("revenue last week vs the previous 4 weeks", Intent.COMPARE, WEDNESDAY,
         ("2026-03-09", "2026-03-16"), ("2026-02-09", "2026-03-09")),
        ("revenue this month vs the previous 3 months", Intent.COMPARE, WEDNESDAY,
         ("2026-03-01", "2026-03-18"), ("2025-12-01", "2026-03-01")),
        # Calendar months against the previous calendar month.
        ("revenue in October", Intent.LOOKUP, date(2026, 11, 23),
         ("2026-10-01", "2026-11-01"), ("2026-09-01", "2026-10-01")),
        ("revenue in October vs last month", Intent.COMPARE, date(2026, 11, 23),
         ("2026-10-01", "2026-11-01"), ("2026-09-01", "2026-10-01")),
        ("revenue last quarter", Intent.LOOKUP, WEDNESDAY,
         ("2025-10-01", "2026-01-01"), ("2025-07-01", "2025-10-01")),
        # A quarter to date against as many days (76) from the last quarter's first day.
        ("revenue this quarter", Intent.LOOKUP, WEDNESDAY,
         ("2026-01-01", "2026-03-18"), ("2025-10-01", "2025-12-16")),
        ("new customers quarter to date", Intent.LOOKUP, date(2026, 6, 1),
         ("2026-04-01", "2026-06-01"), ("2026-01-01", "2026-03-03")),
        ("revenue this year", Intent.LOOKUP, WEDNESDAY,
         ("2026-01-01", "2026-03-18"), ("2025-01-01", "2025-03-18")),
        # A year back: calendar months to calendar months, other periods 364 days (weekdays).
        ("revenue in October vs last year", Intent.COMPARE, date(2026, 11, 23),
         ("2026-10-01", "2026-11-01"), ("2025-10-01", "2025-11-01")),
        ("revenue vs last year", Intent.COMPARE, WEDNESDAY,
         ("2026-03-11", "2026-03-18"), ("2025-03-12", "2025-03-19")),
        # A day or a partial week against the same weekdays of the week before.
        ("revenue this week", Intent.LOOKUP, WEDNESDAY,
         ("2026-03-16", "2026-03-18"), ("2026-03-09", "2026-03-11")),
        ("anything unusual this week", Intent.DETECT, WEDNESDAY,
         ("2026-03-16", "2026-03-18"), ("2026-03-09", "2026-03-11")),
        ("anything unusual this week", Intent.DETECT, MONDAY,
         ("2025-12-08", "2025-12-15"), ("2025-12-01", "2025-12-08")),
        ("revenue yesterday", Intent.LOOKUP, WEDNESDAY,
         ("2026-03-17", "2026-03-18"), ("2026-03-10", "2026-03-11")),
        ("", Intent.LOOKUP, WEDNESDAY, ("2026-03-17", "2026-03-18"), ("2026-03-10", "2026-03-11")),
        ("revenue last weekend", Intent.LOOKUP, WEDNESDAY,
         ("2026-03-14", "2026-03-16"), ("2026-03-07", "2026-03-09")),
    ],
)  # fmt: skip
def test_comparison_periods_as_the_business_means_them(
    text: str,
    intent: Intent,
    today: date,
    expected_window: tuple[str, str],
    expected_baseline: tuple[str, str],
) -> None:
    resolved = resolve(find_windows(normalize(text), today), intent, today)
    assert resolved.window is not None and resolved.baseline is not None
    got = (resolved.window.start.isoformat(), resolved.window.end.isoformat())
    assert got == expected_window
    assert baseline(text, intent, today) == expected_baseline
    assert resolved.baseline.end <= resolved.window.start  # never the window itself


def test_shift_months_keeps_whole_months_whole() -> None:
    october = Window(start=date(2025, 10, 1), end=date(2025, 11, 1))
    moved = shift_months(october, -1)
    assert (moved.start, moved.end) == (date(2025, 9, 1), date(2025, 10, 1))
