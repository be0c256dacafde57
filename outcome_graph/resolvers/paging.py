"""Relay paging: `first` checks and opaque, stable cursors that carry the sort key of an edge."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Generic, Sequence, TypeVar

import orjson

from outcome_graph.errors import BadUserInput

T = TypeVar("T")
MAX_INT = 2**63 - 1

# The sort key each kind of cursor carries (the kind's first two parts: "rollup:student:asc" -> "rollup:student").
# A float position takes ints too; anything else must match exactly, so a forged cursor never reaches SQL or a sort.
KEY_TYPES: dict[str, tuple[type, ...]] = {
    "result": (str, int, int, int),  # sortable-name key, user id, outcome id, result id
    "rollup:id": (int,),
    "rollup:student": (str, int),
    "rollup:outcome": (bool, float, str, int),  # missing score, score, name key, user id
}


def check_first(first: int, maximum: int, argument: str = "first") -> int:
    if first < 0:
        raise BadUserInput(f"{argument} must be between 0 and {maximum}, got {first}", argument=argument)
    if first > maximum:
        raise BadUserInput(f"{argument} must be at most {maximum} (the maximum page size), got {first}",
                           argument=argument)
    return first


def encode_cursor(kind: str, key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([kind, *key])).decode()


def decode_cursor(cursor: str | None, kind: str, arity: int) -> list | None:
    """The sort key inside a cursor of this kind; BAD_USER_INPUT for anything else."""
    if cursor is None:
        return None
    try:
        value = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        value = None
    types = KEY_TYPES.get(":".join(kind.split(":")[:2]), (None,) * arity)
    if (not isinstance(value, list) or len(value) != arity + 1 or value[0] != kind
            or not all(map(_fits, value[1:], types))):
        raise BadUserInput(f"after: invalid cursor {cursor[:40]!r}: pass an edge cursor or endCursor of this "
                           "connection", argument="after")
    return value[1:]


def _fits(value: Any, expected: type | None) -> bool:
    """A key value of the expected type (None: any scalar) that every database takes: 64-bit, no NUL."""
    if expected is None:
        return value is None or type(value) in (str, int, float, bool) and _fits(value, type(value))
    if expected is float and type(value) is int:  # a whole score comes back from JSON as an int
        expected = int
    if type(value) is not expected:
        return False
    if expected is str:
        return "\x00" not in value
    return expected is bool or -MAX_INT <= value <= MAX_INT


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    total: int
    has_next: bool
    has_previous: bool
