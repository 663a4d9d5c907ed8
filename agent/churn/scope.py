"""Churn answers for a group of customers: "at risk in the West", "acquired via organic".

The model scores and tiers every customer (a tier is a slice of the whole store, so "high
risk" means the same in every group); a scope then keeps the customers whose own region or
acquisition channel is the one asked for, so the list, the tier counts, the value at risk,
the lapsed and the proposals are all about that group. A request for a group churn cannot
draw (a device: customers have none) is answered for everyone, says so first, and proposes
nothing: an action for someone outside the group asked about is not what was asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from agent.churn.schema import ChurnSchema, answers
from agent.warehouse import Warehouse

# A goal's dimension → the customer column that answers it. A customer's channel is the one
# they were acquired through (their orders may come through others).
CUSTOMER_COLUMNS = {"region": "region", "channel": "acquisition_channel"}

GROUPS_SQL = "SELECT {key_as}, {channel_as}, {region_as} FROM {customers} WHERE {key} IS NOT NULL"

# "win-back audience for lapsed customers", "who has already churned?": the customers past
# their churn line, not the ones still at risk.
LAPSED_ASKED = re.compile(
    r"\b(lapsed|win[- ]?back|already (?:churned|gone|lost)|churned customers|"
    r"(?:customers|buyers) (?:we(?:'ve| have)? )?(?:already )?lost|gone quiet)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Scope:
    """Customer column → value: the group a churn answer is about."""

    where: Mapping[str, str] = field(default_factory=dict)

    def words(self) -> str:
        """'customers in the West acquired via organic'."""
        text = "customers"
        if "region" in self.where:
            text += f" in the {self.where['region']}"
        if "acquisition_channel" in self.where:
            text += f" acquired via {self.where['acquisition_channel'].replace('_', ' ')}"
        return text

    def mask(self, groups: pd.DataFrame, index: pd.Index) -> pd.Series:
        """Which customers of `index` are in the group (unknown customers are not)."""
        keep = pd.Series(True, index=index)
        for column, value in self.where.items():
            theirs = groups[column].reindex(index).astype("string").str.lower()
            keep &= (theirs == value.lower()).fillna(False)
        return keep


def scope_of(filters: Mapping[str, str]) -> tuple[Scope | None, list[str]]:
    """The scope a goal's filters ask for, and the filters churn cannot apply."""
    where = {CUSTOMER_COLUMNS[d]: v for d, v in filters.items() if d in CUSTOMER_COLUMNS}
    cannot = [f"{d.replace('_', ' ')} {v}" for d, v in filters.items() if d not in CUSTOMER_COLUMNS]
    return (Scope(where) if where else None), cannot


def groups_known(warehouse: Warehouse, schema: ChurnSchema) -> bool:
    """Whether the customer table has the region and acquisition channel a scope keeps."""
    return answers(warehouse, schema.render(GROUPS_SQL) + " LIMIT 0", {})


def customer_groups(warehouse: Warehouse, schema: ChurnSchema) -> pd.DataFrame:
    """Each customer's region and acquisition channel, by customer id."""
    frame = warehouse.query(schema.render(GROUPS_SQL), {})
    return frame.set_index("customer_id")
