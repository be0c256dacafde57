"""Query results cached per viewer and keyed by the data version, which every write bumps.

A gradebook asks for the same page again and again; between writes the answer cannot change, so it
is served from memory. Any replica reads the version from the database, so none serves stale data.
"""

from __future__ import annotations

import orjson
from graphql import DocumentNode, FieldNode, InlineFragmentNode, OperationDefinitionNode
from sqlalchemy import func, select

from outcome_graph.db import models as m
from outcome_graph.lru import BoundedLRU

# Fields whose answers change without a data-version bump (job progress) are never cached.
UNCACHEABLE_FIELDS = frozenset({"rollupJob", "rollupJobs"})


def cacheable(document: DocumentNode, operation_name: str | None) -> bool:
    """True for a single named-or-only query operation that reads nothing uncacheable.

    Takes the request's one parsed document (schema/document.py), never the text: parsing is bounded there.
    """
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    op = next((o for o in ops if operation_name is None or (o.name and o.name.value == operation_name)), None)
    if op is None or op.operation.value != "query" or (operation_name is None and len(ops) != 1):
        return False
    return not any(name in UNCACHEABLE_FIELDS for d in document.definitions for name in _field_names(d))


def _field_names(node):
    """Every field name selected under a definition, written once each (fragments are definitions too)."""
    for sel in node.selection_set.selections if getattr(node, "selection_set", None) is not None else ():
        if isinstance(sel, FieldNode):
            yield sel.name.value
        if isinstance(sel, FieldNode | InlineFragmentNode):
            yield from _field_names(sel)


async def data_version(reader) -> int:
    """Grows with every write of any course's data or scoring rules."""
    return int(await reader.scalar(select(func.coalesce(func.sum(m.Course.data_version + m.Course.scoring_version), 0))))


class ResponseCache:
    """A small LRU of query results, bounded in entries and in encoded bytes; entries of an older data
    version are simply never hit again."""

    def __init__(self, size: int, max_bytes: int):
        self.entries = BoundedLRU(size, max_bytes)

    @staticmethod
    def key(version: int, viewer, query: str, variables, operation_name) -> tuple:
        who = None if viewer is None else (viewer.user_id, viewer.is_admin)
        return (version, who, query, orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS), operation_name)

    def get(self, key: tuple):
        return self.entries.get(key)

    def put(self, key: tuple, data) -> None:
        # The key holds the query text and variables: they count as well as the answer.
        size = len(orjson.dumps(data)) + len(key[2]) + len(key[3])
        self.entries.put(key, data, size)
