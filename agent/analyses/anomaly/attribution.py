"""One story, one name: which of the overlapping anomalies of a metric to report.

A drop confined to desktop × organic also shows, diluted, in "desktop", in "organic" and in
the total; a drop across the whole Southeast shows in every Southeast cell. A person wants
the one segment that says what happened. Greedy, strongest first (a concentrated move scores
highest in its own cell, a broad one in its parent, since z grows with the share of the
segment that moved):

- drill down: the strongest report gives way to a segment inside it that explains it, i.e.
  the rest of it (it minus that segment) does not deviate in the same direction;
- then it stands for every other report of the same direction over overlapping days that
  it explains: a report whose segment, once the common part is removed, no longer deviates.
  What still deviates without the common part is a story of its own and stays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

import numpy as np
import pandas as pd

from agent.analyses.anomaly.daily import DayCheck
from agent.analyses.anomaly.runs import Run

# The rest of a segment "still deviates" beyond this combined z over the run's days.
STILL_DEVIATES_Z = 2.5

Where = dict[str, str]
RestChecks = Callable[[Mapping[str, str], Mapping[str, str]], list[DayCheck]]


class Leaves:
    """A metric's daily rows by leaf segment, summed on demand for any segment or rest."""

    def __init__(self, frame: pd.DataFrame, *, date_col: str, cols: Sequence[str]) -> None:
        self.date_col = date_col
        self.cols = tuple(cols)
        dims = [c for c in frame.columns if c not in (date_col, *self.cols)]
        # Labels compared as text once, not once per segment summed.
        self.frame = frame.assign(**{d: frame[d].astype(str) for d in dims})
        self.days = pd.DatetimeIndex(sorted(frame[date_col].unique()))
        self._cache: dict[tuple[object, ...], pd.DataFrame] = {}

    def daily(
        self, where: Mapping[str, str], *, minus: Mapping[str, str] | None = None
    ) -> pd.DataFrame:
        """Daily sums of the segment `where`, without the part also in `minus` if given."""
        key = (tuple(sorted(where.items())), tuple(sorted((minus or {}).items())))
        if key not in self._cache:
            mask = self._mask(where)
            if minus:
                mask &= ~self._mask(minus)
            rows = self.frame[mask]
            summed = rows.groupby(self.date_col)[list(self.cols)].sum()
            self._cache[key] = summed.reindex(self.days, fill_value=0.0)
        return self._cache[key]

    def _mask(self, where: Mapping[str, str]) -> np.ndarray:
        mask = np.ones(len(self.frame), dtype=bool)
        for dim, value in where.items():
            mask &= (self.frame[dim] == value).to_numpy()
        return mask


def one_name_per_story(
    reports: Sequence[tuple[Run, Where]],
    rest_checks: RestChecks,
    *,
    broader: Sequence[tuple[Run, Where]] = (),
    broader_z: float = 3.0,
) -> list[tuple[Run, Where]]:
    """The reports that remain once each story is told once, under its best name.

    `broader` are runs that did not pass the threshold on their own: one of them may still
    be the better name of a report inside it (at least `broader_z`, and the rest of it,
    without the report's segment, deviating the same way), as when a basket-value spike
    across a region is strongest in the cell that held the biggest baskets.
    """
    cache: dict[tuple[object, ...], float] = {}

    def rest_z(where: Where, minus: Where, run: Run) -> float:
        """Combined z, over the run's days, of `where` without the part shared with `minus`."""
        common = _intersection(where, minus)
        if common is None:
            return math.inf if run.z > 0 else -math.inf  # disjoint: nothing is shared
        if common == where:
            return 0.0  # nothing of it is left
        key = (tuple(sorted(where.items())), tuple(sorted(common.items())), run.start, run.days)
        if key not in cache:
            end = run.start + timedelta(days=run.days)
            zs = [
                c.z
                for c in rest_checks(where, common)
                if run.start <= c.day < end and math.isfinite(c.z)
            ]
            cache[key] = sum(zs) / math.sqrt(len(zs)) if zs else 0.0
        return cache[key]

    def still_deviates(where: Where, minus: Where, run: Run) -> bool:
        return rest_z(where, minus, run) * math.copysign(1.0, run.z) >= STILL_DEVIATES_Z

    pool = sorted(reports, key=lambda r: -abs(r[0].z))
    named: list[tuple[Run, Where]] = []
    while pool:
        run, where = pool.pop(0)
        while True:
            inside = [
                (r, w)
                for r, w in pool
                if _contains(where, w)
                and w != where
                and _related(r, run)
                and not still_deviates(where, w, run)
            ]
            if not inside:
                break
            better = max(inside, key=lambda r: abs(r[0].z))
            pool.remove(better)
            run, where = better
        while True:
            outside = [
                (r, w)
                for r, w in broader
                if w != where
                and _contains(w, where)
                and _related(r, run)
                and abs(r.z) >= broader_z
                and still_deviates(w, where, r)
            ]
            if not outside:
                break
            run, where = max(outside, key=lambda r: abs(r[0].z))
        named.append((run, where))
        pool = [
            (r, w) for r, w in pool if not (_related(r, run) and not still_deviates(w, where, r))
        ]
    return named


def _related(a: Run, b: Run) -> bool:
    """Same direction over overlapping days."""
    if (a.z > 0) != (b.z > 0):
        return False
    a_end, b_end = a.start + timedelta(days=a.days), b.start + timedelta(days=b.days)
    return a.start < b_end and b.start < a_end


def _contains(outer: Mapping[str, str], inner: Mapping[str, str]) -> bool:
    return all(inner.get(k) == v for k, v in outer.items())


def _intersection(a: Mapping[str, str], b: Mapping[str, str]) -> Where | None:
    if any(k in b and b[k] != v for k, v in a.items()):
        return None
    return {**a, **b}
