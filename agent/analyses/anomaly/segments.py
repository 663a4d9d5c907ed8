"""Anomalies over metrics x one-dimension segments, with false-discovery control.

Fifty segment series checked over fourteen days is seven hundred tests: at a plain z > 3 a
few would fire by chance every week. Each series' days become runs (a spike, or a sustained
shift scored as one), their combined z two-sided p-values, and the Benjamini-Hochberg
procedure, counting every checked day of the metric as a test, keeps the expected share of
false alarms among a metric's reported anomalies below `fdr`; a minimum |z| keeps
tiny-but-significant moves out of the way, and so does `min_change` (a run must move the
metric by at least that share of its expectation: calendar effects the model cannot know,
such as the December season or holiday discounts, move whole metrics by 10-15%). A segment of an additive metric is judged by its
share of the rest of the total (see daily.py), so a store-wide holiday surge is not reported
once per segment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from agent.analyses.anomaly.daily import daily_checks
from agent.analyses.anomaly.runs import Run, find_runs
from agent.analyses.stats import two_sided_p
from agent.domain import Anomaly
from agent.errors import UserError


def detect_segments(
    frames: Mapping[str, pd.DataFrame],
    *,
    dimensions: Sequence[str],
    date_col: str = "date",
    value_col: str = "value",
    numerator_col: str = "numerator",
    denominator_col: str = "denominator",
    since: date | None = None,
    holidays: Mapping[date, str] | None = None,
    include_total: bool = True,
    fdr: float = 0.05,
    min_z: float = 3.5,
    share_of_rest: bool = True,
    min_change: float = 0.2,
) -> list[Anomaly]:
    """Ranked anomalies for every metric (key of `frames`) overall and per dimension value.

    Each frame is long: one row per date and leaf segment, with `value` for additive metrics
    or `numerator` and `denominator` for ratio metrics (the rate is recomputed after summing,
    so the overall and per-segment rates are exact). A dimension column that is absent from a
    frame is skipped for that metric.
    """
    found: list[Anomaly] = []
    for metric, frame in frames.items():
        if date_col not in frame.columns:
            raise UserError(f"The {metric} data has no '{date_col}' column.")
        ratio = numerator_col in frame.columns and denominator_col in frame.columns
        if not ratio and value_col not in frame.columns:
            raise UserError(
                f"The {metric} data needs a '{value_col}' column "
                f"or '{numerator_col}' and '{denominator_col}'."
            )
        cols = [numerator_col, denominator_col] if ratio else [value_col]
        # Timestamps once per frame, rather than once per segment series.
        frame = frame.assign(**{date_col: pd.to_datetime(frame[date_col])})
        total = frame.groupby(date_col)[cols].sum()
        groups: list[tuple[dict[str, str], pd.DataFrame]] = []
        if include_total:
            groups.append(({}, total))
        for dim in dimensions:
            if dim not in frame.columns:
                continue
            summed = frame.groupby([dim, date_col])[cols].sum()
            for value, part in summed.groupby(level=0):
                groups.append(({dim: str(value)}, part.droplevel(0)))
        # One family per metric: the false discovery rate holds across its segments and days.
        tests: list[tuple[Run, dict[str, str]]] = []
        n_days = 0
        for where, daily in groups:
            if ratio:
                checks = daily_checks(
                    daily[numerator_col],
                    numerator=daily[numerator_col],
                    denominator=daily[denominator_col],
                    holidays=holidays,
                    since=since,
                )
            else:
                # A segment is judged by its share of the rest, so store-wide moves cancel.
                rest = None
                if where and share_of_rest:
                    rest = (
                        total[value_col] - daily[value_col].reindex(total.index).fillna(0)
                    ).clip(lower=0)
                checks = daily_checks(
                    daily[value_col], reference=rest, holidays=holidays, since=since
                )
            n_days += sum(math.isfinite(c.z) for c in checks)
            tests.extend(
                (run, where)
                for run in find_runs(checks)
                if abs(run.actual / run.expected - 1) >= min_change
                if run.expected
            )
        if not tests:
            continue
        z = np.array([abs(run.z) for run, _ in tests])
        p = np.array([two_sided_p(v) for v in z])
        keep = _benjamini_hochberg(p, fdr, m=max(n_days, len(p))) & (z >= min_z)
        found.extend(
            run.anomaly(metric, where) for (run, where), k in zip(tests, keep, strict=True) if k
        )
    return sorted(found, key=lambda a: (-a.score, a.metric, sorted(a.where.items()), a.day))


def _benjamini_hochberg(p: np.ndarray, q: float, *, m: int) -> np.ndarray:
    """Which of these hypotheses are rejected at false-discovery rate q among m tested."""
    order = np.argsort(p)
    passed = p[order] <= q * np.arange(1, len(p) + 1) / m
    keep = np.zeros(len(p), dtype=bool)
    if passed.any():
        last = int(np.flatnonzero(passed).max())
        keep[order[: last + 1]] = True
    return keep
