"""Canvas's query parameters read into the core's inputs (docs/rest-api.md). A value Canvas would refuse is
refused here with Canvas's text; which ids exist, and who may read them, the core decides."""

from __future__ import annotations

from collections.abc import Iterable

from outcome_graph.errors import BadUserInput, NotFound
from outcome_graph.rest.core import UserRef, parse_id
from outcome_graph.rest.errors import RESOURCE_NOT_FOUND, RestError, invalid

TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
NOT_USERS = "can only include id's of users in the outcome context"
NOT_OUTCOMES = "can only include id's of outcomes in the outcome context"
NOT_GROUP = "can only include an outcome group id in the outcome context"
INVALID_SECTION = "invalid section id"
# Our GraphQL API's as-of dates and windows have no Canvas parameter: asked for here, they are refused rather
# than ignored (ignoring them would answer a different question than the one asked).
EXTENSIONS = ("as_of", "window", "from", "to")


def listed(params, name: str) -> list[str] | None:
    """A list parameter as Canvas takes it: `name[]=a&name[]=b`, or `name=a,b`; None when absent."""
    values = params.getlist(f"{name}[]")
    if name in params:
        values += [v for part in params.getlist(name) for v in part.split(",")]
    values = [v.strip() for v in values if v.strip()]
    return values if values or f"{name}[]" in params or name in params else None


def flag(params, name: str) -> bool:
    """Canvas's value_to_boolean."""
    return params.get(name, "").strip().lower() in TRUE


def path_id(value: str) -> int:
    """A route's id: a 404, as Canvas answers for a path that names nothing."""
    try:
        return parse_id(value, "id")
    except BadUserInput:
        raise NotFound(RESOURCE_NOT_FOUND) from None


def _ids(values: Iterable[str] | None, message: str) -> tuple[int, ...] | None:
    if values is None:
        return None
    try:
        return tuple(parse_id(v, "id") for v in values)
    except BadUserInput:
        raise RestError(message) from None


def user_ids(params, name: str = "user_ids") -> tuple[UserRef, ...] | None:
    """user_ids[]: ids, `self` or `sis_user_id:X` (docs/behaviour.md §3.1)."""
    values = listed(params, name)
    if values is None:
        return None
    try:
        return tuple(UserRef.parse(v, name) for v in values)
    except BadUserInput:
        raise RestError(NOT_USERS) from None


def outcome_ids(params) -> tuple[int, ...] | None:
    return _ids(listed(params, "outcome_ids"), NOT_OUTCOMES)


def one_id(params, name: str, message: str) -> int | None:
    value = params.get(name)
    return None if value is None or not value.strip() else _ids([value], message)[0]


def outcome_group_id(params) -> int | None:
    return one_id(params, "outcome_group_id", NOT_GROUP)


def section_id(params) -> int | None:
    return one_id(params, "section_id", INVALID_SECTION)


def refuse_extensions(params) -> None:
    """as_of, window[from], window[to], from, to: not Canvas's (docs/rest-api.md)."""
    for key in params.keys():
        base = key.split("[", 1)[0]
        if base in EXTENSIONS:
            raise invalid(key)


def includes(params, allowed: Iterable[str]) -> list[str]:
    """include[]: every name known, else Canvas's `invalid include: <name>`."""
    names = listed(params, "include") or []
    for name in names:
        if name not in allowed:
            raise RestError(f"invalid include: {name}")
    return list(dict.fromkeys(names))
