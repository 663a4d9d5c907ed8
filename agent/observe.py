"""The KPI observer: every metric of the semantic layer, overall and per one-dimension segment.

One grouped daily query per metric × dimension (never one per segment value) fetches enough
history for the anomaly detector; the same frames give the recent-window observations
(yesterday, the last 7 days against the 7 before). Queries run through `agent.perceive`, so a
warehouse that fails or times out yields a zero-confidence observation with the error, and
the cycle goes on with whatever did arrive (partial data lowers the snapshot's confidence).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from agent.analyses.anomaly import detect_segments, us_retail_holidays
from agent.analyses.anomaly.stories import confirmed_outcomes
from agent.analyses.detect import SEGMENT_DIMENSIONS, WATCHLIST, additive
from agent.analyses.stats import robust_scale
from agent.domain import Anomaly, Observation, Table, Window, format_segment
from agent.perceive import Reading, SourceSpec, observe_all
from agent.semantic import MetricRequest, SemanticLayer, run_metric
from agent.warehouse import Warehouse

# Sixteen weeks: the weekly reads, the detector's 8-week lookback, and the segment's settled
# level over the 13 weeks before a checked fortnight (anomaly/settled.py).
HISTORY_DAYS = 112
RECENT_DAYS = 7
QUERY_TIMEOUT_S = 20.0
# A segment's 7-day change is "notable" beyond this many robust deviations of its own
# week-over-week changes in the history (the same idea as explain's noise model).
NOTABLE_Z = 3.0
MIN_WEEKS = 4
WEEKS = 12  # weekly values kept per series: the recent week and eleven before it

# The watchlist is also read by leaf cells (one query per metric), so its anomalies can be
# named at two-dimension cells such as channel × device.
WATCH_CELLS: Mapping[str, Sequence[str]] = {m: SEGMENT_DIMENSIONS for m in WATCHLIST}

Segment = tuple[str, ...]  # () overall, (dimension,) a one-dim split, more: leaf cells


@dataclass(frozen=True, kw_only=True)
class KpiRead:
    """One (metric, segment) over the recent window, with how unusual its weekly change is."""

    metric: str
    where: Mapping[str, str]
    yesterday: float
    last_7: float
    prev_7: float
    change: float  # relative, last_7 / prev_7 - 1 (NaN when prev_7 is 0 or missing)
    z: float  # the change against the history of week-over-week changes (NaN if too short)

    @property
    def notable(self) -> bool:
        return math.isfinite(self.z) and abs(self.z) >= NOTABLE_Z

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "where": dict(self.where),
            "yesterday": _num(self.yesterday),
            "last_7": _num(self.last_7),
            "prev_7": _num(self.prev_7),
            "change": _num(self.change),
            "z": _num(self.z),
        }


@dataclass(frozen=True, kw_only=True)
class KpiSnapshot:
    """What one observation pass saw: the daily frames, the reads, and the observations."""

    today: date
    history: Window
    frames: Mapping[tuple[str, Segment], pd.DataFrame]
    reads: tuple[KpiRead, ...]
    observations: tuple[Observation, ...]
    failed: tuple[Observation, ...] = ()
    queries: int = 0

    @property
    def confidence(self) -> float:
        """Share of the planned queries that answered (1.0 = complete data)."""
        return 1.0 if self.queries == 0 else 1.0 - len(self.failed) / self.queries

    def read(self, metric: str, where: Mapping[str, str] | None = None) -> KpiRead | None:
        wanted = dict(where or {})
        for item in self.reads:
            if item.metric == metric and dict(item.where) == wanted:
                return item
        return None


def plan_queries(
    layer: SemanticLayer,
    metrics: Sequence[str] | None = None,
    *,
    cells: Mapping[str, Sequence[str]] | None = None,
) -> list[tuple[str, Segment]]:
    """(metric, segment) pairs to read: every metric overall and by each of its dimensions,
    and, for each metric of `cells`, one query by all of its listed dimensions at once (the
    leaf cells, from which the anomaly check sums every segment and two-dimension cell)."""
    names = [m for m in (metrics or layer.metric_names) if m in layer.metrics]
    plan = [(m, seg) for m in names for seg in [(), *((d,) for d in layer.dimensions_for(m))]]
    for metric, dims in (cells or {}).items():
        if metric in names and additive(layer, metric):
            leaf = tuple(d for d in dims if d in layer.dimensions_for(metric))
            if len(leaf) > 1:
                plan.append((metric, leaf))
    return plan


async def observe_kpis(
    warehouse: Warehouse,
    layer: SemanticLayer,
    today: date,
    *,
    metrics: Sequence[str] | None = None,
    cells: Mapping[str, Sequence[str]] | None = WATCH_CELLS,
    check_days: int = RECENT_DAYS,
    clock: Callable[[], datetime] | None = None,
    concurrency: int = 2,
    timeout: float = QUERY_TIMEOUT_S,
) -> KpiSnapshot:
    """Read every metric × segment's daily series (and the leaf cells of `cells`, see
    `plan_queries`); failures become zero-confidence observations."""
    history = Window(start=today - timedelta(days=max(HISTORY_DAYS, 63 + check_days)), end=today)
    plan = plan_queries(layer, metrics, cells=cells)

    def source(metric: str, segment: Segment) -> Callable[[], Reading]:
        def read() -> Reading:
            request = MetricRequest(metric=metric, window=history, group_by=segment, grain="day")
            result = run_metric(warehouse, layer, request)
            return Reading(data={"frame": result.frame, "sql": result.evidence.sql})

        return read

    specs = [
        SourceSpec(
            name=f"warehouse:{metric}",
            fn=source(metric, segment),
            timeout=timeout,
            context={"metric": metric, "dimension": segment[0] if segment else None},
        )
        for metric, segment in plan
    ]
    now = clock or (lambda: datetime.now(UTC))
    raw = await observe_all(specs, clock=now, concurrency=concurrency)
    return await asyncio.to_thread(_digest_reads, layer, today, history, plan, raw, now())


def _digest_reads(
    layer: SemanticLayer,
    today: date,
    history: Window,
    plan: list[tuple[str, Segment]],
    raw: list[Observation],
    at: datetime,
) -> KpiSnapshot:
    frames: dict[tuple[str, Segment], pd.DataFrame] = {}
    reads: list[KpiRead] = []
    observations: list[Observation] = []
    failed: list[Observation] = []
    overall: dict[str, np.ndarray] = {}
    # Overall series first: segments are judged against their metric's overall change.
    for (metric, segment), obs in sorted(zip(plan, raw, strict=True), key=lambda p: len(p[0][1])):
        if obs.error is not None:
            failed.append(obs)
            observations.append(obs)
            continue
        frame = obs.data["frame"]
        frames[(metric, segment)] = frame
        if len(segment) > 1:
            continue  # leaf cells feed the anomaly check only
        found = kpi_reads(layer, metric, segment, frame, today, overall=overall.get(metric))
        for item, weekly in found:
            if not segment:
                overall[metric] = weekly
            reads.append(item)
            observations.append(
                Observation(
                    source=f"kpi:{metric}",
                    at=at,
                    data=item.to_json(),
                    confidence=obs.confidence,
                    context={"dimension": segment[0] if segment else None, "today": str(today)},
                )
            )
    return KpiSnapshot(
        today=today,
        history=history,
        frames=frames,
        reads=tuple(reads),
        observations=tuple(observations),
        failed=tuple(failed),
        queries=len(plan),
    )


def kpi_reads(
    layer: SemanticLayer,
    metric: str,
    segment: Segment,
    frame: pd.DataFrame,
    today: date,
    *,
    overall: np.ndarray | None = None,
) -> list[tuple[KpiRead, np.ndarray]]:
    """Yesterday, last 7 vs previous 7 days and the change's z, per series of a daily frame.

    Weeks are counted back from `today` (week 0 = the last 7 days). A segment's change is
    judged net of its metric's overall change, so a season that moves every segment (the
    week after Black Friday) is not a segment story; `overall` holds the overall weekly values.
    """
    if frame.empty:
        return []
    combine = combiner(layer, metric)
    age = np.array([(today - d).days for d in frame["period"]])
    work = frame.assign(week=(age - 1) // 7, is_yesterday=age == 1)
    work = work[(age >= 1) & (work["week"] < WEEKS)]
    keys = list(segment)
    numeric = [c for c in frame.columns if c not in (*keys, "period")]
    weekly = combine(work.groupby([*keys, "week"], dropna=False)[numeric].sum())
    last_day = combine(work[work["is_yesterday"]].groupby(keys or (lambda _: 0))[numeric].sum())
    table = weekly.unstack("week") if keys else weekly.to_frame().T
    table = table.reindex(columns=range(WEEKS))
    out = []
    for label, row in table.iterrows():
        where = {keys[0]: str(label)} if keys else {}
        values = row.to_numpy(dtype=float)
        changes = values[:-1] / np.where(values[1:] == 0, np.nan, values[1:]) - 1
        relative = changes - (overall_changes(overall) if overall is not None else 0.0)
        z = float(_robust_z(relative[0], relative[1:]))
        yesterday = float(last_day.get(label if keys else 0, math.nan))
        item = KpiRead(
            metric=metric,
            where=where,
            yesterday=yesterday,
            last_7=float(values[0]),
            prev_7=float(values[1]),
            change=float(changes[0]),
            z=z,
        )
        out.append((item, values))
    return out


def overall_changes(values: np.ndarray) -> np.ndarray:
    return values[:-1] / np.where(values[1:] == 0, np.nan, values[1:]) - 1


def _robust_z(current: float, history: np.ndarray) -> float:
    past = history[np.isfinite(history)]
    if len(past) < MIN_WEEKS or not math.isfinite(current):
        return math.nan
    center = float(np.median(past))
    # A floor: a perfectly regular history must not make every wiggle infinite.
    spread = robust_scale(past, center=center, floor=0.01)
    return (current - center) / spread


Combine = Callable[[pd.DataFrame], pd.Series]


def combiner(layer: SemanticLayer, metric: str) -> Combine:
    """How summed daily rows become a period's value for this metric (vectorised).

    Ratios are recomputed from summed parts and derived metrics from summed components, so a
    week's value is exact. Count-distinct metrics add daily counts (a customer buying on two
    days counts twice): consistent week to week, which is what a change needs.
    """
    definition = layer.metric(metric)
    if definition.type == "ratio":
        return lambda rows: rows["numerator"] / rows["denominator"].where(rows["denominator"] != 0)
    if definition.type == "derived":
        expr = definition.expr  # trusted: from the validated semantic.yml

        def derived(rows: pd.DataFrame) -> pd.Series:
            safe = rows.astype(float).where(rows != 0)  # x / 0 is unknown, not infinite
            return pd.Series(safe.eval(expr), index=rows.index, dtype=float)

        return derived
    return lambda rows: rows["value"].astype(float)


def _num(value: float) -> float | None:
    return value if math.isfinite(value) else None


def detect_anomalies(
    snapshot: KpiSnapshot,
    *,
    since: date,
    metrics: Collection[str] | None = None,
    dimensions: Collection[str] | None = None,
) -> list[Anomaly]:
    """Unusual days from `since` in the snapshot's daily series, strongest first.

    The same detector and false-discovery control as the detect analysis, so the monitor and
    "anything unusual this week?" agree. A metric read by leaf cells is judged in one family
    (overall, each segment, each two-dimension cell), so one story gets one name; the others
    one family per metric × dimension. `metrics` and `dimensions` narrow the check (None =
    every series read).
    """
    years = range(snapshot.history.start.year - 1, snapshot.today.year + 1)
    holidays = us_retail_holidays(years)
    by_leaves = {m: seg for (m, seg) in snapshot.frames if len(seg) > 1}

    def judged(metric: str, **relaxed: Any) -> list[Anomaly]:
        found: list[Anomaly] = []
        for (name, segment), frame in snapshot.frames.items():
            if name != metric or frame.empty:
                continue
            if metric in by_leaves and segment != by_leaves[metric]:
                continue  # judged from its leaf cells
            dims = [d for d in segment if dimensions is None or d in dimensions]
            if segment and not dims:
                continue
            found.extend(
                a
                for a in detect_segments(
                    {metric: frame.rename(columns={"period": "date"})},
                    dimensions=dims,
                    since=since,
                    holidays=holidays,
                    include_total=not segment or len(segment) > 1,
                    **relaxed,
                )
                if a.day < snapshot.today
            )
        return found

    names = list(dict.fromkeys(metric for metric, _ in snapshot.frames))
    found = [a for m in names if metrics is None or m in metrics for a in judged(m)]
    found += confirmed_outcomes(found, judged)
    return sorted(found, key=lambda a: (-a.score, a.metric, sorted(a.where.items()), a.day))


# --------------------------------------------------------------------------- presenting


def _per_day(layer: SemanticLayer, anomaly: Anomaly) -> str:
    """How a run's averaged value reads: '/day' for counts and sums, 'a day on average' else."""
    if anomaly.days <= 1:
        return ""
    additive = layer.metric(anomaly.metric).type == "simple"
    return "/day" if additive else " a day on average"


