"""Members of a cohort at risk, scored with the cohort's fall.

The model learns from past snapshots, when no group was leaving as this one is: a customer
of a cohort whose visits and orders fell by two thirds in a fortnight looks, on their own
rows, like any customer with a support ticket. The cohort scan measures that fall on the
whole group (SQL over the warehouse, cohorts.py), and each member's probability is raised
by it: a repeat buyer churns by the label when there is no order or visit in their window,
which under a steady rate λ has probability exp(−λW); at ρ of that rate it is
exp(−ρλW) = p^ρ. So p becomes p^ρ, with ρ where the group is now: its share of all visits
and orders over the last RECENT_DAYS as a share of its share before the fall (when the fall
is that old), else its activity per customer since the change as a share of before,
relative to everyone else's (the smaller fall of orders and visits). The member's reason
states both. Members are the customers of the group the
fall was measured on: those who had ordered before the window it is compared with.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from agent.churn.cohorts import (
    DAILY_SQL,
    DIMENSIONS,
    PEOPLE_SQL,
    Cohort,
    CohortScan,
    SignalMove,
    tenure_params,
    where_mask,
)
from agent.churn.schema import DEMO_SCHEMA, ChurnSchema
from agent.domain import Evidence
from agent.warehouse import Warehouse

ACTIVITY = ("orders", "sessions")
MEMBER = "one of the "  # how a member's reason begins
MIN_RATIO = 0.05  # a group at a twentieth of its activity is gone; below that is noise
RECENT_DAYS = 14  # the days whose activity says where a falling group is now

# {where}: "dimension = $dimension" for each of the cohort's DIMENSIONS (fixed names).
MEMBERS_SQL = (
    "WITH "
    + PEOPLE_SQL
    + """
SELECT customer_id FROM groups WHERE {where}"""
)


def activity_ratio(cohort: Cohort) -> float | None:
    """The group's orders or visits per customer since its change, as a share of its own
    before, relative to everyone else's: the smaller fall of the two (None when neither
    was measured)."""
    if not any(m.signal in ACTIVITY for m in cohort.moves):
        return None
    ratios = [
        (1 + move.change) / (1 + move.rest_change)
        for move in _stated(cohort)
        if move.change is not None and move.rest_change is not None and move.rest_change > -1
    ]
    if not ratios:
        return None
    return float(min(1.0, max(MIN_RATIO, max(ratios))))


def _stated(cohort: Cohort) -> list[SignalMove]:
    """The activity moves a member's reason states: those of the latest split (the day
    the group's activity began to fall)."""
    moves = [m for m in cohort.moves if m.signal in ACTIVITY]
    latest = max(m.start for m in moves)
    return [m for m in moves if m.start == latest]


def member_words(cohort: Cohort, recent: float | None = None) -> str:
    """'one of the Northeast customers acquired via direct (2,235 customers), whose orders
    −70% and visits −60% per customer since Sep 29 against the 84 days before (everyone
    else: −15% and −14%); over the last 14 days, at 21% of their usual share of all visits
    and orders'."""
    moves = _stated(cohort)
    name = cohort.name()
    name = name[0].lower() + name[1:] if name.startswith("Customers") else name
    now = (
        f"; over the last {RECENT_DAYS} days, at {recent:.0%} of their usual share of all "
        "visits and orders"
        if recent is not None
        else ""
    )
    return (
        f"{MEMBER}{name} ({cohort.customers:,} customers), whose "
        f"{' and '.join(m.words() for m in moves)} per customer since {moves[0].start:%b %-d} "
        f"against the {moves[0].baseline_days} days before "
        f"(everyone else: {' and '.join(m.rest_words() for m in moves)}){now}"
    )


def recent_share(
    warehouse: Warehouse, today: date, cohort: Cohort, schema: ChurnSchema
) -> tuple[float | None, Evidence | None]:
    """The group's share of all visits and orders over the last RECENT_DAYS, as a share of
    its share over the days its fall is compared with (the same population as the stated
    figures): where the group is now, not its average since the change began. None when
    the days are too few or hold no activity."""
    start, since = _baseline_start(cohort), _stated(cohort)[0].start
    if (today - since).days < RECENT_DAYS:
        return None, None  # a fall younger than the days read: its average says it
    sql = schema.render(DAILY_SQL)
    params = {"today": today, "base_start": start, **tenure_params(today)}
    daily = warehouse.query(sql, params)
    evidence = Evidence(
        sql=sql,
        params=params,
        description=f"visits and orders per day: {cohort.name()} against everyone else",
        rows=len(daily),
    )
    for column in DIMENSIONS:
        daily[column] = daily[column].astype(str)
    day = pd.to_datetime(daily["day"]).dt.date
    inside = where_mask(daily, cohort.where)
    recent = (day >= today - timedelta(days=RECENT_DAYS)).to_numpy()
    before = (day < since).to_numpy()
    events = daily["events"].to_numpy(float)
    if not events[before].sum() or not events[recent].sum():
        return None, evidence
    share_before = events[before & inside].sum() / events[before].sum()
    share_now = events[recent & inside].sum() / events[recent].sum()
    return (float(share_now / share_before) if share_before else None), evidence


def cohort_pull(
    warehouse: Warehouse, today: date, scan: CohortScan, *, schema: ChurnSchema = DEMO_SCHEMA
) -> tuple[pd.DataFrame, tuple[Evidence, ...]]:
    """Per member of a cohort (clearest cohort first, one each): `cohort_ratio` (ρ) and
    `cohort_words` (the factor a profile states), and the SQL that drew the members. Empty
    when no cohort fell."""
    empty = pd.DataFrame(
        {"cohort_ratio": pd.Series(dtype=float), "cohort_words": pd.Series(dtype=object)}
    )
    rows, evidence = [], []
    for cohort in scan.cohorts:
        average = activity_ratio(cohort)
        if average is None:
            continue
        # Where the group is now, when its last days say so; else its average since.
        now, shares = recent_share(warehouse, today, cohort, schema)
        ratio = average if now is None else float(min(1.0, max(MIN_RATIO, now)))
        if ratio >= 1:
            continue
        if shares is not None:
            evidence.append(shares)
        where = {d: v for d, v in cohort.where.items() if d in DIMENSIONS}
        sql = schema.render(
            MEMBERS_SQL.replace("{where}", " AND ".join(f"{d} = ${d}" for d in where))
        )
        # The group the stated moves were measured on: ordered before their baseline.
        params = {
            "today": today,
            "base_start": _baseline_start(cohort),
            **tenure_params(today),
            **where,
        }
        people = warehouse.query(sql, params)
        evidence.append(
            Evidence(
                sql=sql,
                params=params,
                description=f"members of the cohort: {cohort.name()}, ordered before the "
                "days their fall is compared with",
                rows=len(people),
            )
        )
        ids = people["customer_id"]
        rows.append(
            pd.DataFrame(
                {"cohort_ratio": ratio, "cohort_words": member_words(cohort, now)},
                index=pd.Index(ids.astype(str), name="customer_id"),
            )
        )
    if not rows:
        return empty, ()
    out = pd.concat(rows)
    return out[~out.index.duplicated(keep="first")], tuple(evidence)


def _baseline_start(cohort: Cohort) -> date:
    move = _stated(cohort)[0]
    return move.start - timedelta(days=move.baseline_days)


def pulled(probability: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """p^ρ: the probability of no order or visit in the window at ρ of the rate the model
    saw (ρ = 1 leaves p as it is; NaN stays NaN)."""
    return np.power(np.asarray(probability, dtype=float), np.asarray(ratio, dtype=float))
