"""Plans as DAGs: planned actions and analysis steps, ordered with graphlib.

Order is topological with priority breaking ties: among the actions whose dependencies are
done, the highest-ranked goes next. A dependency cycle or a dependency on an action that is
not in the plan is a `PlanError` naming the actions involved; nothing is silently dropped
or appended.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Protocol, TypeVar

from agent.domain import Action
from agent.errors import PlanError


class DependencyCycle(PlanError):
    """The plan's dependencies loop; `actions` lists the loop in order."""

    def __init__(self, actions: Sequence[str]) -> None:
        self.actions = tuple(actions)
        super().__init__("plan has a dependency cycle: " + " → ".join(self.actions))


class MissingDependency(PlanError):
    """Actions depend on ids that are not in the plan; `missing` maps each to what it lacks."""

    def __init__(self, missing: dict[str, tuple[str, ...]]) -> None:
        self.missing = missing
        self.actions = tuple(sorted(missing))
        parts = [
            f"'{a}' depends on {', '.join(repr(d) for d in deps)}" for a, deps in missing.items()
        ]
        super().__init__(
            "plan has missing dependencies: " + "; ".join(parts) + " (not in the plan)"
        )


class DuplicateAction(PlanError):
    def __init__(self, ids: Sequence[str]) -> None:
        self.actions = tuple(ids)
        super().__init__("plan has duplicate action ids: " + ", ".join(self.actions))


@dataclass(frozen=True, kw_only=True)
class PlannedAction:
    """An Action in a plan: its id, configured priority, learned score and dependencies."""

    id: str
    action: Action
    priority: int
    depends_on: tuple[str, ...] = ()
    situation: str = ""
    rule: str = ""
    score: float | None = None

    @property
    def rank(self) -> float:
        """What ordering uses: the learned score when known, else the configured priority."""
        return float(self.priority) if self.score is None else self.score

    @property
    def key(self) -> str:
        return self.action.idempotency_key


@dataclass(frozen=True, kw_only=True)
class Skipped:
    action: PlannedAction
    reason: str


class _Node(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def depends_on(self) -> tuple[str, ...]: ...


N = TypeVar("N", bound=_Node)


def topo_order(
    nodes: Sequence[N], rank: Callable[[N], float], *, done: Collection[str] = ()
) -> list[N]:
    """Nodes in dependency order, highest rank first among the ready ones.

    `done` holds ids completed earlier (a previous cycle): depending on them is allowed.
    """
    by_id: dict[str, N] = {}
    duplicates: set[str] = set()
    for n in nodes:
        if n.id in by_id:
            duplicates.add(n.id)
        by_id.setdefault(n.id, n)
    if duplicates:
        raise DuplicateAction(sorted(duplicates))
    missing = {
        n.id: tuple(d for d in n.depends_on if d not in by_id and d not in done) for n in nodes
    }
    missing = {k: v for k, v in missing.items() if v}
    if missing:
        raise MissingDependency(missing)
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for n in nodes:
        sorter.add(n.id, *(d for d in n.depends_on if d in by_id))
    try:
        sorter.prepare()
    except CycleError as error:
        raise DependencyCycle([str(x) for x in error.args[1]]) from None
    position = {n.id: i for i, n in enumerate(nodes)}
    ready: list[tuple[float, int, str]] = []
    ordered: list[N] = []
    while sorter.is_active():
        for node_id in sorter.get_ready():
            heapq.heappush(ready, (-rank(by_id[node_id]), position[node_id], node_id))
        _, _, node_id = heapq.heappop(ready)
        ordered.append(by_id[node_id])
        sorter.done(node_id)
    return ordered


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A validated, ordered set of planned actions, and those left out with the reason."""

    actions: tuple[PlannedAction, ...]
    skipped: tuple[Skipped, ...] = ()
    done: frozenset[str] = frozenset()

    @staticmethod
    def build(
        actions: Iterable[PlannedAction],
        *,
        skipped: Iterable[Skipped] = (),
        done: Collection[str] = (),
    ) -> Plan:
        """Validate and order; raises PlanError naming the offending actions."""
        ordered = topo_order(list(actions), lambda a: a.rank, done=done)
        return Plan(actions=tuple(ordered), skipped=tuple(skipped), done=frozenset(done))

    def by_id(self, action_id: str) -> PlannedAction:
        for action in self.actions:
            if action.id == action_id:
                return action
        raise KeyError(action_id)

    def select(self, n: int) -> tuple[PlannedAction, ...]:
        """The top `n` actions by rank, each with everything it depends on, in run order.

        An action is taken only if it fits together with its not-yet-done dependencies, so
        a high-priority report always brings the investigation it needs.
        """
        index = {a.id: i for i, a in enumerate(self.actions)}
        by_id = {a.id: a for a in self.actions}
        chosen: set[str] = set()
        for action in sorted(self.actions, key=lambda a: (-a.rank, index[a.id])):
            if len(chosen) >= n:
                break
            if action.id in chosen:
                continue
            needed = _ancestors(action.id, by_id, self.done) - chosen
            needed.add(action.id)
            if len(chosen) + len(needed) <= n:
                chosen |= needed
        return tuple(a for a in self.actions if a.id in chosen)


def _ancestors(action_id: str, by_id: dict[str, PlannedAction], done: Collection[str]) -> set[str]:
    seen: set[str] = set()
    stack = [action_id]
    while stack:
        for dep in by_id[stack.pop()].depends_on:
            if dep not in done and dep not in seen and dep in by_id:
                seen.add(dep)
                stack.append(dep)
    return seen
