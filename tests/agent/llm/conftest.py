"""Fixtures for the LLM tests: the strict fake server, and the real SDK client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from agent.llm import LLMSettings, OpenAIClient
from agent.semantic import SemanticLayer, load_semantic
from tests.fakes.openai_server import FakeOpenAI

API_KEY = "sk-test-not-a-real-key"


@pytest.fixture(scope="session")
def layer() -> SemanticLayer:
    return load_semantic()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A scripted server; teardown fails the test on an unexpected or unconsumed call."""
    with FakeOpenAI() as fake:
        yield fake
        fake.verify()


MakeClient = Callable[..., OpenAIClient]


@pytest.fixture
async def make_client(fake_openai: FakeOpenAI) -> AsyncIterator[MakeClient]:
    """Build real `openai` SDK clients aimed at the fake (closed after the test)."""
    made: list[OpenAIClient] = []

    def make(*, timeout_s: float = 5.0, max_retries: int = 2) -> OpenAIClient:
        settings = LLMSettings(
            api_key=API_KEY,
            model="fake-model",
            base_url=fake_openai.base_url,
            timeout_s=timeout_s,
            max_retries=max_retries,
        )
        made.append(OpenAIClient(settings))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()
