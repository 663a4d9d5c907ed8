"""One unusual day inside a compared period: the week before held a one-day spike, so this
week's "fall" in that segment is mostly the spike dropping out (issue 11: a cause an analyst
would sign). Checked in the named cause's segment, in both periods; said beside the cause,
with the change the other days give."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from agent.analyses.base import AnalysisContext, as_date
from agent.domain import Window
from agent.semantic import MetricRequest

UNUSUAL_Z = 4.0  # robust z of the day against the period's other days
MIN_SHARE = 0.5  # the day carries at least this much of the segment's change
SAME_WEEKDAYS = 4  # the weekdays before a compared day that say what it usually holds
UNUSUAL_DAY = 0.3  # a compared day this far from their median (and outside them) is unusual
UNUSUAL_RATE_Z = 3.0  # ... or, for a rate, this many noise units from it
RANGE_TO_SD = 2.06  # the expected range of four normal draws, in standard deviations


@dataclass(frozen=True, kw_only=True)
class OutlierDay:
    day: date
    value: float
    others: float  # the period's value without the day
    in_baseline: bool
    change: float  # the segment's relative change with every day
    change_without: float  # … and without the unusual day

    def text(self, ctx: AnalysisContext, metric: str, segment: str) -> str:
        fmt = ctx.layer.format_value
        which = "baseline" if self.in_baseline else "window"
        return (
            f"{segment[:1].upper()}{segment[1:]}'s {which} holds one unusual day: "
            f"{self.day:%a %b %-d} ({fmt(metric, self.value)} against "
            f"{fmt(metric, self.others)} on its other days); without it the change is "
            f"{self.change_without:+.0%}, not {self.change:+.0%}."
        )


def outlier_day(
    ctx: AnalysisContext,
    metric: str,
    where: Mapping[str, str],
    window: Window,
    baseline: Window,
) -> OutlierDay | None:
    """The one day of either period that carries most of the segment's change, if any."""
    periods = {
        side: _days(ctx, metric, where, span)
        for side, span in (("base", baseline), ("cur", window))
    }
    if any(len(days) < 4 for days in periods.values()):
        return None
    base, cur = (_level(periods[s]) for s in ("base", "cur"))
    if not base or not np.isfinite(base) or not np.isfinite(cur):
        return None
    change = cur / base - 1
    for side in ("base", "cur"):
        days = periods[side]
        values = np.array([v for _, v, _, _ in days])
        for i in np.argsort(-np.abs(values - np.median(values)))[:1]:
            others = np.delete(values, i)
            scale = 1.4826 * float(np.median(np.abs(others - np.median(others))))
            if scale <= 0 or abs(values[i] - np.median(others)) / scale < UNUSUAL_Z:
                continue
            rest = [d for j, d in enumerate(days) if j != i]
            without = (cur / _level(rest) - 1) if side == "base" else (_level(rest) / base - 1)
            if abs(change) == 0 or abs(change - without) < MIN_SHARE * abs(change):
                continue
            return OutlierDay(
                day=days[i][0],
                value=float(values[i]),
                others=_level(rest),
                in_baseline=side == "base",
                change=change,
                change_without=without,
            )
    return None


def _days(
    ctx: AnalysisContext, metric: str, where: Mapping[str, str], span: Window
) -> list[tuple[date, float, float, float]]:
    """(day, value, numerator, denominator) per day; a sum's denominator is 1 a day."""
    frame = ctx.run(
        MetricRequest(metric=metric, window=span, filters=dict(where), grain="day")
    ).frame.dropna(subset=["value"])
    ratio = "numerator" in frame.columns and "denominator" in frame.columns
    out = []
    for row in frame.itertuples(index=False):
        day = as_date(row.period)
        num = float(row.numerator) if ratio else float(row.value)
        den = float(row.denominator) if ratio else 1.0
        out.append((day, float(row.value), num, den))
    return out


def _level(days: list[tuple[date, float, float, float]]) -> float:
    """The period's value: a ratio of its sums, or a sum per day."""
    den = sum(d for *_, d in days)
    return sum(n for _, _, n, _ in days) / den if den else float("nan")


