"""Campaign-ready audiences: the RFM segments after exclusions, with a recorded holdout.

"The latest segmentation for tomorrow's email campaign" asks for lists a CRM team can send
to. Each segment's customers are checked, first reason wins:

1. opted out of email, or consent unknown (a declared opt-out column left empty): never
   emailed, as the email integration would refuse them anyway (agent.act.contacts);
2. no email address, when the campaign is an email one and addresses are declared;
3. contacted by Scout in the last `cooldown_days` (its action records: a customer action
   executed or queued);
4. already in a retention flow (a retention action waiting for approval, or one executed in
   the last `FLOW_DAYS`);
5. at high or critical churn risk: routed to the retention flow (a person-by-person offer,
   call or win-back), not a bulk email.

What remains is split at random into those contacted and a holdout (`holdout_share`, 10% by
default) by a hash of the campaign id and the customer id: the same campaign always gets the
same split, and another campaign another one. The split is written with the audience so
that `agent.churn.outcomes` can later measure what the campaign changed against it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from agent.analyses.rfm import ACTIONS, SEGMENT_ORDER, score_customers
from agent.errors import WarehouseError
from agent.learning import RETENTION_KINDS
from agent.understand.campaign import campaign_delivery, is_campaign

if TYPE_CHECKING:
    from agent.act.records import ApprovalRequest, ExecutionRecord
    from agent.semantic.model import SemanticLayer
    from agent.warehouse import Warehouse

log = logging.getLogger("scout.churn")

WINBACK_SEGMENTS: tuple[str, ...] = ("At risk", "Can't lose them")
FLOW_DAYS = 30  # a retention action executed this recently means the customer is in a flow
RECORDS_READ = 100_000  # the newest action records read for the contact history
EXCLUSION_WORDS: Mapping[str, str] = {
    "opted_out": "opted out of email (or consent unknown)",
    "no_email": "no email address",
    "contacted_recently": "contacted by Scout recently, or a message to them is queued",
    "in_retention_flow": "already in a retention flow",
    "high_churn_risk": "at high churn risk: routed to the retention flow instead",
}


def rfm_segments(frame: pd.DataFrame, history_days: int) -> pd.Series:
    """The segmentation's segment of each customer in a churn feature frame (recency,
    orders and revenue over the `history_days` read, scored as `agent.analyses.segment`
    scores them, "New" only for a first order inside them); None for a customer with no
    order in it."""
    seen = frame[frame["orders_total"] > 0]
    rfm = pd.DataFrame(
        {
            "recency_days": seen["days_since_last"].to_numpy(float),
            "frequency": seen["orders_total"].to_numpy(float),
            "monetary": seen["revenue_total"].to_numpy(float),
            "ordered_before": (seen["tenure_days"] > history_days).to_numpy(bool),
        },
        index=seen.index,
    )
    segments = score_customers(rfm)["segment"] if len(rfm) else pd.Series(dtype=object)
    return segments.reindex(frame.index).astype(object).where(lambda s: s.notna(), None)


@dataclass(frozen=True, kw_only=True)
class CampaignSpec:
    """Which campaign, sent how, with what holdout and contact cool-down."""

    campaign_id: str
    delivery: str | None
    holdout_share: float = 0.1
    cooldown_days: int = 14

    def __post_init__(self) -> None:
        if not 0 <= self.holdout_share < 1:
            raise ValueError("holdout_share must be in [0, 1)")


def campaign_spec(
    text: str, today: date, *, holdout_share: float = 0.1, cooldown_days: int = 14
) -> CampaignSpec | None:
    """The campaign a request prepares (its id names the delivery and the send day), or None."""
    if not is_campaign(text):
        return None
    delivery = campaign_delivery(text)
    day = today + timedelta(days=1) if re.search(r"\btomorrow", text, re.I) else today
    return CampaignSpec(
        campaign_id=f"{delivery or 'campaign'}-{day.isoformat()}",
        delivery=delivery,
        holdout_share=holdout_share,
        cooldown_days=cooldown_days,
    )


@dataclass(frozen=True, kw_only=True)
class ContactHistory:
    """Who Scout has reached, or is reaching, according to its own action records."""

    contacted: frozenset[str] = frozenset()
    in_flow: frozenset[str] = frozenset()
    read: bool = False  # False: no records were available to check


class ActionRecords(Protocol):
    """The part of Scout's actor that says what it did (agent.deps.ActDesk has it)."""

    async def pending(self) -> list[ApprovalRequest]: ...

    async def executions(
        self, *, key: str | None = None, limit: int = 100
    ) -> list[ExecutionRecord]: ...


