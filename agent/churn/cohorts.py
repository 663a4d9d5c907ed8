"""Cohorts whose churn risk rose: which groups of established customers stopped ordering,
stopped visiting or started writing to support, said as a group a CRM lead can act on.

The signals are counted per customer in two windows (the current one since a split date and
the one before it) and summed into leaves, one per acquisition channel × region × first
category × tenure, over customers who had ordered before both windows began (so the same
people are compared with themselves). Each leaf's expected count in the current window is
its own count before, times the length of the window, times the population's typical change
(the weighted median over single-dimension groups, so a store-wide season or a dying cohort
does not set the norm). Scout's root-cause engine then names the segments that depart from
that expectation, signal by signal, and a segment becomes a cohort when its orders fell and
the other signals agree. Several split dates are tried; the clearest one says "since when".
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from agent.analyses.rca import SearchParams, explain_change
from agent.churn.schema import DEMO_SCHEMA, ChurnSchema, answers
from agent.domain import Evidence
from agent.warehouse import Warehouse

DIMENSIONS: tuple[str, ...] = ("acquisition_channel", "region", "first_category", "tenure")
# Signal -> the direction that means risk (+1: a rise, -1: a fall) and its words.
SIGNALS: Mapping[str, int] = {"orders": -1, "sessions": -1, "tickets": 1}
SIGNAL_WORDS: Mapping[str, str] = {
    "orders": "orders",
    "sessions": "visits",
    "tickets": "support tickets",
}
SPLITS_DAYS: tuple[int, ...] = (84, 70, 56, 42, 28)  # current window lengths tried
BASELINE_DAYS = 84  # the window before the split, at most (less when the data is shorter)
MIN_BASELINE_DAYS = 28
MIN_CUSTOMERS = 50  # a cohort smaller than this is a list of people, not a group
MIN_Z = 5.0  # evidence (in Poisson noise units) a visit or ticket signal needs
SHOWN_Z = 3.0  # ... and any signal, orders included, to be stated for a cohort
MAX_COHORTS = 3
EARLY_ORDERS_Z = 1.5  # orders' fall that counts when visits and tickets both clearly moved

# Who the groups are made of: customers who had ordered before the compared windows, with
# their channel, region, tenure band and the category of the first order line seen.
# SQL templates: {name} is a declared identifier (ChurnSchema.render), $name a bound value.
PEOPLE_SQL = """\
people AS (
    SELECT {key_as}, {channel_as}, {region_as},
           CASE WHEN {first_order} >= $t365 THEN 'under a year'
                WHEN {first_order} >= $t730 THEN '1-2 years'
                ELSE 'over 2 years' END AS tenure
    FROM {customers}
    WHERE {key} IS NOT NULL AND {first_order} < $base_start
),
lines AS (
    SELECT {key_as}, {category_as},
           ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY {line_date}, {line_order}, {line_no})
               AS n
    FROM {lines}
    WHERE {key} IS NOT NULL AND {line_date} < $today
),
first_line AS (SELECT customer_id, category FROM lines WHERE n = 1),
groups AS (
    SELECT p.customer_id, p.acquisition_channel, p.region,
           COALESCE(f.category, 'unknown') AS first_category, p.tenure
    FROM people p LEFT JOIN first_line f ON f.customer_id = p.customer_id
)"""

COHORT_SQL = (
    "WITH "
    + PEOPLE_SQL
    + """,
o AS (
    SELECT {key_as},
           SUM(CASE WHEN {order_date} < $split THEN 1 ELSE 0 END) AS orders_base,
           SUM(CASE WHEN {order_date} >= $split THEN 1 ELSE 0 END) AS orders_cur
    FROM {orders}
    WHERE {key} IS NOT NULL AND {order_date} >= $base_start AND {order_date} < $today
    GROUP BY {key}
),
t AS (
    SELECT {key_as},
           SUM(CASE WHEN {ticket_date} < $split THEN 1 ELSE 0 END) AS tickets_base,
           SUM(CASE WHEN {ticket_date} >= $split THEN 1 ELSE 0 END) AS tickets_cur
    FROM {tickets}
    WHERE {key} IS NOT NULL AND {ticket_date} >= $base_start AND {ticket_date} < $today
    GROUP BY {key}
),
s AS (
    SELECT {key_as},
           SUM(CASE WHEN {session_date} < $split THEN 1 ELSE 0 END) AS sessions_base,
           SUM(CASE WHEN {session_date} >= $split THEN 1 ELSE 0 END) AS sessions_cur
    FROM {sessions}
    WHERE {key} IS NOT NULL AND {session_date} >= $base_start AND {session_date} < $today
    GROUP BY {key}
)
SELECT p.acquisition_channel, p.region, p.first_category, p.tenure, COUNT(*) AS customers,
       SUM(COALESCE(o.orders_base, 0)) AS orders_base,
       SUM(COALESCE(o.orders_cur, 0)) AS orders_cur,
       SUM(COALESCE(t.tickets_base, 0)) AS tickets_base,
       SUM(COALESCE(t.tickets_cur, 0)) AS tickets_cur,
       SUM(COALESCE(s.sessions_base, 0)) AS sessions_base,
       SUM(COALESCE(s.sessions_cur, 0)) AS sessions_cur
