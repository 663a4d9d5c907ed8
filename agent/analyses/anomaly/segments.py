"""Anomalies over metrics × segments (one dimension, and two-dimension cells), with
false-discovery control and one name per story.

- Expectation from the segment's own history. A segment of an additive metric is judged on
  its log level against a store-wide index built from its siblings (the median of the
  family's departures from their own usual level), so a holiday surge cancels out
  and a surge in one region cannot make another region look low (the rest of the total
  would: it carries the surge).
- Cells. Two-dimension cells (channel × device …) are checked where their volume allows, so
  a drop confined to desktop × organic is named as such, not as "organic".
- False alarms. Hundreds of series over a fortnight are thousands of tests: each series'
  days become runs (a spike, or a sustained shift scored as one, see runs.py), and the
  Benjamini-Hochberg procedure, counting every checked day of the depth (the total, segments,
  two-dimension cells) as a test, keeps the
  share of false alarms among a metric's reports below `fdr`; `min_z` and `min_change` (a
  run must move the metric by that share of its expectation) keep tiny-but-significant moves
  out of the way.
- One story, one name (attribution.py): the strongest report stands for every overlapping
  one it explains, and gives way to a smaller segment that explains it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from agent.analyses.anomaly.attribution import Leaves, one_name_per_story
from agent.analyses.anomaly.calendar import us_retail_holidays
from agent.analyses.anomaly.daily import DayCheck, daily_checks
from agent.analyses.anomaly.runs import MAX_RUN_DAYS, MIN_SCORE, Run, find_runs
from agent.analyses.anomaly.settled import OWN_Z, back_to_settled, own_history_agrees
from agent.analyses.stats import robust_scale, two_sided_p
from agent.domain import Anomaly
from agent.errors import UserError

# A cell is checked when it holds this share of the metric (or of its denominator) and, for
# a count, this many a day: below that one day's noise is the whole signal.
MIN_CELL_SHARE = 0.03
MIN_CELL_COUNT = 10.0
INDEX_DAYS = 56  # the history window of each sibling's usual level
INDEX_NOISE = 2.0  # the store-wide index counts beyond this many of its robust spreads
# The least |z| to report, by depth (overall, a segment, a two-dimension cell). Chosen on
# quiet demo warehouses (seeds 1-3, bench/monitor_recall.py --calibrate) for about one
# false alarm a week across the watchlist: there are far more cells than segments, and a
# small cell's noise is heavier-tailed than its history shows.
DEPTH_Z = (3.5, 4.5, 5.5)
# A proportion (conversion, add-to-cart: successes out of trials) has a known binomial noise,
# so its z is honest and its segments need less margin: a 45% drop in a region of ~20
# orders a day scores about 4 over a week (the test warehouse, seed 7 at scale 0.25).
PROPORTION_Z = (3.5, 3.75, 5.5)
NEAR_MISSES = 3  # per metric, the strongest runs under their bar kept for "nothing unusual"


def detect_segments(
    frames: Mapping[str, pd.DataFrame],
    *,
    dimensions: Sequence[str],
    pairs: Sequence[tuple[str, str]] | None = None,
    date_col: str = "date",
    value_col: str = "value",
    numerator_col: str = "numerator",
    denominator_col: str = "denominator",
    since: date | None = None,
    holidays: Mapping[date, str] | None = None,
    include_total: bool = True,
    fdr: float = 0.05,
    min_z: Sequence[float] | None = None,
    share_of_rest: bool = True,
    min_change: float = 0.2,
    one_name: bool = True,
    max_run_days: int = MAX_RUN_DAYS,
    near: list[NearMiss] | None = None,
) -> list[Anomaly]:
    """Ranked anomalies for every metric (key of `frames`) overall, per dimension value and
    per two-dimension cell of `pairs` (None = every pair of `dimensions` in the frame).

    Each frame is long: one row per date and leaf segment, with `value` for additive metrics
    or `numerator` and `denominator` for ratio metrics (the rate is recomputed after summing,
    so the overall and per-segment rates are exact). A dimension column that is absent from a
    frame is skipped for that metric. `share_of_rest=False` judges every segment on its own
    history alone (for a distinct count, whose segments do not add up). `one_name=False`
    returns every passing segment as found, not one name per story (to confirm a segment
    already named by another metric); `max_run_days` caps how many days a run may span.
    `near`, when given, receives the strongest runs that stayed under their bar (news for
    their segment, not an echo): what "nothing unusual" should still mention.
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
        leaves = Leaves(
            frame.assign(**{date_col: pd.to_datetime(frame[date_col])}),
            date_col=date_col,
            cols=cols,
        )
        dims = [d for d in dimensions if d in frame.columns]
        wanted = (
            [p for p in pairs if p[0] in dims and p[1] in dims]
            if pairs is not None
            else list(itertools.combinations(dims, 2))
        )
        found.extend(
            _detect_metric(
                metric,
                leaves,
                dims=dims,
                pairs=wanted,
                ratio=ratio,
                since=since,
                holidays=holidays,
                include_total=include_total,
                fdr=fdr,
                min_z=min_z,
                indexed=share_of_rest,
                min_change=min_change,
                one_name=one_name,
                max_run_days=max_run_days,
                near=near,
            )
        )
    return sorted(found, key=lambda a: (-a.score, a.metric, sorted(a.where.items()), a.day))