async def contact_history(
    records: ActionRecords, now: datetime, cooldown_days: int
) -> ContactHistory:
    """Customers contacted in the last `cooldown_days` and those in a retention flow."""
    contacted: set[str] = set()
    in_flow: set[str] = set()
    for record in await records.executions(limit=RECORDS_READ):
        customer = _customer_of(record.action.params)
        if customer is None or record.status not in ("executed", "queued", "running"):
            continue
        age = now - record.started_at
        if age <= timedelta(days=cooldown_days):
            contacted.add(customer)
        if record.action.kind in RETENTION_KINDS and age <= timedelta(days=FLOW_DAYS):
            in_flow.add(customer)
    for request in await records.pending():
        customer = _customer_of(request.action.params)
        if customer is not None and request.action.kind in RETENTION_KINDS:
            in_flow.add(customer)
    return ContactHistory(contacted=frozenset(contacted), in_flow=frozenset(in_flow), read=True)


def _customer_of(params: Mapping[str, object]) -> str | None:
    value = params.get("customer_id")
    return str(value) if value else None


@dataclass(frozen=True, kw_only=True)
class Contacts:
    """Email and opt-out per customer, when the warehouse declares and holds them."""

    frame: pd.DataFrame  # index customer_id; columns email, opted_out (None when unknown)
    has_email: bool
    has_opt_out: bool
    note: str = ""


def read_contacts(warehouse: Warehouse, layer: SemanticLayer) -> Contacts:
    """The declared contact columns of the customer entity, for every customer at once.

    Optional: a warehouse without them (or a layer that declares none) gives an empty frame
    and a note saying what could not be checked."""
    entity = layer.entities.get("customer")
    empty = pd.DataFrame(columns=["email", "opted_out"]).rename_axis("customer_id")
    if entity is None or not (entity.email or entity.opt_out):
        return Contacts(frame=empty, has_email=False, has_opt_out=False, note="no contact "
                        "columns are declared for customers in semantic.yml")  # fmt: skip
    email = entity.email or "NULL"
    opt = entity.opt_out or "NULL"
    # Identifiers come from semantic.yml, checked by its loader; nothing here is user text.
    sql = (
        f"SELECT {entity.key} AS customer_id, {email} AS email, {opt} AS opted_out "
        f"FROM {entity.table}"
    )
    try:
        frame = warehouse.query(sql).set_index("customer_id")
    except WarehouseError as error:  # declared but not (yet) in the warehouse: optional
        log.info("campaign.contacts_unreadable error=%r", error)
        columns = " and ".join(c for c in (entity.email, entity.opt_out) if c)
        return Contacts(frame=empty, has_email=False, has_opt_out=False,
                        note=f"the {entity.table} table has no {columns} column")  # fmt: skip
    return Contacts(frame=frame, has_email=bool(entity.email), has_opt_out=bool(entity.opt_out))


