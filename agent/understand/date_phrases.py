"""Date phrases people write, as regular expressions with a builder each.

Each rule turns a match into a Window (or, for a named baseline such as "vs last year",
a function of the main window) and says which period that window is naturally compared with.
windows.py finds them in text and decides their roles.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from agent.domain import ALL_TIME, ALL_TIME_START, Window

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90,
    "couple": 2, "few": 3,
}  # fmt: skip

# Months that are also ordinary words need a preposition, a day or a year around them.
_AMBIGUOUS_MONTHS = {"may", "mar", "march", "jun", "sat", "sun", "dec", "sep"}

_MON = "(?P<{0}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_WD = "(?P<wd>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + ")"
_NUM = "(?P<n>\\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_DAY = r"(?P<{0}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{0}>(?:19|20)\d\d)"


def _date_rx(tag: str, *, bare_day: bool = False) -> str:
    """A calendar date: 'nov 1', 'nov 1st 2025', '1 nov', '2025-11-01', '11/1', '11/1/25'."""
    m, d, y = f"{tag}m", f"{tag}d", f"{tag}y"
    forms = [
        rf"(?P<{tag}iso>\d{{4}}-\d{{1,2}}-\d{{1,2}})",
        rf"(?P<{tag}us>\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)",
        _MON.format(m) + " (?:the )?" + _DAY.format(d) + f"(?: {_YEAR.format(y)})?",
        _DAY.format(d + "x")
        + " (?:of )?"
        + _MON.format(m + "x")
        + f"(?: {_YEAR.format(y + 'x')})?",
    ]
    if bare_day:
        forms.append(_DAY.format(d + "b"))
    return "(?:" + "|".join(forms) + ")"


# Month and weekday names, plain, for a lookahead ("vs last October" names its period).
_CALENDAR_NAMES = "|".join(sorted([*MONTHS, *WEEKDAYS], key=len, reverse=True))

COMPARE_WORDS = (
    r"(?:vs|versus|v|compared to|compared with|compare to|compare with|against|than|relative to|"
    r"ahead of|behind|(?:in )?comparison (?:to|with))"
)
# Verbs that hold one period against another ("did October beat last October?").
_BEAT_WORDS = r"(?:beat|beats|outperform(?:ed|s)?|exceed(?:ed|s)?|surpass(?:ed|es)?)"


Relative = Callable[[Window], Window]


@dataclass(frozen=True, kw_only=True)
class _Rule:
    pattern: re.Pattern[str]
    build: Callable[[re.Match[str], date], Window | None]
    # As a baseline, the phrase names a period relative to the main window ("vs last year").
    relative: Callable[[re.Match[str], date], Relative | None] | None = None
    # What the built window is compared with when the text names no baseline; None: by shape.
    before: Callable[[re.Match[str], Window], Window] | None = None
    future: bool = False
    # Future only on some days: "this Friday" on a Monday is ahead, on a Saturday it is over.
    future_if: Callable[[re.Match[str], date], bool] | None = None
    # A period named only relative to another ("the week before"): in a thread it can move
    # the window back rather than set a baseline.
    shift: bool = False
    # The main window the phrase implies when the text names none ("revenue QoQ").
    implies: Callable[[re.Match[str], date], Window | None] | None = None


def _w(start: date, end: date, label: str) -> Window:
    return Window(start=start, end=end, label=label)


def month_start(year: int, month: int) -> date:
    """First day of a month, with months beyond 12 or below 1 rolled into the right year."""
    year += (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def to_date_window(start: date, today: date, label: str) -> Window:
    """[start, today), or today so far when no complete day has passed since start."""
    if start >= today:
        return _w(today, today + timedelta(days=1), f"{label} (today so far)")
    return _w(start, today, label)


def last_days(n: int, today: date) -> Window:
    """The n complete days before today."""
    return _w(today - timedelta(days=n), today, f"last {n} days")


def calendar_month(year: int, month: int, today: date, label: str) -> Window:
    """A whole month, cut at today when it is the current month."""
    start, end = month_start(year, month), month_start(year, month + 1)
    return to_date_window(start, today, label) if end > today else _w(start, end, label)


def shift_months(window: Window, months: int) -> Window:
    """The same calendar days `months` away: whole months stay whole months ("October" →
    "September"); other days keep their day of the month, clamped to that month's length
    (Mar 1–30 → Feb 1–28), so the result never runs past the month it lands in."""
    label = f"{abs(months)} month(s) earlier"
    if window.start.day == 1 and window.end.day == 1:
        return _w(
            month_start(window.start.year, window.start.month + months),
            month_start(window.end.year, window.end.month + months),
            label,
        )
    last = add_months(window.end - timedelta(days=1), months)
    return _w(add_months(window.start, months), last + timedelta(days=1), label)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` away, clamped to that month's length."""
    first = month_start(day.year, day.month + months)
    last_day = (month_start(first.year, first.month + 1) - timedelta(days=1)).day
    return first.replace(day=min(day.day, last_day))


def same_weekdays_before(window: Window) -> Window:
    """The same weekdays one week earlier: a Tuesday against a Tuesday, Mon–Tue against Mon–Tue."""
    return window.shifted(-7, label="the same days a week earlier")


def whole_months(window: Window) -> int:
    """How many calendar months the window spans exactly, or 0 when it is not whole months."""
    if window.start.day != 1 or window.end.day != 1:
        return 0
    return (window.end.year - window.start.year) * 12 + window.end.month - window.start.month


def comparison_period(window: Window) -> Window:
    """The period a window is compared with when nothing says otherwise, judged by its shape:
    a day against the same weekday a week before (weekdays differ more than weeks do), whole
    calendar months against the months before them, anything else against the equal period
    that ends where it starts."""
    if window.days == 1:
        return same_weekdays_before(window)
    if months := whole_months(window):
        return shift_months(window, -months)
    return window.previous()


