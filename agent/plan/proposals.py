"""Proposals from other planners (an LLM) enter here: schema-checked, dependency-checked.

Whatever arrives is data. Items that are not objects, break the schema, reuse an id, name a
dependency that does not exist or loop are dropped and logged with the reason; what is left
always forms a valid DAG together with the ids already planned.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.domain import Action, stable_key
from agent.plan.dag import PlannedAction

log = logging.getLogger(__name__)


class ProposalModel(BaseModel):
    """The only shape a proposal may have."""

    model_config = ConfigDict(extra="forbid", str_max_length=500, str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:@\[\]=,\-]+$")
    kind: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")
    target: str = Field(default="", max_length=200)
    params: dict[str, str | int | float | bool] = Field(default_factory=dict, max_length=20)
    priority: int = Field(default=50, ge=0, le=100)
    depends_on: list[str] = Field(default_factory=list, max_length=10)
    reason: str = ""
    situation: str = Field(default="", max_length=200)


@dataclass(frozen=True, kw_only=True)
class Rejected:
    id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ProposalCheck:
    accepted: tuple[PlannedAction, ...]
    rejected: tuple[Rejected, ...]


def check_proposals(
    raw: Sequence[object],
    *,
    known_ids: Collection[str] = (),
    allowed_kinds: Collection[str] | None = None,
    source: Literal["llm", "person", "churn"] = "llm",
) -> ProposalCheck:
    """Validate raw proposals; report what was accepted and why the rest was dropped."""
    rejected: list[Rejected] = []
    models: dict[str, ProposalModel] = {}
    for i, item in enumerate(raw):
        label = str(item.get("id", f"#{i}")) if isinstance(item, dict) else f"#{i}"
        try:
            model = ProposalModel.model_validate(item)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(item)"
            rejected.append(Rejected(id=label[:120], reason=f"{where}: {first['msg']}"))
            continue
        if allowed_kinds is not None and model.kind not in allowed_kinds:
            rejected.append(Rejected(id=model.id, reason=f"kind '{model.kind}' is not allowed"))
        elif model.id in models or model.id in known_ids:
            rejected.append(Rejected(id=model.id, reason="duplicates an existing action id"))
        else:
            models[model.id] = model
    rejected += _drop_unresolved(models, known_ids)
    rejected += _drop_cycles(models, known_ids)
    for item in rejected:
        log.warning("proposal_dropped id=%s source=%s reason=%s", item.id, source, item.reason)
    accepted = tuple(_planned(m, source) for m in models.values())
    return ProposalCheck(accepted=accepted, rejected=tuple(rejected))


def validate_proposals(
    raw: Sequence[object],
    *,
    known_ids: Collection[str] = (),
    allowed_kinds: Collection[str] | None = None,
) -> list[PlannedAction]:
    """The valid proposals as planned actions; invalid ones are dropped and logged."""
    check = check_proposals(raw, known_ids=known_ids, allowed_kinds=allowed_kinds)
    return list(check.accepted)


def _drop_unresolved(models: dict[str, ProposalModel], known: Collection[str]) -> list[Rejected]:
    # Iterate to a fixpoint: dropping one proposal can orphan another that depended on it.
    rejected = []
    changed = True
    while changed:
        changed = False
        for model in list(models.values()):
            missing = [d for d in model.depends_on if d not in models and d not in known]
            if missing:
                del models[model.id]
                rejected.append(Rejected(id=model.id, reason=f"depends on unknown '{missing[0]}'"))
                changed = True
    return rejected


def _drop_cycles(models: dict[str, ProposalModel], known: Collection[str]) -> list[Rejected]:
    rejected: list[Rejected] = []
    while True:
        sorter: TopologicalSorter[str] = TopologicalSorter()
        for model in models.values():
            sorter.add(model.id, *(d for d in model.depends_on if d in models))
        try:
            sorter.prepare()
            return rejected
        except CycleError as error:
            loop = [str(x) for x in error.args[1]]
            for node in sorted(set(loop)):
                models.pop(node, None)
                rejected.append(Rejected(id=node, reason="dependency loop: " + " → ".join(loop)))
            rejected += _drop_unresolved(models, known)  # dependents of the loop are orphans now


def _planned(model: ProposalModel, source: Literal["llm", "person", "churn"]) -> PlannedAction:
    action = Action(
        kind=model.kind,
        target=model.target,
        params=dict(model.params),
        priority=model.priority,
        depends_on=tuple(model.depends_on),
        reason=model.reason,
        source=source,
        key=stable_key("proposal", source, model.kind, model.target, model.params),
    )
    return PlannedAction(
        id=model.id,
        action=action,
        priority=model.priority,
        depends_on=tuple(model.depends_on),
        situation=model.situation,
        rule=source,
    )
