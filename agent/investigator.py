"""The investigator the actor calls for `investigate` actions: it runs the analysis they name.

An investigate action carries a Goal (usually an explain); the answer is the finding's
summary, and the finding itself is kept (a few, newest first) so a `report` that runs after
the investigation can post it without computing it again. The monitor cycle puts the
findings it already computed here for the same reason.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from agent.analyses import AnalysisContext, run_goal
from agent.domain import Action, Finding, Goal, Intent, stable_key
from agent.semantic import SemanticLayer
from agent.warehouse import Warehouse

MAX_KEPT = 64


def goal_key(goal: Goal) -> str:
    """The identity of an investigation: what it computes, not how it was worded."""
    data = goal.to_json()
    data.pop("confidence", None)
    return stable_key("investigation", data)


class AnalysisInvestigator:
    """Runs an action's goal through the analyses; remembers the latest findings by goal."""

    def __init__(
        self, *, warehouse: Warehouse, layer: SemanticLayer, today: Callable[[], date]
    ) -> None:
        self.warehouse = warehouse
        self.layer = layer
        self.today = today
        self._found: OrderedDict[str, tuple[Finding, ...]] = OrderedDict()

    def remember(self, goal: Goal, findings: tuple[Finding, ...]) -> None:
        """Keep findings computed elsewhere (the monitor's own investigation) for this goal."""
        key = goal_key(goal)
        self._found[key] = findings
        self._found.move_to_end(key)
        while len(self._found) > MAX_KEPT:
            self._found.popitem(last=False)

    def findings(self, goal: Goal) -> tuple[Finding, ...] | None:
        return self._found.get(goal_key(goal))

    async def run(self, goal: Goal) -> tuple[Finding, ...]:
        """The findings for a goal: remembered, or computed off the event loop."""
        known = self.findings(goal)
        if known is not None:
            return known
        ctx = AnalysisContext(warehouse=self.warehouse, layer=self.layer, today=self.today())
        found = await asyncio.to_thread(run_goal, goal, ctx)
        self.remember(goal, found)
        return found

    async def investigate(self, action: Action) -> str:
        """The `Investigator` port: one line saying what the investigation found."""
        raw = action.params.get("goal")
        if isinstance(raw, dict):
            goal = Goal.from_json(raw)
        else:
            goal = Goal(intent=Intent.EXPLAIN, text=str(action.params.get("question", "")))
        found = await self.run(goal)
        return found[0].summary if found else "nothing to report"