def _detect_metric(
    metric: str,
    leaves: Leaves,
    *,
    dims: Sequence[str],
    pairs: Sequence[tuple[str, str]],
    ratio: bool,
    since: date | None,
    holidays: Mapping[date, str] | None,
    include_total: bool,
    fdr: float,
    min_z: Sequence[float] | None,
    indexed: bool,
    min_change: float,
    one_name: bool,
    max_run_days: int,
    near: list[NearMiss] | None,
) -> list[Anomaly]:
    total = leaves.daily({})
    volume_col = leaves.cols[-1]  # the denominator of a ratio, the value of a sum
    total_volume = float(total[volume_col].sum())
    references: dict[tuple[tuple[str, str], ...], pd.Series] = {}  # the sibling index
    families: list[list[dict[str, str]]] = []
    if include_total:
        families.append([{}])
    for group in [*((d,) for d in dims), *pairs]:
        members = []
        for key, part in leaves.frame.groupby(list(group))[volume_col]:
            values = key if isinstance(key, tuple) else (key,)
            where = {d: str(v) for d, v in zip(group, values, strict=True)}
            if len(group) > 1 and not _enough(part, leaves, total_volume, where):
                continue
            members.append(where)
        families.append(members)
    series: dict[tuple[tuple[str, str], ...], pd.DataFrame] = {}
    store_members: list[dict[str, str]] = []
    store_index: pd.Series | None = None
    pairs_common: list[tuple[list[dict[str, str]], pd.Series]] = []
    for members in families:
        for where in members:
            series[_key(where)] = leaves.daily(where)
        if indexed and len(members) > 1:
            parts = [series[_key(w)] for w in members]
            if ratio:
                num, den = leaves.cols
                level = pd.DataFrame(
                    {i: (p[num] + 0.5) / (p[den] + 1.0) for i, p in enumerate(parts)}
                )
            else:
                level = pd.DataFrame({i: p[volume_col] + 0.5 for i, p in enumerate(parts)})
            # A rate's index is the median of noisy rates: kept only beyond its noise.
            index = _sibling_index(level.fillna(1.0), since, shrink=ratio)
            for i, ref in index.items():
                references[_key(members[i])] = ref
            if index and len(members) > len(store_members):
                store_members, store_index = members, next(iter(index.values()))
            if len(members) == 2:
                pairs_common.append((members, _common_move(level.fillna(1.0), since)))
    # Two segments (new vs returning) cannot tell which of them moved, but the store-wide
    # level does not depend on the dimension it is read from: they are judged against the
    # index of the largest family, so a Black Friday surge cancels out for them too. A large
    # move of one of the two (returning customers' baskets doubling) lifts every region as
    # well, though: a store-wide move lifts both, so the index is held to what both show.
    if store_index is not None:
        for members, common in pairs_common:
            held = _held_to(np.log(store_index), common)
            for where in members:
                references.setdefault(_key(where), np.exp(held))

    def checks(
        where: Mapping[str, str],
        daily: pd.DataFrame,
        *,
        indexed: bool = True,
        level: pd.Series | None = None,
    ) -> list[DayCheck]:
        # `level`: the store-wide level the segment's own history is scaled by (surge days).
        ref = level if level is not None else references.get(_key(where)) if indexed else None
        # Judged against its siblings, a segment needs no holiday allowance: a holiday
        # moves its siblings too. Alone (the total), it is judged against its holidays.
        # Neither does the check of an indexed segment on its own history (`indexed` off):
        # the index has already allowed for the holiday, and a wide band around Black
        # Friday would hide a segment that fell while its siblings surged.
        days_off = {} if ref is not None or not indexed else holidays
        if ratio:
            num, den = daily[leaves.cols[0]], daily[leaves.cols[1]]
            if ref is None:
                return daily_checks(
                    num, numerator=num, denominator=den, holidays=days_off, since=since
                )
            # The rate deflated by the store-wide index is judged; what is reported is the
            # rate itself and the expectation with the day's store-wide level put back.
            scale = ref.reindex(num.index).fillna(1.0)
            judged = daily_checks(
                num / scale, numerator=num / scale, denominator=den, holidays=days_off, since=since
            )
            rate = (num / den.where(den > 0)).groupby(num.index.normalize()).sum()
            level = scale.groupby(scale.index.normalize()).mean()
            return [
                replace(
                    c,
                    actual=float(rate.get(pd.Timestamp(c.day), c.actual)),
                    expected=float(c.expected * level.get(pd.Timestamp(c.day), 1.0)),
                )
                for c in judged
            ]
        return daily_checks(
            daily[volume_col], reference=ref, holidays=days_off, since=since, binomial=False
        )

    if min_z is None:
        num_total = total[leaves.cols[0]].to_numpy(dtype=float)
        proportion = ratio and bool(np.all(num_total <= total[volume_col].to_numpy(dtype=float)))
        min_z = PROPORTION_Z if proportion else DEPTH_Z
    # Runs are kept down to the lowest bar asked for (a confirmation's), not only to 2.5.
    min_score = min(MIN_SCORE, *min_z)
    tests: list[tuple[Run, dict[str, str]]] = []
    days_tested: dict[int, int] = {}  # by depth: the overall series, segments, cells
    for members in families:
        for where in members:
            day_checks = checks(where, series[_key(where)])
            depth = len(where)
            days_tested[depth] = days_tested.get(depth, 0) + sum(
                math.isfinite(c.z) for c in day_checks
            )
            tests.extend(
                (run, where)
                for run in find_runs(day_checks, max_days=max_run_days, min_score=min_score)
                if run.expected and abs(run.actual / run.expected - 1) >= min_change
            )
    if not tests:
        return []
    z = np.array([abs(run.z) for run, _ in tests])
    p = np.array([two_sided_p(v) for v in z])
    bar = np.array([min_z[min(len(where), len(min_z) - 1)] for _, where in tests])
    # One false-discovery family per depth: the many two-dimension cells must not raise the
    # bar of a whole region's move (that region is one of a handful of segments), and each
    # depth has its own least z on top.
    depths = np.array([len(where) for _, where in tests])
    keep = z >= bar
    for d, m in days_tested.items():
        mask = depths == d
        if mask.any():
            keep[mask] &= _benjamini_hochberg(p[mask], fdr, m=max(m, int(mask.sum())))
    own: dict[tuple[tuple[str, str], ...], list[DayCheck]] = {}
    surged: dict[tuple[tuple[str, str], ...], list[DayCheck]] = {}
    first_day, last_day = leaves.days.min().date(), leaves.days.max().date()
    calendar = (
        holidays
        if holidays is not None
        else us_retail_holidays(range(first_day.year, last_day.year + 1))
    )
    surge: list[pd.Series] = []  # the store-wide level on surge days, computed once

    def store_level() -> pd.Series:
        # The whole store's value against its own ordinary level (holidays left out of the
        # fit) on each calendar day, 1 elsewhere: what a retail holiday does to everyone.
        if not surge:
            level = pd.Series(1.0, index=leaves.days)
            for c in checks({}, total):
                if c.day in calendar and c.expected > 0 and c.actual > 0:
                    level[pd.Timestamp(c.day)] = c.actual / c.expected
            surge.append(level)
        return surge[0]

    def news(run: Run, where: Mapping[str, str]) -> bool:
        # Unusual against the index or a recent level, but ordinary for the segment itself:
        # a surge elsewhere or the end of its own earlier shift (settled.py). On a retail
        # holiday the segment's own history alone is no judge (organic revenue that rose on
        # Black Friday against a plain Friday, while every other channel doubled, did fall
        # short): there it is scaled by what the day did to the whole store. The index, a
        # median of a few siblings, can still be pulled by two of them (desktop's ordinary
        # Saturday read as low while mobile and tablet ran a little high).
        days = [run.start + timedelta(days=i) for i in range(run.days)]
        key, daily = _key(where), series[_key(where)]
        if any(d in calendar for d in days):
            if key not in references:
                return True
            if key not in surged:
                surged[key] = checks(where, daily, level=store_level())
            return own_history_agrees(run, surged[key], bar=min(OWN_Z, *min_z))
        if ratio:
            num, den = daily[leaves.cols[0]], daily[leaves.cols[1]]
            values = num / den.where(den > 0)
        else:
            values = daily[volume_col]
        if back_to_settled(run, values):
            return False
        if key not in references:
            return True
        if key not in own:
            own[key] = checks(where, daily, indexed=False)
        return own_history_agrees(run, own[key], bar=min(OWN_Z, *min_z))

    kept = [t for t, k in zip(tests, keep, strict=True) if k and news(*t)]
    if near is not None:
        under = sorted(
            (
                (float(z_ / bar_), run, where)
                for (run, where), k, z_, bar_ in zip(tests, keep, z, bar, strict=True)
                if not k
            ),
            key=lambda t: -t[0],
        )
        near.extend(
            NearMiss(anomaly=run.anomaly(metric, where), bar=float(min_z[min(len(where), 2)]))
            for _, run, where in under[:NEAR_MISSES]
            if news(run, where)
        )

    def rest_checks(where: Mapping[str, str], minus: Mapping[str, str]) -> list[DayCheck]:
        # The rest of a segment is judged like the segment (same store-wide index).
        return checks(where, leaves.daily(where, minus=minus))

    if not one_name:
        return [run.anomaly(metric, where) for run, where in kept]
    named = one_name_per_story(kept, rest_checks, broader=tests)
    return [run.anomaly(metric, where) for run, where in named if news(run, where)]


