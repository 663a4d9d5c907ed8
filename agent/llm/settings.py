"""`llm:` in scout.yml, plus the environment: whether the optional LLM is on, and how to reach it.

The key never lives in a file: the LLM is on only when OPENAI_API_KEY (or SCOUT_LLM_API_KEY)
is set and `llm.enabled` is not false. Any OpenAI-compatible server works through
SCOUT_LLM_BASE_URL / OPENAI_BASE_URL or `llm.base_url`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from agent.errors import ConfigError

DEFAULT_MODEL = "gpt-4o-mini"
KEY_VARS = ("SCOUT_LLM_API_KEY", "OPENAI_API_KEY")
BASE_URL_VARS = ("SCOUT_LLM_BASE_URL", "OPENAI_BASE_URL")
MODEL_VAR = "SCOUT_LLM_MODEL"

# Tests flip this off (tests/conftest.py), and set LOOPBACK_VAR for subprocesses: a client
# may then only talk to a server on loopback, so no test can reach a real model even if a
# key leaks into the environment.
ALLOW_REMOTE_REQUESTS = True
LOOPBACK_VAR = "SCOUT_LLM_LOOPBACK_ONLY"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class ModelRequestsBlocked(RuntimeError):
    """A request to a real model while they are switched off (tests); never swallowed."""


class LLMSection(BaseModel):
    """`llm:` the optional model Scout may consult when its own rules are unsure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="false keeps the LLM off even with a key")
    model: str | None = Field(
        default=None, min_length=1, max_length=200, description="default: gpt-4o-mini"
    )
    base_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="any OpenAI-compatible server, e.g. http://localhost:11434/v1",
    )
    timeout_s: float = Field(default=20.0, gt=0, le=300, description="per request, seconds")
    max_retries: int = Field(default=2, ge=0, le=10, description="retries on 429/5xx/timeouts")


@dataclass(frozen=True, kw_only=True)
class LLMSettings:
    """Everything needed to build a client; resolved from the section and the environment."""

    api_key: str
    model: str
    base_url: str | None
    timeout_s: float
    max_retries: int

    def __repr__(self) -> str:  # never print the key
        return (
            f"LLMSettings(model={self.model!r}, base_url={self.base_url!r}, "
            f"timeout_s={self.timeout_s}, max_retries={self.max_retries})"
        )


def resolve_settings(
    section: LLMSection | None = None, env: Mapping[str, str] | None = None
) -> LLMSettings | None:
    """The LLM settings, or None when the LLM is off (no key, or `enabled: false`)."""
    section = section or LLMSection()
    env = os.environ if env is None else env
    key = _first(env, KEY_VARS)
    if not section.enabled or not key:
        return None
    base_url = _first(env, BASE_URL_VARS) or section.base_url
    if base_url is not None and urlsplit(base_url).scheme not in ("http", "https"):
        raise ConfigError(
            [f"SCOUT_LLM_BASE_URL: expected an http(s) URL, got {base_url!r}"], source="env"
        )
    return LLMSettings(
        api_key=key,
        model=_first(env, (MODEL_VAR,)) or section.model or DEFAULT_MODEL,
        base_url=base_url,
        timeout_s=section.timeout_s,
        max_retries=section.max_retries,
    )


def check_destination(base_url: str | None) -> None:
    """Refuse a non-loopback destination while remote requests are switched off (tests)."""
    if ALLOW_REMOTE_REQUESTS and not os.environ.get(LOOPBACK_VAR):
        return
    host = urlsplit(base_url or "https://api.openai.com/v1").hostname or ""
    if host not in _LOOPBACK:
        raise ModelRequestsBlocked(
            f"model requests to {host!r} are blocked here (llm.settings.ALLOW_REMOTE_REQUESTS "
            "is False); point the client at a fake on 127.0.0.1"
        )


def _first(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None
