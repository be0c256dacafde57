"""Federation `_entities` representations checked before any resolver sees them: a malformed one is the
caller's mistake (BAD_USER_INPUT naming it), never an internal error."""

from __future__ import annotations

from typing import Any

from outcome_graph.errors import BadUserInput

KEY = "id"  # every entity type here is keyed by id (@key(fields: "id"))


def _bad(index: int, message: str) -> BadUserInput:
    return BadUserInput(f"representations[{index}]: {message}", argument="representations", index=index)


def check_representation(index: int, rep: Any, entity_types: list[str]) -> dict | BadUserInput:
    """The representation, or the error that answers it."""
    if not isinstance(rep, dict):
        return _bad(index, f"expected an object with __typename and {KEY}, got {type(rep).__name__}")
    typename = rep.get("__typename")
    if typename is None:
        return _bad(index, "__typename is missing")
    if typename not in entity_types:
        return _bad(index, f"{str(typename)[:80]!r} is not an entity type of this service "
                           f"({', '.join(entity_types)})")
    key = rep.get(KEY)
    if key is None:
        return _bad(index, f"{typename} needs its key field {KEY!r}")
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        return _bad(index, f"{typename}.{KEY} must be an ID (a string or an integer)")
    extra = sorted(set(rep) - {"__typename", KEY})
    if extra:
        return _bad(index, f"unknown field {extra[0][:80]!r} for {typename} (its key is {KEY!r})")
    return dict(rep)


def entity_type_names(graphql_schema) -> list[str]:
    return sorted(t.name for t in graphql_schema.type_map["_Entity"].types)
