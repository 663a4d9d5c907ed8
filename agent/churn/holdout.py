"""A random holdout for retention actions, drawn when they are proposed.

Whether a win-back "worked" can only be told against customers like those treated who got
nothing: each proposed action kind holds out `campaign_holdout_share` of its customers (10%
by default), by a hash of the kind, the day and the customer (`audience.in_holdout`), so the
same answer asked twice holds out the same people. Held-out customers get no action; they
and the treated are recorded in memory with the day, and `agent.churn.measure` later reads
whether each ordered again. A customer still inside an earlier holdout's outcome window
stays untreated until it closes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from agent.churn.audience import in_holdout
from agent.domain import Action, stable_key
from agent.learning import RetentionAssignment

if TYPE_CHECKING:
    from agent.memory import Memory

log = logging.getLogger("scout.churn")


@dataclass(frozen=True, kw_only=True)
class RetentionDraw:
    """The proposed actions split into those to send and the customers held out."""

    treated: tuple[Action, ...]
    held_out: tuple[RetentionAssignment, ...]
    still_held: tuple[str, ...]  # in an earlier holdout whose window is open: no action
    assignments: tuple[RetentionAssignment, ...]  # treated and held out, to record
    share: float

    def withheld_reason(self, customer_id: str) -> str | None:
        """Why this customer gets no action although one was chosen, or None."""
        if any(row.customer_id == customer_id for row in self.held_out):
            return "none: held out at random (control)"
        if customer_id in self.still_held:
            return "none: in an earlier holdout"
        return None

    def sentence(self) -> str:
        """How many were held out, in words ('' when nothing was proposed)."""
        proposed = len(self.treated) + len(self.held_out)
        out = []
        if proposed:
            out.append(
                f"{len(self.held_out):,} of the {proposed:,} customers chosen for a retention "
                f"action {'was' if len(self.held_out) == 1 else 'were'} held out at random "
                f"({self.share:.0%} per action kind) and get no action, so that what the "
                "actions change can be measured against them."
            )
        if self.still_held:
            out.append(
                f"{len(self.still_held):,} more stay untreated as part of an earlier holdout: "
                + ", ".join(self.still_held[:5])
                + "."
            )
        return " ".join(out)


def draw_holdout(
    actions: Sequence[Action],
    *,
    today: date,
    share: float,
    already_held: frozenset[str] = frozenset(),
) -> RetentionDraw:
    """Split retention actions into those to propose and a seeded holdout per action kind.

    Each treated action gets a key fixed by kind, customer and day, so its execution record
    can be found again when its outcome is measured."""
    treated: list[Action] = []
    held: list[RetentionAssignment] = []
    still: list[str] = []
    records: list[RetentionAssignment] = []
    for action in actions:
        cid = str(action.params.get("customer_id") or action.target)
        if cid in already_held:
            still.append(cid)
            continue
        level = str(action.params.get("risk_level") or "unknown")
        seed = f"retention-{action.kind}-{today.isoformat()}"
        if in_holdout([cid], seed, share)[0]:
            row = RetentionAssignment(
                customer_id=cid, kind=action.kind, segment=level, group="holdout", since=today
            )
            held.append(row)
            records.append(row)
            continue
        key = stable_key("retention", action.kind, cid, today.isoformat())
        treated.append(replace(action, key=key))
        records.append(
            RetentionAssignment(
                customer_id=cid,
                kind=action.kind,
                segment=level,
                group="treated",
                since=today,
                action_key=key,
            )
        )
    return RetentionDraw(
        treated=tuple(treated),
        held_out=tuple(held),
        still_held=tuple(still),
        assignments=tuple(records),
        share=share,
    )


class HoldoutLedger:
    """Records a draw in memory from the worker thread an analysis runs in.

    Analyses are synchronous and run off the event loop (`asyncio.to_thread`); memory is
    async and lives on the loop. The ledger hands the write to that loop and waits for it,
    so the answer is only given once memory has the holdout it mentions.
    """

    def __init__(
        self,
        memory: Memory,
        loop: asyncio.AbstractEventLoop,
        *,
        held: frozenset[str] = frozenset(),
        timeout_s: float = 60.0,
    ) -> None:
        self.memory = memory
        self.loop = loop
        self.held = held  # open holdouts when the question arrived
        self.timeout_s = timeout_s
        self._loop_thread = threading.get_ident()

    def record(self, draw: RetentionDraw) -> int:
        """Write the draw's assignments; how many were new."""
        if not draw.assignments:
            return 0
        if threading.get_ident() == self._loop_thread:
            # Waiting here would block the loop that must run the write.
            raise RuntimeError("HoldoutLedger.record must be called from a worker thread")
        future = asyncio.run_coroutine_threadsafe(
            self.memory.record_retention_assignments(draw.assignments), self.loop
        )
        return future.result(timeout=self.timeout_s)
