"""From per-day scores to anomalies: one spike is one day, a sustained shift is one anomaly.

A drop that lasts six days at a modest -1.7 sigma a day is invisible day by day but plain
over the run: the score of a stretch of consecutive days is Stouffer's combined z,
sum(z) / sqrt(n). The strongest stretches of a series are picked greedily without overlap, so
a shift is reported once, from its first day, and a lone spike stays a one-day anomaly (adding
ordinary neighbours only dilutes its score).

A stretch is a sustained shift only if it holds without its strongest day: the other days
together must still deviate the same way by `SUSTAINED_Z`. Otherwise one spike with a
somewhat high neighbour (z 4.5 and 2.4 combine to 4.9, beating the spike alone) would be
reported as a two-day run from the wrong day; it is the spike, on its own day. And a run
starts on a day that belongs to it: one closer to ordinary than to the days after it is left
out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from agent.analyses.anomaly.daily import DayCheck, daily_checks
from agent.domain import Anomaly

MAX_RUN_DAYS = 14
MAX_PER_SERIES = 3
# Below this combined z a stretch is not worth a slot; the caller applies the real threshold.
MIN_SCORE = 2.5
# The days of a run other than its strongest must combine to this z in the run's direction
# (the same bar as "the rest still deviates" in attribution.py).
SUSTAINED_Z = 2.5


@dataclass(frozen=True, kw_only=True)
class Run:
    """Consecutive checked days that deviate together, scored as one test."""

    start: date
    days: int
    actual: float  # mean over the days
    expected: float  # mean over the days
    z: float  # combined, signed

    def anomaly(self, metric: str, where: Mapping[str, str]) -> Anomaly:
        """The run as a domain anomaly (its first day, its mean actual and expected)."""
        return Anomaly(
            metric=metric,
            where=dict(where),
            day=self.start,
            actual=self.actual,
            expected=self.expected,
            score=round(abs(self.z), 3),
            direction="up" if self.z > 0 else "down",
            days=self.days,
        )


def find_runs(
    checks: Sequence[DayCheck], *, max_days: int = MAX_RUN_DAYS, min_score: float = MIN_SCORE
) -> list[Run]:
    """The strongest non-overlapping stretches of consecutive days, strongest first.

    `min_score` lowers the slot bar for a caller whose own bar is lower (a confirmation at
    z 1.96 would never see a run the default bar of 2.5 had already dropped)."""
    days = sorted((c for c in checks if math.isfinite(c.z)), key=lambda c: c.day)
    candidates: list[tuple[float, int, int]] = []
    for i in range(len(days)):
        total = 0.0
        for j in range(i, min(len(days), i + max_days)):
            if j > i and days[j].day - days[j - 1].day != timedelta(days=1):
                break
            total += days[j].z
            candidates.append((total / math.sqrt(j - i + 1), i, j))
    candidates.sort(key=lambda c: (-abs(c[0]), c[1], c[2]))
    taken = [False] * len(days)
    runs: list[Run] = []
    for z, i, j in candidates:
        if abs(z) < min_score or len(runs) >= MAX_PER_SERIES:
            break
        if any(taken[i : j + 1]):
            continue
        part = days[i : j + 1]
        # A stretch must deviate in one direction throughout its ends, or it is two events.
        if len(part) > 1 and (part[0].z * z <= 0 or part[-1].z * z <= 0):
            continue
        if len(part) > 1 and not _starts_with_it([c.z for c in part], z):
            continue
        if len(part) > 1 and not _sustained([c.z for c in part], z, min(SUSTAINED_Z, min_score)):
            continue
        taken[i : j + 1] = [True] * len(part)
        runs.append(
            Run(
                start=part[0].day,
                days=len(part),
                actual=sum(c.actual for c in part) / len(part),
                expected=sum(c.expected for c in part) / len(part),
                z=z,
            )
        )
    return runs


def _starts_with_it(zs: Sequence[float], z: float) -> bool:
    """Whether the first day is closer to the run than to an ordinary day: its deviation at
    least half the other days' mean. A somewhat low day before a drop adds to the combined
    z, but dating the drop from it sends a team looking for a change a day too early."""
    sign = math.copysign(1.0, z)
    rest = zs[1:]
    return zs[0] * sign >= sum(rest) * sign / len(rest) / 2


def _sustained(zs: Sequence[float], z: float, bar: float) -> bool:
    """Whether the days other than the strongest still deviate in the run's direction by
    `bar` (a confirmation's own lower bar when it asks for one)."""
    sign = math.copysign(1.0, z)
    signed = sorted((v * sign for v in zs), reverse=True)
    rest = signed[1:]
    return sum(rest) / math.sqrt(len(rest)) >= bar


def detect_daily(
    series: pd.Series,
    *,
    metric: str,
    where: Mapping[str, str] | None = None,
    since: date | None = None,
    holidays: Mapping[date, str] | None = None,
    numerator: pd.Series | None = None,
    denominator: pd.Series | None = None,
    threshold: float = 4.0,
) -> list[Anomaly]:
    """Unusual days (and sustained shifts) of one series beyond `threshold` combined sigmas.

    Pass `numerator`/`denominator` for a ratio metric: significance is then count-aware.
    """
    checks = daily_checks(
        series, numerator=numerator, denominator=denominator, holidays=holidays, since=since
    )
    runs = find_runs(checks)
    found = [r.anomaly(metric, where or {}) for r in runs if abs(r.z) >= threshold]
    return sorted(found, key=lambda a: -a.score)
