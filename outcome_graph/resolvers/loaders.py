"""Per-request DataLoaders over the batch loads of db.batch, named <things>_by_<key>."""

from __future__ import annotations

from functools import partial
from typing import Any, Awaitable, Callable, TypeVar

from strawberry.dataloader import DataLoader

from outcome_graph.db import batch
from outcome_graph.db.reader import Reader

MAX_BATCH = 1000
T = TypeVar("T")


class Loaders:
    """Created per request: caches never outlive the request that filled them."""

    def __init__(self, reader: Reader):
        def make(fn):
            return DataLoader(load_fn=partial(fn, reader), max_batch_size=MAX_BATCH)

        def make_pairs(fn):
            return DataLoader(load_fn=partial(fn, reader), max_batch_size=MAX_BATCH,
                              cache_key_fn=tuple)

        self.course_by_id = make(batch.courses)
        self.section_by_id = make(batch.sections)
        self.user_by_id = make(batch.users)
        self.outcome_by_id = make(batch.outcomes)
        self.group_by_id = make(batch.groups)
        self.asset_by_id = make(batch.assets)
        self.alignment_by_id = make(batch.alignments)
        self.result_by_id = make(batch.results)
        self.sections_by_course = make(batch.sections_by_course)
        self.groups_by_course = make(batch.groups_by_course)
        self.links_by_course = make(batch.links_by_course)
        self.links_by_outcome = make(batch.links_by_outcome)
        self.enrollments_by_course = make(batch.enrollments_by_course)
        self.enrollments_by_user = make(batch.enrollments_by_user)
        self.alignments_by_course_outcome = make_pairs(batch.alignments_by_course_outcome)
        self.alignments_by_outcome = make(batch.alignments_by_outcome)
        self.outcome_order_by_course_user = make_pairs(batch.outcome_order)
        self.overrides_by_course = make(batch.course_overrides)


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
