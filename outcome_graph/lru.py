"""An LRU bounded by entries and by bytes: a cache fed by what clients send must not grow with its size."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any, Hashable


class BoundedLRU:
    """Least recently used entries leave first; an entry larger than the whole budget is not kept."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        entry = self.entries.get(key)
        if entry is None:
            return None
        self.entries.move_to_end(key)
        return entry[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.max_bytes or self.max_entries <= 0:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self.entries[key] = (value, size)
        self.bytes += size
        while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, freed) = self.entries.popitem(last=False)
            self.bytes -= freed


class PerDatabase:
    """One BoundedLRU per database engine, dropped with its engine: what is kept per data version of a course
    (resolvers/counts.py, resolvers/roster.py) is shared by that database's requests only."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def of(self, engine) -> BoundedLRU:
        cache = self._caches.get(engine.sync_engine)
        if cache is None:
            cache = self._caches[engine.sync_engine] = BoundedLRU(self.max_entries, self.max_bytes)
        return cache