FROM groups p
LEFT JOIN o ON o.customer_id = p.customer_id
LEFT JOIN t ON t.customer_id = p.customer_id
LEFT JOIN s ON s.customer_id = p.customer_id
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4"""
)

# Visits and orders per group and day: when a named cohort's activity started to fall.
DAILY_SQL = (
    "WITH "
    + PEOPLE_SQL
    + """,
activity AS (
    SELECT {key_as}, {session_date} AS day FROM {sessions}
    WHERE {key} IS NOT NULL AND {session_date} >= $base_start AND {session_date} < $today
    UNION ALL
    SELECT {key}, {order_date} FROM {orders}
    WHERE {key} IS NOT NULL AND {order_date} >= $base_start AND {order_date} < $today
)
SELECT p.acquisition_channel, p.region, p.first_category, p.tenure, a.day, COUNT(*) AS events
FROM groups p JOIN activity a ON a.customer_id = p.customer_id
GROUP BY 1, 2, 3, 4, 5"""
)


@dataclass(frozen=True, kw_only=True)
class SignalMove:
    """One signal of a cohort: per customer per day before and since the split, and the
    same for everyone else in the compared population."""

    signal: str
    start: date  # the split: "since" this day, against the `baseline_days` before it
    baseline_days: int
    before: float
    since: float
    rest_before: float
    rest_since: float
    z: float  # departure from the expectation, in Poisson noise units (signed)

    @property
    def change(self) -> float | None:
        """Relative change per customer-day (None without a base)."""
        return self.since / self.before - 1 if self.before > 0 else None

    @property
    def rest_change(self) -> float | None:
        return self.rest_since / self.rest_before - 1 if self.rest_before > 0 else None

    def words(self) -> str:
        """'orders −70%' or 'support tickets ×4' (a rise past double reads as a multiple)."""
        return f"{SIGNAL_WORDS[self.signal]} {_move(self.before, self.since)}"

    def rest_words(self) -> str:
        return _move(self.rest_before, self.rest_since)


@dataclass(frozen=True, kw_only=True)
class Cohort:
    """A group of established customers whose churn signals moved together: since `since`
    (when its visits and orders began to fall, estimated from the daily counts)."""

    where: Mapping[str, str]
    customers: int
    since: date
    moves: tuple[SignalMove, ...]
    score: float  # combined evidence over the signals that agree, at the clearest split

    def name(self) -> str:
        """'Northeast customers acquired via direct' (the group in a CRM lead's words)."""
        return cohort_name(self.where)

    def sentence(self) -> str:
        """'Northeast customers acquired via direct (2,235 customers): orders −70% and visits
        −60% per customer since Sep 29 against the 84 days before (everyone else: −15% and
        −14%); support tickets ×41 since Aug 31 (everyone else: −9%)'."""
        parts = []
        for start in sorted({m.start for m in self.moves}, reverse=True):
            moves = [m for m in self.moves if m.start == start]
            moved = " and ".join(m.words() for m in moves)
            rest = " and ".join(m.rest_words() for m in moves)
            parts.append(
                f"{moved} per customer since {start:%b %-d} against the "
                f"{moves[0].baseline_days} days before (everyone else: {rest})"
            )
        return f"{self.name()} ({self.customers:,} customers): " + "; ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "where": dict(self.where),
            "name": self.name(),
            "customers": self.customers,
            "since": self.since.isoformat(),
            "score": round(self.score, 2),
            "signals": {
                m.signal: {
                    "since": m.start.isoformat(),
                    "baseline_days": m.baseline_days,
                    "per_customer_day_before": m.before,
                    "per_customer_day_since": m.since,
                    "change": m.change,
                    "rest_change": m.rest_change,
                    "z": round(m.z, 2),
                }
                for m in self.moves
            },
            "sentence": self.sentence(),
        }


