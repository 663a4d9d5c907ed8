"""Retail calendar: trend, the US Black Friday / Cyber Monday surge and the holiday season.

Everything is computed from the calendar, so any year works: Thanksgiving is the fourth
Thursday of November, Black Friday the day after, Cyber Monday the Monday after that.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from agent.demo_data import world

# Traffic multiplier by days from Black Friday: a build-up over Thanksgiving week, the
# Friday peak, a strong weekend, Cyber Monday, then an elevated tail.
_SURGE = {
    -7: 1.06, -6: 1.10, -5: 1.14, -4: 1.20, -3: 1.28, -2: 1.36, -1: 1.45,
    0: 2.60, 1: 1.90, 2: 1.80, 3: 2.40, 4: 1.55, 5: 1.40, 6: 1.30, 7: 1.22,
}  # fmt: skip
_TREND_PER_YEAR = 0.12


def thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def black_friday(year: int) -> date:
    """The day after Thanksgiving."""
    return thanksgiving(year) + timedelta(days=1)


def cyber_monday(year: int) -> date:
    """The Monday after Black Friday."""
    return thanksgiving(year) + timedelta(days=4)


def holiday_multiplier(day: date) -> float:
    """Traffic multiplier for `day` from Black Friday week and the December season."""
    offset = (day - black_friday(day.year)).days
    if offset in _SURGE:
        return _SURGE[offset]
    if day.month == 12:
        if day.day <= 22:
            return 1.15
        if day.day == 25:
            return 0.70
        return 1.05 if day.day <= 24 else 0.95
    return 1.0


def in_holiday_season(day: date) -> bool:
    """From a week before Black Friday to Christmas Eve: toys and electronics sell more."""
    start = black_friday(day.year) - timedelta(days=7)
    return start <= day <= date(day.year, 12, 24)


def is_deal_day(day: date) -> bool:
    """Black Friday through Cyber Monday, when discounts are deep."""
    return 0 <= (day - black_friday(day.year)).days <= 3


def day_dates(today: date, days: int) -> list[date]:
    """The covered dates, oldest first: [today - days, today)."""
    return [today - timedelta(days=days - i) for i in range(days)]


def traffic(dates: list[date], today: date) -> np.ndarray:
    """Expected sessions per (day, device) at scale 1, before Poisson noise."""
    norm = (world.DEVICE_BASE[:, None] * world.DEVICE_DOW).sum() / 7
    rows = []
    for day in dates:
        trend = 1 + _TREND_PER_YEAR * (day - today).days / 365
        level = world.SESSIONS_PER_DAY * trend * holiday_multiplier(day)
        rows.append(level * world.DEVICE_BASE * world.DEVICE_DOW[:, day.weekday()] / norm)
    return np.array(rows)


def category_mix(dates: list[date]) -> np.ndarray:
    """Category shares per day (landing pages and basket lines), shape (days, 6)."""
    lift = np.array([1.15, 1.0, 1.0, 1.0, 1.0, 1.3])
    rows = []
    for day in dates:
        weights = world.CATEGORY_SHARE * (lift if in_holiday_season(day) else 1.0)
        rows.append(weights / weights.sum())
    return np.array(rows)