@dataclass(frozen=True, kw_only=True)
class ComparedDay:
    """The single day a day was compared with held something unusual of its own (last
    Friday's spike): the change against it is mostly that day's, not this one's."""

    day: date
    value: float
    usual: float  # the median of the same weekdays before it
    change: float  # the day's change against the compared day
    change_usual: float  # … and against the usual
    # The latest of those weekdays that was itself usual, when the compared day was
    # unusual beyond doubt: what the day is compared with instead, when the scope asked
    # about is the one whose compared day was unusual.
    usual_day: date | None = None

    def rebased_text(self, ctx: AnalysisContext, metric: str, day: date) -> str:
        """Why the comparison moved to `usual_day`, with what the first one said."""
        fmt = ctx.layer.format_value
        label = ctx.layer.metric(metric).label
        assert self.usual_day is not None
        return (
            f"{self.day:%a %b %-d}, the day usually compared with, was itself unusual for "
            f"{label.lower()} ({fmt(metric, self.value)} against {fmt(metric, self.usual)} on the "
            f"{SAME_WEEKDAYS} {self.day:%A}s before it; against it {day:%a %b %-d} would read "
            f"{self.change:+.0%}), so {day:%a %b %-d} is compared with "
            f"{self.usual_day:%a %b %-d}, the latest usual {self.day:%A}."
        )

    def text(self, ctx: AnalysisContext, metric: str, segment: str) -> str:
        fmt = ctx.layer.format_value
        label = ctx.layer.metric(metric).label.lower()
        who = f"{segment[:1].upper()}{segment[1:]}'s {label}" if segment else label.capitalize()
        return (
            f"{who} on the day compared with, {self.day:%a %b %-d}, was itself unusual: "
            f"{fmt(metric, self.value)} against {fmt(metric, self.usual)} on the "
            f"{SAME_WEEKDAYS} {self.day:%A}s before it; against those the change is "
            f"{self.change_usual:+.0%}, not {self.change:+.0%}."
        )


def unusual_compared_day(
    ctx: AnalysisContext,
    metric: str,
    where: Mapping[str, str],
    window: Window,
    baseline: Window,
) -> ComparedDay | None:
    """A one-day baseline far from the same weekdays before it, when a day is compared."""
    if window.days != 1 or baseline.days != 1:
        return None
    day = baseline.start
    span = Window(start=day - timedelta(days=7 * SAME_WEEKDAYS), end=window.end)
    days = {d: (v, den) for d, v, _, den in _days(ctx, metric, where, span)}
    values = {d: v for d, (v, _) in days.items()}
    before = [values.get(day - timedelta(days=7 * k)) for k in range(1, SAME_WEEKDAYS + 1)]
    known = [v for v in before if v is not None and np.isfinite(v)]
    base, cur = values.get(day), values.get(window.start)
    if len(known) < SAME_WEEKDAYS or base is None or cur is None:
        return None
    usual = float(np.median(known))
    # A rate's day-to-day noise from its own counts (a sum's denominator is 1: none).
    den = days[day][1]
    noise = float(np.sqrt(usual * (1 - usual) / den)) if den > 1 and 0 < usual < 1 else None
    if usual <= 0 or base == 0 or not _unusual(base, known, noise):
        return None
    # Each candidate judged against the other weekdays (a holiday among them is skipped);
    # only a day unusual beyond doubt is replaced.
    usual_day = None
    for k, v in enumerate(before if _clear(base, known, noise) else [], start=1):
        others = [w for j, w in enumerate(before, start=1) if j != k and w in known]
        if v is not None and np.isfinite(v) and not _unusual(v, others, noise):
            usual_day = day - timedelta(days=7 * k)
            break
    return ComparedDay(
        day=day,
        value=base,
        usual=usual,
        change=cur / base - 1,
        change_usual=cur / usual - 1,
        usual_day=usual_day,
    )


def _unusual(value: float, known: list[float], noise: float | None) -> bool:
    """Outside the same weekdays' range, and far from them: by a share of their median,
    or, for a rate whose ordinary days differ by a few percent (conversion), by
    UNUSUAL_RATE_Z noise units, the noise being the larger of the weekdays' own spread
    and the rate's sampling error."""
    lo, hi = min(known), max(known)
    if lo <= value <= hi:
        return False
    usual = float(np.median(known))
    if abs(value / usual - 1) >= UNUSUAL_DAY:
        return True
    return noise is not None and _clear(value, known, noise)


def _clear(value: float, known: list[float], noise: float | None) -> bool:
    """Unusual beyond doubt: UNUSUAL_RATE_Z noise units from the weekdays' median, the
    noise being the larger of their own spread and (for a rate) its sampling error. A
    sum's 30% off a small region's four weekdays may be chance; Cyber Monday is not."""
    spread = max(noise or 0.0, (max(known) - min(known)) / RANGE_TO_SD)
    return spread > 0 and abs(value - float(np.median(known))) >= UNUSUAL_RATE_Z * spread
