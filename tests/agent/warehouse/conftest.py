"""Fixtures: the repo's semantic layer and a small hand-built DuckDB warehouse."""

from __future__ import annotations

import pytest

from agent.semantic import SemanticLayer, load_semantic
from tests.agent.semantic.handmade import handmade, handmade_frames, handmade_path

__all__ = ["handmade", "handmade_frames", "handmade_path"]


@pytest.fixture(scope="session")
def layer() -> SemanticLayer:
    """The semantic layer at the repository root."""
    return load_semantic()
