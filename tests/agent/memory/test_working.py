"""The bounded working memory: newest items per key, LRU keys evicted."""

from __future__ import annotations

import pytest

from agent.memory import WorkingMemory


def test_items_per_key_are_capped_newest_first() -> None:
    wm: WorkingMemory[int] = WorkingMemory(max_keys=4, per_key=3)
    for i in range(10):
        wm.add("revenue", i)
    assert wm.recent("revenue") == [9, 8, 7]
    assert wm.recent("revenue", 2) == [9, 8]
    assert wm.latest("revenue") == 9
    assert wm.recent("missing") == [] and wm.latest("missing") is None


def test_least_recently_used_key_is_evicted() -> None:
    wm: WorkingMemory[str] = WorkingMemory(max_keys=2, per_key=2)
    wm.add("a", "1")
    wm.add("b", "1")
    wm.recent("a")  # touching "a" makes "b" the least recently used
    wm.add("c", "1")
    assert "b" not in wm and "a" in wm and "c" in wm
    assert wm.keys() == ["a", "c"] and wm.evicted == 1


def test_size_never_exceeds_the_bounds() -> None:
    wm: WorkingMemory[int] = WorkingMemory(max_keys=50, per_key=5)
    for i in range(10_000):
        wm.add(i % 997, i)  # cycling over more keys than fit: each is evicted before reuse
    assert len(wm) == 50 and wm.size == 50
    for i in range(1_000):
        wm.add(i % 50, i)
    assert len(wm) == 50 and wm.size == 250
    wm.forget(next(iter(wm)))
    assert len(wm) == 49


def test_invalid_bounds_are_rejected() -> None:
    with pytest.raises(ValueError):
        WorkingMemory(max_keys=0)