def routing_exclusions(contacts: Contacts, history: ContactHistory) -> dict[str, str]:
    """customer id → the first exclusion that holds them back from a retention action, in
    the campaign's order: contacted recently or in a flow stop every action; an opt-out or
    a missing address only the emails (agent.churn.recommend.next_step)."""
    out: dict[str, str] = {}
    for cid in history.contacted:
        out.setdefault(cid, "contacted_recently")
    for cid in history.in_flow:
        out.setdefault(cid, "in_retention_flow")
    frame = contacts.frame
    if contacts.has_opt_out:
        opted = frame["opted_out"]
        blocked = opted.isna() | opted.astype("boolean").fillna(True)
        for cid in frame.index[blocked.to_numpy(bool)]:
            out.setdefault(str(cid), "opted_out")
    if contacts.has_email:
        email = frame["email"].astype("string").str.strip()
        for cid in frame.index[(email.isna() | (email == "")).to_numpy(bool)]:
            out.setdefault(str(cid), "no_email")
    return out


def in_holdout(customer_ids: Sequence[str], campaign_id: str, share: float) -> np.ndarray:
    """True for the customers held out of this campaign: a hash of the campaign id and the
    customer id, read as a number in [0, 1), below `share`. Deterministic per campaign."""
    out = np.zeros(len(customer_ids), dtype=bool)
    for i, cid in enumerate(customer_ids):
        digest = hashlib.sha256(f"{campaign_id}\x1f{cid}".encode()).digest()
        out[i] = int.from_bytes(digest[:8], "big") / 2**64 < share
    return out


@dataclass(frozen=True, kw_only=True)
class Audience:
    """One segment as a list to send to: its size before and after exclusions, the holdout,
    and what the customers to contact spent over the year read."""

    segment: str
    customers: int
    excluded: Mapping[str, int]
    send: int
    holdout: int
    value: float
    action: str
    # What those to contact are expected to spend over the next 12 months (the churn
    # features' BG/NBD × Gamma-Gamma value): their number × the expected value per customer.
    # None when the customers could not be scored.
    expected: float | None = None

    def expected_words(self) -> str:
        if self.expected is None or not self.send:
            return ""
        each = self.expected / self.send
        return (
            f", expected to spend ${self.expected:,.0f} over the next 12 months (${each:,.0f} each)"
        )

    @property
    def winback(self) -> bool:
        return self.segment in WINBACK_SEGMENTS


@dataclass(frozen=True, kw_only=True)
class CampaignPlan:
    """The audiences of one campaign and who is in which group, with what was checked."""

    spec: CampaignSpec
    audiences: tuple[Audience, ...]
    # One row per scored customer: customer_id, segment, group (send | holdout | excluded),
    # reason (an EXCLUSION_WORDS key, or "").
    assignment: pd.DataFrame
    unchecked: tuple[str, ...] = field(default_factory=tuple)

    @property
    def send(self) -> int:
        return sum(a.send for a in self.audiences)

    @property
    def holdout(self) -> int:
        return sum(a.holdout for a in self.audiences)

    def excluded(self) -> dict[str, int]:
        counts = self.assignment.loc[self.assignment["group"] == "excluded", "reason"]
        return {k: int(v) for k, v in counts.value_counts().items()}

    def sentences(self) -> list[str]:
        spec = self.spec
        how = f"{spec.delivery} " if spec.delivery else ""
        out = [
            f"For the {how}campaign {spec.campaign_id}: {self.send:,} customers to contact "
            f"across the {len([a for a in self.audiences if a.send])} segments' audiences (each "
            f"its own, in the table) and {self.holdout:,} held out at random "
            f"({spec.holdout_share:.0%}, fixed by the campaign id) so the campaign's effect can "
            "be measured against them."
        ]
        excluded = self.excluded()
        if excluded:
            out.append(
                "Left out first: "
                + ", ".join(f"{n:,} {EXCLUSION_WORDS[r]}" for r, n in excluded.items())
                + "."
            )
        winback = [a for a in self.audiences if a.winback and a.send]
        if winback:
            out.append(
                "Win-back audiences: "
                + "; ".join(
                    f"{a.segment}: {a.send:,} to contact{a.expected_words()}, "
                    f"${a.value:,.0f} spent in the last year"
                    for a in winback
                )
                + "."
            )
        if self.unchecked:
            out.append("Not checked: " + "; ".join(self.unchecked) + ".")
        return out

    def to_rows(self) -> tuple[tuple[object, ...], ...]:
        return tuple(
            (a.segment, a.customers, sum(a.excluded.values()), a.send, a.holdout,
             round(a.value, 2), None if a.expected is None else round(a.expected, 2), a.action)
            for a in self.audiences
        )  # fmt: skip


