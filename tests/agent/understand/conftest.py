"""The real semantic layer, loaded once: understanding is tested against semantic.yml."""

from __future__ import annotations

import pytest

from agent.semantic import SemanticLayer, load_semantic


@pytest.fixture(scope="session")
def layer() -> SemanticLayer:
    return load_semantic()
