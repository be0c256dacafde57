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
