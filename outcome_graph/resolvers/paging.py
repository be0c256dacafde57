"""Relay paging: `first` checks and opaque, stable cursors that carry the sort key of an edge."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Generic, Sequence, TypeVar

import orjson

from outcome_graph.errors import BadUserInput

T = TypeVar("T")


def check_first(first: int, maximum: int) -> int:
    if first < 0:
        raise BadUserInput(f"first must be between 0 and {maximum}, got {first}")
    if first > maximum:
        raise BadUserInput(f"first must be at most {maximum} (the maximum page size), got {first}")
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
    if not isinstance(value, list) or len(value) != arity + 1 or value[0] != kind:
        raise BadUserInput(f"invalid cursor {cursor[:40]!r}: pass an edge cursor or endCursor of this connection")
    return value[1:]


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    total: int
    has_next: bool
    has_previous: bool