@dataclass(frozen=True, kw_only=True)
class CohortScan:
    """The cohorts found (clearest first) and the SQL behind the clearest split."""

    cohorts: tuple[Cohort, ...]
    evidence: tuple[Evidence, ...]

    def sentences(self) -> list[str]:
        if not self.cohorts:
            return []
        head = "Cohorts whose churn risk rose: " if len(self.cohorts) > 1 else "Cohort at risk: "
        return [head + "; ".join(c.sentence() for c in self.cohorts) + "."]


def cohort_name(where: Mapping[str, str]) -> str:
    """A segment in words: 'Northeast customers acquired via direct'."""
    head = f"{where['region']} customers" if "region" in where else "Customers"
    clauses = []
    if "acquisition_channel" in where:
        clauses.append(f"acquired via {where['acquisition_channel'].replace('_', ' ')}")
    if "first_category" in where:
        clauses.append(f"whose first order was {where['first_category']}")
    if "tenure" in where:
        clauses.append(f"with us for {where['tenure']}")
    return " ".join([head, ", ".join(clauses)]).strip()


def find_cohorts(
    warehouse: Warehouse, today: date, *, data_start: date, schema: ChurnSchema = DEMO_SCHEMA
) -> CohortScan:
    """The groups whose churn signals moved most clearly, over a few split dates, each with
    the day its activity began to fall and its signals measured from that day."""
    if not groups_readable(warehouse, schema, today):
        return CohortScan(cohorts=(), evidence=())
    found: dict[tuple[tuple[str, str], ...], Cohort] = {}
    evidence: list[Evidence] = []
    for days in SPLITS_DAYS:
        split = today - timedelta(days=days)
        base_start = _baseline_start(split, data_start)
        if base_start is None:
            continue
        leaves, ev = _leaves(warehouse, schema, today, split, base_start)
        evidence = evidence or [ev]
        for cohort in _cohorts_at(leaves, today, split, base_start):
            key = tuple(sorted(cohort.where.items()))
            if key not in found or cohort.score > found[key].score:
                found[key] = cohort
    kept: list[Cohort] = []
    for cohort in sorted(found.values(), key=lambda c: -c.score):
        # A cohort inside (or around) one already named is the same news again.
        if not any(_nested(cohort.where, k.where) for k in kept):
            kept.append(cohort)
        if len(kept) == MAX_COHORTS:
            break
    if not kept:
        return CohortScan(cohorts=(), evidence=tuple(evidence))
    dated = _dated(warehouse, schema, today, data_start, kept)
    return CohortScan(cohorts=tuple(dated), evidence=tuple(evidence))


def groups_readable(warehouse: Warehouse, schema: ChurnSchema, today: date) -> bool:
    """Whether the warehouse holds what the groups are made of (a customer table with a
    channel and a region, order lines with a category): without them there are no
    cohorts to find, which is no reason to fail a churn answer. A warehouse that is down
    or slow still raises."""
    probe = "WITH " + PEOPLE_SQL + "\nSELECT * FROM groups LIMIT 0"
    params = {"today": today, "base_start": today, **tenure_params(today)}
    return answers(warehouse, schema.render(probe), params)


def _baseline_start(split: date, data_start: date) -> date | None:
    days = min(BASELINE_DAYS, (split - data_start).days)
    return split - timedelta(days=days) if days >= MIN_BASELINE_DAYS else None


def _dated(
    warehouse: Warehouse,
    schema: ChurnSchema,
    today: date,
    data_start: date,
    cohorts: list[Cohort],
) -> list[Cohort]:
    """Each cohort with the day its activity began to fall, and its signals re-measured
    from that day (a signal keeps the scan's clearer window when it moved earlier, as
    support tickets do before people leave)."""
    base_start = min(m.start - timedelta(days=m.baseline_days) for c in cohorts for m in c.moves)
    params = {"today": today, "base_start": base_start, **tenure_params(today)}
    daily = warehouse.query(schema.render(DAILY_SQL), params)
    for column in DIMENSIONS:
        daily[column] = daily[column].astype(str)
    daily["day"] = pd.to_datetime(daily["day"])
    out = []
    for cohort in cohorts:
        mask = where_mask(daily, cohort.where)
        inside = daily[mask].groupby("day")["events"].sum()
        rest = daily[~mask].groupby("day")["events"].sum()
        since = change_day(inside, rest, earliest=cohort.moves[0].start - timedelta(days=28))
        if since is None or _baseline_start(since, data_start) is None:
            out.append(cohort)
            continue
        start = _baseline_start(since, data_start)
        assert start is not None
        leaves, _ = _leaves(warehouse, schema, today, since, start)
        at = {
            m.signal: m
            for m in (
                _move_of(leaves, where_mask(leaves, cohort.where), signal, today, since, start)
                for signal in SIGNALS
            )
        }
        moves = []
        for signal, direction in SIGNALS.items():
            options = [m for m in (at.get(signal), _find(cohort.moves, signal)) if m is not None]
            best = max(options, key=lambda m: m.z * direction, default=None)
            if best is not None and best.z * direction >= SHOWN_Z:
                moves.append(best)
        out.append(
            Cohort(
                where=cohort.where,
                customers=cohort.customers,
                since=since,
                moves=tuple(moves),
                score=cohort.score,
            )
        )
    return out


