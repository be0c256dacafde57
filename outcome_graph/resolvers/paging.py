"""Relay paging, forward (`first`/`after`) and backward (`last`/`before`), with opaque cursors.

A cursor carries ids and the sort keys the server cannot re-derive (a score), never a student's name: the name
key of the cursor's student is derived again from their id on decode, so names stay out of logs and URLs.
Cursors are versioned; another version's cursor (or a forged one) is BAD_USER_INPUT naming the argument.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Generic, Sequence, TypeVar

import orjson

from outcome_graph.errors import BadUserInput
from outcome_graph.resolvers.inputs import Paging

T = TypeVar("T")
MAX_INT = 2**63 - 1
DEFAULT_PAGE_SIZE = 10
VERSION = "og2."  # cursors before it held names: refused

# What each kind of cursor carries (the kind's first two parts: "rollup:student:asc" -> "rollup:student").
# A float position takes ints too; anything else must match exactly, so a forged cursor never reaches SQL or a sort.
KEY_TYPES: dict[str, tuple[type, ...]] = {
    "result": (int, int, int),  # user id, outcome id, result id (the name key comes from the user id)
    "rollup:id": (int,),  # user id
    "rollup:student": (int,),  # user id (the name key comes from it)
    "rollup:outcome": (bool, float, int),  # missing score, score, user id
}


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a connection: `size` edges after `after` (forward, `offset` of them skipped first) or
    before `before` (backward)."""

    size: int
    backward: bool
    after: list | None  # decoded cursor keys
    before: list | None
    offset: int = 0


def check_size(value: int, maximum: int, argument: str) -> int:
    if value < 0:
        raise BadUserInput(f"{argument} must be between 0 and {maximum}, got {value}", argument=argument)
    if value > maximum:
        raise BadUserInput(f"{argument} must be at most {maximum} (the maximum page size), got {value}",
                           argument=argument)
    return value


def page_request(kind: str, maximum: int, paging: Paging) -> PageRequest:
    """The request's slice, checked: `first` or `last` (not both; neither means the first 10), cursors of
    this connection and sort, and an offset (forward only, at most MAX_INT)."""
    first, last = paging.first, paging.last
    if first is not None and last is not None:
        raise BadUserInput("pass first (forward) or last (backward), not both", argument="last")
    backward = last is not None
    size = check_size(last, maximum, "last") if backward else \
        check_size(DEFAULT_PAGE_SIZE if first is None else first, maximum, "first")
    offset = paging.offset
    if offset and backward:
        raise BadUserInput("an offset pages forward only: pass first, not last", argument="offset")
    if not 0 <= offset <= MAX_INT:
        raise BadUserInput(f"offset must be between 0 and {MAX_INT}, got {offset}", argument="offset")
    return PageRequest(size, backward, decode_cursor(paging.after, kind, "after"),
                       decode_cursor(paging.before, kind, "before"), offset)


def encode_cursor(kind: str, key: Sequence[Any]) -> str:
    return VERSION + base64.urlsafe_b64encode(orjson.dumps([kind, *key])).decode()


def decode_cursor(cursor: str | None, kind: str, argument: str) -> list | None:
    """The keys inside a cursor of this kind; BAD_USER_INPUT naming the argument for anything else."""
    if cursor is None:
        return None
    value = None
    if cursor.startswith(VERSION):
        try:
            value = orjson.loads(base64.urlsafe_b64decode(cursor[len(VERSION):].encode()))
        except (ValueError, TypeError):
            pass
    types = KEY_TYPES[":".join(kind.split(":")[:2])]
    if (not isinstance(value, list) or len(value) != len(types) + 1 or value[0] != kind
            or not all(map(_fits, value[1:], types))):
        raise BadUserInput(f"{argument}: invalid cursor {cursor[:40]!r}: pass an edge cursor, startCursor or "
                           "endCursor of this connection with the same sort (cursors of older versions of the API "
                           "are no longer accepted: start again from the first page)", argument=argument)
    return value[1:]


def _fits(value: Any, expected: type) -> bool:
    """A key value of the expected type that every database takes: 64-bit."""
    if expected is float and type(value) is int:  # a whole score comes back from JSON as an int
        expected = int
    if type(value) is not expected:
        return False
    return expected is bool or -MAX_INT <= value <= MAX_INT


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    total: int | Callable[[], Awaitable[int]]  # or a coroutine function counting it when asked: see total_of
    has_next: bool
    has_previous: bool


async def total_of(page: Page) -> int:
    """The page's totalCount, counted now if it was left until asked (a count that would cost more than the
    page: docs/performance.md, "Paging results")."""
    return page.total if isinstance(page.total, int) else await page.total()


def cut(window: list[T], request: PageRequest) -> tuple[list[T], bool, bool]:
    """The page of a window (the edges between the cursors, in order, or offset + size + 1 of them from the side
    the request reads): (items, has_next, has_previous). Going forward, hasPreviousPage says whether a cursor
    or an offset came before; going backward, hasNextPage does."""
    n = request.size
    if request.backward:
        return window[max(0, len(window) - n):] if n else [], request.before is not None, len(window) > n
    start = request.offset
    return window[start:start + n], len(window) > start + n, request.after is not None or start > 0