def anomaly_values(layer: SemanticLayer, anomaly: Anomaly) -> str:
    """'68 vs 106 expected' for a day; '68/day over 3 days vs 106/day expected' for a run
    ('2.20% on average over 4 days vs 3.21% expected' for a rate).

    A run's actual and expected are per-day averages (fractional for counts), so they are
    rounded by the metric's format and labelled as averages.
    """
    fmt = layer.format_value
    actual, expected = fmt(anomaly.metric, anomaly.actual), fmt(anomaly.metric, anomaly.expected)
    if anomaly.days <= 1:
        return f"{actual} vs {expected} expected"
    if _per_day(layer, anomaly) == "/day":
        return f"{actual}/day over {anomaly.days} days vs {expected}/day expected"
    return f"{actual} on average over {anomaly.days} days vs {expected} expected"


def companions_line(layer: SemanticLayer, companions: Sequence[Anomaly]) -> str:
    """'Over the same days: orders 13/day vs 21/day expected; revenue …' (one event's other
    metrics, so the alert carries what the move cost)."""
    if not companions:
        return ""
    parts = [
        f"{layer.metric(a.metric).label.lower()} {anomaly_values(layer, a)}" for a in companions
    ]
    return "Over the same days: " + "; ".join(parts) + "."


def anomaly_moved(anomaly: Anomaly) -> str:
    """'dropped on Fri Nov 20' for a day; 'has been down since Fri Nov 20 (3 days)' for a run."""
    if anomaly.days <= 1:
        return f"{'spiked' if anomaly.direction == 'up' else 'dropped'} on {anomaly.day:%a %b %-d}"
    return f"has been {anomaly.direction} since {anomaly.day:%a %b %-d} ({anomaly.days} days)"


def anomaly_table(layer: SemanticLayer, anomalies: Sequence[Anomaly]) -> Table:
    """Anomalies as people read them: labels, formatted values, runs marked per day."""
    rows = []
    for a in anomalies:
        per_day = _per_day(layer, a)
        suffix = per_day if per_day in ("", "/day") else " avg"
        rows.append(
            (
                layer.metric(a.metric).label,
                format_segment(a.where, style="words") or "overall",
                a.day.isoformat() + (f" ({a.days} days)" if a.days > 1 else ""),
                layer.format_value(a.metric, a.actual) + suffix,
                layer.format_value(a.metric, a.expected) + suffix,
                f"{a.score:.1f}",
            )
        )
    return Table(
        columns=("metric", "where", "day", "actual", "expected", "score"), rows=tuple(rows)
    )
