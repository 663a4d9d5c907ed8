"""US retail holidays: the days whose surge or dip is expected, not anomalous."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def thanksgiving(year: int) -> date:
    """The fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def us_retail_holidays(years: Iterable[int]) -> dict[date, str]:
    """Named holiday days for the given years (names repeat each year, for same-holiday lookups)."""
    out: dict[date, str] = {}
    for year in years:
        tg = thanksgiving(year)
        # The surge around Black Friday: a build-up over Thanksgiving week and a tail after
        # Cyber Monday. Named by offset so last year's same day can be found.
        for offset in (*range(-7, -1), *range(4, 8)):
            out[tg + timedelta(days=1 + offset)] = f"black_friday{offset:+d}"
        out[tg] = "thanksgiving"
        out[tg + timedelta(days=1)] = "black_friday"
        out[tg + timedelta(days=2)] = "black_friday_saturday"
        out[tg + timedelta(days=3)] = "black_friday_sunday"
        out[tg + timedelta(days=4)] = "cyber_monday"
        out[date(year, 12, 24)] = "christmas_eve"
        out[date(year, 12, 25)] = "christmas"
        out[date(year, 12, 31)] = "new_years_eve"
        out[date(year, 1, 1)] = "new_years_day"
    return out


def is_core_holiday(name: str) -> bool:
    """The holidays themselves, as opposed to the days of the surge around Black Friday."""
    return not name.startswith("black_friday") or name in (
        "black_friday",
        "black_friday_saturday",
        "black_friday_sunday",
    )


def holiday_label(name: str) -> str:
    """A holiday key as people write it: 'black_friday' → 'Black Friday', 'black_friday-3'
    → 'Black Friday week'."""
    if name.startswith("black_friday") and name[len("black_friday") :][:1] in ("+", "-"):
        return "Black Friday week"
    special = {
        "black_friday_saturday": "Black Friday weekend",
        "black_friday_sunday": "Black Friday weekend",
    }
    return special.get(name, name.replace("_", " ").title())


def holiday_within(start: date, days: int) -> str | None:
    """The first retail holiday (as people write it) among `days` days from `start`."""
    holidays = us_retail_holidays({start.year, (start + timedelta(days=days)).year})
    for offset in range(max(days, 1)):
        name = holidays.get(start + timedelta(days=offset))
        if name is not None:
            return holiday_label(name)
    return None
