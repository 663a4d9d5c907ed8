"""What a campaign or a retention action changed: reorders of those contacted against the
holdout, never approvals (an approved action says what a person hoped, not what happened).

Uplift = P(reordered within `days` | contacted) − P(reordered | held out), with a 95% Wald
interval on the difference of two proportions; the sample sizes go with every figure.

Retention actions are measured the same way, per action kind × risk level: each treated or
held-out customer has their own window, [the day of the action, + `days`), counted only
once it has closed. Below `MIN_PER_GROUP` customers in either group the answer is "not
enough data yet", not a percentage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from agent.churn.schema import DEMO_SCHEMA, ChurnSchema
from agent.warehouse import Warehouse

# SQL templates: {name} is a declared identifier (ChurnSchema.render), $name a bound value.
REORDERS_SQL = """\
SELECT {key_as}, COUNT(*) AS orders
FROM {orders}
WHERE {key} IS NOT NULL AND {order_date} >= $start AND {order_date} < $until
GROUP BY {key}"""
Z95 = 1.959964
MIN_PER_GROUP = 30  # customers per group before an uplift is stated at all
# Every order in a span, one row per customer and day: each window is checked in pandas.
ORDER_DAYS_SQL = """\
SELECT DISTINCT {key_as}, CAST({order_date} AS DATE) AS order_date
FROM {orders}
WHERE {key} IS NOT NULL AND {order_date} >= $start AND {order_date} < $until"""
GROUPS = ("treated", "holdout")


@dataclass(frozen=True, kw_only=True)
class Uplift:
    """Reorders among those contacted and those held out, and the difference."""

    contacted: int
    contacted_reordered: int
    held_out: int
    held_out_reordered: int
    days: int

    @property
    def rate(self) -> float | None:
        return self.contacted_reordered / self.contacted if self.contacted else None

    @property
    def holdout_rate(self) -> float | None:
        return self.held_out_reordered / self.held_out if self.held_out else None

    @property
    def uplift(self) -> float | None:
        if self.rate is None or self.holdout_rate is None:
            return None
        return self.rate - self.holdout_rate

    def interval(self) -> tuple[float, float] | None:
        """The 95% interval of the uplift (None without both groups)."""
        p, q, up = self.rate, self.holdout_rate, self.uplift
        if p is None or q is None or up is None:
            return None
        se = math.sqrt(p * (1 - p) / self.contacted + q * (1 - q) / self.held_out)
        return up - Z95 * se, up + Z95 * se

    def sentence(self) -> str:
        if self.uplift is None or self.rate is None or self.holdout_rate is None:
            return f"No uplift yet: {self.contacted:,} contacted and {self.held_out:,} held out."
        low, high = self.interval() or (self.uplift, self.uplift)
        return (
            f"{self.rate:.1%} of the {self.contacted:,} contacted ordered again within "
            f"{self.days} days, against {self.holdout_rate:.1%} of the {self.held_out:,} held "
            f"out: uplift {self.uplift * 100:+.1f} points (95% interval {low * 100:+.1f} to "
            f"{high * 100:+.1f})."
        )


def measure_uplift(
    warehouse: Warehouse,
    assignment: pd.DataFrame,
    *,
    start: date,
    days: int,
    schema: ChurnSchema = DEMO_SCHEMA,
) -> Uplift:
    """Reorders in [start, start + days) of the `send` and `holdout` groups of an
    assignment (customer_id, group), as the warehouse records them."""
    params = {"start": start, "until": start + timedelta(days=days)}
    ordered = set(warehouse.query(schema.render(REORDERS_SQL), params)["customer_id"].astype(str))
    groups = assignment.assign(reordered=assignment["customer_id"].astype(str).isin(ordered))
    send = groups[groups["group"] == "send"]
    hold = groups[groups["group"] == "holdout"]
    return Uplift(
        contacted=len(send),
        contacted_reordered=int(send["reordered"].sum()),
        held_out=len(hold),
        held_out_reordered=int(hold["reordered"].sum()),
        days=days,
    )


@dataclass(frozen=True, kw_only=True)
class ActionUplift:
    """What one retention action did for one risk level, against its holdout."""

    kind: str
    segment: str
    uplift: Uplift

    def sentence(self, min_per_group: int = MIN_PER_GROUP) -> str:
        u, who = self.uplift, f"{self.kind.replace('_', ' ')} for {self.segment}-risk customers"
        if min(u.contacted, u.held_out) < min_per_group:
            return (
                f"{who}: not enough data yet ({u.contacted:,} treated, {u.held_out:,} held out; "
                f"at least {min_per_group} of each are needed)."
            )
        assert u.rate is not None and u.holdout_rate is not None and u.uplift is not None
        low, high = u.interval() or (u.uplift, u.uplift)
        return (
            f"{who}: {u.rate:.1%} of {u.contacted:,} treated ordered again within {u.days} days "
            f"vs {u.holdout_rate:.1%} of {u.held_out:,} held out, uplift "
            f"{u.uplift * 100:+.1f} points (95% interval {low * 100:+.1f} to {high * 100:+.1f})."
        )


def measure_retention(
    warehouse: Warehouse,
    assignment: pd.DataFrame,
    *,
    days: int,
    today: date,
    schema: ChurnSchema = DEMO_SCHEMA,
) -> pd.DataFrame:
    """Did each treated or held-out customer order again within `days` of `since`?

    `assignment` has customer_id, kind, segment, group (treated | holdout) and since (the
    day of the action, or of the decision to hold out). Rows whose window has not closed by
    `today` are left out: an open window would count a late reorder as a failure.
    """
    since = pd.to_datetime(assignment["since"]).dt.date
    closed = assignment[(since + timedelta(days=days)) <= today].copy()
    if closed.empty:
        return closed.assign(reordered=pd.Series(dtype=bool))
    first = min(pd.to_datetime(closed["since"]).dt.date)
    until = max(pd.to_datetime(closed["since"]).dt.date) + timedelta(days=days)
    orders = warehouse.query(schema.render(ORDER_DAYS_SQL), {"start": first, "until": until})
    orders = orders.assign(
        customer_id=orders["customer_id"].astype(str),
        order_date=pd.to_datetime(orders["order_date"]),
    )
    closed["customer_id"] = closed["customer_id"].astype(str)
    closed["_start"] = pd.to_datetime(closed["since"])
    closed["_row"] = range(len(closed))
    joined = closed.merge(orders, on="customer_id", how="inner")
    inside = (joined["order_date"] >= joined["_start"]) & (
        joined["order_date"] < joined["_start"] + pd.Timedelta(days=days)
    )
    hit = set(joined.loc[inside, "_row"])
    closed["reordered"] = closed["_row"].isin(hit)
    return closed.drop(columns=["_start", "_row"])


def uplift_by_action(measured: pd.DataFrame, *, days: int) -> list[ActionUplift]:
    """One uplift per action kind × segment from per-customer outcomes (group, reordered)."""
    out = []
    for (kind, segment), rows in measured.groupby(["kind", "segment"], sort=True):
        treated = rows[rows["group"] == "treated"]
        held = rows[rows["group"] == "holdout"]
        out.append(
            ActionUplift(
                kind=str(kind),
                segment=str(segment),
                uplift=Uplift(
                    contacted=len(treated),
                    contacted_reordered=int(treated["reordered"].sum()),
                    held_out=len(held),
                    held_out_reordered=int(held["reordered"].sum()),
                    days=days,
                ),
            )
        )
    return out
