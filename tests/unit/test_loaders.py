"""A field cancelled while it waits on a DataLoader (graphql-core cancels a failed field's siblings) must not
cancel the load itself: fields elsewhere in the query share it, and a CancelledError escapes every error handler."""

from __future__ import annotations

import asyncio

import pytest

from outcome_graph.resolvers.dataloader import DataLoader


async def test_a_cancelled_caller_does_not_cancel_a_load_that_others_share():
    started, release = asyncio.Event(), asyncio.Event()

    async def load(keys):
        started.set()
        await release.wait()
        return [key * 2 for key in keys]

    loader = DataLoader(load_fn=load)
    cancelled = asyncio.ensure_future(loader.load(21))
    sharing = asyncio.ensure_future(loader.load(21))
    await started.wait()
    cancelled.cancel()
    release.set()
    assert await sharing == 42
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await loader.load(21) == 42  # and the cached value stays good


def recording(fail: dict | None = None):
    """A batch function that records its calls; keys in `fail` answer that exception."""
    calls: list[list] = []

    async def load(keys):
        calls.append(list(keys))
        return [(fail or {}).get(key, key * 2) for key in keys]
    return calls, load


async def test_loads_of_one_tick_are_one_batch_and_each_key_is_loaded_once():
    calls, load = recording()
    loader = DataLoader(load_fn=load)
    assert await asyncio.gather(loader.load(1), loader.load(2), loader.load(1)) == [2, 4, 2]
    assert calls == [[1, 2]]
    assert await loader.load_many([2, 3]) == [4, 6]
    assert calls == [[1, 2], [3]]  # 2 came from the cache


async def test_batches_hold_at_most_max_batch_size_keys():
    calls, load = recording()
    loader = DataLoader(load_fn=load, max_batch_size=2)
    assert await loader.load_many([1, 2, 3, 4, 5]) == [2, 4, 6, 8, 10]
    assert calls == [[1, 2], [3, 4], [5]]


async def test_an_exception_in_the_answer_fails_its_key_alone_and_a_raised_one_fails_the_batch():
    calls, load = recording(fail={2: LookupError("no 2")})
    loader = DataLoader(load_fn=load)
    one, two = await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)
    assert one == 2 and isinstance(two, LookupError)

    async def broken(keys):
        raise RuntimeError("database down")
    loader = DataLoader(load_fn=broken)
    results = await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]


async def test_primed_values_answer_without_a_load_even_when_asked_for_in_the_same_tick():
    calls, load = recording()
    loader = DataLoader(load_fn=load, cache_key_fn=tuple)
    pending = loader.load([1, 2])  # queued: its batch goes out at the next turn of the loop
    loader.prime_many({(1, 2): "primed", (3,): "also"})
    assert await pending == "primed" and await loader.load([3]) == "also"
    assert loader.cache_map.get([3]).result() == "also"
    assert calls == []