@dataclass(frozen=True)
class NearMiss:
    """A run that stayed under its depth's bar: the z it needed is `bar`."""

    anomaly: Anomaly
    bar: float


def _common_move(level: pd.DataFrame, since: date | None) -> pd.Series:
    """The log move two members share each day: the smaller of their departures from their
    usual level when both go the same way, none when they part."""
    logs = np.log(level.to_numpy(dtype=float))
    cut = len(level) if since is None else int((level.index < pd.Timestamp(since)).sum())
    hist = slice(max(0, cut - INDEX_DAYS), cut) if cut else slice(None)
    dep = logs - np.median(logs[hist], axis=0)
    same = np.sign(dep[:, 0]) == np.sign(dep[:, 1])
    common = np.where(same, np.sign(dep[:, 0]) * np.abs(dep).min(axis=1), 0.0)
    return pd.Series(common, index=level.index)


def _held_to(index: pd.Series, common: pd.Series) -> pd.Series:
    """The log store-wide index, no larger than the common move and never against it."""
    c = common.reindex(index.index).fillna(0.0)
    same = np.sign(index) == np.sign(c)
    return pd.Series(
        np.where(same, np.sign(index) * np.minimum(np.abs(index), np.abs(c)), 0.0),
        index=index.index,
    )


def _key(where: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(where.items()))


