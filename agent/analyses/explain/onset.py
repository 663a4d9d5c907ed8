"""When the current move began: the window an explanation looks at when the question names none.

"Why did conversion drop?" asked on Friday about a drop that began on Sunday is diluted in
"the last 7 days against the 7 before" (two ordinary days in, and Black Friday week in the
baseline). An analyst looks at the daily series first and compares the days since the move
began. Here that is the anomaly detector's own run logic (agent.analyses.anomaly): every
recent day is judged against the weeks before the scan (weekday profile, count-aware noise),
and the strongest stretch of days that deviate together is the move, if it is strong enough
and still going. The explanation then compares the days since its first day with the same
weekdays before, so weekly seasonality cancels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from agent.analyses.anomaly import daily_checks, find_runs
from agent.analyses.anomaly.daily import LOOKBACK_DAYS
from agent.analyses.anomaly.runs import MAX_RUN_DAYS, Run
from agent.analyses.base import AnalysisContext
from agent.analyses.explain.leaves import Shape
from agent.domain import Evidence, Window
from agent.semantic import MetricRequest

# A stretch weaker than this (combined z over its days) is not a move worth re-windowing
# for: the question's default window stays. Below the monitor's 4.0 because the person
# asking already saw the move; above what the strongest of a fortnight's noise stretches
# usually reaches (about 3).
ONSET_Z = 3.5
# A one-dimension segment's series is one of a few dozen scanned: it needs more. On quiet
# demo warehouses (no injected move) the strongest current segment stretch reached 3.4 on
# most seeds and 4.7 on one (a real drift of desktop); injected drops reach 5.8 to 7.4.
SEGMENT_ONSET_Z = 5.0
# The move must still be going: its last deviating day at most this many days before the
# last complete day (a day or two back to normal at the end is still the same move).
STILL_GOING_DAYS = 2


@dataclass(frozen=True, kw_only=True)
class Onset:
    """The current move of a series: its first day, and the windows that compare it."""

    start: date
    run_days: int  # the days that deviated together (the run); the window runs to today
    z: float  # the run's combined z, signed
    where: Mapping[str, str]  # the segment whose series showed it ({} = the asked series)
    window: Window  # [start, today)
    baseline: Window  # the same weekdays, whole weeks earlier
    evidence: Evidence

    @property
    def weeks_back(self) -> int:
        return (self.window.start - self.baseline.start).days // 7

    def text(self) -> str:
        """'since Sun Nov 29 (5 days) vs the same days a week earlier'."""
        days = self.window.days
        span = f"on {self.start:%a %b %-d}" if days == 1 else f"since {self.start:%a %b %-d}"
        length = "" if days == 1 else f" ({days} days)"
        same = "the same day" if days == 1 else "the same days"
        back = "a week" if self.weeks_back == 1 else f"{self.weeks_back} weeks"
        return f"{span}{length} vs {same} {back} earlier"

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "days": self.window.days,
            "run_days": self.run_days,
            "z": round(self.z, 2),
            "where": dict(self.where),
            "window": self.window.to_json(),
            "baseline": self.baseline.to_json(),
        }


def find_onset(
    ctx: AnalysisContext,
    metric: str,
    shape: Shape,
    filters: Mapping[str, str],
    dims: Sequence[str] = (),
) -> Onset | None:
    """The current move inside `filters`, or None when none is beyond noise (or too little
    history to tell).

    The move is looked for in the asked series and in each of its one-dimension segments
    along `dims`: a drop confined to organic desktop is diluted in the total (the reason
    explain searches segments at all) but plain in organic's own series. The strongest
    current stretch wins, so a broad move starts where the total says, a concentrated one
    where its segment says.
    """
    today = ctx.today
    since = today - timedelta(days=MAX_RUN_DAYS)
    span = Window(start=since - timedelta(days=LOOKBACK_DAYS), end=today)
    asked = dict(filters)
    total = ctx.run(MetricRequest(metric=metric, window=span, filters=asked, grain="day"))
    found: list[tuple[Run, dict[str, str], Evidence]] = []
    run = _current_run(total.frame, shape, since, today, ONSET_Z)
    if run is not None:
        found.append((run, {}, total.evidence))
    for dim in dims:
        split = ctx.run(
            MetricRequest(metric=metric, window=span, filters=asked, group_by=(dim,), grain="day")
        )
        for value, rows in split.frame.dropna(subset=[dim]).groupby(dim):
            run = _current_run(rows, shape, since, today, SEGMENT_ONSET_Z)
            if run is not None:
                found.append((run, {dim: str(value)}, split.evidence))
    if not found:
        return None
    run, where, evidence = max(found, key=lambda f: abs(f[0].z))
    window = Window(start=run.start, end=today, label="since the move began")
    weeks = math.ceil(window.days / 7)
    return Onset(
        start=run.start,
        run_days=run.days,
        z=float(run.z),
        where=where,
        window=window,
        baseline=window.shifted(-7 * weeks, label="the same weekdays before"),
        evidence=evidence,
    )


def _current_run(
    frame: pd.DataFrame, shape: Shape, since: date, today: date, limit: float
) -> Run | None:
    """The strongest stretch of a daily frame that reaches (nearly) to today, if beyond `limit`."""
    frame = frame.dropna(subset=["period"])
    if frame.empty:
        return None
    daily = frame.groupby("period")[list(shape.parts)].sum()
    daily.index = pd.DatetimeIndex(pd.to_datetime(daily.index))
    # Holidays are left in: without last year's same holiday the detector would flatten
    # them to "expected", and a move that began on Black Friday Sunday would start later.
    if shape.ratio:
        num, den = shape.parts
        checks = daily_checks(
            daily[num] / daily[den].where(daily[den] > 0),
            numerator=daily[num],
            denominator=daily[den],
            since=since,
            holidays={},
        )
    else:
        checks = daily_checks(daily[shape.parts[0]], since=since, holidays={})
    last = today - timedelta(days=1)
    going = [
        run
        for run in find_runs(checks)
        if math.isfinite(run.z)
        and abs(run.z) >= limit
        and (last - (run.start + timedelta(days=run.days - 1))).days <= STILL_GOING_DAYS
    ]
    return max(going, key=lambda r: abs(r.z)) if going else None
