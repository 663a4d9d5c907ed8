"""The optional LLM: off unless a key is set; its replies are data, checked against schemas.

Scout answers without it. When configured, it is consulted in two places only: reading a
request the rules could not pin down (`understand_with_llm`) and suggesting extra actions
(`propose_actions`); both fall back to Scout's own result on any failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.lazy import lazy_exports

if TYPE_CHECKING:
    from agent.llm.client import LLM, OpenAIClient, parse_reply
    from agent.llm.proposals import propose_actions
    from agent.llm.schemas import GoalDraft, ProposalsDraft
    from agent.llm.settings import LLMSection, LLMSettings, ModelRequestsBlocked, resolve_settings
    from agent.llm.understand import should_consult, understand_with_llm

from collections.abc import Mapping

if TYPE_CHECKING:
    from agent.config import ScoutConfig


def from_config(
    config: ScoutConfig | LLMSection | None = None, *, env: Mapping[str, str] | None = None
) -> LLM | None:
    """The configured LLM client, or None when the LLM is off (no key, or `enabled: false`)."""
    from agent.llm.client import OpenAIClient
    from agent.llm.settings import LLMSection, resolve_settings

    section = config if isinstance(config, LLMSection) or config is None else config.llm
    settings = resolve_settings(section, env)
    return OpenAIClient(settings) if settings is not None else None


_WHERE = {
    "GoalDraft": "agent.llm.schemas",
    "LLM": "agent.llm.client",
    "LLMSection": "agent.llm.settings",
    "LLMSettings": "agent.llm.settings",
    "ModelRequestsBlocked": "agent.llm.settings",
    "OpenAIClient": "agent.llm.client",
    "ProposalsDraft": "agent.llm.schemas",
    "parse_reply": "agent.llm.client",
    "propose_actions": "agent.llm.proposals",
    "resolve_settings": "agent.llm.settings",
    "should_consult": "agent.llm.understand",
    "understand_with_llm": "agent.llm.understand",
}


__getattr__ = lazy_exports(__name__, _WHERE)


__all__ = [
    "LLM",
    "GoalDraft",
    "LLMSection",
    "LLMSettings",
    "ModelRequestsBlocked",
    "OpenAIClient",
    "ProposalsDraft",
    "from_config",
    "parse_reply",
    "propose_actions",
    "resolve_settings",
    "should_consult",
    "understand_with_llm",
]
