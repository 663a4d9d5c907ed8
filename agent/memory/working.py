"""A bounded working memory for the hot path: the latest items per key, least recently used
keys evicted first.

The persistent store is the record; this is the scratchpad a cycle reads without touching
disk (the last observations of a metric, the latest findings of a thread). Both the number
of keys and the items per key are capped, so it cannot grow with uptime.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class WorkingMemory(Generic[T]):
    """At most `max_keys` keys, each holding its `per_key` most recent items."""

    def __init__(self, *, max_keys: int = 1024, per_key: int = 32) -> None:
        if max_keys < 1 or per_key < 1:
            raise ValueError("max_keys and per_key must be at least 1")
        self.max_keys = max_keys
        self.per_key = per_key
        self._items: OrderedDict[Hashable, deque[T]] = OrderedDict()
        self.evicted = 0

    def add(self, key: Hashable, item: T) -> None:
        """Remember `item` under `key`; the oldest item or least recent key falls out."""
        bucket = self._items.get(key)
        if bucket is None:
            bucket = deque(maxlen=self.per_key)
            self._items[key] = bucket
            while len(self._items) > self.max_keys:
                self._items.popitem(last=False)
                self.evicted += 1
        else:
            self._items.move_to_end(key)
        bucket.append(item)

    def recent(self, key: Hashable, n: int | None = None) -> list[T]:
        """The latest `n` items for `key`, newest first (touching the key)."""
        bucket = self._items.get(key)
        if bucket is None:
            return []
        self._items.move_to_end(key)
        items = list(reversed(bucket))
        return items if n is None else items[:n]

    def latest(self, key: Hashable) -> T | None:
        bucket = self._items.get(key)
        return bucket[-1] if bucket else None

    def forget(self, key: Hashable) -> None:
        self._items.pop(key, None)

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return list(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._items))

    @property
    def size(self) -> int:
        """Total items held across keys (≤ max_keys × per_key)."""
        return sum(len(b) for b in self._items.values())
