"""What a campaign or a retention action changed: reorders of those contacted against the
holdout, never approvals (an approved action says what a person hoped, not what happened).

Uplift = P(reordered within `days` | contacted) − P(reordered | held out), with a 95% Wald
interval on the difference of two proportions; the sample sizes go with every figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from agent.warehouse import Warehouse

REORDERS_SQL = """\
SELECT customer_id, COUNT(*) AS orders
FROM orders
WHERE customer_id IS NOT NULL AND order_date >= $start AND order_date < $until
GROUP BY customer_id"""
Z95 = 1.959964


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
    warehouse: Warehouse, assignment: pd.DataFrame, *, start: date, days: int
) -> Uplift:
    """Reorders in [start, start + days) of the `send` and `holdout` groups of an
    assignment (customer_id, group), as the warehouse records them."""
    params = {"start": start, "until": start + timedelta(days=days)}
    ordered = set(warehouse.query(REORDERS_SQL, params)["customer_id"].astype(str))
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
