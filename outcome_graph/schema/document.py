"""Each query text parsed once, within the token limit: the response cache, the budget, validation and
execution all use that one document, and a text past the limit is refused after max_tokens tokens."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from graphql import DocumentNode, parse
from strawberry.extensions import SchemaExtension

from outcome_graph.lru import BoundedLRU

MAX_DOCUMENTS = 1024


class Documents:
    """Parsed documents kept by query text, bounded in entries and in the texts' bytes."""

    def __init__(self, max_tokens: int, max_bytes: int):
        self.max_tokens = max_tokens
        self.cache = BoundedLRU(MAX_DOCUMENTS, max_bytes)

    def parse(self, query: str) -> DocumentNode:
        """The document, or GraphQLError (the token limit's, or a syntax error), which is not kept."""
        document = self.cache.get(query)
        if document is None:
            document = parse(query, max_tokens=self.max_tokens)
            self.cache.put(query, document, sys.getsizeof(query))
        return document


def parse_once(documents: Documents):
    """Strawberry's parse step, through `documents` (its errors become the request's, as a parse error would)."""

    class ParseOnce(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            context = self.execution_context
            if context.query:
                context.graphql_document = documents.parse(context.query)
            yield

    return ParseOnce
