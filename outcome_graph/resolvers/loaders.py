"""Per-request DataLoaders over the batch loads of db.batch, named <things>_by_<key>."""

from __future__ import annotations

from functools import partial
from typing import Any, Awaitable, Callable, TypeVar

from outcome_graph.db import batch
from outcome_graph.db.reader import Reader
from outcome_graph.resolvers.dataloader import DataLoader

MAX_BATCH = 1000
T = TypeVar("T")


# name -> (batch load, cache key function): see Loaders.
_LOADS: dict[str, tuple[Callable, Callable | None]] = {
    "course_by_id": (batch.courses, None),
    "section_by_id": (batch.sections, None),
    "user_by_id": (batch.users, None),
    "outcome_by_id": (batch.outcomes, None),
    "group_by_id": (batch.groups, None),
    "asset_by_id": (batch.assets, None),
    "alignment_by_id": (batch.alignments, None),
    "result_by_id": (batch.results, None),
    "sections_by_course": (batch.sections_by_course, None),
    "groups_by_course": (batch.groups_by_course, None),
    "links_by_course": (batch.links_by_course, None),
    "links_by_outcome": (batch.links_by_outcome, None),
    "enrollments_by_user": (batch.enrollments_by_user, None),
    "alignments_by_course_outcome": (batch.alignments_by_course_outcome, tuple),
    "outcome_order_by_course_user": (batch.outcome_order, tuple),
    "overrides_by_course": (batch.course_overrides, None),
}


class Loaders:
    """Created per request: caches never outlive the request that filled them.

    Each loader is made on first use: a small request touches two or three of them, and making all
    seventeen cost more than its whole field execution.
    """

    def __init__(self, reader: Reader):
        self._reader = reader

    def __getattr__(self, name: str) -> DataLoader:  # only for loaders not made yet
        spec = _LOADS.get(name)
        if spec is None:
            raise AttributeError(name)
        fn, key = spec
        loader = DataLoader(load_fn=partial(fn, self._reader), max_batch_size=MAX_BATCH, cache_key_fn=key)
        setattr(self, name, loader)
        return loader


def request_loader(ctx, name: str, load_fn: Callable) -> DataLoader:
    """A DataLoader made on first use and kept for the request (in ctx.memo, which lives as long)."""
    loader = ctx.memo.get(name)
    if loader is None:
        loader = ctx.memo[name] = DataLoader(load_fn=load_fn, max_batch_size=MAX_BATCH)
    return loader


def loaded(loader: DataLoader, key: Any) -> Any:
    """The value the loader already holds for key (primed, or loaded earlier in the request), else PENDING."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return PENDING
    return future.result()


PENDING = object()


def load_then(loader: DataLoader, key: Any, build: Callable[[Any], T]) -> T | Awaitable[T]:
    """build(value), synchronously when the value is already loaded: a field resolved this way costs no
    task and no await per node, which is most of a large page's time. Otherwise an awaitable of it."""
    value = loaded(loader, key)
    if value is not PENDING:
        return build(value)

    async def later() -> T:
        return build(await loader.load(key))

    return later()


async def load_all(loader: DataLoader, keys: list) -> list:
    """loader.load_many(keys) without a future, a callback and a task per key: the keys it does not hold are
    read with its own batch function, MAX_BATCH at a time as it would, and primed into it. A sort that
    needs every student of a course costs two statements and no per-student scheduling."""
    values: dict = {}
    missing = []
    for key in dict.fromkeys(keys):
        value = loaded(loader, key)
        if value is not PENDING:
            values[key] = value
        elif loader.cache_map.get(key) is not None:  # in flight in another batch, or failed: the loader's way
            return await loader.load_many(keys)
        else:
            missing.append(key)
    for i in range(0, len(missing), MAX_BATCH):
        chunk = missing[i:i + MAX_BATCH]
        found = dict(zip(chunk, await loader.load_fn(chunk)))
        loader.prime_many(found)
        values.update(found)
    return [values[key] for key in keys]
