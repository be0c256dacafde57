"""Ids as an API sends them (GraphQL ID strings, REST path and query strings, ints) -> source-system integer ids."""

from __future__ import annotations

from outcome_graph.errors import BadUserInput

MAX_ID = 2**63 - 1


def parse_id(value: str | int, argument: str) -> int:
    """A positive integer id; anything else is a BAD_USER_INPUT naming the argument as the caller's API spells it."""
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        n = int(text)
        if 0 < n <= MAX_ID:
            return n
    raise BadUserInput(f"{argument}: {str(value)[:64]!r} is not an id (a positive integer)", argument=argument)


def parse_ids(values: list[str] | None, argument: str) -> list[int] | None:
    return None if values is None else [parse_id(v, argument) for v in values]