def _enough(part: pd.Series, leaves: Leaves, total_volume: float, where: dict[str, str]) -> bool:
    """Whether a cell holds enough of the metric to be judged on its own."""
    if total_volume <= 0 or float(part.sum()) < MIN_CELL_SHARE * total_volume:
        return False
    daily = leaves.daily(where)[leaves.cols[-1]]
    values = daily.to_numpy(dtype=float)
    counts = bool(np.allclose(values, np.round(values)))
    return not counts or float(np.median(values)) >= MIN_CELL_COUNT


def _sibling_index(
    level: pd.DataFrame, since: date | None, *, shrink: bool
) -> dict[int, pd.Series]:
    """The store-wide level each member of a family is judged against: the median over the
    members of their log departure from their own usual (median) level.

    A median over at least three members, so one member's surge or collapse, even one that
    holds half the volume, does not move it (a volume-weighted index would follow it, and
    make its siblings look the opposite way). Two members cannot tell which of them moved:
    they get no index and are judged on their own history.

    With `shrink` (the members are rates), the median of a few small members is noisy (at
    20 orders a day a region's rate wobbles by 20%, the median of five by half that):
    applied every day, that noise would add to each member's and hide a real shift. So the
    index is pulled to its usual weekday value by `INDEX_NOISE` of its own robust spread
    (soft thresholding): an ordinary day leaves each member on its own history, a large
    store-wide move (a sitewide promotion) carries through less that margin. (A hard
    threshold was worse on the test warehouse: the 5% of days past it jump.) Sums keep the
    plain median: their members are large and store-wide surges common.
    """
    if level.shape[1] < 3:
        return {}
    logs = np.log(level.to_numpy(dtype=float))
    cut = len(level) if since is None else int((level.index < pd.Timestamp(since)).sum())
    hist = slice(max(0, cut - INDEX_DAYS), cut) if cut else slice(None)
    departures = logs - np.median(logs[hist], axis=0)
    raw = pd.Series(np.median(departures, axis=1), index=level.index)
    if not shrink:
        return dict.fromkeys(range(level.shape[1]), np.exp(raw))
    weekday = raw.index.day_of_week
    past = raw.iloc[hist]
    usual = past.groupby(past.index.day_of_week).median().reindex(range(7)).fillna(0.0)
    gap = raw - usual.to_numpy()[weekday]
    noise = robust_scale(gap.iloc[hist].to_numpy(), center=0.0, floor=1e-6)
    shrunk = np.sign(gap) * np.maximum(np.abs(gap) - INDEX_NOISE * noise, 0.0)
    index = pd.Series(np.exp(usual.to_numpy()[weekday] + shrunk), index=level.index)
    return dict.fromkeys(range(level.shape[1]), index)


def _benjamini_hochberg(p: np.ndarray, q: float, *, m: int) -> np.ndarray:
    """Which of these hypotheses are rejected at false-discovery rate q among m tested."""
    order = np.argsort(p)
    passed = p[order] <= q * np.arange(1, len(p) + 1) / m
    keep = np.zeros(len(p), dtype=bool)
    if passed.any():
        last = int(np.flatnonzero(passed).max())
        keep[order[: last + 1]] = True
    return keep
