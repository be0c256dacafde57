"""The table of entry points: every root field and entity reference resolver is registered here by
`entry_point`, which refuses a caller without a valid token before the resolver runs; tests/api/test_access_walk.py
walks the schema and fails on any root field or entity type missing from it."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from outcome_graph.resolvers.access.course import require_viewer

# "Query.course", "Alignment._entities", ... -> the resolver; `anonymous` ones answer without a token.
ENTRY_POINTS: dict[str, Callable] = {}
ANONYMOUS: set[str] = set()


def _check(name: str, args: tuple, kwargs: dict) -> None:
    info = kwargs.get("info") or next(a for a in args if hasattr(a, "context"))
    ctx = info.context
    if ctx.auth_error is not None:  # a bad token is refused everywhere, even where no token is needed
        raise ctx.auth_error
    if name not in ANONYMOUS:
        require_viewer(ctx)


def entry_point(name: str, *, anonymous: bool = False):
    """Registers a resolver under its schema name ("Type.field", or "Type._entities" for resolve_reference)."""
    def register(fn: Callable) -> Callable:
        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def wrapper(*args, **kwargs):
                _check(name, args, kwargs)
                async for item in fn(*args, **kwargs):
                    yield item
        else:
            @functools.wraps(fn)
            async def wrapper(*args, **kwargs):
                _check(name, args, kwargs)
                return await fn(*args, **kwargs)
        wrapper.entry_point = name
        ENTRY_POINTS[name] = wrapper
        if anonymous:
            ANONYMOUS.add(name)
        return wrapper
    return register
