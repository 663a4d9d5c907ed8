"""The only shapes an LLM reply may take. Anything else is dropped (and logged) by the client.

Field types are checked here; whether a metric, a dimension or a value exists is checked
against the semantic layer afterwards (agent.llm.understand), because the layer is data.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from agent.domain import Intent

# Semantic-layer names are identifiers; anything with spaces, quotes or semicolons is not one.
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
Value = Annotated[str, Field(min_length=1, max_length=80)]
Phrase = Annotated[str, Field(min_length=1, max_length=80)]

MAX_PROPOSALS = 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class GoalDraft(_Strict):
    """The model's reading of a request: names from the layer, the date phrase as words."""

    intent: Intent
    metric: Name | None = None
    filters: dict[Name, Value] = Field(default_factory=dict, max_length=6)
    compare: dict[Name, tuple[Value, Value]] = Field(default_factory=dict, max_length=2)
    group_by: list[Name] = Field(default_factory=list, max_length=3)
    window: Phrase | None = Field(
        default=None, description="the time period in plain English, e.g. 'last week'"
    )
    baseline: Phrase | None = Field(
        default=None, description="what to compare against, e.g. 'last year'; null if none"
    )
    grain: Literal["day", "week", "month"] | None = None
    customer_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,40}$")
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class ProposalsDraft(_Strict):
    """Extra action proposals; each item is checked on its own by agent.plan.check_proposals."""

    proposals: list[JsonValue] = Field(default_factory=list, max_length=MAX_PROPOSALS)
