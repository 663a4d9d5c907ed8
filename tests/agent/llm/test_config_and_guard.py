"""Turning the LLM on and off, and the guard that keeps tests away from real models."""

from __future__ import annotations

import os

import pytest

from agent.config import ScoutConfig, load_config
from agent.errors import ConfigError
from agent.llm import (
    GoalDraft,
    LLMSettings,
    ModelRequestsBlocked,
    OpenAIClient,
    from_config,
    resolve_settings,
)
from tests.fakes.openai_server import FakeOpenAI


def test_off_without_a_key_and_with_enabled_false() -> None:
    assert "OPENAI_API_KEY" not in os.environ  # the autouse guard cleared it
    assert from_config(ScoutConfig()) is None
    off = ScoutConfig.model_validate({"llm": {"enabled": False}})
    assert from_config(off, env={"OPENAI_API_KEY": "sk-x"}) is None


def test_settings_come_from_the_environment_over_the_file() -> None:
    config = ScoutConfig.model_validate(
        {"llm": {"model": "file-model", "base_url": "http://file:1/v1", "timeout_s": 3}}
    )
    env = {"SCOUT_LLM_API_KEY": "sk-a", "OPENAI_API_KEY": "sk-b", "SCOUT_LLM_MODEL": "env-model"}
    settings = resolve_settings(config.llm, env)
    assert settings is not None
    assert (settings.api_key, settings.model, settings.base_url) == (
        "sk-a",
        "env-model",
        "http://file:1/v1",
    )
    assert settings.timeout_s == 3 and settings.max_retries == 2
    assert "sk-a" not in repr(settings)
    client = from_config(config, env={"OPENAI_API_KEY": "sk-b"})
    assert isinstance(client, OpenAIClient) and client.settings.model == "file-model"


def test_a_wrong_llm_section_is_a_friendly_config_error(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "scout.yml"  # type: ignore[operator]
    path.write_text("llm:\n  timeout_s: -1\n  temprature: 0\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert any("llm.timeout_s" in p for p in info.value.problems)
    assert any("llm.temprature" in p for p in info.value.problems)


async def test_a_real_endpoint_is_blocked_in_tests() -> None:
    client = OpenAIClient(
        LLMSettings(api_key="sk-x", model="m", base_url=None, timeout_s=1, max_retries=0)
    )
    with pytest.raises(ModelRequestsBlocked):
        await client.complete_json("s", "u", GoalDraft)
    await client.aclose()


async def test_the_fake_fails_on_a_call_nobody_scripted() -> None:
    with FakeOpenAI() as fake:
        client = OpenAIClient(
            LLMSettings(api_key="k", model="m", base_url=fake.base_url, timeout_s=5, max_retries=2)
        )
        assert await client.complete_json("s", "u", GoalDraft) is None
        await client.aclose()
        assert len(fake.requests) == 1  # not retried: the fake said x-should-retry: false
        with pytest.raises(AssertionError, match="unexpected call"):
            fake.verify()
    with FakeOpenAI() as fake:
        fake.reply_json({"intent": "help"})
        with pytest.raises(AssertionError, match="never requested"):
            fake.verify()
        fake.requests.clear()
        fake._script.clear()  # let it stop cleanly