AUDIENCE_COLUMNS = (
    "segment",
    "customers",
    "excluded",
    "to contact",
    "holdout",
    "their spend, last year",
    "expected value, next 12 months",
    "action",
)


def build_campaign(
    scored: pd.DataFrame,
    spec: CampaignSpec,
    *,
    contacts: Contacts,
    history: ContactHistory,
    high_risk: frozenset[str] | None,
    expected_value: pd.Series | None = None,
) -> CampaignPlan:
    """Audiences from RFM-scored customers (customer_id, segment, monetary) after the
    exclusions, each remaining customer in the send group or the holdout; `expected_value`
    (customer id → expected spend over the next 12 months) gives each audience its value."""
    ids = scored["customer_id"].astype(str).to_numpy()
    reason = np.full(len(ids), "", dtype=object)

    def exclude(mask: np.ndarray, why: str) -> None:
        reason[(reason == "") & mask] = why

    unchecked = []
    frame = contacts.frame.reindex(ids)
    if contacts.has_opt_out:
        opted = frame["opted_out"]
        exclude((opted.isna() | opted.astype("boolean").fillna(True)).to_numpy(bool), "opted_out")
    else:
        unchecked.append(f"email opt-outs ({contacts.note or 'no opt-out column declared'})")
    if spec.delivery == "email" and contacts.has_email:
        email = frame["email"].astype("string").str.strip()
        exclude((email.isna() | (email == "")).to_numpy(bool), "no_email")
    if history.read:
        exclude(np.isin(ids, list(history.contacted)), "contacted_recently")
        exclude(np.isin(ids, list(history.in_flow)), "in_retention_flow")
    else:
        unchecked.append("recent contacts and retention flows (Scout's action records)")
    if high_risk is not None:
        exclude(np.isin(ids, list(high_risk)), "high_churn_risk")
    else:
        unchecked.append("churn risk (no churn model for this warehouse)")
    kept = reason == ""
    hold = np.zeros(len(ids), dtype=bool)
    hold[kept] = in_holdout(list(ids[kept]), spec.campaign_id, spec.holdout_share)
    group = np.where(~kept, "excluded", np.where(hold, "holdout", "send"))
    assignment = pd.DataFrame(
        {"customer_id": ids, "segment": scored["segment"].to_numpy(), "group": group,
         "reason": reason.astype(str)}
    )  # fmt: skip
    monetary = scored["monetary"].to_numpy(float)
    expected = (
        None if expected_value is None else expected_value.reindex(ids).fillna(0.0).to_numpy(float)
    )
    audiences = []
    for name in SEGMENT_ORDER:
        inside = assignment["segment"].to_numpy() == name
        if not inside.any():
            continue
        why = assignment.loc[inside & ~kept, "reason"].value_counts()
        send = inside & (group == "send")
        audiences.append(
            Audience(
                segment=name,
                customers=int(inside.sum()),
                excluded={str(k): int(v) for k, v in why.items()},
                send=int(send.sum()),
                holdout=int((inside & (group == "holdout")).sum()),
                value=float(monetary[send].sum()),
                expected=None if expected is None else float(expected[send].sum()),
                action=ACTIONS[name],
            )
        )
    return CampaignPlan(
        spec=spec, audiences=tuple(audiences), assignment=assignment, unchecked=tuple(unchecked)
    )


def write_assignment(plan: CampaignPlan, folder: Path) -> Path:
    """The campaign's groups, one row per customer: the record uplift is measured against."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"campaign-{plan.spec.campaign_id}.csv"
    plan.assignment.to_csv(path, index=False)
    return path
