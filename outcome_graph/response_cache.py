"""Query results cached per viewer and keyed by the data version, which every write bumps.

A gradebook asks for the same page again and again; between writes the answer cannot change, so it
is served from memory. Any replica reads the version from the database, so none serves stale data.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

import orjson
from graphql import FieldNode, OperationDefinitionNode, parse
from graphql.error import GraphQLError
from sqlalchemy import func, select

from outcome_graph.db import models as m

# Fields whose answers change without a data-version bump (job progress) are never cached.
UNCACHEABLE_FIELDS = frozenset({"rollupJob", "rollupJobs"})


@functools.lru_cache(maxsize=1024)
def cacheable(query: str, operation_name: str | None) -> bool:
    """True for a single named-or-only query operation that reads nothing uncacheable."""
    try:
        doc = parse(query)
    except GraphQLError:
        return False
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    op = next((o for o in ops if operation_name is None or (o.name and o.name.value == operation_name)), None)
    if op is None or op.operation.value != "query" or (operation_name is None and len(ops) != 1):
        return False
    return not any(isinstance(node, FieldNode) and node.name.value in UNCACHEABLE_FIELDS for node in _nodes(doc))


def _nodes(node):
    yield node
    for key in node.keys:
        value = getattr(node, key, None)
        if isinstance(value, tuple | list):
            for item in value:
                if hasattr(item, "keys"):
                    yield from _nodes(item)
        elif hasattr(value, "keys") and key not in ("loc",):
            yield from _nodes(value)


async def data_version(reader) -> int:
    """Grows with every write of any course's data or scoring rules."""
    return int(await reader.scalar(select(func.coalesce(func.sum(m.Course.data_version + m.Course.scoring_version), 0))))


class ResponseCache:
    """A small LRU of query results; entries of an older data version are simply never hit again."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[tuple, Any] = OrderedDict()

    @staticmethod
    def key(version: int, viewer, query: str, variables, operation_name) -> tuple:
        who = None if viewer is None else (viewer.user_id, viewer.is_admin)
        return (version, who, query, orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS), operation_name)

    def get(self, key: tuple):
        data = self.entries.get(key)
        if data is not None:
            self.entries.move_to_end(key)
        return data

    def put(self, key: tuple, data) -> None:
        self.entries[key] = data
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
