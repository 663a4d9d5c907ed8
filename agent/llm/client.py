"""The LLM seam: a small Protocol, and its implementation on the official `openai` SDK.

A reply is data. It must be one JSON object that fits the caller's pydantic schema; anything
else (an HTTP error, a timeout, malformed JSON, extra or wrong fields) is logged and becomes
None, so callers fall back to what Scout decided without the model.
"""

from __future__ import annotations

import json
import logging
import re
from functools import cache
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from agent.llm.settings import LLMSettings, check_destination

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# A reply larger than this is not an answer to our questions; do not even parse it.
MAX_REPLY_CHARS = 20_000
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL | re.IGNORECASE)


class LLM(Protocol):
    """What Scout needs from a model: one JSON object that fits a schema, or None."""

    async def complete_json(self, system: str, user: str, schema: type[M]) -> M | None: ...


class OpenAIClient:
    """An `LLM` backed by AsyncOpenAI; works with any OpenAI-compatible chat server."""

    def __init__(self, settings: LLMSettings) -> None:
        # Imported here: the SDK takes seconds to import, and most runs never use it.
        from openai import AsyncOpenAI

        self.settings = settings
        self._client: AsyncOpenAI = AsyncOpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
        )

    async def complete_json(self, system: str, user: str, schema: type[M]) -> M | None:
        """Ask once (the SDK retries 429/5xx/timeouts); the parsed reply, or None on any failure."""
        import openai

        check_destination(self.settings.base_url)
        purpose = schema.__name__
        try:
            response = await self._client.chat.completions.create(
                model=self.settings.model,
                messages=[
                    {"role": "system", "content": system + _schema_note(schema)},
                    {"role": "user", "content": user},
                ],
                response_format={"type": "json_object"},
                temperature=0,
            )
        except openai.APITimeoutError:
            log.warning("llm_failed purpose=%s reason=timeout", purpose)
            return None
        except openai.APIStatusError as error:
            log.warning("llm_failed purpose=%s reason=http %s", purpose, error.status_code)
            return None
        except openai.APIError as error:  # connection refused, undecodable body …
            log.warning("llm_failed purpose=%s reason=%s", purpose, type(error).__name__)
            return None
        # The SDK does not validate replies strictly; a server may omit what it should send.
        choices = getattr(response, "choices", None)
        if not choices:
            log.warning("llm_dropped purpose=%s reason=no choices", purpose)
            return None
        choice = choices[0]
        finish = getattr(choice, "finish_reason", None)
        if finish not in (None, "stop"):  # "length" means a cut-off, unparseable object
            log.warning("llm_dropped purpose=%s reason=finish_reason %s", purpose, finish)
            return None
        message = getattr(choice, "message", None)
        return parse_reply(getattr(message, "content", None), schema)

    async def aclose(self) -> None:
        await self._client.close()


def parse_reply(content: str | None, schema: type[M]) -> M | None:
    """A reply's text → the schema's model, or None (logged) when it is anything else."""
    purpose = schema.__name__
    text = (content or "").strip()
    if not text:
        log.warning("llm_dropped purpose=%s reason=empty reply", purpose)
        return None
    if len(text) > MAX_REPLY_CHARS:
        log.warning("llm_dropped purpose=%s reason=reply too long (%d chars)", purpose, len(text))
        return None
    fenced = _FENCE.match(text)  # some servers wrap JSON in a code fence despite json mode
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except ValueError as error:
        log.warning(
            "llm_dropped purpose=%s reason=malformed json (%s) reply=%r", purpose, error, text[:120]
        )
        return None
    if not isinstance(data, dict):
        log.warning("llm_dropped purpose=%s reason=not a JSON object", purpose)
        return None
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        log.warning(
            "llm_dropped purpose=%s reason=outside schema (%d problems; %s: %s)",
            purpose,
            error.error_count(),
            where,
            first["msg"],
        )
        return None


@cache  # the schema is fixed per class; building it took longer than the request itself
def _schema_note(schema: type[BaseModel]) -> str:
    shape = json.dumps(schema.model_json_schema(), separators=(",", ":"))
    return (
        "\n\nReply with exactly one JSON object matching this JSON Schema, and nothing else. "
        f"Fields not in the schema are rejected.\n{shape}"
    )
