"""The core's DataLoader: loads asked for in one event-loop tick go to the batch function together, and each
key's answer is cached for the loader's life (one request). Plain asyncio, so the core needs no GraphQL library.

A pending load outlives a cancelled caller: graphql-core cancels a failed field's siblings, and cancelling a
task cancels the future it awaits, so a load that fields elsewhere in the query share would fail them all with
CancelledError, which no error handler catches. load() therefore hands out the shared future shielded.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Hashable, Iterable, Mapping, Sequence

_DISPATCHING: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks


class CacheMap:
    """key -> the future of its value, under cache_key_fn(key)."""

    def __init__(self, cache_key_fn: Callable[[Any], Hashable] | None):
        self.key = cache_key_fn or (lambda key: key)
        self._futures: dict[Hashable, asyncio.Future] = {}

    def get(self, key: Any) -> asyncio.Future | None:
        return self._futures.get(self.key(key))

    def set(self, key: Any, future: asyncio.Future) -> None:
        self._futures[self.key(key)] = future

    def delete(self, key: Any) -> None:
        self._futures.pop(self.key(key), None)


class _Batch:
    __slots__ = ("keys", "futures", "dispatched")

    def __init__(self):
        self.keys: list = []
        self.futures: list[asyncio.Future] = []
        self.dispatched = False


class DataLoader:
    """load_fn(keys) returns one value per key, in key order; an exception instance in its list fails that key
    alone, an exception it raises fails the whole batch. At most max_batch_size keys per call."""

    def __init__(self, load_fn: Callable[[list], Awaitable[Sequence[Any]]], max_batch_size: int | None = None,
                 cache_key_fn: Callable[[Any], Hashable] | None = None):
        self.load_fn = load_fn
        self.max_batch_size = max_batch_size
        self.cache_map = CacheMap(cache_key_fn)
        self._batch: _Batch | None = None

    def load(self, key: Any) -> Awaitable[Any]:
        future = self.cache_map.get(key)
        if future is None or future.cancelled():
            future = asyncio.get_running_loop().create_future()
            self.cache_map.set(key, future)
            batch = self._open_batch()
            batch.keys.append(key)
            batch.futures.append(future)
        return future if future.done() else asyncio.shield(future)

    def load_many(self, keys: Iterable[Any]) -> Awaitable[list]:
        return asyncio.gather(*map(self.load, keys))

    def prime(self, key: Any, value: Any) -> None:
        self.prime_many({key: value})

    def prime_many(self, data: Mapping[Any, Any]) -> None:
        """Caches values not cached yet; keys waiting in a batch not sent yet get them and leave the batch."""
        loop = asyncio.get_event_loop()
        for key, value in data.items():
            if self.cache_map.get(key) is None:
                future = loop.create_future()
                future.set_result(value)
                self.cache_map.set(key, future)
        batch = self._batch
        if batch is not None and not batch.dispatched:
            primed = {self.cache_map.key(key): value for key, value in data.items()}
            for key, future in zip(batch.keys, batch.futures):
                cache_key = self.cache_map.key(key)
                if cache_key in primed and not future.done():
                    future.set_result(primed[cache_key])
            kept = [(k, f) for k, f in zip(batch.keys, batch.futures) if not f.done()]
            batch.keys, batch.futures = [k for k, _ in kept], [f for _, f in kept]

    def clear(self, key: Any) -> None:
        self.cache_map.delete(key)

    def _open_batch(self) -> _Batch:
        batch = self._batch
        if batch is None or batch.dispatched or not batch.keys or \
                (self.max_batch_size and len(batch.keys) >= self.max_batch_size):
            batch = self._batch = _Batch()
            asyncio.get_running_loop().call_soon(self._start, batch)
        return batch

    def _start(self, batch: _Batch) -> None:
        task = asyncio.get_running_loop().create_task(self._dispatch(batch))
        _DISPATCHING.add(task)
        task.add_done_callback(_DISPATCHING.discard)

    async def _dispatch(self, batch: _Batch) -> None:
        batch.dispatched = True
        if not batch.keys:
            return
        try:
            values = list(await self.load_fn(batch.keys))
            if len(values) != len(batch.keys):
                raise RuntimeError(f"the batch load returned {len(values)} values for {len(batch.keys)} keys")
        except Exception as e:  # noqa: BLE001 - every waiting load gets it
            for future in batch.futures:
                if not future.done():
                    future.set_exception(e)
            return
        for future, value in zip(batch.futures, values):
            if future.done():
                continue
            if isinstance(value, BaseException):
                future.set_exception(value)
            else:
                future.set_result(value)