def periods_before(window: Window, n: int, unit: str) -> Window:
    """The n days, weeks, months or years just before the window ("vs the previous 4 weeks")."""
    if unit == "month":
        return _w(add_months(window.start, -n), window.start, f"the {n} months before")
    days = {"day": 1, "week": 7, "year": 365}[unit] * n
    return _w(window.start - timedelta(days=days), window.start, f"the {n} {unit}s before")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def _pick_year(month: int, day: int, today: date, year: str | None) -> date | None:
    """A date without a year is this year's, or last year's if it has not come yet."""
    try:
        if year:
            return date(int(year), month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate < today else date(today.year - 1, month, day)
    except ValueError:
        return None


def _parse_date(m: re.Match[str], tag: str, today: date, like: date | None = None) -> date | None:
    g = m.groupdict()
    if g.get(f"{tag}iso"):
        try:
            return date.fromisoformat("-".join(p.zfill(2) for p in g[f"{tag}iso"].split("-")))
        except ValueError:
            return None
    if g.get(f"{tag}us"):
        parts = [int(p) for p in g[f"{tag}us"].split("/")]
        if parts[0] > 12 >= parts[1]:
            parts[0], parts[1] = parts[1], parts[0]  # "14/07": written day first
        year = str(parts[2] + (2000 if parts[2] < 100 else 0)) if len(parts) == 3 else None
        return _pick_year(parts[0], parts[1], today, year)
    for suffix in ("", "x"):
        if g.get(f"{tag}m{suffix}"):
            return _pick_year(
                MONTHS[g[f"{tag}m{suffix}"]], int(g[f"{tag}d{suffix}"]), today, g[f"{tag}y{suffix}"]
            )
    if g.get(f"{tag}db") and like is not None:
        try:
            return like.replace(day=int(g[f"{tag}db"]))
        except ValueError:
            return None
    return None


def _range(m: re.Match[str], today: date) -> Window | None:
    first = _parse_date(m, "a", today)
    last = _parse_date(m, "b", today, like=first) if first else None
    if first is not None and m["aus"] and m["bus"] and int(m["aus"].split("/")[0]) > 12:
        # "between 30/3 and 12/4": a range written day first is day first at both ends.
        day, month = (int(p) for p in m["bus"].split("/")[:2])
        last = _pick_year(month, day, today, None) if month <= 12 else None
    if first is None or last is None:
        return None
    if last < first and not m.group("by") and not m.group("biso"):
        last = last.replace(year=first.year + 1) if last.month < first.month else last
    if last < first:
        return None
    return _w(first, min(last + timedelta(days=1), max(today, first + timedelta(days=1))), "range")


def _ordinal_days(m: re.Match[str], today: date) -> Window | None:
    """The days from one ordinal to another of this month (or last month, when said)."""
    first_of = month_start(today.year, today.month - (1 if m["which"] == "last" else 0))
    first, last = int(m["oa"]), int(m["ob"])
    try:
        start, end = first_of.replace(day=first), first_of.replace(day=last)
    except ValueError:
        return None
    if end < start or start >= today:
        return None
    return _w(start, min(end + timedelta(days=1), today), f"{start:%b %-d}\u2013{end:%b %-d}")


def _single(m: re.Match[str], today: date) -> Window | None:
    day = _parse_date(m, "a", today)
    if day is not None and m["dly"]:
        # "the 14th of March last year": that date in the year before this one.
        try:
            day = day.replace(year=today.year - 1)
        except ValueError:
            return None  # the 29th of February of a year without one
    return (
        _w(day, day + timedelta(days=1), f"{day:%b %-d %Y}" if m["dly"] else f"{day:%b %-d}")
        if day
        else None
    )


def _dated_weekday(m: re.Match[str], today: date) -> Window | None:
    """'Sunday 21 June', '(Sunday 21)': the date a weekday is written with. A bare day of the
    month is the latest past one that falls on that weekday (within a year)."""
    day = _parse_date(m, "a", today)
    if day is None and m.group("wdd"):
        n, weekday = int(m.group("wdd")), WEEKDAYS[m.group("wd")]
        for back in range(13):
            first = month_start(today.year, today.month - back)
            try:
                candidate = first.replace(day=n)
            except ValueError:
                continue
            if candidate < today and candidate.weekday() == weekday:
                day = candidate
                break
    return _w(day, day + timedelta(days=1), f"{day:%a %b %-d}") if day else None


def _days_of_month(m: re.Match[str], today: date) -> Window | None:
    """'from 13 to 16 of November', '13-16 June': days of a month named after them."""
    first, last = int(m.group("ra")), int(m.group("rb"))
    if not 1 <= first < last:
        return None
    start = _pick_year(MONTHS[m.group("rm")], first, today, m.group("ry"))
    if start is None or start >= today:
        return None
    try:
        end = start.replace(day=last) + timedelta(days=1)
    except ValueError:
        return None
    return _w(start, min(end, today), f"{start:%b %-d}\u2013{end - timedelta(days=1):%b %-d}")


def _since(m: re.Match[str], today: date) -> Window | None:
    day = _parse_date(m, "a", today)
    g = m.groupdict()
    if day is None and g.get("wd"):
        found = _weekday(m, today)
        day = found.start if found else None
    if day is None and g.get("sd"):
        day = _latest_day_of_month(int(g["sd"]), today)
    if day is None and g.get("sm"):
        month = MONTHS[g["sm"]]
        day = month_start(int(g["sy"]), month) if g.get("sy") else _latest_month_start(month, today)
    if day is None and (g.get("su") or g.get("su2")):
        # "since the beginning of the month": this month (week, …) so far.
        return _this_unit(g.get("su") or g["su2"], today)
    if day is None and g.get("sq"):
        # "since the start of Q3": the latest Q3 that has begun, to today.
        start = month_start(today.year, 3 * int(g["sq"]) - 2)
        day = start if start <= today else month_start(today.year - 1, start.month)
    return to_date_window(day, today, "since") if day else None


def _ordinal_span(m: re.Match[str], today: date) -> Window | None:
    """'the 27th to the 31st': those days of the latest month in which both are over."""
    first_day, last_day = int(m["od1"]), int(m["od2"])
    if not 1 <= first_day <= last_day <= 31:
        return None
    for months_back in (0, 1, 2):
        month = add_months(today.replace(day=1), -months_back)
        try:
            start, end = month.replace(day=first_day), month.replace(day=last_day)
        except ValueError:
            continue
        if end < today:
            return _w(start, end + timedelta(days=1), f"the {m['od1']} to the {m['od2']}")
    return None


def _latest_day_of_month(day: int, today: date) -> date | None:
    """'since the 1st': that day of this month, or of the latest month before that has it."""
    for months_back in (0, 1, 2):
        first = add_months(today.replace(day=1), -months_back)
        try:
            candidate = first.replace(day=day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


_PAIRED_BY = r"(?:vs|versus|v|against|and|or|compared (?:to|with))"
_PAIRED_AFTER = re.compile(rf" {_PAIRED_BY} {_MON.format('pm')}\b")
_PAIRED_BEFORE = re.compile(rf"\b{_MON.format('pm')} {_PAIRED_BY} $")


def _paired(m: re.Match[str]) -> bool:
    """'March vs February', 'Jan and May': a month beside another is a month, whatever else
    the word can mean (never 'may or may')."""
    after = _PAIRED_AFTER.match(m.string, m.end())
    before = _PAIRED_BEFORE.search(m.string, 0, m.start())
    other = after or before
    return other is not None and other.group("pm") != m.group("mm")


def _month(m: re.Match[str], today: date) -> Window | None:
    name, year = m.group("mm"), m.group("my")
    if name in _AMBIGUOUS_MONTHS and not (m.group("prep") or year or _paired(m) or _opens(m)):
        return None
    month = MONTHS[name]
    if year:
        y = int(year)
    elif m.group("mly"):
        y = today.year - 1  # "November last year"
    else:
        y = _latest_month_start(month, today).year
    return calendar_month(y, month, today, f"{name.title()} {y}")


# The words after "may" or "march" that make it the verb: "may I ask", "march on".
_VERB_NEXT = {
    "may": frozenset(
        [
            "i",
            "we",
            "you",
            "be",
            "have",
            "need",
            "not",
            "also",
            "want",
            "get",
            "see",
            "ask",
            "it",
            "this",
            "that",
            "he",
            "she",
            "they",
        ]
    ),
    "march": frozenset(
        ["to", "on", "into", "through", "in", "forward", "past", "up", "down", "out", "over"]
    ),
}


def _opens(m: re.Match[str]) -> bool:
    """'March AOV to the cent?': a month that opens the message, unless a verb's word follows."""
    if m.start() != 0:
        return False
    following = m.string[m.end() :].split()[:1]
    return bool(following) and following[0] not in _VERB_NEXT.get(m.group("mm"), frozenset())


# Weekday abbreviations that are also everyday words.
_WORDS_TOO = frozenset({"sat", "sun", "wed"})


def _closes_terse(m: re.Match[str]) -> bool:
    """'FL vs NC cvr sat': the last word of a message of a few words is its day."""
    return m.end() == len(m.string.rstrip()) and len(m.string.split()) <= 6


def _weekday(m: re.Match[str], today: date) -> Window | None:
    word = m.group("wd")
    if word in _WORDS_TOO and m.group(0) == word and not m["only"] and not _closes_terse(m):
        return None  # "sat", "wed", "sun" alone are ordinary words ("sat only" is a day)
    back = (today.weekday() - WEEKDAYS[m.group("wd")]) % 7 or 7
    day = today - timedelta(days=back)
    return _w(day, day + timedelta(days=1), f"{day:%A}")


# "compare orders Friday to Sunday": two periods set against each other, not one span.
_COMPARED_BEFORE = re.compile(rf"\b(?:compare|compared|comparing|{COMPARE_WORDS})(?: \S+){{0,3}}$")


def _deadline_ahead(m: re.Match[str], today: date) -> bool:
    """Whether a deadline's day ("closes on Tuesday", "due on 31st March") is still ahead."""
    if m["wd"]:
        return True
    day = _parse_date(m, "a", today)
    # "6/30/26" names its year; "6/30" does not.
    named_year = (
        any(m.groupdict().get(g) for g in ("ay", "ayx")) or (m["aus"] or "").count("/") == 2
    )
    return day is not None and not named_year and day.year < today.year


def _weekday_span(m: re.Match[str], today: date) -> Window | None:
    """'Sat through Mon', 'Friday to Sunday': the latest such run of days that is over, or this
    week's run so far when it ends today. Not 'compare Friday to Sunday' (two days)."""
    before = m.string[: m.start()]
    if m["sep"] == "to" and _COMPARED_BEFORE.search(before.rstrip()):
        return None
    if re.search(r"\b(?:week|weekend)(?: so far| to date)? $", before):
        # "the week so far, Monday to Thursday", "last year's long weekend, sat thru mon": the
        # period named, its days spelled out.
        return None
    first, last = WEEKDAYS[m["wf"]], WEEKDAYS[m["wl"]]
    length = (last - first) % 7
    if length == 0:
        return None
    end = today - timedelta(days=(today.weekday() - last) % 7)
    start = end - timedelta(days=length)
    label = f"{start:%a} to {end:%a}"
    if end == today:
        return to_date_window(start, today, label)  # "Monday thru Wednesday" on a Wednesday
    return _w(start, end + timedelta(days=1), label)


def _weekday_back(m: re.Match[str], today: date) -> Window | None:
    if m.group(0).endswith("ago") != bool(m.group("n")):
        return None  # "the Tuesdays ago", "two Tuesday before last": not the phrase
    nth = _number(m.group("n")) if m.group("n") else 2
    if not 1 <= nth <= 52:
        return None
    back = ((today.weekday() - WEEKDAYS[m.group("wd")]) % 7 or 7) + 7 * (nth - 1)
    day = today - timedelta(days=back)
    return _w(day, day + timedelta(days=1), f"{day:%A %b %-d}")


def _weeks_ago(m: re.Match[str], today: date) -> Window | None:
    n = _number(m.group("n"))
    if not 1 <= n <= 52:
        return None
    monday = today - timedelta(days=today.weekday() + 7 * n)
    return _w(monday, monday + timedelta(days=7), f"{n} weeks ago")


def _same_kind_before(w: Window) -> Window:
    """'this year vs last': a year (or year to date) against the year before, a month
    against the month before, anything else against the period just before it."""
    if w.start.month == 1 and w.start.day == 1:
        return shift_months(w, -12)
    if w.start.day == 1 and whole_months(w):
        return shift_months(w, -1)
    return comparison_period(w)


def _this_weekday(m: re.Match[str], today: date) -> Window:
    day = today - timedelta(days=today.weekday() - WEEKDAYS[m.group("wd")])
    return _w(day, day + timedelta(days=1), f"{day:%A}")


def _previous_week(today: date) -> Window:
    monday = today - timedelta(days=today.weekday() + 7)
    return _w(monday, monday + timedelta(days=7), "last week")


def _previous_month(today: date) -> Window:
    start = month_start(today.year, today.month - 1)
    return _w(start, month_start(today.year, today.month), "last month")


def _previous_quarter(today: date) -> Window:
    q_start = month_start(today.year, (today.month - 1) // 3 * 3 + 1)
    start = month_start(q_start.year, q_start.month - 3)
    return _w(start, q_start, "last quarter")


_UNIT_MONTHS = {"month": 1, "mtd": 1, "quarter": 3, "qtd": 3, "year": 12, "ytd": 12}


# Shorthand people type for a unit of time ("last wk", "this mo", "past qtr").
_UNIT_SHORT = {
    "wk": "week", "mo": "month", "mth": "month", "yr": "year", "qtr": "quarter",
    "d": "day", "w": "week",
}  # fmt: skip
_UNIT_WORD = r"week|wk|month|mo|mth|year|yr|quarter|qtr"


def _unit(m: re.Match[str], group: str = "unit") -> str:
    unit = m.group(group)
    return _UNIT_SHORT.get(unit, unit)


def _last_n(m: re.Match[str], today: date) -> Window | None:
    n = _number(m.group("n"))
    unit = _unit(m)
    if n <= 0 or n > 3650:
        return None
    if unit == "month":
        start = month_start(today.year, today.month - n)
        return _w(start, month_start(today.year, today.month), f"last {n} months")
    days = {"day": 1, "week": 7, "year": 365}[unit] * n
    return last_days(days, today)


def _trailing(m: re.Match[str]) -> bool:
    """ "The past month", "over the last year": a span reaching up to today, not the calendar
    period before this one ("last month" alone is October on any November day). "The revenue
    of the last week", "from the last week", as German and Romance speakers write it, is the
    calendar week."""
    if m.group("w") == "past":
        return True
    said_of = "prep" in m.groupdict() and m.group("prep") in ("of ", "from ", "for ")
    return m.group("w") == "last" and m.group("the") is not None and not said_of


def _last_unit(m: re.Match[str], today: date) -> Window | None:
    unit = _unit(m)
    if _trailing(m) and unit in ("week", "month", "year"):
        return last_days({"week": 7, "month": 30, "year": 365}[unit], today)
    if unit == "week":
        return _previous_week(today)
    if unit == "month":
        return _previous_month(today)
    if unit == "quarter":
        return _previous_quarter(today)
    if unit == "weekend":
        return _weekend(today)
    return _w(date(today.year - 1, 1, 1), date(today.year, 1, 1), "last year")


def _rel_last_quarter(today: date) -> Relative:
    """As a baseline ("QTD vs last quarter"): a quarter to date against as many days of the
    one before, as "this quarter" alone is; any other window against the last whole quarter."""

    def before(window: Window) -> Window:
        to_date = window.start.day == 1 and (window.start.month - 1) % 3 == 0
        if to_date and whole_months(window) != 3 and window.days < 92:
            return _quarter_before(window)
        return _previous_quarter(today)

    return before


def _last_n_before(m: re.Match[str], window: Window) -> Window:
    # "Last 30 days" that happen to start on the 1st are still 30 days, not a month.
    n = _number(m.group("n"))
    return shift_months(window, -n) if _unit(m) == "month" else window.previous()


def _rel_last_n(m: re.Match[str], today: date) -> Relative | None:
    """As a baseline, "the previous 4 weeks" are the 4 weeks before the main window."""
    n = _number(m.group("n"))
    if n <= 0 or n > 3650:
        return None
    unit = _unit(m)
    return lambda w: periods_before(w, n, unit)


def _last_unit_before(m: re.Match[str], window: Window) -> Window:
    unit = _unit(m)
    if unit == "weekend":
        return same_weekdays_before(window)
    if (_trailing(m) and unit != "quarter") or unit == "week":
        return window.previous()  # "the past month" is 30 days, whatever month they fall in
    return shift_months(window, -_UNIT_MONTHS[unit])


def _weekend(today: date) -> Window:
    """The most recent Saturday–Sunday that is over."""
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    if saturday + timedelta(days=2) > today:
        saturday -= timedelta(days=7)
    return _w(saturday, saturday + timedelta(days=2), "last weekend")


def _this_weekend(today: date) -> Window:
    """On a Saturday or Sunday, the weekend so far; otherwise the one just past."""
    if today.weekday() >= 5:
        saturday = today - timedelta(days=today.weekday() - 5)
        return to_date_window(saturday, today, "this weekend")
    return _weekend(today)


def _week_of(m: re.Match[str], today: date) -> Window | None:
    day = _parse_date(m, "a", today)
    if day is None:
        return None
    monday = day - timedelta(days=day.weekday())
    return _w(monday, monday + timedelta(days=7), "week of")


def _this_unit_name(m: re.Match[str]) -> str:
    unit = m.group("unit") or m.group("unit2") or m.group("unit3") or m.group("unit4") or m["unit5"]
    return _UNIT_SHORT.get(unit, unit)


def _this_unit(unit: str, today: date) -> Window:
    # On the first day of a week or month nothing is complete yet, and the warehouse holds
    # data up to yesterday: people asking about "this week" on a Monday mean the recent days.
    if unit in ("week", "wtd"):
        if today.weekday() == 0:
            return _w(today - timedelta(days=7), today, "the last 7 days")
        return to_date_window(today - timedelta(days=today.weekday()), today, "this week")
    if unit in ("month", "mtd"):
        if today.day == 1:
            last_month = (today - timedelta(days=1)).replace(day=1)
            return _w(last_month, today, "last month")
        return to_date_window(today.replace(day=1), today, "this month")
    if unit in ("quarter", "qtd"):
        start = month_start(today.year, (today.month - 1) // 3 * 3 + 1)
        if start == today:
            return _previous_quarter(today)
        return to_date_window(start, today, "QTD")
    return to_date_window(date(today.year, 1, 1), today, "this year")


def _this_unit_before(m: re.Match[str], window: Window) -> Window:
    """A period to date against the same days of the period before: month-to-date against the
    same days of last month, a partial week against the same weekdays of last week."""
    unit = _this_unit_name(m)
    if unit in ("week", "wtd"):
        return same_weekdays_before(window)
    if unit in ("quarter", "qtd"):
        return _quarter_before(window)
    return shift_months(window, -_UNIT_MONTHS[unit])


def _quarter_before(window: Window) -> Window:
    """A whole quarter against the one before; a quarter to date against as many days from
    the previous quarter's first day ("the same stretch of Q1"): quarters differ by up to three
    days, so the same dates would compare Apr 1-May 31 (61 days) with Jan 1-Mar 1 (59)."""
    if whole_months(window) == 3:
        return shift_months(window, -3)
    start = add_months(window.start, -3)
    return _w(start, start + timedelta(days=window.days), "the same days of last quarter")


def _quarter(m: re.Match[str], today: date) -> Window | None:
    q = int(m.group("q"))
    year = int(m.group("qy")) if m.group("qy") else today.year
    start = month_start(year, (q - 1) * 3 + 1)
    if not m.group("qy") and start > today:
        year -= 1
        start = month_start(year, (q - 1) * 3 + 1)
    end = month_start(start.year, start.month + 3)
    return to_date_window(start, today, f"Q{q} {year}") if end > today else _w(start, end, f"Q{q}")


def _latest_month_start(month: int, today: date) -> date:
    """The first day of the latest such month that has begun: this year's, else last year's."""
    start = month_start(today.year, month)
    return start if start <= today else month_start(today.year - 1, month)


def _end_day_of(m: re.Match[str], today: date) -> Window | None:
    """The first or last day of a quarter, a month or the last month or quarter."""
    if m.group("q"):
        start = _latest_month_start((int(m.group("q")) - 1) * 3 + 1, today)
        period = _w(start, month_start(start.year, start.month + 3), f"Q{m.group('q')}")
    elif m.group("mm"):
        start = _latest_month_start(MONTHS[m.group("mm")], today)
        period = _w(start, month_start(start.year, start.month + 1), m.group("mm").title())
    elif m.group("unit") == "month":
        period = _previous_month(today)
    else:
        period = _previous_quarter(today)
    day = period.start if m.group("end") in ("first", "1st") else period.end - timedelta(days=1)
    if day >= today:
        return None
    return _w(day, day + timedelta(days=1), f"{m.group('end')} day of {period.label}")


def _last_half(m: re.Match[str], today: date) -> Window:
    """'the last semester' (le semestre dernier): the latest complete half-year."""
    start = month_start(today.year, 1 if today.month >= 7 else -5)
    return _w(
        start, month_start(start.year, start.month + 6), f"H{1 + start.month // 7} {start.year}"
    )


def _half_before(window: Window) -> Window:
    """The whole half-year before, even when the window is a half cut at today."""
    start = month_start(window.start.year, window.start.month - 6)
    return _w(start, window.start, f"H{1 + start.month // 7} {start.year}")


def _month_before(m: re.Match[str], window: Window) -> Window:
    """A named month against the whole month before, even when it is the current month cut
    at today; 'June so far' is month to date, against the same days of May."""
    if _SO_FAR.match(m.string, m.end()):
        return shift_months(window, -1)
    return _w(
        month_start(window.start.year, window.start.month - 1), window.start, "the month before"
    )


def _named_quarter_before(m: re.Match[str], window: Window) -> Window:
    """A named quarter against the whole quarter before, even when it is the current quarter
    cut at today (as a named month is); "Q4 so far" is quarter to date, against as many days."""
    if _SO_FAR.match(m.string, m.end()):
        return _quarter_before(window)
    start = add_months(window.start, -3)
    return _w(start, window.start, f"Q{1 + (start.month - 1) // 3} {start.year}")


def _named_year_before(m: re.Match[str], window: Window) -> Window:
    """A named year against the whole year before, even when it is this year cut at today;
    "2026 so far" is the year to date, against the same dates a year before."""
    if _SO_FAR.match(m.string, m.end()):
        return shift_months(window, -12)
    start = date(window.start.year - 1, 1, 1)
    return _w(start, date(start.year + 1, 1, 1), str(start.year))


_SO_FAR = re.compile(r" (?:so far|to date|mtd|until now|till now|up to now)\b")


def _last_years_quarter(q: int, today: date) -> Window:
    start = month_start(today.year - 1, (q - 1) * 3 + 1)
    return _w(start, month_start(start.year, start.month + 3), f"Q{q} {start.year}")


def _half_year(m: re.Match[str], today: date) -> Window | None:
    g = m.groupdict()
    first_month = 1 if g.get("h") == "h1" or g.get("hs") in ("first", "1st") else 7
    if g.get("hy"):
        year = int(g["hy"])
    else:
        year = today.year - (1 if g.get("hly") else 0)
        if month_start(year, first_month) > today:
            year -= 1
    start = month_start(year, first_month)
    end = month_start(year, first_month + 6) if first_month == 1 else date(year + 1, 1, 1)
    label = f"H{1 if first_month == 1 else 2} {year}"
    return to_date_window(start, today, label) if end > today else _w(start, end, label)


# What a number can count: "we took 2025 orders yesterday" is no year.
_COUNTED = re.compile(
    r" (?:orders|customers|units|sessions|tickets|items|buyers|people|visits|new|returns|"
    r"clients|shoppers|users)\b"
)


def _year(m: re.Match[str], today: date) -> Window | None:
    year = int(m.group("yy"))
    if year > today.year:
        return None
    bare = not m.group("yp")
    if bare and _COUNTED.match(m.string, m.end()) and len(re.findall(r"\b20\d\d\b", m.string)) < 2:
        return None  # a count, unless another year is named beside it ("2026 orders vs 2025")
    return _calendar_year(year, today)


def _calendar_year(year: int, today: date) -> Window | None:
    if year > today.year:
        return None
    if year == today.year:
        return to_date_window(date(year, 1, 1), today, str(year))
    return _w(date(year, 1, 1), date(year + 1, 1, 1), str(year))


def _fiscal_year(m: re.Match[str], today: date) -> Window | None:
    """'FY25': the layer knows calendar periods only, so a fiscal year is the calendar year
    (a fiscal calendar's own weeks and periods are refused, agent/understand/refusals.py)."""
    digits = m.group("fy")
    return _calendar_year(int(digits) + (2000 if len(digits) == 2 else 0), today)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Monday 0) of the month; n = -1 for the last."""
    if n < 0:
        last = month_start(year, month + 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7, weeks=n - 1)


def _thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    return _nth_weekday(year, 11, 3, 4)


def _easter(year: int) -> date:
    """Easter Sunday (Gregorian), by the anonymous Gregorian computus."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _orthodox_easter(year: int) -> date:
    """Orthodox Easter Sunday: Meeus's Julian computus, moved to the Gregorian calendar
    (13 days ahead from 1900 to 2099)."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    return date(year, month, day + 1) + timedelta(days=13)


def _victoria_day(year: int) -> date:
    """Canada's Victoria Day: the last Monday before May 25."""
    day = date(year, 5, 24)
    return day - timedelta(days=day.weekday())


def _week_holding(day: date) -> tuple[date, date]:
    """The Monday–Sunday week a day falls in."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


def _one_day(day: date) -> tuple[date, date]:
    return day, day + timedelta(days=1)


def _long_weekend(monday: date) -> tuple[date, date]:
    """Saturday to a holiday Monday."""
    return monday - timedelta(days=2), monday + timedelta(days=1)


def _observed(day: date) -> date:
    """A US federal holiday's day off: Saturday's on the Friday, Sunday's on the Monday."""
    return day + timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def _weekend_with(day_off: date) -> tuple[date, date]:
    """The long weekend a Friday or Monday off makes; just the day when it is midweek."""
    if day_off.weekday() == 4:
        return day_off, day_off + timedelta(days=3)
    if day_off.weekday() == 0:
        return _long_weekend(day_off)
    return _one_day(day_off)


def _sunday_weekend(sunday: date) -> tuple[date, date]:
    return sunday - timedelta(days=1), sunday + timedelta(days=1)


def _sunday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _christmas_week(year: int) -> tuple[date, date]:
    """The Monday–Sunday week holding Christmas Day."""
    xmas = date(year, 12, 25)
    monday = xmas - timedelta(days=xmas.weekday())
    return monday, monday + timedelta(days=7)


# Named retail days → (first day, end exclusive) in a given year.
_RETAIL_DAYS: dict[str, Callable[[int], tuple[date, date]]] = {
    "thanksgiving": lambda y: (_thanksgiving(y), _thanksgiving(y) + timedelta(days=1)),
    "black friday": lambda y: (_thanksgiving(y) + timedelta(1), _thanksgiving(y) + timedelta(2)),
    "cyber monday": lambda y: (_thanksgiving(y) + timedelta(4), _thanksgiving(y) + timedelta(5)),
    # Black Friday through Cyber Monday, as retailers report it.
    "cyber weekend": lambda y: (_thanksgiving(y) + timedelta(1), _thanksgiving(y) + timedelta(5)),
    # Thanksgiving through Cyber Monday: the five days retail reports as one.
    "cyber five": lambda y: (_thanksgiving(y), _thanksgiving(y) + timedelta(5)),
    # The Tuesday after Cyber Monday, the day of giving.
    "giving tuesday": lambda y: _one_day(_thanksgiving(y) + timedelta(5)),
    "christmas eve": lambda y: (date(y, 12, 24), date(y, 12, 25)),
    "christmas day": lambda y: (date(y, 12, 25), date(y, 12, 26)),
    "christmas week": _christmas_week,
    # Monday to Sunday of the week Thanksgiving falls in.
    "thanksgiving week": lambda y: (
        _thanksgiving(y) - timedelta(days=3),
        _thanksgiving(y) + timedelta(days=4),
    ),
    "boxing day": lambda y: (date(y, 12, 26), date(y, 12, 27)),
    # Advent Sunday: the fourth Sunday before Christmas. Saint Lucy's Day, Sweden's Lucia.
    "first advent": lambda y: _one_day(_sunday_on_or_before(date(y, 12, 24)) - timedelta(days=21)),
    "lucia": lambda y: _one_day(date(y, 12, 13)),
    "st andrews day": lambda y: _one_day(date(y, 11, 30)),
    # Canada's Thanksgiving (the second Monday of October) and Victoria Day with its long
    # weekend ("May two-four"); Orthodox Easter; Brazil's Dia dos Namorados, June 12.
    "canadian thanksgiving": lambda y: _one_day(_nth_weekday(y, 10, 0, 2)),
    "victoria day": lambda y: _one_day(_victoria_day(y)),
    "victoria day weekend": lambda y: _long_weekend(_victoria_day(y)),
    "orthodox easter": lambda y: _one_day(_orthodox_easter(y)),
    "dia dos namorados": lambda y: _one_day(date(y, 6, 12)),
    # Earth Day, April 22, and Arbor Day, the last Friday of April; their weeks.
    "earth day": lambda y: _one_day(date(y, 4, 22)),
    "earth day week": lambda y: _week_holding(date(y, 4, 22)),
    "arbor day": lambda y: _one_day(_nth_weekday(y, 4, 4, -1)),
    # The Dutch present evening, December 5, and Japan's Obon holidays, August 13 to 16.
    "sinterklaas": lambda y: _one_day(date(y, 12, 5)),
    "obon": lambda y: (date(y, 8, 13), date(y, 8, 17)),
    "new years eve": lambda y: _one_day(date(y, 12, 31)),
    "new years day": lambda y: _one_day(date(y, 1, 1)),
    # November and December, as retail plans and reports the season.
    "holiday season": lambda y: (date(y, 11, 1), date(y + 1, 1, 1)),
    # The rest of the US retail year.
    "valentines day": lambda y: _one_day(date(y, 2, 14)),
    "valentines week": lambda y: _week_holding(date(y, 2, 14)),
    "galentines day": lambda y: _one_day(date(y, 2, 13)),
    "presidents day": lambda y: _one_day(_nth_weekday(y, 2, 0, 3)),
    # The second Sunday of February since 2022, the first before.
    "super bowl": lambda y: _one_day(_nth_weekday(y, 2, 6, 2 if y >= 2022 else 1)),
    "st patricks day": lambda y: _one_day(date(y, 3, 17)),
    # The last days before Lent, from Easter: Fat Thursday (Poland's doughnut day) and Mardi Gras.
    "fat thursday": lambda y: _one_day(_easter(y) - timedelta(days=52)),
    "mardi gras": lambda y: _one_day(_easter(y) - timedelta(days=47)),
    "good friday": lambda y: _one_day(_easter(y) - timedelta(days=2)),
    "easter sunday": lambda y: _one_day(_easter(y)),
    "easter monday": lambda y: _one_day(_easter(y) + timedelta(days=1)),
    "easter weekend": lambda y: (_easter(y) - timedelta(days=1), _easter(y) + timedelta(days=1)),
    "holy week": lambda y: _week_holding(_easter(y)),
    "mothers day": lambda y: _one_day(_nth_weekday(y, 5, 6, 2)),
    # The British Mother's Day: the fourth Sunday of Lent, three weeks before Easter.
    "mothering sunday": lambda y: _one_day(_easter(y) - timedelta(days=21)),
    "memorial day": lambda y: _one_day(_nth_weekday(y, 5, 0, -1)),
    "memorial day weekend": lambda y: _long_weekend(_nth_weekday(y, 5, 0, -1)),
    "fathers day": lambda y: _one_day(_nth_weekday(y, 6, 6, 3)),
    "independence day": lambda y: _one_day(date(y, 7, 4)),
    "labor day": lambda y: _one_day(_nth_weekday(y, 9, 0, 1)),
    "labor day weekend": lambda y: _long_weekend(_nth_weekday(y, 9, 0, 1)),
    "halloween": lambda y: _one_day(date(y, 10, 31)),
    # "Halloween week", "Labor Day week": the Monday–Sunday week holding the day.
    "halloween week": lambda y: _week_holding(date(y, 10, 31)),
    "mothers day week": lambda y: _week_holding(_nth_weekday(y, 5, 6, 2)),
    # A Sunday's weekend: the Saturday before it and the day itself.
    "mothers day weekend": lambda y: _sunday_weekend(_nth_weekday(y, 5, 6, 2)),
    "fathers day weekend": lambda y: _sunday_weekend(_nth_weekday(y, 6, 6, 3)),
    "memorial day week": lambda y: _week_holding(_nth_weekday(y, 5, 0, -1)),
    "fathers day week": lambda y: _week_holding(_nth_weekday(y, 6, 6, 3)),
    "independence day week": lambda y: _week_holding(date(y, 7, 4)),
    "labor day week": lambda y: _week_holding(_nth_weekday(y, 9, 0, 1)),
    # The other federal holidays: a day off for many, a sale for some.
    "mlk day": lambda y: _one_day(_nth_weekday(y, 1, 0, 3)),
    "juneteenth": lambda y: _one_day(date(y, 6, 19)),
    "columbus day": lambda y: _one_day(_nth_weekday(y, 10, 0, 2)),
    "veterans day": lambda y: _one_day(date(y, 11, 11)),
    # Long weekends of the federal holidays, around the day off as observed.
    "columbus day weekend": lambda y: _long_weekend(_nth_weekday(y, 10, 0, 2)),
    "mlk weekend": lambda y: _long_weekend(_nth_weekday(y, 1, 0, 3)),
    "presidents day weekend": lambda y: _long_weekend(_nth_weekday(y, 2, 0, 3)),
    "independence day weekend": lambda y: _weekend_with(_observed(date(y, 7, 4))),
    # Thanksgiving Thursday to Sunday.
    "thanksgiving weekend": lambda y: (_thanksgiving(y), _thanksgiving(y) + timedelta(days=4)),
}
# What "the long weekend" can mean: the latest of these that has begun, within a week.
_LONG_WEEKENDS = (
    "mlk weekend",
    "presidents day weekend",
    "memorial day weekend",
    "independence day weekend",
    "labor day weekend",
    "columbus day weekend",
    "thanksgiving weekend",
)
_HOLIDAY_ALIASES = {
    "bfcm": "cyber weekend",
    "bf": "black friday",
    "black friday weekend": "cyber weekend",
    "cyber week": "cyber weekend",
    "cyber 5": "cyber five",
    "1st advent": "first advent",
    "advent sunday": "first advent",
    "first sunday of advent": "first advent",
    "first advent sunday": "first advent",
    "st lucia": "lucia",
    "santa lucia": "lucia",
    "lucia day": "lucia",
    "st lucy s day": "lucia",
    "hogmanay": "new years eve",
    "thanksgiving monday": "canadian thanksgiving",
    "action de grace": "canadian thanksgiving",
    "may two four weekend": "victoria day weekend",
    "may two four": "victoria day weekend",
    "may long weekend": "victoria day weekend",
    "may 2 4 weekend": "victoria day weekend",
    "st andrew s day": "st andrews day",
    "saint andrews day": "st andrews day",
    "saint andrew s day": "st andrews day",
    "fete du travail": "labor day",
    "thanksgiving thursday": "thanksgiving",
    "turkey 5": "cyber five",
    "givingtuesday": "giving tuesday",
    "pakjesavond": "sinterklaas",
    "sinterklaasavond": "sinterklaas",
    "fat tuesday": "mardi gras",
    "shrove tuesday": "mardi gras",
    "pancake day": "mardi gras",
    "christmas": "christmas day",
    "xmas": "christmas day",
    "xmas day": "christmas day",
    "xmas week": "christmas week",
    "xmas eve": "christmas eve",
    "the week of christmas": "christmas week",
    "nye": "new years eve",
    "silvester": "new years eve",
    "heiligabend": "christmas eve",
    "valentine s day": "valentines day",
    "valentines": "valentines day",
    "valentine s": "valentines day",
    "v day": "valentines day",
    "vday": "valentines day",
    "v week": "valentines week",
    "valentine s week": "valentines week",
    "galentine s day": "galentines day",
    "galentines": "galentines day",
    "galentine s": "galentines day",
    "president s day": "presidents day",
    "super bowl sunday": "super bowl",
    "st patrick s day": "st patricks day",
    "saint patricks day": "st patricks day",
    "saint patrick s day": "st patricks day",
    "st paddys day": "st patricks day",
    "st paddy s day": "st patricks day",
    "indigenous peoples day": "columbus day",
    "indigenous people s day": "columbus day",
    "indigenous peoples day weekend": "columbus day weekend",
    "indigenous people s day weekend": "columbus day weekend",
    "veteran s day": "veterans day",
    "easter": "easter sunday",
    "mother s day": "mothers day",
    "mom s day": "mothers day",
    "moms day": "mothers day",
    "mom s day week": "mothers day week",
    "mom s day weekend": "mothers day weekend",
    "father s day": "fathers day",
    "fourth of july": "independence day",
    "4th of july": "independence day",
    "july 4th": "independence day",
    "labour day": "labor day",
    "labour day weekend": "labor day weekend",
    "president s day weekend": "presidents day weekend",
    "presidents weekend": "presidents day weekend",
    "prez day": "presidents day",
    "prez day weekend": "presidents day weekend",
    "mlk day weekend": "mlk weekend",
    "fourth of july weekend": "independence day weekend",
    "4th of july weekend": "independence day weekend",
    "july 4th weekend": "independence day weekend",
    "july 4 weekend": "independence day weekend",
    "fourth of july long weekend": "independence day weekend",
    "4th of july long weekend": "independence day weekend",
    "july 4th long weekend": "independence day weekend",
    "memorial day long weekend": "memorial day weekend",
    "labor day long weekend": "labor day weekend",
    "new year s eve": "new years eve",
    "new year s day": "new years day",
    "mother s day week": "mothers day week",
    "mother s day weekend": "mothers day weekend",
    "father s day weekend": "fathers day weekend",
    "father s day week": "fathers day week",
    "fourth of july week": "independence day week",
    "july 4th week": "independence day week",
    "4th of july week": "independence day week",
    "black friday week": "thanksgiving week",
    "bf week": "thanksgiving week",
}
# "the January campaign", "for the Q4 reforecast": an event being planned, not a period to
# analyse.
_PLANNED = (
    r"(?:campaign|promo|promotion|launch|blast|newsletter|drop|send|reforecast|budget|plan|buy|"
    r"planning|deck|kickoff|offsite)"
)
_HOLIDAY_NAMES = "|".join(sorted([*_RETAIL_DAYS, *_HOLIDAY_ALIASES], key=len, reverse=True))
# The words of those names, known to the spelling corrector so that "black" is never taken
# for a typo of a layer word ("back" in "sent back").
# "last year", "this year", "2024", "of 2025": the year a named day is qualified with.
_HOLIDAY_YEAR = (
    r"(?: (?P<hy>last year|last yr|ly|this year|(?:in |of )?20\d\d|"
    # "the Christmas Day of last year", "the Black Friday of the year past"
    r"of (?:the )?(?:last year|this year|year past|year before|previous year|prior year)))?\b"
)
HOLIDAY_WORDS = frozenset(w for name in [*_RETAIL_DAYS, *_HOLIDAY_ALIASES] for w in name.split())


def _holiday_name(said: str) -> str:
    """The retail day a name stands for. "CM" is Cyber Monday only where a rule allows it
    ("since CM", "on CM last yr"): alone it is as often a margin or a centimetre."""
    return "cyber monday" if said == "cm" else _HOLIDAY_ALIASES.get(said, said)


def _holiday(m: re.Match[str], today: date) -> Window | None:
    """The named day's most recent occurrence that is over, or the year the text names:
    "last year" is the previous calendar year, "this year" the current one."""
    name = _holiday_name(m.group("hol"))
    start, end = _RETAIL_DAYS[name](_holiday_year(m.group("hy") or m.group("hp"), name, today))
    if start > today:
        return None  # not happened yet: nothing to look at
    return (
        to_date_window(start, today, name.title()) if end > today else _w(start, end, name.title())
    )


def _previous_holiday(m: re.Match[str], today: date) -> Window | None:
    """'last Black Friday' when the text names Black Friday too: the one a year before it.
    Alone, "how did last Black Friday go?" is the latest one, read by the plain rule."""
    said = m.group("hol")
    name = _HOLIDAY_ALIASES.get(said, said)
    rest = m.string[: m.start()] + " " + m.string[m.end() :]
    if re.search(rf"\b{re.escape(said)}\b", rest) is None:
        return None
    start, end = _RETAIL_DAYS[name](_holiday_year(None, name, today) - 1)
    return _w(start, end, f"{name.title()} {start.year}")


_MOVED = re.compile(
    r"\b(?:slipped|slid|fell|dropped|declined|decreased|rose|grew|climbed|increased|jumped|"
    r"went (?:up|down)|moved|changed|shifted|ran (?:higher|lower)) (?:\S+ ){0,2}$"
)


def _moved_between(m: re.Match[str], today: date, which: str) -> Window | None:
    """One of the two months of "slipped from October to November", or None when no move
    is said before them (then the words are a span)."""
    if not _MOVED.search(m.string[: m.start()]):
        return None
    month = MONTHS[m.group(which)]
    year = _latest_month_start(month, today).year
    name = m.group(which).title()
    return calendar_month(year, month, today, f"{name} {year}")


def _part_of_month(m: re.Match[str], today: date) -> Window | None:
    """'the last two weeks of December', 'the first week of November', 'the second half of
    October', 'early November' (1st–10th), 'mid-October' (11th–20th), 'late May' (21st–end)."""
    month = MONTHS[m.group("mm")]
    year = int(m.group("py")) if m.group("py") else _latest_month_start(month, today).year
    start, end = month_start(year, month), month_start(year, month + 1)
    which = m.group("part") or m.group("end")
    unit = m.group("u") or ""
    if which in ("early", "mid", "late"):
        first = {"early": 1, "mid": 11, "late": 21}[which]
        start, end = (
            start + timedelta(days=first - 1),
            (end if which == "late" else start + timedelta(days=first + 9)),
        )
    elif unit == "half":
        middle = start + timedelta(days=15)
        start, end = (start, middle) if which == "first" else (middle, end)
    else:
        count = _number(m.group("n")) if m.group("n") else 1
        days = count * (7 if unit.startswith("week") else 1)
        if not 0 < days < (end - start).days:
            return None
        if which == "second" and unit == "week":
            start, end = start + timedelta(days=7), start + timedelta(days=14)
        elif which == "first":
            end = start + timedelta(days=days)
        elif which in ("last", "final"):
            start = end - timedelta(days=days)
        else:
            return None
    if start >= today:
        return None
    words = m.group(0).strip()
    label = words[words.index(which) :] if which in words else words
    return to_date_window(start, min(end, today), label)


def _month_span(m: re.Match[str], today: date) -> Window | None:
    first, last = MONTHS[m.group("fm")], MONTHS[m.group("tm")]
    if first == last:
        return None
    if (
        m.group("by") in ("to", "and")
        and not m.group("opens")
        and (
            m.group("by") == "and"
            or last < first + 2
            or _COMPARED_BEFORE.search(m.string[: m.start()].rstrip())
        )
    ):
        # "compare October to September", "September to October": one month against the
        # other; "Jan to Oct" is a run of months.
        return None
    if m.groupdict().get("sy"):
        year = int(m.group("sy"))
    elif m.groupdict().get("sly"):
        year = today.year - 1  # "sep + oct last year"
    else:
        year = _latest_month_start(last, today).year
    start = month_start(year if first < last else year - 1, first)
    end = min(month_start(year, last + 1), today)
    return to_date_window(start, end, f"{m.group('fm').title()} to {m.group('tm').title()}")


def _day_after_holiday(m: re.Match[str], today: date) -> Window | None:
    name = _HOLIDAY_ALIASES.get(m.group("hol"), m.group("hol"))
    holiday = _RETAIL_DAYS[name](_holiday_year(m.group("hy"), name, today))[1] - timedelta(1)
    ahead = 1 if m.group("dy") else (WEEKDAYS[m.group("wd")] - holiday.weekday() - 1) % 7 + 1
    day = holiday + timedelta(days=ahead)
    if day > today:
        return None
    label = f"the {'day' if m.group('dy') else m.group('wd').title()} after {name.title()}"
    return to_date_window(day, min(day + timedelta(days=1), today + timedelta(days=1)), label)


def _day_before_holiday(m: re.Match[str], today: date) -> Window | None:
    name = _HOLIDAY_ALIASES.get(m.group("hol"), m.group("hol"))
    year = _holiday_year(m.group("hy"), name, today)
    day = _RETAIL_DAYS[name](year)[0] - timedelta(days=1)
    if day >= today and not m.group("hy"):
        day = _RETAIL_DAYS[name](year - 1)[0] - timedelta(days=1)
    if day >= today:
        return None
    return _w(day, day + timedelta(days=1), f"the day before {name.title()}")


# How a week number is marked without the word: "KW 6", "CW6", "S45", "W52", "v. 50".
_WEEK_NO_MARK = r"kw ?|cw ?|(?<!\w)[sw](?=[1-5]\d\b)|(?<!\w)v (?=[1-5]\d\b)"


def _iso_week(m: re.Match[str], today: date) -> Window | None:
    week = int(m.group("wn"))
    said = m.groupdict().get("wy")
    years = [int(said)] if said and said[0].isdigit() else [today.year, today.year - 1]
    if said == "last year":
        years = [today.year - 1]
    for year in years:
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            continue
        if monday < today:
            return to_date_window(monday, min(monday + timedelta(days=7), today), f"week {week}")
    return None


def _days_to(m: re.Match[str], today: date) -> Window | None:
    end = today
    if m.group("wd"):
        back = (today.weekday() - WEEKDAYS[m.group("wd")]) % 7 or 7
        end = today - timedelta(days=back - 1)
    days = _number(m.group("n")) * (7 if m.group("u") == "weeks" else 1)
    if not 0 < days < 3650:
        return None
    return _w(end - timedelta(days=days), end, f"the {m.group('n')} {m.group('u')} to {end}")


def _since_holiday(m: re.Match[str], today: date) -> Window | None:
    name = _holiday_name(m.group("hol"))
    start = _RETAIL_DAYS[name](_holiday_year(None, name, today))[0]
    return to_date_window(start, today, f"since {name.title()}") if start < today else None


def _latest_long_weekend(m: re.Match[str], today: date) -> Window | None:
    """ "The long weekend": the federal holiday's long weekend that began most recently, if it
    began within the last three weeks; with "last year's", that holiday's long weekend a year
    before, the one about to begin included ("last year's long weekend" on the Friday before
    Memorial Day is Memorial Day weekend of last year)."""
    ahead = timedelta(days=7 if m.group("ly") else 0)
    begun = [
        (start, end, name)
        for name in _LONG_WEEKENDS
        for year in (today.year, today.year - 1)
        for start, end in [_RETAIL_DAYS[name](year)]
        if start <= today + ahead and (today - end).days <= 21
    ]
    if not begun:
        return None
    start, end, name = max(begun)
    if m.group("ly"):
        start, end = _RETAIL_DAYS[name](start.year - 1)
        return _w(start, end, f"{name.title()} {start.year}")
    return (
        to_date_window(start, today, name.title()) if end > today else _w(start, end, name.title())
    )


def _passed_unit(m: re.Match[str]) -> str:
    return str(m.group("unit") or m.group("unitp"))


def _holiday_year(said: str | None, name: str, today: date) -> int:
    """The year a named day's qualifier means ("last year", "2024", "'25"), else its latest."""
    qualifier = (said or "").replace("in ", "").replace("of ", "").removeprefix("the ")
    if qualifier.startswith(("last", "year past", "year before", "previous", "prior")) or (
        qualifier == "ly"
    ):
        return today.year - 1
    if qualifier.startswith("this"):
        return today.year
    if qualifier[:4].isdigit() and len(qualifier) >= 4:
        return int(qualifier[:4])
    if qualifier[:2].isdigit() and 0 <= today.year % 100 - int(qualifier[:2]) <= 5:
        return 2000 + int(qualifier[:2])  # "Black Friday '25", not "Black Friday, 15%"
    # The day itself counts as its latest ("Presidents' Day so far" on Presidents' Day).
    return today.year if _RETAIL_DAYS[name](today.year)[0] <= today else today.year - 1


def _holiday_range(m: re.Match[str], today: date) -> Window | None:
    first = _HOLIDAY_ALIASES.get(m.group("hol"), m.group("hol"))
    if m.group("hnow"):
        # "from Black Friday to now", "from Christmas until yesterday": to the last whole day.
        start = _RETAIL_DAYS[first](_holiday_year(None, first, today))[0]
        return to_date_window(start, today, f"{first.title()} to {m.group('hnow')}")
    last = _HOLIDAY_ALIASES.get(m.group("hol2"), m.group("hol2"))
    year = _holiday_year(m.group("hy"), first, today)
    start, end = _RETAIL_DAYS[first](year)[0], _RETAIL_DAYS[last](year)[1]
    if end <= start or start >= today:
        return None
    return _w(start, min(end, today), f"{first.title()} to {last.title()} {year}")


def _week_before_holiday(m: re.Match[str], today: date) -> Window | None:
    name = _HOLIDAY_ALIASES.get(m.group("hol"), m.group("hol"))
    day = _RETAIL_DAYS[name](_holiday_year(m.group("hy"), name, today))[0]
    monday = day - timedelta(days=day.weekday() + 7)
    if monday >= today:
        return None
    return _w(monday, monday + timedelta(days=7), f"the week before {name.title()}")


def _week_of_holiday(m: re.Match[str], today: date) -> Window | None:
    """'the week of Thanksgiving': the Monday-Sunday week the day falls in, to today."""
    name = _HOLIDAY_ALIASES.get(m.group("hol"), m.group("hol"))
    monday, sunday_after = _week_holding(
        _RETAIL_DAYS[name](_holiday_year(m.group("hy"), name, today))[0]
    )
    if monday >= today:
        return None
    label = f"the week of {name.title()}"
    return (
        _w(monday, sunday_after, label)
        if sunday_after <= today
        else to_date_window(monday, today, label)
    )


def _rel_same_point_in_quarter(m: re.Match[str], today: date) -> Relative:
    first_month = 3 * int(m.group("sq")) - 2

    def same_point(w: Window) -> Window:
        start = month_start(w.start.year, first_month)
        if start >= w.start:
            start = month_start(w.start.year - 1, first_month)
        end = min(start + timedelta(days=w.days), add_months(start, 3))
        return _w(start, end, f"the same days of Q{m.group('sq')}")

    return same_point


def _yesterday(m: re.Match[str], today: date) -> Window:
    back = 2 if "day before" in m.group(0) else 1
    day = today - timedelta(days=back)
    return _w(day, day + timedelta(days=1), "yesterday" if back == 1 else "day before yesterday")


def _rel_prev_days(days: int) -> Callable[[re.Match[str], date], Relative]:
    return lambda m, today: lambda w: w.shifted(-days, label=f"{days} days earlier")


def _rel_year(m: re.Match[str], today: date) -> Relative:
    """Calendar months against the same months a year before; a named retail day against
    the same day the year before; other periods 364 days back, so weekdays line up."""
    return _year_before


def _year_before(w: Window) -> Window:
    # A single day is a day, even on the 1st ("yesterday" on July 2): 52 weeks back.
    if whole_months(w) or (
        w.days > 1
        and (
            (w.start.month, w.start.day) in ((1, 1), (4, 1), (7, 1), (10, 1))
            or (w.start.day == 1 and not w.label.lower().startswith(("last", "past", "the ")))
        )
    ):
        # Calendar months, and a year, quarter or month to date: the same dates a year before.
        return shift_months(w, -12)
    # A named retail day, however the text dated it ("Jan 1", "New Year's Day"): that day the
    # year before.
    name = w.label.lower()
    relative = name.startswith(("yesterday", "today", "last", "past", "this", "the "))
    for day in [name] if name in _RETAIL_DAYS else () if relative else _RETAIL_DAYS:
        if _RETAIL_DAYS[day](w.start.year) == (w.start, w.end):
            start, end = _RETAIL_DAYS[day](w.start.year - 1)
            return _w(start, end, f"{w.label} {w.start.year - 1}")
    return w.shifted(-364, "a year earlier")


def _rel_week(m: re.Match[str], today: date) -> Relative:
    return lambda w: same_weekdays_before(w) if w.days <= 7 else _previous_week(today)


def _rel_month(m: re.Match[str], today: date) -> Relative:
    return lambda w: shift_months(w, -1) if w.days <= 31 else _previous_month(today)


def _rel_same_point(m: re.Match[str], today: date) -> Relative:
    if not m.group("sm"):
        return lambda w: shift_months(w, -1)  # "the same point last month"
    month = MONTHS[m.group("sm")]

    def same_point(w: Window) -> Window:
        year = w.start.year if month_start(w.start.year, month) < w.start else w.start.year - 1
        start = month_start(year, month)
        end = min(start + timedelta(days=w.days), add_months(start, 1))
        return _w(start, end, f"{start:%b %-d}\u2013{end - timedelta(days=1):%b %-d}")

    return same_point


def _rel_previous(m: re.Match[str], today: date) -> Relative:
    return lambda w: w.previous()


def _rel_one_back(m: re.Match[str], today: date) -> Relative:
    """Calendar months step back by months; any other period by its own length."""
    return lambda w: shift_months(w, -whole_months(w)) if whole_months(w) else w.previous()


def _never(m: re.Match[str], today: date) -> None:
    return None


def _preceding(m: re.Match[str], window: Window) -> Window:
    return window.previous()


def _same_weekdays(m: re.Match[str], window: Window) -> Window:
    return same_weekdays_before(window)


def _holiday_before(m: re.Match[str], window: Window) -> Window:
    """A holiday run shorter than a week (a long weekend, the Cyber 5) against the same days a
    week earlier, as a weekend is; a day, a week or a season by its shape."""
    if 2 <= (window.end - window.start).days <= 6:
        return same_weekdays_before(window)
    return comparison_period(window)


_SAME = r"same (?:period|time|days?|dates?)(?: of| in)?"


_P = re.compile
RULES: tuple[_Rule, ...] = (
    # "lifetime revenue", "orders since launch", "best day of all time": all the data there is
    # (cut to the warehouse's dates when answered); never "customer lifetime value".
    _Rule(
        pattern=_P(
            r"\b(?:of |for |over |in )?(?:all[ -]?time|(?:the )?lifetime(?! value)|"
            # "since we opened on the 12th", "since we launched the variant on the 12th" name
            # the day it began.
            r"since (?:we )?launch(?:ed)?(?!(?: \S+){0,4}? (?:on|in) (?:the )?\d)|"
            r"since (?:our |the )?inception|since the (?:beginning|start)"
            r"(?! of)|since day one|since we (?:opened|started|began)(?!(?: \S+){0,4}? (?:on|in) (?:the )?\d))\b"
        ),
        build=lambda m, t: _w(ALL_TIME_START, t, ALL_TIME),
    ),
    # "books close on 31st March", "the quarter closes on Tuesday", said before the day: a
    # deadline, context for the request and never its window.
    _Rule(
        pattern=_P(
            rf"\b(?:closes|closing|close|due|ends|ending|deadline is) (?:on )?(?:the )?"
            rf"(?:{_date_rx('a')}|{_WD})\b"
        ),
        build=_never,
        future_if=lambda m, t: _deadline_ahead(m, t),
    ),
    # "the last two weeks of December", "first week of November", "the second half of October",
    # "early November": a part of a month, before "last week" or a month can claim its words.
    _Rule(
        pattern=_P(
            rf"\b(?:(?:in |over |during |for )?(?:the )?(?P<end>first|last|final|second) "
            rf"(?:{_NUM} )?(?P<u>weeks|days|week|day|half)|"
            # "in mid-August"; "normal for mid-August" names what is usual, not the period.
            rf"(?:in|during|over|across|through|throughout) (?P<part>early|mid|late)) ?(?:of |in )?"
            rf"(?:the month of )?{_MON.format('mm')}(?: (?P<py>20\d\d))?\b"
        ),
        build=_part_of_month,
        before=_preceding,
    ),
    # "Sunday 21 June", "the Fête de la Musique (Sunday 21)": the date wins over the weekday.
    _Rule(
        pattern=_P(
            rf"\b(?:on |of |for )?(?:the )?{_WD} (?:the )?(?:{_date_rx('a')}|"
            r"(?P<wdd>[0-3]?\d)(?:st|nd|rd|th)?)\b(?! (?:days?|weeks?|months?|orders|units|k)\b)"
        ),
        build=_dated_weekday,
    ),
    # "over the long wknd", "the holiday weekend": the holiday weekend just had, whichever
    # holiday made it, against the same days a week earlier.
    _Rule(
        pattern=_P(
            r"\b(?:over |during |on |of |for |across )?(?:the |this |that |(?P<ly>last years?|"
            r"last yrs?|ly)(?: s)? )?(?:long|holiday) (?:weekend|wknd|wkend)\b(?! (?:ahead|coming))"
        ),
        build=_latest_long_weekend,
        before=_same_weekdays,
    ),
    # "TTM revenue", "the trailing twelve months": the 12 complete months before this one.
    _Rule(
        pattern=_P(r"\b(?:ttm|ltm|(?:the )?(?:trailing|last) (?:twelve|12) months)\b"),
        build=lambda m, t: _w(
            month_start(t.year, t.month - 12), month_start(t.year, t.month), "trailing 12 months"
        ),
        before=lambda m, w: shift_months(w, -12),
    ),
    # "sep + oct last year": a span of months of the year before (ahead of the one-month rule
    # below, which would read "oct last year" alone).
    _Rule(
        pattern=_P(
            rf"\b(?P<opens>from |between )?{_MON.format('fm')} (?P<by>through|thru|to|until|till) "
            rf"{_MON.format('tm')} (?:of )?(?P<sly>last year|last yr|ly)\b"
        ),
        build=_month_span,
    ),
    # "November last year": that month of the year before.
    _Rule(
        # Not "the 4th of July last year": a day of the month, read by the day rules.
        pattern=_P(
            r"(?<!\d(?:st|nd|rd|th) )(?<!\d(?:st|nd|rd|th) of )(?<!\d )(?<!\d of )"
            rf"\b(?:in |for |during |of )?{_MON.format('mm')} "
            r"(?:of )?last year\b"
        ),
        build=lambda m, t: calendar_month(
            t.year - 1, MONTHS[m.group("mm")], t, f"{m.group('mm').title()} {t.year - 1}"
        ),
        before=lambda m, w: shift_months(w, -1),
    ),
    # "orders on the last day of Q3": one day at an end of a named period.
    _Rule(
        pattern=_P(
            r"\b(?:on )?the (?P<end>first|1st|last|final) day of (?:the )?"
            rf"(?:q(?P<q>[1-4])|{_MON.format('mm')}|(?:last|previous|prior) (?P<unit>month|quarter))\b"
        ),
        build=_end_day_of,
    ),
    # "Q4 last year": that quarter of the year before.
    _Rule(
        pattern=_P(
            r"\b(?:in |for |during |of )?(?:the )?q(?P<q>[1-4]) (?:of )?"
            r"(?:last year|last yr|the (?:previous|prior) year)\b"
        ),
        build=lambda m, t: _last_years_quarter(int(m.group("q")), t),
        before=lambda m, w: shift_months(w, -3),
        # "Q4 compared with Q4 of the prior year": a year before the quarter asked about.
        relative=lambda m, t: (
            lambda w: (
                shift_months(w, -12)
                if whole_months(w) == 3 and w.start.month == (int(m.group("q")) - 1) * 3 + 1
                else _last_years_quarter(int(m.group("q")), t)
            )
        ),
    ),
    # "TTM revenue through October month-end": the month a trailing period ends with.
    _Rule(
        pattern=_P(
            rf"\b(?:through|thru|ending|to) (?:the end of )?{_MON.format('em')} (?:month )?end\b"
        ),
        build=_never,
        future=True,
    ),
    # "this Friday" on a Monday is ahead (a send, a deadline); on a Saturday it is over.
    _Rule(
        pattern=_P(rf"\bthis (?:coming )?{_WD}\b"),
        build=lambda m, t: _this_weekday(m, t),
        future_if=lambda m, t: WEEKDAYS[m.group("wd")] > t.weekday(),
    ),
    # "two Tuesdays ago", "the Sunday before last": a weekday counted back.
    _Rule(
        pattern=_P(rf"\b(?:{_NUM} |(?:on )?the )?{_WD}(?:s? ago| before last)\b"),
        build=_weekday_back,
        before=_same_weekdays,
    ),
    # "order_date >= current_date - 7": the analyst's last N days.
    _Rule(
        pattern=_P(r"\bcurrent date (?:minus |interval )?(?P<n>\d{1,3})(?: days?)?\b"),
        build=lambda m, t: (
            last_days(int(m.group("n")), t) if 0 < int(m.group("n")) < 3650 else None
        ),
    ),
    # "a week ago today": the same weekday a week back.
    _Rule(
        pattern=_P(r"\b(?:a|one) week ago today\b"),
        build=lambda m, t: _w(t - timedelta(days=7), t - timedelta(days=6), "a week ago today"),
        before=_same_weekdays,
    ),
    # "the weekend before last".
    _Rule(
        pattern=_P(r"\b(?:on |over |during )?(?:the )?weekend before last\b"),
        build=lambda m, t: _weekend(t).shifted(-7, label="the weekend before last"),
        before=_same_weekdays,
    ),
    # "three weeks ago": the calendar week that many weeks back.
    _Rule(
        pattern=_P(rf"\b{_NUM} weeks? ago\b"),
        build=_weeks_ago,
    ),
    # "the last 3 weekends": from the first of those Saturdays to today.
    _Rule(
        pattern=_P(rf"\b(?:across |over |in )?(?:the )?(?:last|past) {_NUM} weekends?\b"),
        build=lambda m, t: _w(
            _weekend(t).start - timedelta(days=7 * (_number(m.group("n")) - 1)),
            t,
            f"the last {_number(m.group('n'))} weekends",
        ),
    ),
    # "revenue this year vs last": the period before, of the same kind.
    _Rule(
        pattern=_P(
            rf"\b{COMPARE_WORDS} last\b(?! (?:week|month|year|quarter|night|time|wk|mo|yr|qtr|"
            rf"weekend|few|couple|{_NUM}|days?|weeks?|months?|years?|{_CALENDAR_NAMES}|"
            rf"{_HOLIDAY_NAMES})\b)"
        ),
        build=_never,
        relative=lambda m, t: _same_kind_before,
    ),
    # "the week before last": the calendar week before last week.
    _Rule(
        pattern=_P(r"\b(?:the |during the |in the )?week before last\b"),
        build=lambda m, t: _previous_week(t).shifted(-7, label="the week before last"),
    ),
    # "from 13 to 16 of November", "13-16 June": a span of days before its month.
    _Rule(
        pattern=_P(
            r"\b(?:between |from )?(?:the )?(?P<ra>[0-3]?\d)(?:st|nd|rd|th)? "
            r"(?:(?:and|to|through|thru|until|till) )?(?:the )?(?P<rb>[0-3]?\d)(?:st|nd|rd|th)? "
            rf"(?:of )?{_MON.format('rm')}(?: {_YEAR.format('ry')})?\b"
        ),
        build=_days_of_month,
    ),
    # "from the 1st to the 15th of this month": days of one month by their ordinals.
    _Rule(
        pattern=_P(
            r"\b(?:between |from )?the (?P<oa>[0-3]?\d)(?:st|nd|rd|th) (?:and|to|through|thru|"
            r"until|till) (?:the )?(?P<ob>[0-3]?\d)(?:st|nd|rd|th)"
            r"(?: of (?P<which>this|last|the) month)?\b"
        ),
        build=_ordinal_days,
    ),
    # Future phrases ("launching tomorrow") are context, never an analysis window.
    _Rule(
        pattern=_P(
            rf"\b(?:tomorrows?|tmrw|tmr|next (?:week|month|quarter|year|{_WD})|upcoming|"
            r"later today|in the coming (?:days|weeks))\b"
        ),
        build=_never,
        future=True,
    ),
    # "did October beat last October?": the same month a year before, not October again.
    _Rule(
        pattern=_P(
            rf"\b(?:{_BEAT_WORDS}|{COMPARE_WORDS}) (?:the )?(?:last|the previous) {_MON.format('mm')}\b"
        ),
        build=_never,
        relative=lambda m, t: (
            _rel_year(m, t) if re.search(rf"\b{m['mm']}\b", m.string[: m.start()]) else None
        ),
    ),
    _Rule(
        pattern=_P(
            rf"\b(?:(?:{COMPARE_WORDS}|{_BEAT_WORDS}) (?:the )?(?:same (?:period|time|stretch|days?|week|month) )?"
            r"(?:(?:as |of |in )?(?:last year|last yr|ly)|(?:a|one) year (?:ago|earlier|before)|(?:the )?(?:prior|previous) year)"
            r"|(?:(?:the )?same (?:\S+ )?(?:period|time|stretch|point|stage|days?|weeks?|weekends?|months?|"
            r"quarters?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)|this time) "
            r"(?:of |in |from )?(?:last year|last yr|ly|(?:a|one) year (?:ago|earlier|before))"
            # "the last year's same week": the possessive first, as a Korean speaker puts it.
            r"|(?:the )?last years same (?:period|time|stretch|days?|weeks?|months?))\b"
        ),
        build=_never,
        relative=_rel_year,
    ),
    _Rule(
        pattern=_P(
            rf"\b(?:{COMPARE_WORDS} (?:the )?(?:{_SAME} )?|(?:the )?{_SAME} )"
            r"(?:last|previous|prior) (?P<unit>week|month)\b"
        ),
        build=_never,
        relative=lambda m, t: _rel_week(m, t) if m.group("unit") == "week" else _rel_month(m, t),
        # "rev vs same day last week" alone: yesterday against that weekday a week before.
        implies=lambda m, t: (
            last_days(1, t) if re.search(r"\bsame day (?:of |in )?last week", m[0]) else None
        ),
    ),
    # "did Black Friday beat last year's?": the possessive stands for the same period a
    # year before; with a noun after it ("last year's revenue") it is last year itself.
    _Rule(
        pattern=_P(
            rf"\b(?:{_BEAT_WORDS}|{COMPARE_WORDS}) "
            r"(?:the |that of )?(?:last years|the year befores|the previous years)"
            r"(?: (?:one|numbers|figures|results|totals?))?(?=$| (?:by|or|and|at|in|on)\b)"
        ),
        build=_never,
        relative=_rel_year,
    ),
    # "5% revenue growth on last year", "up on last year": a change measured from last year.
    _Rule(
        pattern=_P(
            r"\b(?:growth|grown|up|down|ahead|behind|increase|decrease|gain|\d+) on "
            r"(?:last year|ly|the (?:prior|previous) year)\b"
        ),
        build=_never,
        relative=_rel_year,
    ),
    _Rule(
        # "how are apparel units comping this week?", "comp sales": the store term, against the
        # same period a year before (PRECEDENTS.md).
        pattern=_P(r"\b(?:comps?|comping|comped)\b(?! (?:plan|plans|time|ticket|tickets)\b)"),
        build=_never,
        relative=_rel_year,
    ),
    _Rule(
        # "N-1": French and German reports' name for the year before.
        pattern=_P(r"\b(?:yoy|year over year|year on year|y o y|n 1)\b"),
        build=_never,
        relative=_rel_year,
    ),
    _Rule(
        pattern=_P(r"\b(?:wow|week over week|week on week|w o w)\b"),
        build=_never,
        relative=_rel_prev_days(7),
        # "rev WoW" alone: last week against the week before (PRECEDENTS.md).
        implies=lambda m, t: _previous_week(t),
    ),
    _Rule(
        pattern=_P(r"\b(?:dod|day over day|day on day)\b"),
        build=_never,
        relative=_rel_prev_days(1),
        # "cvr DoD" alone: yesterday against the day before, not the default week.
        implies=lambda m, t: last_days(1, t),
    ),
    # "MTD vs the same point in October": as many days of that month as the window has.
    _Rule(
        pattern=_P(
            r"\b(?:the )?same (?:point|time|stage|stretch|days?|period) (?:(?:in|of|last) "
            rf"{_MON.format('sm')}|(?:of |in )?(?:last|the previous|the prior) month)\b"
        ),
        build=_never,
        relative=_rel_same_point,
    ),
    # "Q4-to-date vs the same point in Q3": as many days from that quarter's start.
    _Rule(
        pattern=_P(
            r"\b(?:the )?(?:same|equivalent) (?:point|time|stage|stretch|days?|period) "
            r"(?:in|of) q(?P<sq>[1-4])\b"
        ),
        build=_never,
        relative=_rel_same_point_in_quarter,
    ),
    # "from Thanksgiving through Cyber Monday last year": from one named day to another.
    _Rule(
        pattern=_P(
            rf"\b(?:from |between )?(?P<hol>{_HOLIDAY_NAMES}) (?:through|thru|to|until|till|and) "
            rf"(?:(?P<hol2>{_HOLIDAY_NAMES}){_HOLIDAY_YEAR}|(?P<hnow>now|today|yesterday|date)\b)"
        ),
        build=_holiday_range,
    ),
    # "AOV slipped from October to November": a move from one month to the next sets the
    # second against the first, where "revenue from October to November" is the span.
    _Rule(
        pattern=_P(rf"\bfrom {_MON.format('fm')} to {_MON.format('tm')}\b"),
        build=lambda m, t: _moved_between(m, t, "tm"),
        before=lambda m, w: _moved_between(m, w.end, "fm") or w.previous(),
    ),
    # "January through November": whole months from the one to the other.
    _Rule(
        pattern=_P(
            rf"\b(?P<opens>from |between )?{_MON.format('fm')} (?P<by>through|thru|to|until|till|and) "
            rf"{_MON.format('tm')}(?: (?P<sy>20\d\d)| (?P<sly>last year|last yr|ly))?\b"
        ),
        build=_month_span,
    ),
    # "the week passed", "the month past": the last complete one, as Romance languages say
    # ("a week past due" is no period: "past" only after "the").
    _Rule(
        pattern=_P(
            r"\b(?:in |of |for )?(?:(?:the )?(?P<unit>week|month|quarter) passed"
            r"|the (?P<unitp>week|month|quarter) past)\b"
        ),
        build=lambda m, t: {"week": _previous_week, "month": _previous_month}.get(
            _passed_unit(m), _previous_quarter
        )(t),
        before=lambda m, w: (
            w.previous()
            if _passed_unit(m) == "week"
            else shift_months(w, -1 if _passed_unit(m) == "month" else -3)
        ),
    ),
    # "Nov 1 to today vs the same days of 2025": those dates in the year named.
    _Rule(
        pattern=_P(
            rf"\b(?:{COMPARE_WORDS} )?(?:the )?same (?:days|dates|period|stretch) (?:of|in) "
            r"(?P<yy>20\d\d)\b"
        ),
        build=_never,
        relative=lambda m, t: lambda w: shift_months(w, -12 * (w.start.year - int(m["yy"]))),
    ),
    # "tickets since Black Friday": from the named day's latest occurrence to today.
    _Rule(
        # "since CM": retail shorthand for Cyber Monday, read only after "since".
        pattern=_P(rf"\b(?:ever )?since (?:the )?(?P<hol>{_HOLIDAY_NAMES}|cm)\b"),
        build=_since_holiday,
        before=_preceding,
    ),
    # "the monday after xmas", "the day after Thanksgiving": the first such day after it.
    _Rule(
        pattern=_P(
            rf"\b(?:on )?the (?:{_WD}|(?P<dy>day)) after (?P<hol>{_HOLIDAY_NAMES}){_HOLIDAY_YEAR}"
        ),
        build=_day_after_holiday,
    ),
    # "a summary of the month through yesterday": the month so far, said the long way.
    _Rule(
        pattern=_P(
            r"\b(?:the |this )?(?P<unit>month|week|quarter|year) "
            r"(?:through|thru|up to|until|till|to) (?:and including )?(?:yesterday|today|now)\b"
        ),
        build=lambda m, t: _this_unit(m.group("unit"), t),
        before=_this_unit_before,
    ),
    # "normal for the day before NYE?": the eve of a named day, the latest that is over.
    _Rule(
        pattern=_P(rf"\b(?:on )?the day before (?P<hol>{_HOLIDAY_NAMES}){_HOLIDAY_YEAR}"),
        build=_day_before_holiday,
    ),
    # "GMV for the quarter we just closed": the last complete quarter (month).
    _Rule(
        pattern=_P(
            r"\b(?:for |in |of )?the (?P<unit>quarter|month) (?:we|that) (?:just )?(?:closed|ended|finished)\b"
        ),
        build=lambda m, t: (
            _previous_quarter(t) if m.group("unit") == "quarter" else _previous_month(t)
        ),
    ),
    # "the week of Thanksgiving": the calendar week the day falls in.
    _Rule(
        pattern=_P(rf"\b(?:the |that )?week of (?:the )?(?P<hol>{_HOLIDAY_NAMES}){_HOLIDAY_YEAR}"),
        build=_week_of_holiday,
    ),
    # "the week before Thanksgiving last year": the calendar week before the one it falls in.
    _Rule(
        pattern=_P(rf"\b(?:the )?week before (?P<hol>{_HOLIDAY_NAMES}){_HOLIDAY_YEAR}"),
        build=_week_before_holiday,
    ),
    # "Jan to date": from that month's first day until today.
    _Rule(
        pattern=_P(rf"\b{_MON.format('sm')} (?:to date|till now|until now|to now)\b"),
        build=_since,
        before=_preceding,
    ),
    _Rule(
        pattern=_P(r"\b(?:qoq|quarter over quarter|quarter on quarter|q o q)\b"),
        build=_never,
        relative=lambda m, t: (
            lambda w: shift_months(w, -3) if w.days <= 92 else _previous_quarter(t)
        ),
        # "revenue QoQ" alone: the last complete quarter against the one before, not last
        # week against a week three months back.
        implies=lambda m, t: _previous_quarter(t),
    ),
    # "H1 orders vs H1 last year": half-years, by calendar.
    _Rule(
        # "the first semester" (le premier semestre, o primeiro semestre), "the first half" too.
        pattern=_P(
            r"\b(?:(?P<h>h[12])|(?:the )?(?P<hs>first|1st|second|2nd) (?:semester|semestre|"
            # "the first half of the year", "the second half of last year"; never "the first
            # half of June" (a part of a month) or "the first half of customers".
            r"half(?: of (?:the |this )?year| of(?= 20\d\d| last ye?a?r))?(?! of)))"
            r"(?: (?:of )?(?P<hy>20\d\d)| (?:of )?(?P<hly>last year|last yr))?\b"
        ),
        build=_half_year,
        before=lambda m, w: _half_before(w),
    ),
    # "the last semester", "the previous half": the latest complete half-year.
    _Rule(
        pattern=_P(
            r"\b(?:the |in the |over the |for the )?(?:last|previous|past|prior) "
            r"(?:semester|semestre|half year|half)\b(?! of\b)"
            # "the faturamento of the semester": o semestre, the half-year just closed.
            r"|\b(?:of|in|for|during) the (?:semester|semestre)\b(?! (?:before|earlier|prior|of)\b)"
        ),
        build=lambda m, t: _last_half(m, t),
    ),
    _Rule(
        pattern=_P(r"\b(?:mom|month over month|month on month)\b"),
        build=_never,
        relative=_rel_month,
        # "rev MoM" alone: last month against the month before (PRECEDENTS.md), never the
        # default week against a slice of the month before.
        implies=lambda m, t: _previous_month(t),
    ),
    _Rule(
        pattern=_P(
            r"\b(?:the )?(?:same (?:day|weekday) (?:last|a) week|(?:the |a )?week (?:before|earlier|prior|ago))\b"
            # "vs the weekend before", "the previous weekend": the same days a week earlier.
            r"|\bthe (?:weekend|wknd|wkend) (?:before|earlier|prior)\b"
            r"|\bthe (?:previous|prior|preceding) (?:weekend|wknd|wkend)\b"
        ),
        build=_never,
        relative=_rel_prev_days(7),
        shift=True,
        # "rev vs same day last week" alone: yesterday against that day a week before.
        implies=lambda m, t: last_days(1, t) if re.search(r"\bsame (?:week)?day\b", m[0]) else None,
    ),
    _Rule(
        pattern=_P(r"\b(?:the )?(?:day (?:before|earlier|prior))\b(?! yesterday)"),
        build=_never,
        relative=_rel_prev_days(1),
        shift=True,
    ),
    _Rule(
        pattern=_P(r"\b(?:the )?(?:month (?:before|earlier|prior))\b"),
        build=_never,
        relative=_rel_month,
        shift=True,
    ),
    # "the last semester compared with the semester before": the half-year before.
    _Rule(
        pattern=_P(r"\b(?:the )?(?:semester|semestre|half(?: year)?) (?:before|earlier|prior)\b"),
        build=_never,
        relative=lambda m, t: _half_before,
        shift=True,
    ),
    # "and the one before that?": one more period back, whatever the period was.
    _Rule(
        pattern=_P(
            r"\b(?:the )?(?:one|period|time|stretch) (?:before|prior to|preceding) "
            r"(?:that|it|this|then)\b|\b(?:the )?(?:one|period) before\b"
        ),
        build=_never,
        relative=_rel_one_back,
        shift=True,
    ),
    _Rule(
        pattern=_P(r"\b(?:the )?(?:previous|prior|preceding) (?:period|days|weeks)\b"),
        build=_never,
        relative=_rel_previous,
        shift=True,
    ),
    # "last week vs the same week last month": the week four weeks earlier, same weekdays
    # (never the whole of last month).
    _Rule(
        pattern=_P(
            r"\b(?:the )?same (?:week|weekdays?) (?:of |in )?(?:last|the previous|a) month(?: ago)?\b"
        ),
        build=_never,
        relative=lambda m, t: (
            lambda w: w.shifted(-28, label="the same weekdays four weeks earlier")
        ),
    ),
    # "vs the 4-week average", "against its 28 day avg": the periods before the window.
    _Rule(
        pattern=_P(
            rf"\b(?:the|its|our|their|vs|versus|against|to|with) {_NUM}[ -]?"
            r"(?P<unit>day|week|wk|month|mo)s? (?:rolling |trailing )?(?:average|avg|mean)\b"
        ),
        build=_never,
        relative=_rel_last_n,
    ),
    _Rule(
        pattern=_P(
            rf"\b(?:the )?{_NUM} (?P<unit>day|week|wk|month|mo|year|yr)s? (?:before|earlier|prior)\b"
            # "the last 8 weeks before I place the buy": "before" opening a clause; "the four
            # weeks before it" is the period before the one just named.
            r"(?! (?:i|we|you|they|he|she|our|my|the)\b)(?! it (?:is|s|was|goes|gets|hits|comes)\b)"
        ),
        build=_never,
        relative=_rel_last_n,
        shift=True,
    ),
    # "since week 40", "since v. 40": from that ISO week's Monday to the last whole day.
    _Rule(
        pattern=_P(
            rf"\bsince (?:(?:iso )?(?:week|wk|vecka) |{_WEEK_NO_MARK})(?P<wn>[1-9]|[1-4]\d|5[0-3])\b"
        ),
        build=lambda m, t: (
            to_date_window(w.start, t, f"since week {m['wn']}")
            if (w := _iso_week(m, t)) is not None
            else None
        ),
        before=_preceding,
    ),
    # "AOV for week 6", "KW 6", "S45" (German and French), "v. 50" (Swedish vecka): the ISO
    # week of this year (of last year if it has not begun). A bare "S"/"W" takes two digits,
    # so "the s3 logs" is no week.
    _Rule(
        pattern=_P(
            r"(?<!last )(?<!this )(?<!next )(?<!per )(?<!a )"
            rf"\b(?:in |for |during |of )?(?:(?:iso )?(?:week|wk|vecka) |{_WEEK_NO_MARK})"
            r"(?P<wn>[1-9]|[1-4]\d|5[0-3])\b(?: (?:of )?(?P<wy>20\d\d|last year)\b|(?! of\b))"
        ),
        build=_iso_week,
        before=_preceding,
    ),
    # "the 14 days to Sunday": that many days ending with the day named.
    _Rule(
        pattern=_P(
            rf"\b(?:over |in |for |during )?the {_NUM} (?P<u>days|weeks) (?:to|through|thru|ending|"
            rf"up to|until) (?:(?:last |this past )?{_WD}|(?P<yd>yesterday)|(?P<td>today|now))\b"
        ),
        build=_days_to,
        before=_preceding,
    ),
    # "Dec 1 to today", "from the 3rd through now": a date up to today.
    _Rule(
        pattern=_P(
            rf"\b(?:from |since )?{_date_rx('a')} (?:to|through|thru|until|till) (?:today|now|date)\b"
        ),
        build=_since,
        before=_preceding,
    ),
    _Rule(
        pattern=_P(
            rf"\b(?:between |from )?{_date_rx('a')} (?:(?:and|to|through|thru|until|till) )?(?:the )?{_date_rx('b', bare_day=True)}\b"
        ),
        build=_range,
    ),
    # "since the 15 June", "since the beginning of our summer sale, the 24 June", "since the
    # Buen Fin started (the 13 of November)": an event may stand between "since" and its date.
    _Rule(
        pattern=_P(
            # "since MD1 went live on the 6th": an event's name may hold a digit.
            rf"\b(?:since|starting) (?:the (?:start|beginning) of )?(?:[a-z][a-z0-9]* ){{0,7}}?"
            rf"(?:started |began |opened |launched )?(?:on )?"
            # "since school went back on the 8th", "since the clocks sprang forward (Sun 3/8)",
            # "since Holi (4th)": the event's day, written after it.
            rf"(?:(?:the |(?:mon|tue|wed|thu|fri|sat|sun)[a-z]* )?{_date_rx('a')}|"
            r"(?:the )?(?P<sd>[0-3]?\d)(?:st|nd|rd|th))\b"
        ),
        build=_since,
        before=_preceding,
    ),
    _Rule(
        pattern=_P(
            rf"\b(?:since|starting|from) (?:the (?:start|beginning) of )?"
            rf"(?:{_date_rx('a')}|(?:last )?{_WD}|{_MON.format('sm')}(?: {_YEAR.format('sy')})?|"
            r"the (?P<sd>[0-3]?\d)(?:st|nd|rd|th)|q(?P<sq>[1-4])|"
            r"(?:(?<=since the start of )|(?<=from the start of ))(?:the |this )?(?P<su>month|week|year|quarter)|"
            r"(?:(?<=since the beginning of )|(?<=from the beginning of ))(?:the |this )?(?P<su2>month|week|year|quarter))\b"
        ),
        build=_since,
        before=_preceding,
    ),
    # "Black Friday vs last Black Friday": beside the day itself, the one a year before.
    _Rule(
        pattern=_P(rf"\b(?:the )?(?:last|previous|prior) (?P<hol>{_HOLIDAY_NAMES})\b"),
        build=_previous_holiday,
    ),
    _Rule(
        pattern=_P(
            # "post-xmas normal", "the pre-Black Friday lull": a time of year, not the day.
            # "last year on Sinterklaas": the year said first, then the day.
            # "whose first name is Lucia": a name, not the day.
            r"(?<!post )(?<!pre )(?<!name is )(?<!named )(?<!called )\b(?:the )?(?:(?P<hp>last years|last yrs|last yr s|ly s|this years|20\d\ds?|"
            r"(?:last year|last yr|ly) (?:on|at|over|during|for)) )?"
            rf"(?P<hol>{_HOLIDAY_NAMES})"
            r"(?:(?: (?:go|went|was|were|do|did|look|looked|perform|performed|going|numbers))?"
            r" (?P<hy>last year|last yr|ly|this year|(?:in |of )?20\d\d|\d\d(?!\d)|"
            r"of (?:the )?(?:last year|this year|year past|year before|previous year|prior year)))?\b"
            # "the Father's Day campaign", "the Father's Day banner": what is being planned.
            rf"(?! (?:{_PLANNED}|banner|creative|layout|lookbook|gift guide)s?\b)"
        ),
        build=_holiday,
        before=_holiday_before,
    ),
    _Rule(
        pattern=_P(r"\bon (?P<hol>cm) (?P<hy>last year|last yr|ly|this year)\b"),
        build=_holiday,
        before=_holiday_before,
    ),
    _Rule(pattern=_P(rf"\b(?:the )?week of {_date_rx('a')}\b"), build=_week_of, before=_preceding),
    _Rule(
        pattern=_P(rf"\b(?:on )?(?:the )?{_date_rx('a')}(?P<dly> (?:of )?last year)?\b"),
        build=_single,
    ),
    _Rule(
        pattern=_P(r"\b(?:the )?(?:day before yesterday|yesterdays?|yday|yest)\b"), build=_yesterday
    ),
    _Rule(
        pattern=_P(
            r"\b(?:so far )?todays?\b|\btonight\b|\bright now\b|\bsince midnight\b"
            r"|\b(?:in )?the (?:last|past) (?:hour|few hours|couple (?:of )?hours|\d+ (?:minutes|mins|hours))\b"
        ),
        build=lambda m, t: _w(t, t + timedelta(days=1), "today so far"),
    ),
    _Rule(
        pattern=_P(
            rf"\b(?:(?:in |over |during |for |from )?(?:the )?(?:last|past|previous|prior|trailing)|since|"
            rf"(?:going|looking|go|look) back) {_NUM} (?P<unit>day|week|wk|month|mo|year|yr)s?\b"
        ),
        build=_last_n,
        relative=_rel_last_n,
        before=_last_n_before,
    ),
    # "last 14d", "L7D": the analyst's shorthand for the same.
    _Rule(
        pattern=_P(
            r"\b(?:(?:in |over |for )?(?:the )?(?:last|past|trailing|previous|prior) |l)"
            r"(?P<n>\d{1,3}) ?(?P<unit>d|w)\b"
        ),
        build=_last_n,
        relative=_rel_last_n,
        before=_last_n_before,
    ),
    _Rule(
        pattern=_P(r"\bover the weekend\b"), build=lambda m, t: _weekend(t), before=_same_weekdays
    ),
    # "orders over Sat and Sun": the weekend, as a person lists its days.
    _Rule(
        pattern=_P(
            r"\b(?:on |over |for |across )?(?:the )?(?:sat|saturday) (?:and|n|&|\+|plus) (?:sun|sunday)\b"
        ),
        build=lambda m, t: _this_weekend(t),
        before=_same_weekdays,
    ),
    _Rule(
        pattern=_P(r"\b(?:this|the) weekend\b"),
        build=lambda m, t: _this_weekend(t),
        before=_same_weekdays,
    ),
    _Rule(
        pattern=_P(
            r"\b(?P<prep>over |during |in |for |from |of )?(?P<the>the )?(?:this )?(?P<w>last|past|previous|prior) "
            # "last week's performance": the possessive lost its apostrophe.
            rf"(?P<unit>{_UNIT_WORD}|weekend)(?:s(?= (?:performance|numbers|results|figures|"
            r"revenue|orders|sales|recap|summary)))?\b"
        ),
        build=_last_unit,
        before=_last_unit_before,
        relative=lambda m, t: _rel_last_quarter(t) if _unit(m) == "quarter" else None,
    ),
    # Analyst shorthand: "lw" last week, "lm" last month.
    _Rule(
        pattern=_P(r"\b(?P<unit>lw|lm)\b"),
        build=lambda m, t: _previous_week(t) if m.group("unit") == "lw" else _previous_month(t),
        before=lambda m, w: w.previous() if m.group("unit") == "lw" else shift_months(w, -1),
    ),
    _Rule(
        pattern=_P(
            # "the actual month": Portuguese, Spanish and French for the current one.
            rf"\b(?:so far )?(?:this|current|(?<=the )actual|all|zoom (?:out|in) to(?: the)?) "
            # "see this week by week": the answer shown per week, no period.
            rf"(?P<unit>{_UNIT_WORD})(?! by (?P=unit)\b)"
            r"(?: so far| to date)?\b"
            r"|\b(?P<unit2>week|month|year|quarter) to date\b|\b(?P<unit3>wtd|mtd|ytd|qtd)\b"
            # "for the quarter so far"
            r"|\b(?<!by )(?<!per )(?<!each )(?:the )?(?P<unit4>week|month|year|quarter) so far\b"
            # "new logos by region for the quarter", "weekly bookings across the quarter": the
            # one under way.
            r"|\b(?:for|across|over|during|throughout) the (?P<unit5>week|month|quarter)\b"
            r"(?! (?:before|after|prior|ahead|ending|to come|of\b|in\b)|s)"
        ),
        build=lambda m, t: _this_unit(_this_unit_name(m), t),
        before=_this_unit_before,
    ),
    _Rule(
        pattern=_P(
            # "queue 3": Q3 as dictation spells it.
            r"\b(?:in |for |during )?(?:the )?(?:q|queue (?=\d\b))(?P<q>[1-4])s?(?: (?P<qy>20\d\d))?\b"
            rf"(?! {_PLANNED}s?\b)"
        ),
        build=_quarter,
        before=_named_quarter_before,
    ),
    _Rule(
        pattern=_P(
            rf"\b(?P<prep>in |for |during |of |over |throughout |to |since |vs |versus |than |against |compared to )?{_MON.format('mm')}(?: {_YEAR.format('my')}| (?P<mly>last year))?\b"
            # "the January campaign" names an event being planned, not a period to analyse.
            rf"(?! {_PLANNED}s?\b)"
        ),
        build=_month,
        before=_month_before,
    ),
    _Rule(
        pattern=_P(r"\b(?:in |for |during |of )?fy ?(?P<fy>\d\d|20\d\d)\b"),
        build=_fiscal_year,
        before=_named_year_before,
    ),
    _Rule(
        # "2026 revenue against 2025": a year named bare.
        pattern=_P(r"\b(?P<yp>(?:in|for|during|of|vs|versus|against|than|over) )?(?P<yy>20\d\d)\b"),
        build=_year,
        before=_named_year_before,
    ),
    _Rule(
        pattern=_P(
            rf"\b(?:from )?{_WD.replace('<wd>', '<wf>')} (?P<sep>through|thru|to|till|until) "
            rf"{_WD.replace('<wd>', '<wl>')}\b"
        ),
        build=_weekday_span,
    ),
    _Rule(
        pattern=_P(
            rf"\b(?:on |last |this past |since |vs |versus |against )?{_WD}\b(?=(?P<only> only)?)"
        ),
        build=_weekday,
    ),
    # "27th to 31st", "from the 3rd through the 9th": days of the latest month both are over.
    _Rule(
        pattern=_P(
            r"\b(?:from |between )?(?:the )?(?P<od1>[1-9]|[12]\d|3[01])(?:st|nd|rd|th) "
            r"(?:to|through|thru|until|till|and) (?:the )?(?P<od2>[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\b"
            r"(?! of\b)"
        ),
        build=_ordinal_span,
        before=_preceding,
    ),
    # "revenue on the 19th", "weird around the 19th": that day of this month, or of the month
    # before when this month's has not come yet (read last, so "since the 1st" and "the 19th
    # of November" keep their own rules).
    _Rule(
        pattern=_P(
            r"\b(?:on|around|about|near) the (?P<od>[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\b(?! of\b| or\b)"
        ),
        build=lambda m, t: (
            _w(day, day + timedelta(days=1), f"{day:%a %b %-d}")
            if (day := _latest_day_of_month(int(m.group("od")), t - timedelta(days=1)))
            else None
        ),
    ),
    # "weekend in a nutshell?", "tix by topic weekend pls": a weekend no other rule read (no
    # "last", "over the") is the latest one.
    _Rule(
        pattern=_P(r"(?<!cyber )(?<!friday )(?<!long )\bweekend\b(?!s)"),
        build=lambda m, t: _this_weekend(t),
        before=_same_weekdays,
    ),
)