def change_day(
    inside: pd.Series,
    rest: pd.Series,
    *,
    earliest: date,
    taus: tuple[float, ...] = (3, 7, 14, 28, 56),
) -> date | None:
    """The day a group's daily activity began to decay against everyone else's.

    Counts are Poisson around share(t) × the rest's count that day (so the store's own ups
    and downs cancel); share is flat before the change and decays exponentially after it
    (people drift away, they do not all leave at once). The change day and the decay time
    are chosen by likelihood over a grid; None when the data holds too few days.
    """
    days = inside.index.union(rest.index)
    c = inside.reindex(days, fill_value=0).to_numpy(float)
    r = rest.reindex(days, fill_value=0).to_numpy(float)
    t = ((days - days[0]).days).to_numpy(float)
    first = max(0, int((pd.Timestamp(earliest) - days[0]).days))
    if len(days) < 28 or c.sum() <= 0:
        return None
    best, best_ll = None, -np.inf
    for d in range(max(first, 14), len(days) - 7):
        for tau in taus:
            shape = np.exp(-np.maximum(t - t[d], 0) / tau)
            mu = r * shape
            share = c.sum() / max(mu.sum(), 1e-12)
            ll = float(np.sum(c * np.log(np.maximum(share * mu, 1e-300)) - share * mu))
            if ll > best_ll:
                best, best_ll = d, ll
    return None if best is None else days[best].date()


def _find(moves: tuple[SignalMove, ...], signal: str) -> SignalMove | None:
    return next((m for m in moves if m.signal == signal), None)


def tenure_params(today: date) -> dict[str, date]:
    return {"t365": today - timedelta(days=365), "t730": today - timedelta(days=730)}


def _leaves(
    warehouse: Warehouse, schema: ChurnSchema, today: date, split: date, base_start: date
) -> tuple[pd.DataFrame, Evidence]:
    params = {"today": today, "split": split, "base_start": base_start, **tenure_params(today)}
    sql = schema.render(COHORT_SQL)
    frame = warehouse.query(sql, params)
    for column in DIMENSIONS:
        frame[column] = frame[column].astype(str)
    evidence = Evidence(
        sql=sql,
        params=params,
        description="orders, visits and support tickets per group of established customers, "
        "before and since the split",
        rows=len(frame),
    )
    return frame, evidence


def _cohorts_at(leaves: pd.DataFrame, today: date, split: date, base_start: date) -> list[Cohort]:
    """The engine's segments per signal at one split, joined into cohorts."""
    if leaves.empty:
        return []
    ratio = (today - split).days / (split - base_start).days
    named: set[tuple[tuple[str, str], ...]] = set()
    for signal, direction in SIGNALS.items():
        base = leaves[f"{signal}_base"].to_numpy(float)
        cur = leaves[f"{signal}_cur"].to_numpy(float)
        if base.sum() <= 0:
            continue
        expected = base * ratio * by_tenure(leaves, base * ratio, cur)
        frame = leaves.loc[:, list(DIMENSIONS)].assign(expected=expected, actual=cur)
        result = explain_change(
            frame,
            DIMENSIONS,
            baseline="expected",
            current="actual",
            max_causes=MAX_COHORTS,
            params=SearchParams.for_periods(),
        )
        for cause in result.root_causes:
            if cause.change * direction <= 0:
                continue
            # The engine may narrow a group to the child that moved most on this signal;
            # its parents compete too, judged on every signal below.
            items = sorted(cause.where.items())
            for size in range(1, len(items) + 1):
                named.update(
                    # A tenure band alone is compared with itself: the norm, not news.
                    combo
                    for combo in itertools.combinations(items, size)
                    if any(dim != "tenure" for dim, _ in combo)
                )
    out = []
    for key in sorted(named):
        where = dict(key)
        mask = where_mask(leaves, where)
        customers = int(leaves.loc[mask, "customers"].sum())
        if customers < MIN_CUSTOMERS:
            continue
        moves = tuple(
            _move_of(leaves, mask, signal, today, split, base_start)
            for signal in SIGNALS
            if leaves[f"{signal}_base"].sum() > 0
        )
        agree = [m for m in moves if m.z * SIGNALS[m.signal] >= SHOWN_Z]
        # Churn is customers leaving: orders must have fallen beyond noise, and another
        # signal must have moved clearly (orders are sparse: few per customer per month).
        fell = any(m.signal == "orders" for m in agree)
        clear = any(m.signal != "orders" and m.z * SIGNALS[m.signal] >= MIN_Z for m in agree)
        if not fell:
            # In a group's first weeks of leaving its few orders may not have fallen beyond
            # noise yet; they must have fallen, and every other signal clearly agree.
            toward = {m.signal: m.z * SIGNALS[m.signal] for m in moves}
            fell = toward.get("orders", 0.0) >= EARLY_ORDERS_Z and all(
                toward.get(signal, 0.0) >= MIN_Z for signal in SIGNALS if signal != "orders"
            )
        if not (fell and clear):
            continue
        out.append(
            Cohort(
                where={d: where[d] for d in DIMENSIONS if d in where},
                customers=customers,
                since=split,
                moves=tuple(sorted(agree, key=lambda m: list(SIGNALS).index(m.signal))),
                score=float(sum(m.z * m.z for m in agree)),
            )
        )
    return out


def by_tenure(leaves: pd.DataFrame, expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Each leaf's ordinary change: that of its tenure band. Activity fades on its own in
    the months after a first order, so newer customers are compared with each other, not
    with customers of many years (their fall is the norm, not a cohort at risk)."""
    out = np.ones(len(leaves))
    for band in leaves["tenure"].unique():
        rows = (leaves["tenure"] == band).to_numpy()
        out[rows] = typical_change(leaves[rows], expected[rows], actual[rows])
    return out


def typical_change(leaves: pd.DataFrame, expected: np.ndarray, actual: np.ndarray) -> float:
    """The population's ordinary change: the weighted median of single-dimension groups'
    ratios (one dying group cannot set it; a store-wide season does)."""
    ratios, weights = [], []
    for dim in DIMENSIONS:
        groups = pd.DataFrame({"g": leaves[dim], "e": expected, "a": actual}).groupby("g")
        sums = groups.sum()
        live = sums[sums["e"] > 0]
        ratios.extend((live["a"] / live["e"]).tolist())
        weights.extend(live["e"].tolist())
    if not ratios:
        return 1.0
    order = np.argsort(ratios)
    r, w = np.asarray(ratios)[order], np.asarray(weights)[order]
    return float(r[np.searchsorted(np.cumsum(w), 0.5 * w.sum())])


def _move_of(
    leaves: pd.DataFrame,
    mask: np.ndarray,
    signal: str,
    today: date,
    split: date,
    base_start: date,
) -> SignalMove:
    base_days, cur_days = (split - base_start).days, (today - split).days
    people = leaves["customers"].to_numpy(float)
    base = leaves[f"{signal}_base"].to_numpy(float)
    cur = leaves[f"{signal}_cur"].to_numpy(float)
    inside, outside = people[mask].sum(), people[~mask].sum()
    # Expected inside: its own count before, changed as everyone else of the same tenure.
    expected = 0.0
    for band in leaves["tenure"].unique():
        rows = (leaves["tenure"] == band).to_numpy()
        rest = rows & ~mask
        change = cur[rest].sum() / max(base[rest].sum(), 1e-12) if base[rest].sum() else 1.0
        expected += base[rows & mask].sum() * change
    z = (cur[mask].sum() - expected) / np.sqrt(max(expected, 1.0))
    return SignalMove(
        signal=signal,
        start=split,
        baseline_days=base_days,
        before=float(base[mask].sum() / inside / base_days),
        since=float(cur[mask].sum() / inside / cur_days),
        rest_before=float(base[~mask].sum() / max(outside, 1.0) / base_days),
        rest_since=float(cur[~mask].sum() / max(outside, 1.0) / cur_days),
        z=float(z),
    )


def where_mask(leaves: pd.DataFrame, where: Mapping[str, str]) -> np.ndarray:
    mask = np.ones(len(leaves), dtype=bool)
    for dim, value in where.items():
        mask &= (leaves[dim] == value).to_numpy()
    return mask


def _nested(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    return all(big.get(k) == v for k, v in small.items())


def _move(before: float, since: float) -> str:
    if before <= 0:
        return "up from none" if since > 0 else "none"
    ratio = since / before
    if ratio >= 2:
        return f"×{ratio:.0f}" if ratio >= 3 else f"×{ratio:.1f}"
    return f"{ratio - 1:+.0%}".replace("-", "−")
